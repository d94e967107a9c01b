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
		_, err := tx.DebtorByNumber(ctx, c.ID, number)
		switch {
		case ar.IsNotFound(err):
			created = true
		case err != nil:
			return err
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
		d, err := tx.DebtorByNumber(ctx, c.ID, in.CustomerNumber)
		if ar.IsNotFound(err) {
			return ar.FieldError("customer_number", "error.api.unknown_debtor", nil)
		} else if err != nil {
			return err
		}
		inv.DebtorID = d.ID
		old, err := tx.InvoiceByNumber(ctx, c.ID, number)
		if ar.IsNotFound(err) {
			created = true
			if err := tx.CreateInvoice(ctx, inv); err != nil {
				return err
			}
			_, err = tx.AddEvent(ctx, c.ID, &d.ID, "invoice.created", invoiceEvent(inv, d))
			return err
		} else if err != nil {
			return err
		}
		if old.DebtorID != d.ID {
			return &ar.Error{Code: ar.Conflict, Key: "error.api.invoice_other_debtor", Field: "customer_number"}
		}
		settled, err := tx.InvoiceHasSettlements(ctx, old.ID)
		if err != nil {
			return err
		}
		if settled {
			return ar.Errorf(ar.Conflict, "error.api.invoice_settled")
		}
		inv.ID = old.ID
		if err := tx.ReplaceInvoice(ctx, inv, old.TotalMinor); err != nil {
			return err
		}
		inv.OpenMinor = inv.TotalMinor
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	return inv, created, nil
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
