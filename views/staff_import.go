package views

// StaffImportVM is Settings → Import: the upload form, and after an
// upload either what the import did or every problem of the file.
type StaffImportVM struct {
	FileName string
	DryRun   bool
	Result   *ImportResultVM
	Problems []ImportProblemVM // at most MaxProblemsShown
	Hidden   int               // problems beyond those shown
	MaxMB    int
	MaxRows  int
}

// MaxProblemsShown caps the problem table of one upload.
const MaxProblemsShown = 500

// ImportResultVM counts what an import did (or, dry, would do).
type ImportResultVM struct {
	Rows                                             int
	DebtorsCreated, DebtorsUpdated, DebtorsUnchanged int
	InvoicesCreated, InvoicesUpdated, InvoicesSame   int
	DryRun                                           bool
}

// ImportProblemVM is one problem: row 0 is the file as a whole, an
// empty column the row as a whole; Key and Args are the message.
type ImportProblemVM struct {
	Row    int
	Column string
	Key    string
	Args   []any
}
