package handlers

// Shared by the dispute pages of debtors and staff: reading the dispute
// form, turning the service's errors into messages beside their fields
// (and a list of refused files), the dispute page's view model, and
// serving attachments.

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// disputesOn fails with NotFound when the server takes no disputes.
func (s *Server) disputesOn() error {
	if s.Disputes == nil {
		return ar.Errorf(ar.NotFound, "page.error.not_found.body")
	}
	return nil
}

// disputeForm is the dispute form as typed.
type disputeForm struct {
	Reason        string
	Lines         []string
	Message       string
	PaidOn        string
	PaidAmount    string
	PaidReference string
}

func readDisputeForm(v url.Values) disputeForm {
	return disputeForm{Reason: v.Get("reason"), Lines: v["line"], Message: v.Get("message"),
		PaidOn: strings.TrimSpace(v.Get("paid_on")), PaidAmount: strings.TrimSpace(v.Get("paid_amount")),
		PaidReference: v.Get("paid_reference")}
}

// input turns the form into what the disputes service takes; what cannot
// even be read (a line that is no number, a date or amount in no known
// form) goes into Invalid, and the service checks the rest.
func (f disputeForm) input(number string) disputes.OpenInput {
	in := disputes.OpenInput{Number: number, Reason: f.Reason, Message: f.Message,
		Paid: disputes.Payment{Reference: f.PaidReference}}
	for _, l := range f.Lines {
		n, err := strconv.Atoi(strings.TrimSpace(l))
		if err != nil || n <= 0 {
			in.Invalid.Add("lines", "error.dispute.lines", nil)
			continue
		}
		in.Lines = append(in.Lines, n)
	}
	if f.Reason != ar.ReasonAlreadyPaid {
		return in
	}
	if f.PaidOn != "" {
		if d, ok := parseDateInput(f.PaidOn); ok {
			in.Paid.On = &d
		} else {
			in.Invalid.Add("paid_on", "error.dispute.paid_on", nil)
		}
	}
	if f.PaidAmount != "" {
		if m, ok := parseAmountInput(f.PaidAmount); ok && m > 0 {
			in.Paid.Minor = &m
		} else {
			in.Invalid.Add("paid_amount", "error.dispute.paid_amount", nil)
		}
	}
	return in
}

// parseDateInput reads a date as a date input sends it (2026-11-20) or
// as people type it where there is none (20.11.2026).
func parseDateInput(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, "2.1.2006"} {
		if d, err := time.Parse(layout, s); err == nil && d.Year() >= 1900 {
			return d, true
		}
	}
	return time.Time{}, false
}

// formErrs are the errors of a dispute form, as the page shows them.
type formErrs struct {
	fields   map[string]views.FieldErr
	files    []views.FieldErr // refused files, in the order they were sent
	key      string           // a form-level message
	args     []any
	existing string // the live dispute the invoice has already
	status   int
}

// disputeErrors sorts a domain error from the service for the page:
// field errors beside their fields, refused files in a list, anything
// else that is the debtor's to act on above the form. Not found and
// internal errors are returned for the error page.
func disputeErrors(loc *i18n.Locale, err error) (formErrs, error) {
	fe := formErrs{fields: map[string]views.FieldErr{}, status: http.StatusUnprocessableEntity}
	var list ar.Invalids
	if !errors.As(err, &list) {
		e, ok := ar.AsError(err)
		if !ok || e.Code == ar.Internal || e.Code == ar.NotFound {
			return fe, err
		}
		if e.Field == "" || e.Code != ar.Invalid {
			fe.key, fe.args, fe.status = e.Key, localArgs(loc, e.Args), statusOf(e.Code)
			if id, ok := e.Args["Dispute"].(string); ok {
				fe.existing = id
			}
			if fe.status == http.StatusBadRequest {
				fe.status = http.StatusUnprocessableEntity
			}
			return fe, nil
		}
		list = ar.Invalids{e}
	}
	type numbered struct {
		i int
		e views.FieldErr
	}
	var files []numbered
	for _, e := range list {
		if i, ok := strings.CutPrefix(e.Field, "file."); ok {
			n, _ := strconv.Atoi(i)
			files = append(files, numbered{n, views.FieldErr{Key: e.Key, Args: localArgs(loc, e.Args)}})
			continue
		}
		if _, dup := fe.fields[e.Field]; !dup {
			fe.fields[e.Field] = views.FieldErr{Key: e.Key, Args: localArgs(loc, e.Args)}
		}
	}
	slices.SortStableFunc(files, func(a, b numbered) int { return a.i - b.i })
	for _, f := range files {
		fe.files = append(fe.files, f.e)
	}
	return fe, nil
}

// overflowed is the error for a body larger than every file together may
// be: what came after the limit was not read.
func overflowed(in *ar.Invalids) {
	in.Add("files", "error.dispute.upload_too_large", map[string]any{"Max": ar.MaxDisputeFiles,
		"MaxMB": ar.MaxDisputeFileBytes >> 20})
}

// disputeFormVM is the form with f's values for one of the debtor's
// invoices.
func (s *Server) disputeFormVM(ctx context.Context, c *ar.Creditor, inv *ar.Invoice, f disputeForm) (views.DisputeFormVM, error) {
	reasons, err := s.Store.DisputeReasons(ctx, c.ID)
	if err != nil {
		return views.DisputeFormVM{}, err
	}
	vm := views.DisputeFormVM{Invoice: inv, Reason: f.Reason, Lines: map[int]bool{}, Message: f.Message,
		PaidOn: f.PaidOn, PaidAmount: f.PaidAmount, PaidReference: f.PaidReference,
		MaxDate: c.Today(s.Now()).Format(time.DateOnly)}
	for _, r := range reasons {
		vm.Reasons = append(vm.Reasons, views.DisputeReasonVM{Code: r.Code, Label: r.Label})
	}
	for _, l := range f.Lines {
		if n, err := strconv.Atoi(strings.TrimSpace(l)); err == nil {
			vm.Lines[n] = true
		}
	}
	return vm, nil
}

// disputeNotices are the notices a dispute's page shows after an action
// (?done=…).
var disputeNotices = map[string]string{
	"opened": "page.dispute.notice.opened",
	"sent":   "page.dispute.notice.sent",
	"closed": "page.dispute.notice.closed",
	"exists": "page.dispute.notice.exists",
	// Issue 9.
	"withdrawn":       "page.credit_request.notice.withdrawn",
	"credit_opened":   "page.credit_request.notice.opened",
	"withdraw_closed": "error.credit_request.withdraw_closed",
}

// disputePath is a debtor's dispute page (plus rest).
func disputePath(publicID, rest string) string {
	return "/account/disputes/" + url.PathEscape(publicID) + rest
}

// staffDisputePath is a dispute's page in the back office (plus rest).
func staffDisputePath(id int64, rest string) string {
	return "/staff/disputes/" + strconv.FormatInt(id, 10) + rest
}

// disputeVM loads what a dispute's page shows: the dispute with its
// chosen lines (descriptions from the invoice), what it holds now, the
// conversation with each message's files. attachmentURL makes a file's
// address for the reader (debtor or staff); staff see staff members'
// names.
func (s *Server) disputeVM(ctx context.Context, d *store.Dispute, inv *ar.Invoice, zone *time.Location,
	attachmentURL func(publicID string) string) (views.DisputeVM, error) {
	vm := views.DisputeVM{PublicID: d.PublicID, Number: d.InvoiceNumber, Status: string(d.Status), Reason: d.Reason,
		ReasonLabel: d.ReasonLabel, DisputedMinor: min(d.DisputedMinor, max(inv.OpenMinor, 0)), Currency: d.Currency,
		PaidOn: d.PaidOn, PaidMinor: d.PaidMinor, PaidReference: d.PaidReference, CreatedAt: d.CreatedAt.In(zone),
		DecisionNote: d.DecisionNote}
	if d.Status == ar.DisputeAccepted {
		cn, err := s.Store.CreditNoteByNumber(ctx, d.CreditorID, d.DebtorID, disputes.CreditNoteNumber(d))
		if err != nil && !ar.IsNotFound(err) {
			return vm, err
		}
		if err == nil {
			vm.CreditNote, vm.CreditMinor = cn.Number, cn.AmountMinor
			// Issue 9: what a credit request's note left on the account.
			if d.Kind == ar.CaseCreditRequest {
				if vm.OnAccountMinor, err = s.Store.CreditNoteOnAccount(ctx, d.CreditorID, cn.ID); err != nil {
					return vm, err
				}
			}
		}
	}
	vm.Kind, vm.RequestedMinor, vm.WithdrawnAt = d.Kind, d.RequestedMinor, withdrawnAt(d, zone) // issue 9
	chosen := d.LinePositions()
	for _, l := range inv.Lines {
		if slices.Contains(chosen, l.Position) {
			vm.Lines = append(vm.Lines, views.DisputeLineVM{Position: l.Position, Description: l.Description,
				TotalMinor: l.TotalMinor, Disputed: true})
		}
	}
	msgs, err := s.Store.DisputeMessages(ctx, d.CreditorID, d.ID)
	if err != nil {
		return vm, err
	}
	files, err := s.Store.DisputeAttachments(ctx, d.CreditorID, d.ID)
	if err != nil {
		return vm, err
	}
	byMsg := map[int64][]views.AttachmentVM{}
	var loose []views.AttachmentVM
	for _, a := range files {
		av := views.AttachmentVM{Name: a.FileName, MediaType: a.MediaType, Size: a.Size, URL: attachmentURL(a.PublicID)}
		if a.MessageID == nil {
			loose = append(loose, av)
			continue
		}
		byMsg[*a.MessageID] = append(byMsg[*a.MessageID], av)
	}
	for _, m := range msgs {
		vm.Messages = append(vm.Messages, views.DisputeMessageVM{FromDebtor: m.Author == "debtor", By: m.StaffName,
			At: m.CreatedAt.In(zone), Body: m.Body, Attachments: byMsg[m.ID]})
	}
	if len(loose) > 0 {
		vm.Messages = append(vm.Messages, views.DisputeMessageVM{FromDebtor: true, At: d.CreatedAt.In(zone), Attachments: loose})
	}
	return vm, nil
}

// debtorDispute loads one of the session debtor's disputes by public id
// (anyone else's: 404) with its invoice.
func (s *Server) debtorDispute(ctx context.Context, ds *debtorSession, publicID string) (*store.Dispute, *ar.Invoice, error) {
	d, err := s.Store.DisputeByPublicID(ctx, ds.CreditorID, ds.DebtorID, publicID)
	if err != nil {
		return nil, nil, err
	}
	inv, err := s.Store.Invoice(ctx, ds.CreditorID, ds.DebtorID, d.InvoiceNumber)
	if err != nil {
		return nil, nil, err
	}
	return d, inv, nil
}

// debtorDisputeVM is a debtor's dispute page.
func (s *Server) debtorDisputeVM(ctx context.Context, c *ar.Creditor, d *store.Dispute, inv *ar.Invoice) (views.DisputeVM, error) {
	vm, err := s.disputeVM(ctx, d, inv, c.Location(), func(id string) string {
		return disputePath(d.PublicID, "/attachments/"+url.PathEscape(id))
	})
	vm.Form.Action = disputePath(d.PublicID, "/messages")
	if vm.CreditNote != "" {
		vm.CreditNoteURL = creditNotePath(vm.CreditNote)
	}
	vm.CanWithdraw = d.Status.Live() // issue 9
	return vm, err
}

// attachmentTypes are the only media types an attachment is served as.
var attachmentTypes = []string{disputes.MediaPDF, disputes.MediaPNG, disputes.MediaJPEG}

// serveAttachment sends a dispute's file as a download, never to be
// shown in the page: Content-Disposition attachment with a safe name, its
// checked media type, nosniff, a CSP that runs nothing (also when
// opened directly), and no caching on the way.
func serveAttachment(w http.ResponseWriter, a *store.DisputeAttachment) error {
	if !slices.Contains(attachmentTypes, a.MediaType) {
		return errors.New("dispute attachment with an unexpected media type")
	}
	h := w.Header()
	h.Set("Content-Type", a.MediaType)
	h.Set("Content-Disposition", disputes.ContentDisposition(a.FileName, a.MediaType, "attachment"))
	h.Set("Content-Length", strconv.Itoa(len(a.Content)))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox")
	h.Set("Cross-Origin-Resource-Policy", "same-origin")
	_, err := w.Write(a.Content)
	return err
}

// disputeBadges are the dashboard's "disputed" badges (invoice numbers
// a live dispute holds) and whether the debtor has disputed anything.
func (s *Server) disputeBadges(ctx context.Context, creditorID, debtorID int64, invs []ar.Invoice) (map[string]bool, bool, error) {
	if s.Disputes == nil {
		return nil, false, nil
	}
	holds, err := s.Store.DisputeHolds(ctx, creditorID, debtorID)
	if err != nil {
		return nil, false, err
	}
	out := map[string]bool{}
	for _, inv := range invs {
		if _, ok := holds[inv.ID]; ok {
			out[inv.Number] = true
		}
	}
	list, err := s.Store.DebtorDisputes(ctx, creditorID, debtorID)
	return out, len(list) > 0, err
}
