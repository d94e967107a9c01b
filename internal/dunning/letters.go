package dunning

import (
	"bytes"
	"context"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/docs"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/store"
)

// Letters for print and mail
//
// A stage on the letter channel leaves a message with status to_print.
// ExportLetters turns a creditor's waiting letters into one PDF, each
// letter a German (or English, by the debtor's language) reminder that
// stands up on its own: the creditor's legal name and address, the claim
// basis of each invoice (number, date, due date), the amounts itemised
// (invoice, paid or credited, open principal, fees earlier and now,
// default interest with its rate and period), the deadline, the bank
// details with a GiroCode for the total and a QR code to the portal.
//
// The link: the engine's link for the letter (dunning_actions.link_id)
// cannot be printed, since only its token's hash is stored. Every export
// therefore issues a new document link per letter (purpose document,
// valid ar.DocumentLinkTTL, as the QR code on an invoice copy) and prints
// it; an export that is repeated (a failed print run) issues new links
// and the earlier ones stay valid until they expire. Amounts are the
// ledger's as of the export; the letter is dated and its deadline counted
// from the day the engine made it, as its paragraph says.

// LetterExport is a print run: the letters' message ids in the order
// printed, the pages of each, and the PDF.
type LetterExport struct {
	IDs   []int64
	Pages []int
	PDF   []byte
	// Settled are the letters left out because nothing they ask for is
	// open any more (paid or credited since they were made).
	Settled []int64
}

// ExportLetters renders the creditor's letters waiting for print (up to
// the message id upTo; 0: all) into one PDF, each starting on a new page
// and, with duplex, on a new sheet. It changes nothing but issuing the
// letters' document links; MarkLettersPosted records the posting.
func (e *Engine) ExportLetters(ctx context.Context, c *ar.Creditor, upTo int64, duplex bool) (*LetterExport, error) {
	return e.letters(ctx, c, upTo, true, duplex)
}

// PendingLetters is what ExportLetters would print (the ids, and those
// left out as settled) without rendering anything or issuing links: what
// "mark as posted" after a download covers.
func (e *Engine) PendingLetters(ctx context.Context, c *ar.Creditor, upTo int64) (*LetterExport, error) {
	return e.letters(ctx, c, upTo, false, false)
}

func (e *Engine) letters(ctx context.Context, c *ar.Creditor, upTo int64, render, duplex bool) (*LetterExport, error) {
	letters, err := e.Store.LettersToPrint(ctx, c.ID, upTo)
	if err != nil {
		return nil, err
	}
	out := &LetterExport{}
	if len(letters) == 0 {
		return out, nil
	}
	now := e.now()
	cfg, err := LoadConfig(ctx, e.Store, c, now)
	if err != nil {
		return nil, err
	}
	var logo []byte
	var logoType string
	if render {
		logo, logoType, _ = e.Store.CreditorPrintLogo(ctx, c.ID)
	}
	var list []docs.ReminderDoc
	for i := range letters {
		l := &letters[i]
		d, due := e.letterDoc(cfg, l, now)
		if due <= 0 || len(l.Items) == 0 {
			out.Settled = append(out.Settled, l.ID)
			continue
		}
		out.IDs = append(out.IDs, l.ID)
		if !render {
			continue
		}
		d.Logo, d.LogoType = logo, logoType
		if err := e.letterPayment(ctx, c, l, &d, due); err != nil {
			return nil, err
		}
		list = append(list, d)
	}
	if len(list) == 0 {
		return out, nil
	}
	var buf bytes.Buffer
	if out.Pages, err = docs.RenderRemindersPDF(&buf, list, duplex); err != nil {
		return nil, err
	}
	out.PDF = buf.Bytes()
	return out, nil
}

// MarkLettersPosted records that the letters were printed and posted
// (status sent, provider "print:<date>") and cancels those left out
// because they were settled, in one transaction with audit (staffID nil
// for the shell). It returns how many it marked posted.
func (e *Engine) MarkLettersPosted(ctx context.Context, c *ar.Creditor, x *LetterExport, staffID *int64) (int, error) {
	now := e.now()
	var n int
	err := e.Store.InTx(ctx, func(tx *store.Store) error {
		done, err := tx.MarkLettersPosted(ctx, c.ID, x.IDs, now, "print:"+c.Today(now).Format(time.DateOnly))
		if err != nil {
			return err
		}
		n = len(done)
		cancelled, err := tx.CancelPrintLetters(ctx, c.ID, x.Settled, "nothing open any more when the letters were printed")
		if err != nil {
			return err
		}
		if len(done)+len(cancelled) == 0 {
			return nil
		}
		return tx.AddAudit(ctx, staffID, &c.ID, "letters.posted", "creditor:"+c.Slug, nil,
			map[string]any{"posted": done, "cancelled": cancelled})
	})
	return n, err
}

// letterDoc lays a letter out in the debtor's language and returns it
// with the total it asks for.
func (e *Engine) letterDoc(cfg *Config, l *store.PrintLetter, now time.Time) (docs.ReminderDoc, int64) {
	c := cfg.Creditor
	lang := l.Language
	if !i18n.Supported(lang) {
		lang = c.DefaultLanguage
	}
	loc := e.Text.Locale(lang)
	kind := "reminder"
	if len(l.Items) > 0 {
		kind = l.Items[0].Kind
	}
	legal := firstNonEmpty(c.LegalName, c.Name)
	address := strings.Join(strings.Fields(strings.ReplaceAll(c.Address, "\n", " · ")), " ")
	// The day the engine made the letter (its run's instant: the
	// message's own created_at is the wall clock of the run).
	made := c.Today(l.CreatedAt)
	if len(l.Items) > 0 {
		made = c.Today(l.Items[0].ActionAt)
	}
	d := docs.ReminderDoc{
		Letterhead: docs.Letterhead{BrandColor: c.PrimaryColor, CreditorName: c.Name, CreditorAddress: address,
			CreditorContact: joinNonEmpty(" · ", c.SupportPhone, c.SupportEmail), LegalFooter: c.LegalFooter,
			Title: loc.T("doc.letter.title." + kind), Created: now},
		SenderLine: joinNonEmpty(" · ", legal, address),
		Recipient:  strings.Split(l.Recipient, "\n"),
		Facts: [][2]string{{loc.T("doc.letter.date"), loc.Date(made)},
			{loc.T("doc.letter.customer_number"), l.CustomerNumber}},
		Salutation: loc.T("doc.letter.salutation", "Name", l.Name),
		Intro:      sentence(lang, l.Body),
		Closing:    []string{loc.T("doc.letter.regards"), legal},
	}
	if c.SupportPhone != "" {
		d.Facts = append(d.Facts, [2]string{loc.T("doc.letter.phone"), c.SupportPhone})
	}
	var total int64
	cur := c.Currency
	for _, it := range l.Items {
		cur = it.Currency
		money := func(m int64) string { return loc.Money(m, it.Currency) }
		principal := it.InvoiceMinor + it.SettledMinor
		inv := docs.ReminderInvoice{Heading: loc.T("doc.letter.claim", "Number", it.Number, "Date", loc.Date(it.IssueDate),
			"DueDate", loc.Date(it.DueDate))}
		inv.Rows = append(inv.Rows, [2]string{loc.T("doc.letter.invoice_amount"), money(it.InvoiceMinor)})
		if it.SettledMinor != 0 {
			inv.Rows = append(inv.Rows, [2]string{loc.T("doc.letter.settled"), money(it.SettledMinor)},
				[2]string{loc.T("doc.letter.principal"), money(principal)})
		}
		held := min(max(it.HeldMinor, 0), max(principal, 0))
		if held > 0 {
			inv.Rows = append(inv.Rows, [2]string{loc.T("doc.letter.held"), money(-held)})
		}
		feeBefore, feeNow := "doc.letter.fee_before", "doc.letter.fee_now"
		if l.Kind == Business {
			feeBefore, feeNow = "doc.letter.fee_business_before", "doc.letter.fee_business_now"
		}
		if before := it.FeesMinor - it.FeeMinor; before != 0 {
			inv.Rows = append(inv.Rows, [2]string{loc.T(feeBefore), money(before)})
		}
		if it.FeeMinor > 0 {
			inv.Rows = append(inv.Rows, [2]string{loc.T(feeNow), money(it.FeeMinor)})
		}
		if it.InterestTotalMinor != 0 {
			inv.Rows = append(inv.Rows, [2]string{e.interestLabel(cfg, loc, l.Kind, &it, principal-held), money(it.InterestTotalMinor)})
		}
		due := principal - held + it.FeesMinor + it.InterestTotalMinor
		inv.Total = [2]string{loc.T("doc.letter.invoice_due"), money(due)}
		d.Invoices = append(d.Invoices, inv)
		total += due
	}
	d.Total = [2]string{loc.T("doc.letter.total"), loc.Money(total, cur)}
	d.Deadline = loc.T("doc.letter.deadline", "Amount", loc.Money(total, cur),
		"Date", loc.Date(made.AddDate(0, 0, cfg.Settings.PayDays)))
	d.Note = loc.T("doc.letter.note")
	if contact := joinNonEmpty(" · ", c.SupportPhone, c.SupportEmail); contact != "" {
		d.Note += " " + loc.T("doc.letter.questions", "Contact", contact)
	}
	return d, total
}

// interestLabel says how the default interest was worked out: the rate
// (base rate plus the legal points) and the period, as the engine
// computed it up to the day of this letter.
func (e *Engine) interestLabel(cfg *Config, loc *i18n.Locale, kind string, it *store.PrintLetterItem, principal int64) string {
	s := cfg.Settings
	var first *time.Time
	delivery := 0
	if it.FirstReminderAt != nil {
		t := cfg.Creditor.Today(*it.FirstReminderAt)
		first = &t
		if it.FirstReminderChannel != nil && *it.FirstReminderChannel == "letter" {
			delivery = s.LetterDays
		}
	}
	began, ok := DefaultBegan(s.DefaultMode, it.DueDate, first, delivery)
	if !ok {
		return loc.T("doc.letter.interest")
	}
	in := s.Fees.DefaultInterest(max(principal, 1), kind, began, cfg.Creditor.Today(it.ActionAt))
	if len(in.Periods) == 0 {
		return loc.T("doc.letter.interest")
	}
	points := s.Fees.ConsumerPointsBP
	if kind == Business {
		points = s.Fees.BusinessPointsBP
	}
	var parts []string
	for _, p := range in.Periods {
		parts = append(parts, loc.T("doc.letter.interest_period", "Rate", loc.Percent(p.RateBP), "From", loc.Date(p.From),
			"To", loc.Date(p.To)))
	}
	return loc.T("doc.letter.interest_detail", "Periods", strings.Join(parts, "; "), "Points", loc.Quantity(int64(points)*10),
		"Principal", loc.Money(principal, it.Currency))
}

// letterPayment adds how to pay: the bank details with a GiroCode for
// the total, and a QR code to the portal behind a new document link.
func (e *Engine) letterPayment(ctx context.Context, c *ar.Creditor, l *store.PrintLetter, d *docs.ReminderDoc, total int64) error {
	lang := l.Language
	if !i18n.Supported(lang) {
		lang = c.DefaultLanguage
	}
	loc := e.Text.Locale(lang)
	token, err := e.Portal.IssueDocumentLink(ctx, c, l.DebtorID)
	if err != nil {
		return err
	}
	url := e.Portal.LinkURL(token)
	d.PortalQR, d.PortalCaption = url, loc.T("doc.letter.portal_qr", "URL", url)
	if c.BankIBAN == "" {
		d.Payment = loc.T("doc.letter.pay_online")
		return nil
	}
	holder := firstNonEmpty(c.BankHolder, c.LegalName, c.Name)
	ref := ar.TransferReference(l.CustomerNumber)
	d.Payment = loc.T("doc.letter.payment", "Holder", holder, "IBAN", ar.FormatIBAN(c.BankIBAN), "BIC", c.BankBIC, "Reference", ref)
	cur := c.Currency
	if len(l.Items) > 0 {
		cur = l.Items[0].Currency
	}
	if cur == "EUR" {
		if payload, err := docs.EPCPayload(docs.Transfer{Name: holder, IBAN: c.BankIBAN, BIC: c.BankBIC, AmountMinor: total,
			Reference: ref}); err == nil {
			d.TransferQR, d.TransferCaption = payload, loc.T("doc.letter.transfer_qr")
		}
	}
	return nil
}

// sentence starts the letter's paragraph, which follows the salutation,
// with a capital letter in English (German continues in lower case after
// "Guten Tag …,").
func sentence(lang, s string) string {
	if lang != "en" || s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func joinNonEmpty(sep string, s ...string) string {
	var parts []string
	for _, x := range s {
		if x != "" {
			parts = append(parts, x)
		}
	}
	return strings.Join(parts, sep)
}

// LetterPDF renders one of the creditor's dunning letters, whatever its
// status, as the debtor gets it: the amounts as the ledger has them now
// and, while something is open, the payment details with a QR code
// behind a new document link.
func (e *Engine) LetterPDF(ctx context.Context, c *ar.Creditor, messageID int64) ([]byte, error) {
	l, err := e.Store.Letter(ctx, c.ID, messageID)
	if err != nil {
		return nil, err
	}
	now := e.now()
	cfg, err := LoadConfig(ctx, e.Store, c, now)
	if err != nil {
		return nil, err
	}
	d, due := e.letterDoc(cfg, l, now)
	d.Logo, d.LogoType, _ = e.Store.CreditorPrintLogo(ctx, c.ID)
	if due > 0 {
		if err := e.letterPayment(ctx, c, l, &d, due); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := docs.RenderReminderPDF(&buf, d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
