package disputes

import (
	"context"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/store"
)

// Decision timeline kinds (customer-visible).
const (
	KindAccepted      = "dispute.accepted"
	KindRejected      = "dispute.rejected"
	KindInfoRequested = "dispute.info_requested"
)

// MaxDecisionNote is how long a reason or a question may be.
const MaxDecisionNote = 1000

// CreditNoteNumber is the number of the credit note that accepting a
// dispute issues: unique, as a dispute is accepted at most once.
func CreditNoteNumber(d *store.Dispute) string { return "GS-" + d.PublicID }

// Accept decides a live dispute for the debtor: a credit note of
// amountMinor (1 … what the invoice has open) is booked against the
// invoice in the same transaction (the ledger reduces what is open), the
// task is done, the debtor is told and the creditor gets
// dispute.resolved and credit_note.issued (and service.restorable when
// the credit settles what restored it). A decided dispute is a Conflict; a bad amount is
// ar.Invalids on "amount".
func (s *Service) Accept(ctx context.Context, c *ar.Creditor, staffID, disputeID, amountMinor int64) (*store.Dispute, *store.CreditNote, error) {
	var d *store.Dispute
	var cn *store.CreditNote
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if d, err = s.lockLive(ctx, tx, c.ID, disputeID); err != nil {
			return err
		}
		deb, err := tx.Debtor(ctx, c.ID, d.DebtorID)
		if err != nil {
			return err
		}
		// The debtor's row lock, as every booking takes it: the credit
		// note may make the service restorable, which is told once.
		if deb, err = tx.LockDebtor(ctx, c.ID, deb.CustomerNumber); err != nil {
			return err
		}
		inv, err := tx.Invoice(ctx, c.ID, d.DebtorID, d.InvoiceNumber)
		if err != nil {
			return err
		}
		if d.Kind == ar.CaseCreditRequest {
			cn, err = s.acceptCredit(ctx, tx, c, deb, d, inv, staffID, amountMinor)
			return err
		}
		if amountMinor <= 0 || amountMinor > inv.OpenMinor {
			var bad ar.Invalids
			bad.Add("amount", "error.staff.disputes_decide.amount", nil)
			return bad
		}
		number := CreditNoteNumber(d)
		now := s.now()
		cn = &store.CreditNote{CreditorID: c.ID, DebtorID: d.DebtorID, Number: number, InvoiceID: &inv.ID,
			AmountMinor: amountMinor, Currency: inv.Currency, Reason: "dispute " + d.PublicID,
			IssueDate: c.Today(now)}
		if err := tx.CreateCreditNote(ctx, cn); err != nil {
			return err
		}
		if _, err := billing.CreditNoteIssued(ctx, tx, c, deb, cn, inv.Number, now); err != nil {
			return err
		}
		if err := tx.DecideDispute(ctx, d, ar.DisputeAccepted, staffID, "", now); err != nil {
			return err
		}
		data := map[string]any{"dispute": d.PublicID, "number": inv.Number, "amount_minor": amountMinor,
			"currency": inv.Currency, "credit_note": number}
		return s.decided(ctx, tx, c, deb, d, staffID, caseKind(d, "accepted"), data, map[string]any{
			"outcome": "accepted", "dispute": d.PublicID, "invoice_number": inv.Number, "amount_minor": amountMinor,
			"currency": inv.Currency, "credit_note": number, "customer_number": deb.CustomerNumber},
			"dispute.accepted", "Number", inv.Number, "Amount", s.money(c, deb, amountMinor, inv.Currency), "CreditNote", number)
	})
	if err != nil {
		return nil, nil, err
	}
	return d, cn, nil
}

// Reject decides a live dispute against the debtor with a reason they
// see (required, at most MaxDecisionNote characters: ar.Invalids on
// "reason"). The hold ends; dunning may go on.
func (s *Service) Reject(ctx context.Context, c *ar.Creditor, staffID, disputeID int64, reason string) (*store.Dispute, error) {
	reason = CleanText(reason)
	var d *store.Dispute
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if d, err = s.lockLive(ctx, tx, c.ID, disputeID); err != nil {
			return err
		}
		if err := checkNote("reason", reason); err != nil {
			return err
		}
		deb, err := tx.Debtor(ctx, c.ID, d.DebtorID)
		if err != nil {
			return err
		}
		if err := tx.DecideDispute(ctx, d, ar.DisputeRejected, staffID, reason, s.now()); err != nil {
			return err
		}
		return s.decided(ctx, tx, c, deb, d, staffID, caseKind(d, "rejected"),
			map[string]any{"dispute": d.PublicID, "number": d.InvoiceNumber, "note": reason},
			map[string]any{"outcome": "rejected", "dispute": d.PublicID, "invoice_number": d.InvoiceNumber,
				"amount_minor": 0, "currency": d.Currency, "customer_number": deb.CustomerNumber},
			caseKind(d, "rejected"), "Number", d.InvoiceNumber, "Reason", reason)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// AskInfo asks the debtor for more information (a message, required):
// the dispute waits for their answer, which reopens it.
func (s *Service) AskInfo(ctx context.Context, c *ar.Creditor, staffID, disputeID int64, question string) (*store.Dispute, error) {
	question = CleanText(question)
	var d *store.Dispute
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if d, err = s.lockLive(ctx, tx, c.ID, disputeID); err != nil {
			return err
		}
		if err := checkNote("question", question); err != nil {
			return err
		}
		if err := tx.AddDisputeMessage(ctx, &store.DisputeMessage{CreditorID: c.ID, DisputeID: d.ID, Author: "staff",
			StaffID: &staffID, Body: question, CreatedAt: s.now()}); err != nil {
			return err
		}
		if err := tx.SetDisputeStatus(ctx, d, ar.DisputeInfoRequested, s.now()); err != nil {
			return err
		}
		if err := tx.AddAudit(ctx, &staffID, &c.ID, caseKind(d, "info_requested"), d.PublicID, nil,
			map[string]any{"invoice": d.InvoiceNumber}); err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.DebtorID, InvoiceID: &d.InvoiceID,
			Kind: caseKind(d, "info_requested"), Actor: "staff", StaffID: &staffID, Visibility: ar.VisibleToCustomer, OccurredAt: s.now(),
			Data: map[string]any{"dispute": d.PublicID, "number": d.InvoiceNumber}}); err != nil {
			return err
		}
		return s.notify(ctx, tx, c, d.DebtorID, caseKind(d, "info_requested"), "Number", d.InvoiceNumber, "Message", question)
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// lockLive locks one of the creditor's disputes; a decided one is a
// Conflict.
func (s *Service) lockLive(ctx context.Context, tx *store.Store, creditorID, id int64) (*store.Dispute, error) {
	d, err := tx.Dispute(ctx, creditorID, id, true)
	if err != nil {
		return nil, err
	}
	if !d.Status.Live() {
		return nil, ar.Errorf(ar.Conflict, "error.staff.disputes_decide.decided")
	}
	return d, nil
}

// checkNote: a reason or question is required and not too long.
func checkNote(field, text string) error {
	var bad ar.Invalids
	if n := utf8.RuneCountInString(text); n == 0 {
		bad.Add(field, "error.staff.disputes_decide.note_empty", nil)
	} else if n > MaxDecisionNote {
		bad.Add(field, "error.staff.disputes_decide.note_too_long", map[string]any{"Max": MaxDecisionNote, "Count": n})
	}
	if len(bad) > 0 {
		return bad
	}
	return nil
}

// decided finishes a decision: task done, audit, timeline, event and
// the debtor's message.
func (s *Service) decided(ctx context.Context, tx *store.Store, c *ar.Creditor, deb *ar.Debtor, d *store.Dispute, staffID int64,
	kind string, data, event map[string]any, message string, kv ...any) error {
	now := s.now()
	if err := tx.CompleteDisputeTask(ctx, c.ID, d.ID, &staffID, now); err != nil {
		return err
	}
	if err := tx.AddAudit(ctx, &staffID, &c.ID, kind, d.PublicID, nil, data); err != nil {
		return err
	}
	if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.DebtorID, InvoiceID: &d.InvoiceID,
		Kind: kind, Actor: "staff", StaffID: &staffID, Visibility: ar.VisibleToCustomer, OccurredAt: now,
		Data: data}); err != nil {
		return err
	}
	event["kind"] = d.Kind
	if _, err := tx.AddEvent(ctx, c.ID, &deb.ID, "dispute.resolved", event); err != nil {
		return err
	}
	return s.notify(ctx, tx, c, deb.ID, message, kv...)
}

// notify tells the debtor by their preferred channel, in the transaction.
func (s *Service) notify(ctx context.Context, tx *store.Store, c *ar.Creditor, debtorID int64, name string, kv ...any) error {
	if s.Portal == nil {
		return nil
	}
	deb, err := tx.Debtor(ctx, c.ID, debtorID)
	if err != nil {
		return err
	}
	pt := *s.Portal
	pt.Store = tx
	_, err = pt.Notify(ctx, c, deb, "dispute", name, kv...)
	return err
}

// money is an amount in the debtor's language, for a message.
func (s *Service) money(c *ar.Creditor, d *ar.Debtor, minor int64, currency string) string {
	if s.Portal == nil {
		return ""
	}
	lang := d.Language
	if lang == "" {
		lang = c.DefaultLanguage
	}
	return s.Portal.Text.Money(lang, minor, currency)
}
