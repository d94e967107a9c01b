package handlers

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/docs"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/views"
)

// statementShow is the account statement for a period (default: the last
// twelve months): HTML, or CSV with the locale's conventions (German: ";"
// and a decimal comma) and a UTF-8 BOM so spreadsheets read it right.
func (s *Server) statementShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	ctx := r.Context()
	p, err := s.debtorPage(ctx, ds)
	if err != nil {
		return err
	}
	c := p.creditor
	today := c.Today(s.Now())
	q := r.URL.Query()
	vm := views.StatementVM{Currency: c.Currency, To: today, From: today.AddDate(-1, 0, 1)}
	if f, t := q.Get("from"), q.Get("to"); f != "" || t != "" {
		from, okF := time.Parse("2006-01-02", f)
		to, okT := time.Parse("2006-01-02", t)
		switch {
		case okF != nil || okT != nil:
			vm.ErrorKey = "error.statement.date"
		case to.Before(from):
			vm.ErrorKey = "error.statement.order"
		case to.Sub(from) > 20*366*24*time.Hour:
			vm.ErrorKey = "error.statement.range"
		default:
			vm.From, vm.To = from, to
		}
	}
	vm.FromInput, vm.ToInput = vm.From.Format("2006-01-02"), vm.To.Format("2006-01-02")
	vm.Presets = []views.StatementPreset{
		{Key: "page.statement.this_year", From: fmt.Sprintf("%d-01-01", today.Year()), To: today.Format("2006-01-02")},
		{Key: "page.statement.last_12", From: today.AddDate(-1, 0, 1).Format("2006-01-02"), To: today.Format("2006-01-02")},
		{Key: "page.statement.all", From: "2000-01-01", To: today.Format("2006-01-02")},
	}
	opening, lines, err := s.Store.Statement(ctx, c.ID, ds.DebtorID, vm.From, vm.To)
	if err != nil {
		return err
	}
	vm.OpeningMinor = opening
	bal := opening
	for _, l := range lines {
		bal += l.AmountMinor
		line := views.StatementLine{Date: l.ValueDate, Kind: l.Kind, InvoiceNumber: l.InvoiceNumber,
			Reference: l.Reference, Document: l.Document, AmountMinor: l.AmountMinor, BalanceMinor: bal}
		if l.Kind == "credit_note" && l.Document != "" {
			line.DocumentHref = creditNotePath(l.Document)
		}
		vm.Lines = append(vm.Lines, line)
	}
	vm.ClosingMinor = bal
	status := http.StatusOK
	if vm.ErrorKey != "" {
		status = http.StatusBadRequest
	}
	if format := q.Get("format"); (format == "csv" || format == "pdf") && vm.ErrorKey == "" {
		loc := s.Catalog.Locale(s.language(w, r, p))
		actor, staffID := ds.actor()
		if err := s.Store.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: ds.DebtorID,
			Kind: "statement.downloaded", Actor: actor, StaffID: staffID, Visibility: ar.VisibleToCustomer,
			Data: map[string]any{"from": vm.FromInput, "to": vm.ToInput, "format": format}}); err != nil {
			return err
		}
		var body []byte
		h := w.Header()
		if format == "csv" {
			body = statementCSV(loc, vm)
			h.Set("Content-Type", "text/csv; charset=utf-8")
		} else {
			d, err := s.Store.Debtor(ctx, c.ID, ds.DebtorID)
			if err != nil {
				return err
			}
			doc := s.statementDoc(loc, c, d, vm)
			doc.Logo, doc.LogoType, _ = s.Store.CreditorPrintLogo(ctx, c.ID)
			var buf bytes.Buffer
			if err := docs.RenderStatementPDF(&buf, doc); err != nil {
				return err
			}
			body = buf.Bytes()
			h.Set("Content-Type", "application/pdf")
		}
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="Statement-%s-%s.%s"`, vm.FromInput, vm.ToInput, format))
		h.Set("Cache-Control", "private, no-store")
		_, err := w.Write(body)
		return err
	}
	return s.render(w, r, status, p, views.StatementPage(vm))
}

// statementCSV writes the statement for spreadsheets of the locale.
func statementCSV(loc *i18n.Locale, vm views.StatementVM) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	dec := "."
	if loc.Lang == "de" {
		cw.Comma, dec = ';', ","
	}
	amount := func(m int64) string {
		sign := ""
		if m < 0 {
			sign, m = "-", -m
		}
		return fmt.Sprintf("%s%d%s%02d", sign, m/100, dec, m%100)
	}
	cw.Write([]string{loc.T("csv.statement.date"), loc.T("csv.statement.entry"), loc.T("csv.statement.invoice"),
		loc.T("csv.statement.reference"), loc.T("csv.statement.amount"), loc.T("csv.statement.balance")})
	cw.Write([]string{loc.Date(vm.From), loc.T("csv.statement.opening"), "", "", "", amount(vm.OpeningMinor)})
	for _, l := range vm.Lines {
		cw.Write([]string{loc.Date(l.Date), loc.T("ledger." + l.Kind), csvSafe(l.InvoiceNumber), csvSafe(l.Document), amount(l.AmountMinor), amount(l.BalanceMinor)})
	}
	cw.Write([]string{loc.Date(vm.To), loc.T("csv.statement.closing"), "", "", "", amount(vm.ClosingMinor)})
	cw.Flush()
	return buf.Bytes()
}

// csvSafe keeps a spreadsheet from reading text as a formula (CSV
// injection): a leading = + - @ gets a quote.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func (s *Server) statementDoc(loc *i18n.Locale, c *ar.Creditor, d *ar.Debtor, vm views.StatementVM) docs.StatementDoc {
	money := func(m int64) string { return loc.Money(m, vm.Currency) }
	doc := docs.StatementDoc{
		Letterhead: docs.Letterhead{BrandColor: c.PrimaryColor, CreditorName: c.Name,
			CreditorAddress: letterAddress(c), CreditorContact: letterContact(c), LegalFooter: c.LegalFooter,
			Title: loc.T("page.statement.heading"), Created: s.Now()},
		DebtorLines: []string{d.Name, d.Street, strings.TrimSpace(d.Postcode + " " + d.City), loc.T("doc.invoice.customer_number") + " " + d.CustomerNumber},
		Period:      loc.Date(vm.From) + " – " + loc.Date(vm.To),
		Header: [5]string{loc.T("csv.statement.date"), loc.T("csv.statement.entry"), loc.T("csv.statement.reference"),
			loc.T("csv.statement.amount"), loc.T("csv.statement.balance")},
		Opening: [2]string{loc.T("csv.statement.opening"), money(vm.OpeningMinor)},
		Closing: [2]string{loc.T("csv.statement.closing"), money(vm.ClosingMinor)},
	}
	for _, l := range vm.Lines {
		entry := loc.T("ledger." + l.Kind)
		if l.InvoiceNumber != "" {
			entry += " · " + l.InvoiceNumber
		}
		doc.Rows = append(doc.Rows, [5]string{loc.Date(l.Date), entry, l.Document, money(l.AmountMinor), money(l.BalanceMinor)})
	}
	return doc
}
