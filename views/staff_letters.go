package views

// LettersCardVM is the outbox's card of dunning letters waiting for
// print (admins only).
type LettersCardVM struct {
	Count  int
	UpTo   int64  // the newest letter's id: what the download and "mark as posted" cover
	Notice string // a translation key, or ""
}
