package billing

import (
	"context"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// PaymentInput is a payment the creditor received outside Settle (a bank
// transfer, a shop counter) and reports through the API.
type PaymentInput struct {
	CustomerNumber string   `json:"customer_number"`
	AmountMinor    *int64   `json:"amount_minor"`
	Currency       string   `json:"currency"`
	ValueDate      string   `json:"value_date"`
	Method         string   `json:"method,omitempty"`
	Reference      string   `json:"reference,omitempty"`
	ExternalID     string   `json:"external_id,omitempty"`
	InvoiceNumbers []string `json:"invoice_numbers,omitempty"`
}

// PaymentResult is a booked payment and how it was allocated.
type PaymentResult struct {
	Payment     *store.Payment
	Allocations []store.Allocation
	Duplicate   bool // the external_id was reported before: nothing new was booked
	Restorable  bool // this payment made the debtor's service restorable
}

func (in PaymentInput) validate(today time.Time) (ar.Invalids, time.Time) {
	var v ar.Invalids
	if !ValidNumber(in.CustomerNumber) {
		v.Add("customer_number", "error.api.number", nil)
	}
	if in.AmountMinor == nil {
		v.Add("amount_minor", "error.api.required", nil)
	} else if *in.AmountMinor <= 0 || *in.AmountMinor > maxAmount {
		v.Add("amount_minor", "error.api.amount_positive", nil)
	}
	if !ar.ValidCurrency(in.Currency) {
		v.Add("currency", "error.api.currency", nil)
	}
	vd := date(&v, "value_date", in.ValueDate, true)
	if !vd.IsZero() && vd.After(today.AddDate(0, 0, 1)) {
		v.Add("value_date", "error.api.future_date", nil)
	}
	oneOf(&v, "method", in.Method, "bank_transfer", "bank_transfer", "external", "card", "direct_debit", "other")
	text(&v, "reference", in.Reference, 140, false)
	if in.ExternalID != "" && !ValidNumber(in.ExternalID) {
		v.Add("external_id", "error.api.number", nil)
	}
	if len(in.InvoiceNumbers) > 100 {
		v.Add("invoice_numbers", "error.api.too_many", map[string]any{"Max": 100})
	}
	for _, n := range in.InvoiceNumbers {
		if !ValidNumber(n) {
			v.Add("invoice_numbers", "error.api.number", nil)
		}
	}
	return v, vd
}

// RecordPayment books a payment: against the invoices named, in that
// order, or else the oldest due first; what is left stays on the account
// as a credit. In the same transaction it writes the timeline, emits
// payment.paid, and, when the debtor's service is restricted and this
// payment covers what restores it, service.restorable, so the creditor
// can lift the block at once. A repeated external_id books nothing and
// returns the first booking.
func (s *Service) RecordPayment(ctx context.Context, c *ar.Creditor, in PaymentInput) (*PaymentResult, error) {
	v, valueDate := in.validate(c.Today(s.now()))
	if err := v.Err(); err != nil {
		return nil, err
	}
	res := &PaymentResult{}
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		d, err := tx.LockDebtor(ctx, c.ID, in.CustomerNumber)
		if ar.IsNotFound(err) {
			return ar.FieldError("customer_number", "error.api.unknown_debtor", nil)
		} else if err != nil {
			return err
		}
		if in.ExternalID != "" {
			p, err := tx.PaymentByExternalID(ctx, c.ID, in.ExternalID)
			if err == nil {
				if p.AmountMinor != *in.AmountMinor || p.DebtorID != d.ID || p.Currency != in.Currency {
					return &ar.Error{Code: ar.Conflict, Key: "error.api.payment_external_id", Field: "external_id"}
				}
				res.Payment, res.Duplicate = p, true
				res.Allocations, err = tx.PaymentAllocations(ctx, c.ID, p.ID)
				return err
			} else if !ar.IsNotFound(err) {
				return err
			}
		}
		method := in.Method
		if method == "" {
			method = "bank_transfer"
		}
		p := &store.Payment{PublicID: ar.NewPublicID("pay"), CreditorID: c.ID, DebtorID: d.ID, Method: method,
			Status: "paid", AmountMinor: *in.AmountMinor, Currency: in.Currency, ValueDate: valueDate,
			Reference: strings.TrimSpace(in.Reference), CreatedAt: s.now()}
		if in.ExternalID != "" {
			p.ExternalID = &in.ExternalID
		}
		// Check the named invoices before anything is written.
		invs, err := tx.Invoices(ctx, c.ID, d.ID)
		if err != nil {
			return err
		}
		if _, err := allocationOrder(invs, in.InvoiceNumbers, in.Currency); err != nil {
			return err
		}
		if err := tx.CreatePayment(ctx, p); err != nil {
			return err
		}
		applied, err := s.ApplyPaid(ctx, tx, c, d, p, in.InvoiceNumbers)
		if err != nil {
			return err
		}
		applied.Duplicate = false
		*res = *applied
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ApplyPaid books a paid payment that already has its row: allocated to
// the invoices named, in that order, or else the oldest due first, the
// rest left on the account as a credit; the timeline entry, payment.paid,
// and service.restorable when it applies, all in tx (which must hold the
// debtor's row lock, see store.LockDebtor).
func (s *Service) ApplyPaid(ctx context.Context, tx *store.Store, c *ar.Creditor, d *ar.Debtor, p *store.Payment, invoiceNumbers []string) (*PaymentResult, error) {
	res := &PaymentResult{Payment: p}
	invs, err := tx.Invoices(ctx, c.ID, d.ID)
	if err != nil {
		return nil, err
	}
	targets, err := allocationOrder(invs, invoiceNumbers, p.Currency)
	if err != nil {
		// A named invoice vanished or was paid meanwhile: the money still
		// counts, oldest due first.
		targets, _ = allocationOrder(invs, nil, p.Currency)
	}
	left := p.AmountMinor
	for _, inv := range targets {
		if left == 0 {
			break
		}
		part := min(left, inv.OpenMinor)
		id := inv.ID
		if err := tx.BookPaymentAllocation(ctx, p, &id, part); err != nil {
			return nil, err
		}
		res.Allocations = append(res.Allocations, store.Allocation{InvoiceID: &id, InvoiceNumber: inv.Number, AmountMinor: part})
		left -= part
	}
	if left > 0 {
		if err := tx.BookPaymentAllocation(ctx, p, nil, left); err != nil {
			return nil, err
		}
		res.Allocations = append(res.Allocations, store.Allocation{AmountMinor: left})
		// More than was open (paid twice, from two channels): a credit on
		// the account and a task for staff, never silently lost.
		if err := tx.AddOverpaymentTask(ctx, p, left); err != nil {
			return nil, err
		}
	}
	if s.Plans != nil {
		paid := map[int64]int64{}
		for _, a := range res.Allocations {
			if a.InvoiceID != nil {
				paid[*a.InvoiceID] += a.AmountMinor
			}
		}
		if err := s.Plans.ApplyPayment(ctx, tx, c.ID, d.ID, paid); err != nil {
			return nil, err
		}
	}
	if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID,
		Kind: ar.KindPaymentBooked, Channel: p.Method, Actor: "debtor", Visibility: ar.VisibleToCustomer,
		Data: map[string]any{"amount_minor": p.AmountMinor, "currency": p.Currency, "reference": p.Reference, "payment_id": p.PublicID}}); err != nil {
		return nil, err
	}
	if _, err := tx.AddEvent(ctx, c.ID, &d.ID, "payment.paid", paymentEvent(p, d, res.Allocations)); err != nil {
		return nil, err
	}
	res.Restorable, err = CheckRestorable(ctx, tx, c, d, s.now())
	return res, err
}

// allocationOrder picks the open invoices a payment goes to: those named
// (each must exist, be open and in the payment's currency), or all open
// ones of that currency, oldest due date first.
func allocationOrder(invs []ar.Invoice, numbers []string, currency string) ([]ar.Invoice, error) {
	if len(numbers) == 0 {
		var out []ar.Invoice
		for _, inv := range invs { // store.Invoices lists open ones first, oldest due first
			if inv.OpenMinor > 0 && inv.Currency == currency {
				out = append(out, inv)
			}
		}
		return out, nil
	}
	byNumber := map[string]ar.Invoice{}
	for _, inv := range invs {
		byNumber[inv.Number] = inv
	}
	var out []ar.Invoice
	seen := map[string]bool{}
	for _, n := range numbers {
		inv, ok := byNumber[n]
		switch {
		case !ok:
			return nil, ar.FieldError("invoice_numbers", "error.api.unknown_invoice", map[string]any{"Number": n})
		case inv.Currency != currency:
			return nil, ar.FieldError("invoice_numbers", "error.api.currency_mismatch", map[string]any{"Number": n})
		case seen[n] || inv.OpenMinor <= 0:
			continue
		}
		seen[n] = true
		out = append(out, inv)
	}
	return out, nil
}

func paymentEvent(p *store.Payment, d *ar.Debtor, allocs []store.Allocation) map[string]any {
	list := []map[string]any{}
	var unallocated int64
	for _, a := range allocs {
		if a.InvoiceID == nil {
			unallocated += a.AmountMinor
			continue
		}
		list = append(list, map[string]any{"invoice_number": a.InvoiceNumber, "amount_minor": a.AmountMinor})
	}
	return map[string]any{
		"payment_id": p.PublicID, "customer_number": d.CustomerNumber, "amount_minor": p.AmountMinor,
		"currency": p.Currency, "method": p.Method, "reference": p.Reference, "value_date": p.ValueDate.Format("2006-01-02"),
		"external_id": p.ExternalID, "allocations": list, "unallocated_minor": unallocated,
	}
}

// CheckRestorable emits service.restorable once per restore period, when
// a restricted debtor has settled what restores the service: the amount
// the creditor named (counting payments since the restriction), or else
// everything overdue (paid or credited). It runs in the transaction that
// booked the payment or credit note (tx must hold the debtor's row lock,
// see store.LockDebtor, so that two bookings never both emit it); every
// service that reduces what a debtor owes calls it.
func CheckRestorable(ctx context.Context, tx *store.Store, c *ar.Creditor, d *ar.Debtor, now time.Time) (bool, error) {
	if !d.Restricted() || d.ServiceRestorableAt != nil {
		return false, nil
	}
	var paid, need int64
	if d.ServiceRestoreMinor != nil {
		since := time.Time{}
		if d.ServiceChangedAt != nil {
			since = *d.ServiceChangedAt
		}
		var err error
		if paid, err = tx.PaidSince(ctx, c.ID, d.ID, since); err != nil {
			return false, err
		}
		need = *d.ServiceRestoreMinor
		if paid < need {
			return false, nil
		}
	} else {
		invs, err := tx.Invoices(ctx, c.ID, d.ID)
		if err != nil {
			return false, err
		}
		if ar.Summarize(c.Currency, invs, c.Today(now)).OverdueMinor > 0 {
			return false, nil
		}
	}
	if _, err := tx.AddEvent(ctx, c.ID, &d.ID, "service.restorable", map[string]any{
		"customer_number": d.CustomerNumber, "service_status": d.ServiceStatus,
		"restore_minor": d.ServiceRestoreMinor, "paid_since_restriction_minor": paid,
		"restricted_at": d.ServiceChangedAt,
	}); err != nil {
		return false, err
	}
	if err := tx.MarkServiceRestorable(ctx, c.ID, d.ID, now); err != nil {
		return false, err
	}
	return true, tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID,
		Kind: "service.restorable", Actor: "system", Visibility: ar.VisibleToCustomer,
		Data: map[string]any{"status": d.ServiceStatus}})
}

// ServiceStatusInput is what the creditor says about a debtor's service.
type ServiceStatusInput struct {
	Status       string `json:"status"`
	RestoreMinor *int64 `json:"restore_minor,omitempty"`
	Note         string `json:"note,omitempty"`
}

// SetServiceStatus records the debtor's service status. Setting a
// restriction starts a new restore period.
func (s *Service) SetServiceStatus(ctx context.Context, c *ar.Creditor, number string, in ServiceStatusInput) (*ar.Debtor, error) {
	var v ar.Invalids
	status := oneOf(&v, "status", in.Status, "", "active", "restricted", "suspended")
	if in.Status == "" {
		v.Add("status", "error.api.required", nil)
	}
	if in.RestoreMinor != nil && (*in.RestoreMinor < 0 || *in.RestoreMinor > maxAmount) {
		v.Add("restore_minor", "error.api.amount_range", nil)
	}
	note := text(&v, "note", in.Note, 200, false)
	if err := v.Err(); err != nil {
		return nil, err
	}
	var d *ar.Debtor
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if d, err = tx.LockDebtor(ctx, c.ID, number); err != nil {
			return err
		}
		restore := in.RestoreMinor
		if status == string(ar.ServiceActive) {
			restore, note = nil, ""
		}
		if err := tx.SetServiceStatus(ctx, c.ID, d.ID, ar.ServiceStatus(status), restore, note, s.now()); err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID,
			Kind: "service.status", Actor: "creditor", Visibility: ar.VisibleToCustomer,
			Data: map[string]any{"status": status, "restore_minor": restore}}); err != nil {
			return err
		}
		d, err = tx.Debtor(ctx, c.ID, d.ID)
		if err != nil {
			return err
		}
		// Already covered (e.g. restricted after the money arrived)?
		_, err = CheckRestorable(ctx, tx, c, d, s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Store.Debtor(ctx, c.ID, d.ID)
}

// CreditNoteInput is a credit note the creditor issued.
type CreditNoteInput struct {
	Number         string `json:"number"`
	CustomerNumber string `json:"customer_number"`
	InvoiceNumber  string `json:"invoice_number,omitempty"`
	AmountMinor    *int64 `json:"amount_minor"`
	Currency       string `json:"currency"`
	IssueDate      string `json:"issue_date"`
	Reason         string `json:"reason,omitempty"`
}

// RecordCreditNote books a credit note, against an invoice when one is
// named (it may not exceed what is open there), else on the account.
func (s *Service) RecordCreditNote(ctx context.Context, c *ar.Creditor, in CreditNoteInput) (*store.CreditNote, error) {
	var v ar.Invalids
	if !ValidNumber(in.Number) {
		v.Add("number", "error.api.number", nil)
	}
	if !ValidNumber(in.CustomerNumber) {
		v.Add("customer_number", "error.api.number", nil)
	}
	if in.InvoiceNumber != "" && !ValidNumber(in.InvoiceNumber) {
		v.Add("invoice_number", "error.api.number", nil)
	}
	amount := amount(&v, "amount_minor", in.AmountMinor, true)
	if in.AmountMinor != nil && amount <= 0 {
		v.Add("amount_minor", "error.api.amount_positive", nil)
	}
	if !ar.ValidCurrency(in.Currency) {
		v.Add("currency", "error.api.currency", nil)
	}
	issue := date(&v, "issue_date", in.IssueDate, true)
	reason := text(&v, "reason", in.Reason, maxText, false)
	if err := v.Err(); err != nil {
		return nil, err
	}
	cn := &store.CreditNote{CreditorID: c.ID, Number: in.Number, AmountMinor: amount, Currency: in.Currency,
		Reason: reason, IssueDate: issue}
	invoiceNumber := ""
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		d, err := tx.LockDebtor(ctx, c.ID, in.CustomerNumber)
		if ar.IsNotFound(err) {
			return ar.FieldError("customer_number", "error.api.unknown_debtor", nil)
		} else if err != nil {
			return err
		}
		cn.DebtorID = d.ID
		if exists, err := tx.CreditNoteExists(ctx, c.ID, in.Number); err != nil {
			return err
		} else if exists {
			return &ar.Error{Code: ar.Conflict, Key: "error.api.credit_note_exists", Field: "number"}
		}
		if in.InvoiceNumber != "" {
			inv, err := tx.InvoiceByNumber(ctx, c.ID, in.InvoiceNumber)
			if ar.IsNotFound(err) || (err == nil && inv.DebtorID != d.ID) {
				return ar.FieldError("invoice_number", "error.api.unknown_invoice", map[string]any{"Number": in.InvoiceNumber})
			} else if err != nil {
				return err
			}
			if inv.Currency != in.Currency {
				return ar.FieldError("currency", "error.api.currency_mismatch", map[string]any{"Number": inv.Number})
			}
			if amount > inv.OpenMinor {
				return ar.FieldError("amount_minor", "error.api.credit_exceeds_open", map[string]any{"Open": inv.OpenMinor})
			}
			cn.InvoiceID, invoiceNumber = &inv.ID, inv.Number
		}
		if err := tx.CreateCreditNote(ctx, cn); err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, InvoiceID: cn.InvoiceID,
			Kind: "credit_note.issued", Actor: "creditor", Visibility: ar.VisibleToCustomer,
			Data: map[string]any{"number": cn.Number, "amount_minor": amount, "currency": cn.Currency, "reason": reason,
				"invoice_number": invoiceNumber}}); err != nil {
			return err
		}
		_, err = CreditNoteIssued(ctx, tx, c, d, cn, invoiceNumber, s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	return cn, nil
}

// CreditNoteIssued finishes a credit note just booked in tx
// (store.CreateCreditNote), whichever way it came (the creditor's API or
// an accepted dispute): it emits credit_note.issued, exactly once per
// credit note and with the same payload for both, and checks whether the
// debtor's service became restorable. tx must hold the debtor's row lock
// (store.LockDebtor). invoiceNumber is the invoice credited, "" for a
// credit on the account.
func CreditNoteIssued(ctx context.Context, tx *store.Store, c *ar.Creditor, d *ar.Debtor, cn *store.CreditNote,
	invoiceNumber string, now time.Time) (restorable bool, err error) {
	if _, err := tx.AddEvent(ctx, c.ID, &d.ID, "credit_note.issued", CreditNoteEvent(cn, d, invoiceNumber)); err != nil {
		return false, err
	}
	return CheckRestorable(ctx, tx, c, d, now)
}

// CreditNoteEvent is the payload of credit_note.issued; invoice_number is
// null for a credit on the account.
func CreditNoteEvent(cn *store.CreditNote, d *ar.Debtor, invoiceNumber string) map[string]any {
	var inv any
	if invoiceNumber != "" {
		inv = invoiceNumber
	}
	return map[string]any{"number": cn.Number, "customer_number": d.CustomerNumber, "invoice_number": inv,
		"amount_minor": cn.AmountMinor, "currency": cn.Currency, "issue_date": cn.IssueDate.Format("2006-01-02"),
		"reason": cn.Reason}
}
