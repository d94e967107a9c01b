package disputes

// Issue 9: credit requests and withdrawing a case.
//
// A credit request ("no internet from 3 to 7 May: please credit me") is a
// dispute case of kind ar.CaseCreditRequest: it has the same conversation,
// attachments, queue task (kind dispute), decisions and notifications,
// but holds nothing out of dunning (disputed_minor 0) and may be live on
// an invoice beside a dispute. Its timeline entries, audit actions and
// messages are named credit_request.<step> where a dispute's are
// dispute.<step> (caseKind); the creditor's events stay dispute.opened and
// dispute.resolved, with "kind" saying which.

import (
	"context"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// Timeline kinds of a credit request (customer-visible); the others are
// caseKind(d, step).
const (
	KindCreditOpened   = "credit_request.opened"
	KindCreditAccepted = "credit_request.accepted"
)

// CaseSteps are the steps of a case that have a timeline entry (history.
// and staff.timeline.<kind>.<step>).
var CaseSteps = []string{"opened", "message", "replied", "info_requested", "accepted", "rejected", "withdrawn"}

// CaseMessages are the messages a debtor gets about a case (message.<kind>.<name>).
var CaseMessages = []string{"reply", "info_requested", "accepted", "rejected"}

// caseKind names a step of a case for the timeline, the audit log and
// the debtor's messages: dispute.<step> or credit_request.<step>.
func caseKind(d *store.Dispute, step string) string {
	if d.Kind == ar.CaseCreditRequest {
		return ar.CaseCreditRequest + "." + step
	}
	return "dispute." + step
}

// CreditInput is what a debtor submits to ask for a credit note.
type CreditInput struct {
	Number     string // the invoice of the affected period (any of theirs, paid ones too)
	Reason     string // one of ar.CreditRequestReasons
	Message    string // required: what happened, when
	Amount     *int64 // the amount they have in mind, optional
	Files      []File
	Staged     []string // public ids of files kept from a refused try (see staged.go)
	AssistedBy *int64
	Invalid    ar.Invalids // what the caller could not read (as OpenInput)
}

// RequestCredit opens a credit request on one of the debtor's invoices.
// Nothing is held out of dunning. AR staff get a task in the dispute
// queue, the creditor's systems dispute.opened with kind credit_request.
// Invalid input is ar.Invalids ("reason", "message", "amount", "files",
// "file.<i>"); then nothing is stored but the files that passed the
// check, kept for the next try (*Refused, as Open). A live credit request
// on the invoice already is a Conflict (error.credit_request.exists,
// Args["Dispute"]).
func (s *Service) RequestCredit(ctx context.Context, c *ar.Creditor, debtorID int64, in CreditInput) (*store.Dispute, error) {
	if err := s.limit(ctx, c.ID, debtorID); err != nil {
		return nil, err
	}
	bad := append(ar.Invalids{}, in.Invalid...)
	var inv *ar.Invoice
	if in.Number != "" {
		var err error
		if inv, err = s.Store.Invoice(ctx, c.ID, debtorID, in.Number); ar.IsNotFound(err) {
			inv = nil
		} else if err != nil {
			return nil, err
		}
	}
	if inv == nil {
		bad.Add("invoice", "error.credit_request.invoice", nil)
	}
	in.Message = CleanText(in.Message)
	if !ar.IsCreditRequestReason(in.Reason) {
		bad.Add("reason", "error.credit_request.reason", nil)
	}
	if n := utf8.RuneCountInString(in.Message); n > ar.MaxDisputeMessage {
		bad.Add("message", "error.dispute.message_too_long", map[string]any{"Max": ar.MaxDisputeMessage, "Count": n})
	} else if n == 0 {
		bad.Add("message", "error.credit_request.message_needed", nil)
	}
	if inv != nil && in.Amount != nil && (*in.Amount <= 0 || *in.Amount > inv.TotalMinor) {
		bad.Add("amount", "error.credit_request.amount", map[string]any{"Total": ar.Money{Minor: inv.TotalMinor, Currency: inv.Currency}})
	}
	// Kept files: see staged.go. A live request is told before any file
	// is staged (and again in the transaction, for a simultaneous one).
	if inv != nil {
		if live, err := s.Store.LiveCase(ctx, c.ID, inv.ID, ar.CaseCreditRequest); err == nil {
			return nil, &ar.Error{Code: ar.Conflict, Key: "error.credit_request.exists", Args: map[string]any{"Dispute": live.PublicID}}
		} else if !ar.IsNotFound(err) {
			return nil, err
		}
	}
	staged, err := s.stageFiles(ctx, c.ID, debtorID, in.Staged, in.Files, &bad)
	if err != nil {
		return nil, err
	}
	if len(staged)+countRefused(bad) > ar.MaxDisputeFiles {
		bad.Add("files", "error.dispute.too_many_files", map[string]any{"Max": ar.MaxDisputeFiles})
	}
	if len(bad) > 0 {
		return nil, s.refused(ctx, c.ID, debtorID, staged, bad) // nothing is stored but the kept files
	}
	var d *store.Dispute
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if live, err := tx.LiveCase(ctx, c.ID, inv.ID, ar.CaseCreditRequest); err == nil {
			return &ar.Error{Code: ar.Conflict, Key: "error.credit_request.exists", Args: map[string]any{"Dispute": live.PublicID}}
		} else if !ar.IsNotFound(err) {
			return err
		}
		d = &store.Dispute{PublicID: ar.NewPublicID("dsp"), CreditorID: c.ID, DebtorID: debtorID, InvoiceID: inv.ID,
			InvoiceNumber: inv.Number, Reason: in.Reason, DisputedMinor: 0, Currency: inv.Currency,
			Status: ar.DisputeOpen, AssistedBy: in.AssistedBy, CreatedAt: s.now(), Kind: ar.CaseCreditRequest,
			RequestedMinor: in.Amount}
		if err := tx.CreateDispute(ctx, d); err != nil {
			if ar.ErrorCode(err) == ar.Conflict {
				return &ar.Error{Code: ar.Conflict, Key: "error.credit_request.exists"}
			}
			return err
		}
		msg := &store.DisputeMessage{CreditorID: c.ID, DisputeID: d.ID, Author: "debtor", StaffID: in.AssistedBy,
			Body: in.Message, CreatedAt: s.now()}
		if err := tx.AddDisputeMessage(ctx, msg); err != nil {
			return err
		}
		if err := s.moveStaged(ctx, tx, c.ID, debtorID, d, msg, staged); err != nil {
			return err
		}
		requested := int64(0)
		if in.Amount != nil {
			requested = *in.Amount
		}
		if err := tx.AddTask(ctx, &store.Task{CreditorID: c.ID, DebtorID: debtorID, Kind: "dispute", SubjectID: &d.ID,
			AmountMinor: requested, Currency: d.Currency, Note: excerpt(in.Message, 200), CreatedAt: s.now()}); err != nil {
			return err
		}
		actor := "debtor"
		if in.AssistedBy != nil {
			actor = "staff"
		}
		data := map[string]any{"dispute": d.PublicID, "number": inv.Number, "currency": d.Currency,
			"dispute_reason": d.Reason, "kind": d.Kind}
		if in.Amount != nil {
			data["amount_minor"] = *in.Amount
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: debtorID, InvoiceID: &inv.ID,
			Kind: KindCreditOpened, Actor: actor, StaffID: in.AssistedBy, Visibility: ar.VisibleToCustomer,
			OccurredAt: s.now(), Data: data}); err != nil {
			return err
		}
		deb, err := tx.Debtor(ctx, c.ID, debtorID)
		if err != nil {
			return err
		}
		_, err = tx.AddEvent(ctx, c.ID, &debtorID, "dispute.opened", map[string]any{
			"dispute": d.PublicID, "kind": d.Kind, "customer_number": deb.CustomerNumber, "invoice_number": inv.Number,
			"reason": d.Reason, "lines": []int64{}, "disputed_minor": 0, "requested_minor": d.RequestedMinor,
			"currency": d.Currency})
		return err
	})
	if err != nil {
		return nil, s.refused(ctx, c.ID, debtorID, staged, err)
	}
	return d, nil
}

// acceptCredit accepts a credit request (locked, live) with a credit note
// of amountMinor (1 … the invoice's total): what the invoice has open is
// reduced first, the rest (all of it for a paid invoice) stays on the
// account as a credit balance.
func (s *Service) acceptCredit(ctx context.Context, tx *store.Store, c *ar.Creditor, deb *ar.Debtor, d *store.Dispute,
	inv *ar.Invoice, staffID, amountMinor int64) (*store.CreditNote, error) {
	if amountMinor <= 0 || amountMinor > inv.TotalMinor {
		var bad ar.Invalids
		bad.Add("amount", "error.staff.credit_requests.amount", nil)
		return nil, bad
	}
	number := CreditNoteNumber(d)
	now := s.now()
	onInvoice := min(amountMinor, max(inv.OpenMinor, 0))
	cn := &store.CreditNote{CreditorID: c.ID, DebtorID: d.DebtorID, Number: number, InvoiceID: &inv.ID,
		AmountMinor: amountMinor, Currency: inv.Currency, Reason: "credit request " + d.PublicID, IssueDate: c.Today(now)}
	if err := tx.CreateSplitCreditNote(ctx, cn, onInvoice); err != nil {
		return nil, err
	}
	if err := tx.DecideDispute(ctx, d, ar.DisputeAccepted, staffID, "", now); err != nil {
		return nil, err
	}
	credit := amountMinor - onInvoice
	data := map[string]any{"dispute": d.PublicID, "number": inv.Number, "amount_minor": amountMinor,
		"currency": inv.Currency, "credit_note": number, "on_invoice_minor": onInvoice, "on_account_minor": credit}
	return cn, s.decided(ctx, tx, c, deb, d, staffID, KindCreditAccepted, data, map[string]any{
		"outcome": "accepted", "dispute": d.PublicID, "invoice_number": inv.Number, "amount_minor": amountMinor,
		"on_invoice_minor": onInvoice, "on_account_minor": credit, "currency": inv.Currency, "credit_note": number,
		"customer_number": deb.CustomerNumber},
		KindCreditAccepted, "Number", inv.Number, "Amount", s.money(c, deb, amountMinor, inv.Currency), "CreditNote", number,
		"OnAccount", s.money(c, deb, credit, inv.Currency))
}

// Withdraw ends one of the debtor's live cases at their wish (assistedBy:
// the agent of an assisted session, who is audited): status withdrawn,
// the hold ends, the queue task is closed, the timeline says so and the
// creditor gets dispute.resolved with outcome withdrawn. A decided or
// withdrawn case is a Conflict (error.credit_request.withdraw_closed);
// anyone else's is not found.
func (s *Service) Withdraw(ctx context.Context, c *ar.Creditor, debtorID int64, publicID string, assistedBy *int64) (*store.Dispute, error) {
	d, err := s.Store.DisputeByPublicID(ctx, c.ID, debtorID, publicID)
	if err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if d, err = tx.Dispute(ctx, c.ID, d.ID, true); err != nil {
			return err
		}
		if !d.Status.Live() {
			return ar.Errorf(ar.Conflict, "error.credit_request.withdraw_closed")
		}
		now := s.now()
		if err := tx.WithdrawDispute(ctx, d, now); err != nil {
			return err
		}
		if err := tx.CompleteDisputeTask(ctx, c.ID, d.ID, assistedBy, now); err != nil {
			return err
		}
		kind := caseKind(d, "withdrawn")
		data := map[string]any{"dispute": d.PublicID, "number": d.InvoiceNumber, "kind": d.Kind}
		actor := "debtor"
		if assistedBy != nil {
			actor = "staff"
			if err := tx.AddAudit(ctx, assistedBy, &c.ID, kind, d.PublicID, nil, data); err != nil {
				return err
			}
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: debtorID, InvoiceID: &d.InvoiceID,
			Kind: kind, Actor: actor, StaffID: assistedBy, Visibility: ar.VisibleToCustomer, OccurredAt: now,
			Data: data}); err != nil {
			return err
		}
		deb, err := tx.Debtor(ctx, c.ID, debtorID)
		if err != nil {
			return err
		}
		_, err = tx.AddEvent(ctx, c.ID, &debtorID, "dispute.resolved", map[string]any{
			"outcome": "withdrawn", "kind": d.Kind, "dispute": d.PublicID, "invoice_number": d.InvoiceNumber,
			"amount_minor": 0, "currency": d.Currency, "customer_number": deb.CustomerNumber})
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}
