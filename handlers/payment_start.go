package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/checkout"
	"github.com/settle/settle/views"
)

// paymentStart creates the payment and sends the debtor to the checkout
// (303), and only to a checkout host Settle trusts. A double click or a
// reload reuses the payment already open. Refused input re-renders the
// form with what was typed and a translated message.
func (s *Server) paymentStart(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form.unreadable")
	}
	acc, err := s.account(r.Context(), ds)
	if err != nil {
		return err
	}
	p := page{creditor: acc.Creditor, debtorLang: ds.Lang, signedIn: true, assisted: ds.AssistedBy != 0}
	lang := s.language(w, r, p)
	req := checkout.Request{Method: r.PostForm.Get("method"), Lang: lang}
	if ds.SteppedUp { // choosing invoices needs to see them
		req.InvoiceNumbers = r.PostForm["invoice"]
	}
	amount, ok := parseAmountInput(r.PostForm.Get("amount"))
	var startErr error
	if !ok {
		startErr = ar.FieldError("amount", "error.pay.amount_format", nil)
	} else if s.Checkout == nil {
		startErr = ar.Errorf(ar.Conflict, "error.pay.unavailable")
	} else {
		req.AmountMinor = amount
		payment, err := s.Checkout.Start(r.Context(), acc.Creditor, acc.Debtor, req)
		if err == nil {
			s.Log.InfoContext(r.Context(), "payment started", "id", RequestID(r.Context()),
				"payment", payment.PublicID, "creditor", acc.Creditor.Slug, "amount_minor", payment.AmountMinor)
			if ds.AssistedBy != 0 {
				// Assist mode: the agent must never see card or bank
				// details, so the checkout goes to the debtor's phone or
				// inbox and the agent waits on the payment's status page.
				if err := s.office.SendPaymentLink(r.Context(), ds.AssistedBy, acc.Creditor, acc.Debtor, payment.PublicID,
					payment.CheckoutURL, payment.AmountMinor); err != nil {
					return err
				}
				return redirect(w, r, "/account/payments/"+payment.PublicID+"?sent=1")
			}
			return redirect(w, r, payment.CheckoutURL)
		}
		startErr = err
	}
	e, isDomain := ar.AsError(startErr)
	if !isDomain {
		return startErr
	}
	vm := s.payVM(r, acc.Creditor, acc.Debtor, acc.Invoices, acc.Summary, ds, lang)
	vm.Amount = r.PostForm.Get("amount")
	vm.Method = req.Method
	for _, n := range req.InvoiceNumbers {
		vm.Chosen[n] = true
	}
	vm.ErrorKey = e.Key
	vm.ErrorArgs = argsKV(e.Args)
	return s.render(w, r, statusOf(e.Code), p, views.PayPage(vm))
}
