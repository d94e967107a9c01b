package views

// KeptFileVM is a file kept from a refused submission of a dispute form
// or message (disputes.Kept): it goes with the form again unless the
// debtor unticks it.
type KeptFileVM struct {
	PublicID  string
	Name      string // display text only
	MediaType string
	Size      int
}
