// Package disputes is the service behind "something is wrong with this
// invoice": a debtor disputes an invoice or some of its lines with a
// reason, a message and attachments; the disputed amount is held out of
// dunning at once; debtor and staff write to each other on the dispute
// until staff decide.
package disputes

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
)

// Service opens disputes and carries their conversation.
type Service struct {
	Store  *store.Store
	Portal *portal.Service // tells the debtor about staff's replies
	Now    func() time.Time
	// SubmitLimit is how many disputes and messages one debtor may send
	// per SubmitWindow (0: DefaultSubmitLimit). Every submission counts,
	// refused ones too: each may carry 20 files to check.
	SubmitLimit int
	// Plans books a matched payment toward the payment plan holding the
	// invoice (plans.Service); nil: no plans.
	Plans PlanBooker
}

// Submission limits.
const (
	DefaultSubmitLimit = 30
	SubmitWindow       = 10 * time.Minute
)

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Timeline kinds (all customer-visible: the debtor sees their dispute's
// steps in their history).
const (
	KindOpened  = "dispute.opened"
	KindMessage = "dispute.message" // the debtor wrote
	KindReplied = "dispute.replied" // staff wrote
)

// File is an uploaded file as the handler received it.
type File struct {
	Name   string // as the browser sent it: display text only
	TooBig bool   // more than ar.MaxDisputeFileBytes arrived (the rest was not read)
	Open   func() (io.ReadCloser, error)
}

// Payment is what a debtor says about a payment they made ("already
// paid"); each part is optional.
type Payment struct {
	On        *time.Time // civil date
	Minor     *int64
	Reference string
}

// OpenInput is what a debtor submits to dispute an invoice.
type OpenInput struct {
	Number     string // the invoice
	Reason     string // a code of the creditor's list
	Lines      []int  // line positions; none: the whole invoice
	Message    string
	Paid       Payment // reason already_paid only
	Files      []File
	Staged     []string // public ids of files kept from a refused try (see staged.go)
	AssistedBy *int64   // the agent of an assisted session
	// Invalid holds what the caller could not even read (a date in no
	// known form); nothing is stored then, but the rest is still checked
	// so that everything wrong is told at once.
	Invalid ar.Invalids
}

// MessageInput is a message (with files) for a dispute.
type MessageInput struct {
	Body       string
	Files      []File
	Staged     []string    // the debtor's message: files kept from a refused try (see staged.go)
	AssistedBy *int64      // the debtor's message: the agent of an assisted session
	Invalid    ar.Invalids // as OpenInput.Invalid
}

// Open disputes one of the debtor's invoices. The amount disputed (the
// chosen lines' share, else what is open) is held out of dunning from
// now on; AR staff get a task in the dispute queue; the creditor's
// systems get dispute.opened. Everything wrong with the input is
// returned at once as ar.Invalids (fields "reason", "lines", "message",
// "paid_on", "paid_amount", "paid_reference", "files", and "file.<i>"
// for the i-th file with .Name); then nothing is stored but the files
// that passed the check, kept for the next try (*Refused). A live dispute
// on the invoice already is a Conflict (error.dispute.exists).
func (s *Service) Open(ctx context.Context, c *ar.Creditor, debtorID int64, in OpenInput) (*store.Dispute, error) {
	if err := s.limit(ctx, c.ID, debtorID); err != nil {
		return nil, err
	}
	inv, err := s.Store.Invoice(ctx, c.ID, debtorID, in.Number)
	if err != nil {
		return nil, err
	}
	reasons, err := s.Store.DisputeReasons(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	in.Message = CleanText(in.Message)
	in.Paid.Reference = CleanText(in.Paid.Reference)
	bad := append(ar.Invalids{}, in.Invalid...)
	reason, ok := findReason(reasons, in.Reason)
	if !ok {
		bad.Add("reason", "error.dispute.reason", nil)
	}
	lines, lerr := chosenLines(inv, in.Lines)
	if lerr != nil {
		bad.Add("lines", "error.dispute.lines", nil)
	}
	if n := utf8.RuneCountInString(in.Message); n > ar.MaxDisputeMessage {
		bad.Add("message", "error.dispute.message_too_long", map[string]any{"Max": ar.MaxDisputeMessage, "Count": n})
	} else if in.Message == "" && ok && needsMessage(reason.Code) {
		bad.Add("message", "error.dispute.message_needed", nil)
	}
	paid := Payment{}
	if reason.Code == ar.ReasonAlreadyPaid {
		paid = in.Paid
		checkPayment(&bad, paid, c.Today(s.now()))
	}
	// Kept files: see staged.go.
	if live, err := s.Store.LiveDispute(ctx, c.ID, inv.ID); err == nil {
		return nil, &ar.Error{Code: ar.Conflict, Key: "error.dispute.exists", Args: map[string]any{"Dispute": live.PublicID}}
	} else if !ar.IsNotFound(err) {
		return nil, err
	}
	staged, err := s.stageFiles(ctx, c.ID, debtorID, in.Staged, in.Files, &bad)
	if err != nil {
		return nil, err
	}
	if len(staged)+countRefused(bad) > ar.MaxDisputeFiles {
		bad.Add("files", "error.dispute.too_many_files", map[string]any{"Max": ar.MaxDisputeFiles})
	}
	var d *store.Dispute
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if live, err := tx.LiveDispute(ctx, c.ID, inv.ID); err == nil {
			return &ar.Error{Code: ar.Conflict, Key: "error.dispute.exists", Args: map[string]any{"Dispute": live.PublicID}}
		} else if !ar.IsNotFound(err) {
			return err
		}
		var msg *store.DisputeMessage
		if len(bad) == 0 {
			d = &store.Dispute{PublicID: ar.NewPublicID("dsp"), CreditorID: c.ID, DebtorID: debtorID, InvoiceID: inv.ID,
				InvoiceNumber: inv.Number, Lines: lines, Reason: reason.Code, ReasonLabel: reason.Label,
				PaidOn: paid.On, PaidMinor: paid.Minor, PaidReference: paid.Reference,
				DisputedMinor: ar.DisputedShare(inv, in.Lines), Currency: inv.Currency, Status: ar.DisputeOpen,
				AssistedBy: in.AssistedBy, CreatedAt: s.now()}
			if err := tx.CreateDispute(ctx, d); err != nil {
				return err
			}
			if in.Message != "" || len(staged) > 0 {
				msg = &store.DisputeMessage{CreditorID: c.ID, DisputeID: d.ID, Author: "debtor", StaffID: in.AssistedBy,
					Body: in.Message, CreatedAt: s.now()}
				if err := tx.AddDisputeMessage(ctx, msg); err != nil {
					return err
				}
			}
		}
		if len(bad) > 0 {
			return bad // nothing is stored but the kept files
		}
		if err := s.moveStaged(ctx, tx, c.ID, debtorID, d, msg, staged); err != nil {
			return err
		}
		if err := tx.AddTask(ctx, &store.Task{CreditorID: c.ID, DebtorID: debtorID, Kind: "dispute", SubjectID: &d.ID,
			AmountMinor: d.DisputedMinor, Currency: d.Currency, Note: excerpt(in.Message, 200), CreatedAt: s.now()}); err != nil {
			return err
		}
		actor, staffID := "debtor", in.AssistedBy
		if staffID != nil {
			actor = "staff"
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: debtorID, InvoiceID: &inv.ID,
			Kind: KindOpened, Actor: actor, StaffID: staffID, Visibility: ar.VisibleToCustomer, OccurredAt: s.now(),
			Data: map[string]any{"dispute": d.PublicID, "number": inv.Number, "amount_minor": d.DisputedMinor,
				"currency": d.Currency, "dispute_reason": d.Reason, "lines": len(lines)}}); err != nil {
			return err
		}
		deb, err := tx.Debtor(ctx, c.ID, debtorID)
		if err != nil {
			return err
		}
		_, err = tx.AddEvent(ctx, c.ID, &debtorID, "dispute.opened", map[string]any{
			"dispute": d.PublicID, "customer_number": deb.CustomerNumber, "invoice_number": inv.Number,
			"reason": d.Reason, "lines": lines, "disputed_minor": d.DisputedMinor, "currency": d.Currency,
			"kind": ar.CaseDispute})
		return err
	})
	if err != nil {
		return nil, s.refused(ctx, c.ID, debtorID, staged, err)
	}
	return d, nil
}

// DebtorMessage adds the debtor's message (and files) to one of their
// live disputes; an answer to staff's question reopens it for staff.
// Invalid input is ar.Invalids as for Open ("message", "files",
// "file.<i>"); a closed dispute is a Conflict (error.dispute.closed).
func (s *Service) DebtorMessage(ctx context.Context, c *ar.Creditor, debtorID int64, publicID string, in MessageInput) (*store.Dispute, error) {
	if err := s.limit(ctx, c.ID, debtorID); err != nil {
		return nil, err
	}
	d, err := s.Store.DisputeByPublicID(ctx, c.ID, debtorID, publicID)
	if err != nil {
		return nil, err
	}
	// Kept files: see staged.go. The files are staged first, and the
	// message moves them.
	if !d.Status.Live() {
		return nil, ar.Errorf(ar.Conflict, "error.dispute.closed")
	}
	staged, err := s.stageFiles(ctx, c.ID, debtorID, in.Staged, in.Files, &in.Invalid)
	if err != nil {
		return nil, err
	}
	in.Files, in.Staged = nil, staged
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if d, err = tx.Dispute(ctx, c.ID, d.ID, true); err != nil {
			return err
		}
		if err := s.addMessage(ctx, tx, d, "debtor", in.AssistedBy, in); err != nil {
			return err
		}
		if d.Status == ar.DisputeInfoRequested {
			if err := tx.SetDisputeStatus(ctx, d, ar.DisputeOpen, s.now()); err != nil {
				return err
			}
		}
		actor := "debtor"
		if in.AssistedBy != nil {
			actor = "staff"
		}
		return tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: debtorID, InvoiceID: &d.InvoiceID,
			Kind: caseKind(d, "message"), Actor: actor, StaffID: in.AssistedBy, Visibility: ar.VisibleToCustomer, OccurredAt: s.now(),
			Data: map[string]any{"dispute": d.PublicID, "number": d.InvoiceNumber, "files": len(staged)}})
	})
	if err != nil {
		return nil, s.refused(ctx, c.ID, debtorID, staged, err)
	}
	return d, nil
}

// StaffReply adds a staff member's message (and files) to one of the
// creditor's live disputes, records it in the audit log and on the
// debtor's timeline, and tells the debtor by their preferred channel
// with a link (the email quotes the message). Errors as DebtorMessage.
func (s *Service) StaffReply(ctx context.Context, c *ar.Creditor, staffID, disputeID int64, in MessageInput) (*store.Dispute, error) {
	var d *store.Dispute
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if d, err = tx.Dispute(ctx, c.ID, disputeID, true); err != nil {
			return err
		}
		if err := s.addMessage(ctx, tx, d, "staff", &staffID, in); err != nil {
			return err
		}
		if err := tx.AddAudit(ctx, &staffID, &c.ID, caseKind(d, "replied"), d.PublicID, nil,
			map[string]any{"invoice": d.InvoiceNumber, "files": len(in.Files)}); err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.DebtorID, InvoiceID: &d.InvoiceID,
			Kind: caseKind(d, "replied"), Actor: "staff", StaffID: &staffID, Visibility: ar.VisibleToCustomer, OccurredAt: s.now(),
			Data: map[string]any{"dispute": d.PublicID, "number": d.InvoiceNumber, "files": len(in.Files)}}); err != nil {
			return err
		}
		if s.Portal == nil {
			return nil
		}
		deb, err := tx.Debtor(ctx, c.ID, d.DebtorID)
		if err != nil {
			return err
		}
		pt := *s.Portal
		pt.Store = tx
		_, err = pt.Notify(ctx, c, deb, "dispute", caseKind(d, "reply"), "Number", d.InvoiceNumber, "Message", CleanText(in.Body))
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// addMessage checks and stores a message with its files on a live,
// locked dispute.
func (s *Service) addMessage(ctx context.Context, tx *store.Store, d *store.Dispute, author string, staffID *int64, in MessageInput) error {
	if !d.Status.Live() {
		return ar.Errorf(ar.Conflict, "error.dispute.closed")
	}
	body, files := CleanText(in.Body), in.Files
	nfiles := len(files) + len(in.Staged) + countRefused(in.Invalid) // staged: the debtor's, kept or new
	bad := append(ar.Invalids{}, in.Invalid...)
	if n := utf8.RuneCountInString(body); n > ar.MaxDisputeMessage {
		bad.Add("message", "error.dispute.message_too_long", map[string]any{"Max": ar.MaxDisputeMessage, "Count": n})
	} else if body == "" && nfiles == 0 {
		bad.Add("message", "error.dispute.message_empty", nil)
	}
	have, err := tx.CountDisputeAttachments(ctx, d.CreditorID, d.ID)
	if err != nil {
		return err
	}
	if have+nfiles > ar.MaxDisputeFiles {
		bad.Add("files", "error.dispute.files_left", map[string]any{"Max": ar.MaxDisputeFiles,
			"Left": max(ar.MaxDisputeFiles-have, 0)})
	}
	var msg *store.DisputeMessage
	if len(bad) == 0 {
		msg = &store.DisputeMessage{CreditorID: d.CreditorID, DisputeID: d.ID, Author: author, StaffID: staffID,
			Body: body, CreatedAt: s.now()}
		if err := tx.AddDisputeMessage(ctx, msg); err != nil {
			return err
		}
	}
	if err := s.attach(ctx, tx, d.CreditorID, d, msg, files, &bad); err != nil {
		return err
	}
	if len(bad) > 0 {
		return bad
	}
	if author == "debtor" {
		if err := s.moveStaged(ctx, tx, d.CreditorID, d.DebtorID, d, msg, in.Staged); err != nil {
			return err
		}
	}
	return tx.TouchDispute(ctx, d, s.now())
}

// attach checks every file and, while nothing is wrong (bad is empty
// and d is set), stores it with msg. A refused file adds "file.<i>" to
// bad with its name; the other files are still checked, so that the
// debtor learns about every refused file at once.
func (s *Service) attach(ctx context.Context, tx *store.Store, creditorID int64, d *store.Dispute, msg *store.DisputeMessage, files []File, bad *ar.Invalids) error {
	for i, f := range files {
		name := DisplayName(f.Name)
		clean, mediaType, err := readFile(ctx, f)
		if e, ok := ar.AsError(err); ok {
			refuseFile(bad, i, name, e)
			continue
		} else if err != nil {
			return err
		}
		if len(*bad) > 0 || d == nil {
			continue
		}
		sum := sha256.Sum256(clean)
		a := &store.DisputeAttachment{CreditorID: creditorID, DisputeID: d.ID, MediaType: mediaType, Content: clean,
			SHA256: sum[:], FileName: name, CreatedAt: s.now()}
		if msg != nil {
			a.MessageID = &msg.ID
		}
		if err := tx.AddDisputeAttachment(ctx, a); err != nil {
			return err
		}
	}
	return nil
}

// readFile reads an upload and checks it (CheckFile).
func readFile(ctx context.Context, f File) ([]byte, string, error) {
	if f.TooBig {
		return nil, "", ar.Errorf(ar.Invalid, string(errFileSize))
	}
	if f.Open == nil {
		return nil, "", ar.Errorf(ar.Invalid, string(errFileEmpty))
	}
	r, err := f.Open()
	if err != nil {
		return nil, "", err
	}
	defer r.Close()
	data, err := io.ReadAll(io.LimitReader(r, ar.MaxDisputeFileBytes+1))
	if err != nil {
		return nil, "", err
	}
	return CheckFile(ctx, data)
}

// limit counts a submission of the debtor's.
func (s *Service) limit(ctx context.Context, creditorID, debtorID int64) error {
	max := s.SubmitLimit
	if max == 0 {
		max = DefaultSubmitLimit
	}
	n, err := s.Store.Hit(ctx, fmt.Sprintf("dispute:%d:%d", creditorID, debtorID), SubmitWindow, s.now())
	if err != nil {
		return err
	}
	if n > max {
		return ar.Errorf(ar.TooMany, "error.rate_limited")
	}
	return nil
}

// findReason is the creditor's reason with this code.
func findReason(list []ar.DisputeReason, code string) (ar.DisputeReason, bool) {
	for _, r := range list {
		if r.Code == code {
			return r, true
		}
	}
	return ar.DisputeReason{}, false
}

// needsMessage: "other" and a creditor's own reasons say too little on
// their own.
func needsMessage(code string) bool { return code == ar.ReasonOther || !ar.IsStandardReason(code) }

// chosenLines checks that every position is one of the invoice's lines
// and returns them sorted, without repeats.
func chosenLines(inv *ar.Invoice, positions []int) (pq.Int64Array, error) {
	out := pq.Int64Array{}
	for _, p := range positions {
		if !slices.ContainsFunc(inv.Lines, func(l ar.InvoiceLine) bool { return l.Position == p }) {
			return nil, ar.FieldError("lines", "error.dispute.lines", nil)
		}
		if !slices.Contains(out, int64(p)) {
			out = append(out, int64(p))
		}
	}
	slices.Sort(out)
	return out, nil
}

// checkPayment checks the "already paid" details: a date not in the
// future, a positive amount, a reference of sensible length.
func checkPayment(bad *ar.Invalids, p Payment, today time.Time) {
	if p.On != nil && p.On.After(today) {
		bad.Add("paid_on", "error.dispute.paid_on_future", nil)
	}
	if p.Minor != nil && *p.Minor <= 0 {
		bad.Add("paid_amount", "error.dispute.paid_amount", nil)
	}
	if utf8.RuneCountInString(p.Reference) > ar.MaxDisputeReference {
		bad.Add("paid_reference", "error.dispute.paid_reference", map[string]any{"Max": ar.MaxDisputeReference})
	}
}

// excerpt is the start of a text, for a queue's note.
func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
