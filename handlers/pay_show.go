package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/docs"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/views"
)

// payShow is the payment form: everything due preselected (or what
// restores a restricted service), editable, invoices to pick after the
// step-up, and the methods the creditor offers for that amount.
func (s *Server) payShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	acc, err := s.account(r.Context(), ds)
	if err != nil {
		return err
	}
	p := page{creditor: acc.Creditor, debtorLang: ds.Lang, signedIn: true, assisted: ds.AssistedBy != 0}
	vm := s.payVM(r, acc.Creditor, acc.Debtor, acc.Invoices, acc.Summary, ds, s.language(w, r, p))
	return s.render(w, r, http.StatusOK, p, views.PayPage(vm))
}

func (s *Server) payVM(r *http.Request, c *ar.Creditor, d *ar.Debtor, invs []ar.Invoice, sum ar.Summary, ds *debtorSession, lang string) views.PayVM {
	vm := views.PayVM{Currency: sum.Currency, OpenMinor: sum.OpenMinor, DefaultMinor: sum.OpenMinor, Chosen: map[string]bool{}}
	if d.Restricted() {
		if restore := d.RestoreAmount(sum); restore > 0 && restore <= sum.OpenMinor {
			vm.DefaultMinor = restore
		}
	}
	// A link may preselect an amount (a plan's instalment) and, after the
	// step-up, the invoices it is for: ?amount=12.50&invoice=R-1.
	q := r.URL.Query()
	if a, ok := parseAmountInput(q.Get("amount")); ok && a > 0 && a <= sum.OpenMinor {
		vm.DefaultMinor = a
	}
	vm.Amount = formatAmountInput(vm.DefaultMinor, lang)
	if ds.SteppedUp {
		want := map[string]bool{}
		for _, n := range q["invoice"] {
			want[n] = true
		}
		for _, inv := range invs {
			if inv.OpenMinor > 0 {
				vm.Invoices = append(vm.Invoices, inv)
				vm.Chosen[inv.Number] = want[inv.Number]
			}
		}
	}
	if c.BankIBAN != "" && sum.OpenMinor > 0 {
		vm.Transfer = transferVM(c, d, vm.DefaultMinor)
	}
	if s.Checkout != nil && sum.OpenMinor > 0 {
		// One look-up of the creditor's key serves both questions: can it
		// take online payments, and with which methods.
		methods, err := s.Checkout.Methods(r.Context(), c, vm.DefaultMinor, lang, d.Country)
		vm.Available = !errors.Is(err, payments.ErrNoKey)
		if err != nil && vm.Available {
			// The checkout offers every method anyway; the list is a help.
			s.Log.WarnContext(r.Context(), "pay: methods", "id", RequestID(r.Context()), "err", err)
		}
		for _, m := range methods {
			vm.Methods = append(vm.Methods, views.PayMethod{ID: m.ID, Name: m.Description, Icon: m.ImageSVG})
		}
	}
	return vm
}

// formatAmountInput writes minor units for the amount field: 285,61 in
// German, 285.61 in English.
func formatAmountInput(minor int64, lang string) string {
	s := fmt.Sprintf("%d.%02d", minor/100, minor%100)
	if lang == "en" {
		return s
	}
	return strings.Replace(s, ".", ",", 1)
}

// parseAmountInput reads an amount as people type it into a form:
// "285,61", "285.61", "1.234,50", "1,234.50", "285", with or without "€"
// or "EUR" (ar.ParseAmount, the same reading as the CSV import's). It
// returns minor units, or false; a form never takes a negative amount.
func parseAmountInput(s string) (int64, bool) {
	s = strings.NewReplacer("€", "", "EUR", "").Replace(strings.TrimSpace(s))
	if strings.HasPrefix(strings.TrimSpace(s), "-") {
		return 0, false
	}
	return ar.ParseAmount(s)
}

// transferVM is the bank transfer for amount, with its GiroCode.
func transferVM(c *ar.Creditor, d *ar.Debtor, amount int64) *views.TransferVM {
	holder := c.BankHolder
	if holder == "" {
		holder = c.LegalName
	}
	tr := &views.TransferVM{Holder: holder, IBAN: ar.FormatIBAN(c.BankIBAN), BIC: c.BankBIC,
		Reference: ar.TransferReference(d.CustomerNumber), AmountMinor: amount}
	if c.Currency == "EUR" {
		payload, err := docs.EPCPayload(docs.Transfer{Name: holder, IBAN: c.BankIBAN, BIC: c.BankBIC,
			AmountMinor: amount, Reference: tr.Reference})
		if err == nil {
			tr.QR, _ = docs.QRDataURL(payload, 400)
		}
	}
	return tr
}
