package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// ImportRow is one row of a file import (internal/csvimport): a debtor as
// the file describes it and one of its invoices. Row is the row's number
// in the file (the header is row 1), for errors.
type ImportRow struct {
	Row            int
	CustomerNumber string
	Debtor         DebtorInput
	InvoiceNumber  string
	Invoice        InvoiceInput
}

// DebtorFields are the debtor fields an import may leave out: a column
// the file does not have keeps what is stored for an existing debtor.
var DebtorFields = []string{"kind", "email", "phone", "street", "postcode", "city", "country",
	"birth_date", "language", "preferred_channel", "segment"}

// ImportOptions says how to apply an import.
type ImportOptions struct {
	// Given holds the debtor fields (DebtorFields) the file has a column
	// for; the others keep what an existing debtor has.
	Given map[string]bool
	// DryRun applies everything in a transaction that is then rolled
	// back: the result (or the errors) are exactly those of a real run.
	DryRun bool
	// StaffID and Source go into the audit log (import.completed):
	// who imported (nil from the shell) and what (the file's name).
	StaffID *int64
	Source  string
}

// ImportResult counts what an import did (or, dry, would do).
type ImportResult struct {
	Rows             int  `json:"rows"`
	DebtorsCreated   int  `json:"debtors_created"`
	DebtorsUpdated   int  `json:"debtors_updated"`
	DebtorsUnchanged int  `json:"debtors_unchanged"`
	InvoicesCreated  int  `json:"invoices_created"`
	InvoicesUpdated  int  `json:"invoices_updated"`
	InvoicesSame     int  `json:"invoices_unchanged"`
	DryRun           bool `json:"-"`
}

// RowError is a problem with one row of an import: Row is its number in
// the file (the header is row 1), Field the column ("" for the row as a
// whole), Key and Args the translated message.
type RowError struct {
	Row   int
	Field string
	Key   string
	Args  map[string]any
}

// RowErrors are all problems of an import; when an import returns them
// nothing was applied.
type RowErrors []RowError

func (e RowErrors) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d row errors", len(e))
	for i, r := range e {
		if i == 5 {
			b.WriteString("; …")
			break
		}
		fmt.Fprintf(&b, "; row %d %s: %s", r.Row, r.Field, r.Key)
	}
	return b.String()
}

// AddErr appends err (ar.Invalids, an *ar.Error) as errors of row; the
// field names go through rename (nil: as they are).
func (e *RowErrors) AddErr(row int, err error, rename func(string) string) {
	if rename == nil {
		rename = func(s string) string { return s }
	}
	var list ar.Invalids
	if errors.As(err, &list) {
		for _, fe := range list {
			*e = append(*e, RowError{Row: row, Field: rename(fe.Field), Key: fe.Key, Args: fe.Args})
		}
		return
	}
	if ae, ok := ar.AsError(err); ok {
		*e = append(*e, RowError{Row: row, Field: rename(ae.Field), Key: ae.Key, Args: ae.Args})
		return
	}
	*e = append(*e, RowError{Row: row, Key: "error.csvimport.invalid"})
}

// CheckRows validates an import's rows as Import does before it goes to
// the database: each row as the API would take its debtor and invoice,
// every row of one customer alike, no invoice number twice. It returns
// RowErrors or nil.
func CheckRows(creditorID int64, rows []ImportRow, today time.Time) error {
	if errs := prepare(creditorID, rows, today).errs; len(errs) > 0 {
		return errs
	}
	return nil
}

type importDebtor struct {
	row int
	in  DebtorInput
	d   *ar.Debtor
}

type prepared struct {
	errs     RowErrors
	debtors  map[string]*importDebtor
	order    []string      // customer numbers in the order of their first row
	invoices []*ar.Invoice // per row
}

func prepare(creditorID int64, rows []ImportRow, today time.Time) *prepared {
	p := &prepared{debtors: map[string]*importDebtor{}, invoices: make([]*ar.Invoice, len(rows))}
	invoiceRow := map[string]int{}
	for i, r := range rows {
		d, err := r.Debtor.Debtor(creditorID, r.CustomerNumber, today)
		if err != nil {
			p.errs.AddErr(r.Row, err, nil)
		} else if first, ok := p.debtors[r.CustomerNumber]; ok {
			if f := debtorDiff(first.d, d); f != "" {
				p.errs = append(p.errs, RowError{Row: r.Row, Field: f, Key: "error.csvimport.debtor_differs", Args: map[string]any{"Row": first.row}})
			}
		} else {
			p.debtors[r.CustomerNumber] = &importDebtor{row: r.Row, in: r.Debtor, d: d}
			p.order = append(p.order, r.CustomerNumber)
		}
		in := r.Invoice
		in.CustomerNumber = r.CustomerNumber
		inv, err := in.Invoice(creditorID, r.InvoiceNumber)
		if err != nil {
			var list ar.Invalids
			if errors.As(err, &list) {
				// The customer number is the debtor's (reported above).
				kept := list[:0:0]
				for _, fe := range list {
					if fe.Field != "customer_number" {
						kept = append(kept, fe)
					}
				}
				err = kept.Err()
			}
			if err != nil {
				p.errs.AddErr(r.Row, err, nil)
			}
		} else if first, ok := invoiceRow[r.InvoiceNumber]; ok {
			p.errs = append(p.errs, RowError{Row: r.Row, Field: "invoice_number", Key: "error.csvimport.duplicate_invoice", Args: map[string]any{"Row": first}})
		} else {
			invoiceRow[r.InvoiceNumber] = r.Row
			p.invoices[i] = inv
		}
	}
	return p
}

// errDryRun rolls a dry run's transaction back.
var errDryRun = errors.New("dry run")

// Import applies a file's rows in one transaction, all or nothing: any
// invalid row, or one that conflicts with what is stored (an invoice of
// another customer, a changed invoice that is already paid), returns
// RowErrors and applies nothing. Debtors are upserted by customer number
// as with PutDebtor (and keep what the debtor chose in the portal);
// invoices as with PutInvoice (ledger, timeline, invoice.created). A
// debtor or invoice the file describes as it is stored is left alone, so
// importing the same file again changes nothing. Every row of one
// customer must describe the debtor alike. The import is audited
// (import.completed) unless it is a dry run.
func (s *Service) Import(ctx context.Context, c *ar.Creditor, rows []ImportRow, opt ImportOptions) (*ImportResult, error) {
	res := &ImportResult{Rows: len(rows), DryRun: opt.DryRun}
	p := prepare(c.ID, rows, c.Today(s.now()))
	errs := p.errs
	if len(errs) > 0 {
		return nil, errs
	}
	debtors, order, invoices := p.debtors, p.order, p.invoices
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.LockImports(ctx, c.ID); err != nil {
			return err
		}
		ids := make(map[string]int64, len(order))
		for _, num := range order {
			dd := debtors[num]
			old, err := tx.DebtorByNumber(ctx, c.ID, num)
			switch {
			case ar.IsNotFound(err):
				id, err := tx.UpsertDebtor(ctx, dd.d)
				if err != nil {
					return err
				}
				ids[num] = id
				res.DebtorsCreated++
				continue
			case err != nil:
				return err
			}
			keepChoices(dd.d, old, dd.in)
			for _, f := range DebtorFields {
				if !opt.Given[f] {
					keepField(dd.d, old, f)
				}
			}
			ids[num] = old.ID
			if debtorDiff(old, dd.d) == "" {
				res.DebtorsUnchanged++
				continue
			}
			if _, err := tx.UpsertDebtor(ctx, dd.d); err != nil {
				return err
			}
			res.DebtorsUpdated++
		}
		numbers := make([]string, len(rows))
		for i, r := range rows {
			numbers[i] = r.InvoiceNumber
		}
		existing, err := tx.ExistingInvoiceNumbers(ctx, c.ID, numbers)
		if err != nil {
			return err
		}
		for i, r := range rows {
			inv, debtorID := invoices[i], ids[r.CustomerNumber]
			if !existing[r.InvoiceNumber] {
				if _, err := putInvoiceFor(ctx, tx, c, inv, debtorID, r.CustomerNumber, false); err != nil {
					return err
				}
				res.InvoicesCreated++
				continue
			}
			old, err := tx.InvoiceByNumber(ctx, c.ID, r.InvoiceNumber)
			if err != nil {
				return err
			}
			if old.DebtorID == debtorID && sameInvoice(old, inv) {
				res.InvoicesSame++
				continue
			}
			if _, err := putInvoiceFor(ctx, tx, c, inv, debtorID, r.CustomerNumber, true); err != nil {
				if _, ok := ar.AsError(err); !ok {
					return err
				}
				errs.AddErr(r.Row, err, func(f string) string {
					if f == "" {
						return "invoice_number" // a settled invoice
					}
					return f
				})
				continue
			}
			res.InvoicesUpdated++
		}
		if len(errs) > 0 {
			return errs
		}
		if opt.DryRun {
			return errDryRun
		}
		return tx.AddAudit(ctx, opt.StaffID, &c.ID, "import.completed", opt.Source, nil, res)
	})
	if errors.Is(err, errDryRun) {
		return res, nil
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// keepChoices keeps what the debtor chose in the portal (language,
// channel) and the hardship flag staff set, unless the input says
// otherwise (PutDebtor's rule).
func keepChoices(d, old *ar.Debtor, in DebtorInput) {
	if in.Language == "" {
		d.Language = old.Language
	}
	if in.PreferredChannel == "" {
		d.PreferredChannel = old.PreferredChannel
	}
	if in.Hardship == nil {
		d.Hardship = old.Hardship
	}
}

// keepField copies one of DebtorFields from old to d.
func keepField(d, old *ar.Debtor, field string) {
	switch field {
	case "kind":
		d.Kind = old.Kind
	case "email":
		d.Email = old.Email
	case "phone":
		d.Phone = old.Phone
	case "street":
		d.Street = old.Street
	case "postcode":
		d.Postcode = old.Postcode
	case "city":
		d.City = old.City
	case "country":
		d.Country = old.Country
	case "birth_date":
		d.BirthDate = old.BirthDate
	case "language":
		d.Language = old.Language
	case "preferred_channel":
		d.PreferredChannel = old.PreferredChannel
	case "segment":
		d.Segment = old.Segment
	}
}

// debtorDiff names the first field an import sets in which a and b
// differ, or "".
func debtorDiff(a, b *ar.Debtor) string {
	day := func(t interface{ Format(string) string }) string { return t.Format("2006-01-02") }
	bd := func(d *ar.Debtor) string {
		if d.BirthDate == nil {
			return ""
		}
		return day(d.BirthDate)
	}
	for _, f := range []struct{ name, a, b string }{
		{"name", a.Name, b.Name}, {"kind", a.Kind, b.Kind}, {"email", a.Email, b.Email},
		{"phone", a.Phone, b.Phone}, {"street", a.Street, b.Street}, {"postcode", a.Postcode, b.Postcode},
		{"city", a.City, b.City}, {"country", a.Country, b.Country}, {"birth_date", bd(a), bd(b)},
		{"language", a.Language, b.Language}, {"preferred_channel", a.PreferredChannel, b.PreferredChannel},
		{"segment", a.Segment, b.Segment},
	} {
		if f.a != f.b {
			return f.name
		}
	}
	if a.Hardship != b.Hardship {
		return "hardship"
	}
	return ""
}

// sameInvoice reports whether an import's invoice (no lines) says what is
// stored: same dates, currency, description and amounts. A stored
// invoice's lines (from the API) do not count.
func sameInvoice(old, inv *ar.Invoice) bool {
	day := "2006-01-02"
	return old.IssueDate.Format(day) == inv.IssueDate.Format(day) && old.DueDate.Format(day) == inv.DueDate.Format(day) &&
		old.Currency == inv.Currency && old.Description == inv.Description && old.NetMinor == inv.NetMinor &&
		old.TaxMinor == inv.TaxMinor && old.TotalMinor == inv.TotalMinor
}
