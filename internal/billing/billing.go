package billing

import (
	"context"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// Service applies what the creditor's systems push.
type Service struct {
	Store *store.Store
	Now   func() time.Time
	// Plans books payments on invoices toward the payment plans that
	// hold them (plans.Service); nil: no plans.
	Plans PlanBooker
}

// PlanBooker books what a payment paid on invoices (invoice id → amount)
// toward payment plans, in the payment's transaction.
type PlanBooker interface {
	ApplyPayment(ctx context.Context, tx *store.Store, creditorID, debtorID int64, paid map[int64]int64) error
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// PutDebtor creates or replaces a debtor by customer number.
func (s *Service) PutDebtor(ctx context.Context, c *ar.Creditor, number string, in DebtorInput) (d *ar.Debtor, created bool, err error) {
	d, err = in.Debtor(c.ID, number, c.Today(s.now()))
	if err != nil {
		return nil, false, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		old, err := tx.DebtorByNumber(ctx, c.ID, number)
		switch {
		case ar.IsNotFound(err):
			created = true
		case err != nil:
			return err
		default:
			// What the debtor chose in the portal, and the hardship flag
			// staff set, stay unless the creditor's system says otherwise.
			keepChoices(d, old, in)
		}
		_, err = tx.UpsertDebtor(ctx, d)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return d, created, nil
}

// PutInvoice creates an invoice, or corrects one nothing has been booked
// against yet. Creating it books it on the ledger, records it on the
// debtor's timeline and emits invoice.created.
func (s *Service) PutInvoice(ctx context.Context, c *ar.Creditor, number string, in InvoiceInput) (inv *ar.Invoice, created bool, err error) {
	inv, err = in.Invoice(c.ID, number)
	if err != nil {
		return nil, false, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		created, err = putInvoice(ctx, tx, c, inv, in.CustomerNumber)
		return err
	})
	if err != nil {
		return nil, false, err
	}
	return inv, created, nil
}

// putInvoice applies a validated invoice inside a transaction.
func putInvoice(ctx context.Context, tx *store.Store, c *ar.Creditor, inv *ar.Invoice, customerNumber string) (created bool, err error) {
	d, err := tx.DebtorByNumber(ctx, c.ID, customerNumber)
	if ar.IsNotFound(err) {
		return false, ar.FieldError("customer_number", "error.api.unknown_debtor", nil)
	} else if err != nil {
		return false, err
	}
	return putInvoiceFor(ctx, tx, c, inv, d.ID, customerNumber, true)
}

// putInvoiceFor applies a validated invoice of a known debtor; mayExist
// false (a batch knows the number is new) skips the lookup.
func putInvoiceFor(ctx context.Context, tx *store.Store, c *ar.Creditor, inv *ar.Invoice, debtorID int64, customerNumber string, mayExist bool) (created bool, err error) {
	d := &ar.Debtor{ID: debtorID, CustomerNumber: customerNumber}
	inv.DebtorID = d.ID
	if !mayExist {
		if err := tx.CreateInvoice(ctx, inv); err != nil {
			return false, err
		}
		_, err = tx.AddEvent(ctx, c.ID, &d.ID, "invoice.created", invoiceEvent(inv, d))
		return true, err
	}
	old, err := tx.InvoiceByNumber(ctx, c.ID, inv.Number)
	if ar.IsNotFound(err) {
		if err := tx.CreateInvoice(ctx, inv); err != nil {
			return false, err
		}
		_, err = tx.AddEvent(ctx, c.ID, &d.ID, "invoice.created", invoiceEvent(inv, d))
		return true, err
	} else if err != nil {
		return false, err
	}
	if old.DebtorID != d.ID {
		return false, &ar.Error{Code: ar.Conflict, Key: "error.api.invoice_other_debtor", Field: "customer_number"}
	}
	settled, err := tx.InvoiceHasSettlements(ctx, old.ID)
	if err != nil {
		return false, err
	}
	if settled {
		return false, ar.Errorf(ar.Conflict, "error.api.invoice_settled")
	}
	inv.ID = old.ID
	if err := tx.ReplaceInvoice(ctx, inv, old.TotalMinor); err != nil {
		return false, err
	}
	inv.OpenMinor = inv.TotalMinor
	return false, nil
}

// BatchItem is one invoice of a batch load.
type BatchItem struct {
	InvoiceNumber string `json:"invoice_number"`
	InvoiceInput
}

// BatchResult is the outcome of one batch item: Created or Updated, or
// Err (validation or conflict), in which case nothing of it was applied.
type BatchResult struct {
	Invoice *ar.Invoice
	Created bool
	Err     error
}

// MaxBatch is the largest batch PutInvoices takes.
const MaxBatch = 1000

// PutInvoices applies a batch of invoices in one transaction. An item
// that is invalid or conflicts is reported and skipped (a savepoint
// undoes its part); the others are applied together, so a nightly load
// is all-or-nothing per call but for the items it reports as failed.
func (s *Service) PutInvoices(ctx context.Context, c *ar.Creditor, items []BatchItem) ([]BatchResult, error) {
	if len(items) == 0 {
		return nil, ar.FieldError("invoices", "error.api.required", nil)
	}
	if len(items) > MaxBatch {
		return nil, ar.FieldError("invoices", "error.api.too_many", map[string]any{"Max": MaxBatch})
	}
	results := make([]BatchResult, len(items))
	seen := make(map[string]bool, len(items))
	customers, numbers := make([]string, len(items)), make([]string, len(items))
	for i, it := range items {
		customers[i], numbers[i] = it.CustomerNumber, it.InvoiceNumber
	}
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		debtors, err := tx.DebtorIDsByNumber(ctx, c.ID, customers)
		if err != nil {
			return err
		}
		existing, err := tx.ExistingInvoiceNumbers(ctx, c.ID, numbers)
		if err != nil {
			return err
		}
		for i, it := range items {
			inv, err := it.Invoice(c.ID, it.InvoiceNumber)
			if err == nil && seen[it.InvoiceNumber] {
				err = &ar.Error{Code: ar.Conflict, Key: "error.api.batch_duplicate", Field: "invoice_number"}
			}
			seen[it.InvoiceNumber] = true
			if err != nil {
				results[i].Err = err
				continue
			}
			debtorID, ok := debtors[it.CustomerNumber]
			if !ok {
				results[i].Err = ar.FieldError("customer_number", "error.api.unknown_debtor", nil)
				continue
			}
			if !existing[it.InvoiceNumber] {
				// New and valid, its debtor known: nothing can refuse it but
				// the database itself, and that fails the whole batch.
				if _, err := putInvoiceFor(ctx, tx, c, inv, debtorID, it.CustomerNumber, false); err != nil {
					return err
				}
				results[i] = BatchResult{Invoice: inv, Created: true}
				continue
			}
			// A correction may conflict (settled, other debtor): a savepoint
			// undoes just this item.
			if err := tx.Savepoint(ctx, "item"); err != nil {
				return err
			}
			created, err := putInvoiceFor(ctx, tx, c, inv, debtorID, it.CustomerNumber, true)
			if err != nil {
				if _, ok := ar.AsError(err); !ok {
					return err // a database failure fails the batch
				}
				if rerr := tx.RollbackTo(ctx, "item"); rerr != nil {
					return rerr
				}
				results[i].Err = err
				continue
			}
			if err := tx.Release(ctx, "item"); err != nil {
				return err
			}
			results[i] = BatchResult{Invoice: inv, Created: created}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

func invoiceEvent(inv *ar.Invoice, d *ar.Debtor) map[string]any {
	return map[string]any{
		"invoice_number":  inv.Number,
		"customer_number": d.CustomerNumber,
		"currency":        inv.Currency,
		"total_minor":     inv.TotalMinor,
		"issue_date":      inv.IssueDate.Format("2006-01-02"),
		"due_date":        inv.DueDate.Format("2006-01-02"),
	}
}
