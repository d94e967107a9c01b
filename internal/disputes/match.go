package disputes

// "Already paid": staff find the debtor's payment among the money left on
// their account and match it to the disputed invoice.

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/store"
)

// KindMatched is the customer-visible timeline entry of a dispute decided
// by matching a payment to the invoice.
const KindMatched = "dispute.matched"

// PlanBooker books what a payment paid on invoices (invoice id → amount)
// toward the payment plans that hold them (plans.Service), in the
// caller's transaction.
type PlanBooker interface {
	ApplyPayment(ctx context.Context, tx *store.Store, creditorID, debtorID int64, paid map[int64]int64) error
}

// MatchCandidate is a payment of the debtor with money left on the
// account, and whether it fits what the debtor said about their payment.
type MatchCandidate struct {
	store.Unallocated
	Fits bool // the same amount (paid or left) or the same reference
}

// MatchCandidates lists the debtor's payments (in the invoice's
// currency) with money left on the account, those that fit what the
// debtor said first.
func (s *Service) MatchCandidates(ctx context.Context, creditorID int64, d *store.Dispute) ([]MatchCandidate, error) {
	list, err := s.Store.UnallocatedPayments(ctx, creditorID, d.DebtorID, d.Currency)
	if err != nil {
		return nil, err
	}
	out := make([]MatchCandidate, len(list))
	for i, u := range list {
		out[i] = MatchCandidate{Unallocated: u, Fits: Fits(d, &u)}
	}
	slices.SortStableFunc(out, func(a, b MatchCandidate) int {
		switch {
		case a.Fits == b.Fits:
			return 0
		case a.Fits:
			return -1
		}
		return 1
	})
	return out, nil
}

// Fits reports whether a payment fits what the debtor said: the amount
// they paid is the payment's or what is left of it, or the references
// agree (ignoring case, spaces and punctuation; a reference of four or
// more characters may be part of the other).
func Fits(d *store.Dispute, u *store.Unallocated) bool {
	if d.PaidMinor != nil && (*d.PaidMinor == u.AmountMinor || *d.PaidMinor == u.RemainderMinor) {
		return true
	}
	said, ref := normRef(d.PaidReference), normRef(u.Reference)
	if said == "" || ref == "" {
		return false
	}
	if said == ref {
		return true
	}
	return len(said) >= 4 && strings.Contains(ref, said) || len(ref) >= 4 && strings.Contains(said, ref)
}

func normRef(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, s)
}

// Match is a dispute decided by matching a payment.
type Match struct {
	Dispute     *store.Dispute
	Payment     *store.Payment
	AmountMinor int64 // moved from the account to the invoice
	OpenMinor   int64 // what the invoice still has open
	LeftMinor   int64 // what of the payment is still on the account
}

// Match decides a live dispute by matching one of the debtor's payments
// (by public id) that has money left on the account: min(what is left,
// what the invoice has open) moves from the account to the invoice on
// the ledger, the payment's overpayment task is done (or reduced), plans
// holding the invoice are paid toward, and the dispute is accepted with
// a note naming the payment (no credit note); the debtor is told and the
// creditor gets dispute.resolved with outcome "matched"; a restricted
// debtor who has now settled what restores the service makes it
// restorable (billing.CheckRestorable). All in one
// transaction under the debtor's row lock, so two staff matching at once
// book it once. No payment chosen: ar.Invalids on "payment"; another
// debtor's (or creditor's) payment: not found; a payment with nothing
// left, another currency, an invoice with nothing open, a decided
// dispute: Conflict.
func (s *Service) Match(ctx context.Context, c *ar.Creditor, staffID, disputeID int64, paymentID string) (*Match, error) {
	if strings.TrimSpace(paymentID) == "" {
		return nil, ar.FieldError("payment", "error.staff.paid_match.choose", nil)
	}
	first, err := s.Store.Dispute(ctx, c.ID, disputeID, false)
	if err != nil {
		return nil, err
	}
	res := &Match{}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		deb, err := tx.Debtor(ctx, c.ID, first.DebtorID)
		if err != nil {
			return err
		}
		// The debtor's lock first, as billing takes it: payments and
		// matches of one debtor are booked one after another.
		if deb, err = tx.LockDebtor(ctx, c.ID, deb.CustomerNumber); err != nil {
			return err
		}
		d, err := s.lockLive(ctx, tx, c.ID, disputeID)
		if err != nil {
			return err
		}
		p, err := tx.Payment(ctx, c.ID, d.DebtorID, paymentID)
		if err != nil {
			return err
		}
		inv, err := tx.Invoice(ctx, c.ID, d.DebtorID, d.InvoiceNumber)
		if err != nil {
			return err
		}
		if p.Currency != inv.Currency {
			return ar.Errorf(ar.Conflict, "error.staff.paid_match.currency")
		}
		left, err := tx.PaymentRemainder(ctx, c.ID, p)
		if err != nil {
			return err
		}
		if left <= 0 {
			return ar.Errorf(ar.Conflict, "error.staff.paid_match.used_up")
		}
		if inv.OpenMinor <= 0 {
			return ar.Errorf(ar.Conflict, "error.staff.paid_match.nothing_open")
		}
		part := min(left, inv.OpenMinor)
		now := s.now()
		ref := p.Reference
		if ref == "" {
			ref = p.PublicID
		}
		if err := tx.MoveToInvoice(ctx, p, inv.ID, part, c.Today(now), ref); err != nil {
			return err
		}
		if err := tx.SettleOverpaymentTask(ctx, c.ID, p.ID, left-part, staffID, now); err != nil {
			return err
		}
		if s.Plans != nil {
			if err := s.Plans.ApplyPayment(ctx, tx, c.ID, d.DebtorID, map[int64]int64{inv.ID: part}); err != nil {
				return err
			}
		}
		lang := deb.Language
		if lang == "" {
			lang = c.DefaultLanguage
		}
		amount, open := s.money(c, deb, part, inv.Currency), s.money(c, deb, inv.OpenMinor-part, inv.Currency)
		date := civilDate(lang, p.ValueDate)
		note := s.text(lang, "page.paid_match.note", "Amount", amount, "Date", date, "Number", inv.Number, "Reference", ref)
		if err := tx.DecideDispute(ctx, d, ar.DisputeAccepted, staffID, note, now); err != nil {
			return err
		}
		data := map[string]any{"dispute": d.PublicID, "number": inv.Number, "amount_minor": part, "currency": inv.Currency,
			"payment": p.PublicID, "date": p.ValueDate.Format(time.DateOnly), "reference": p.Reference,
			"open_minor": inv.OpenMinor - part}
		event := map[string]any{"outcome": "matched", "dispute": d.PublicID, "invoice_number": inv.Number,
			"amount_minor": part, "currency": inv.Currency, "payment_id": p.PublicID, "customer_number": deb.CustomerNumber,
			"open_minor": inv.OpenMinor - part}
		message := "dispute.matched"
		if inv.OpenMinor > part {
			message = "dispute.matched_partly"
		}
		if err := s.decided(ctx, tx, c, deb, d, staffID, KindMatched, data, event, message,
			"Number", inv.Number, "Amount", amount, "Date", date, "Open", open); err != nil {
			return err
		}
		// The money on the invoice may make the service restorable, told
		// once (the debtor's row is locked above).
		if _, err := billing.CheckRestorable(ctx, tx, c, deb, now); err != nil {
			return err
		}
		*res = Match{Dispute: d, Payment: p, AmountMinor: part, OpenMinor: inv.OpenMinor - part, LeftMinor: left - part}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// text is a text in the debtor's language (without a translator: the key).
func (s *Service) text(lang, key string, kv ...any) string {
	if s.Portal == nil || s.Portal.Text == nil {
		return key
	}
	return s.Portal.Text.Text(lang, key, kv...)
}

// civilDate is a date in the debtor's language.
func civilDate(lang string, t time.Time) string {
	if lang == "en" {
		return t.Format("2 January 2006")
	}
	return t.Format("02.01.2006")
}
