package molliesim_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/VictorAvelar/mollie-api-go/v4/mollie"

	"github.com/settle/settle/internal/payments/molliesim"
)

func TestFirstPaymentCreatesMandate(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	rc := newReceiver(t, 0)
	_, c, err := e.client.Customers.Create(ctx, mollie.CreateCustomer{Name: "Erika Mustermann", Email: "erika@example.org", Locale: mollie.German})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.ID, "cst_") || c.Name != "Erika Mustermann" || c.Mode != mollie.TestMode {
		t.Errorf("customer %+v", c)
	}
	if _, got, err := e.client.Customers.Get(ctx, c.ID); err != nil || got.Email != "erika@example.org" {
		t.Errorf("get customer %+v %v", got, err)
	}

	first := createPayment(t, ctx, e.client, "0.01", rc.URL(), func(cp *mollie.CreatePayment) {
		cp.CustomerID, cp.SequenceType = c.ID, mollie.FirstSequence
	})
	if first.SequenceType != mollie.FirstSequence || first.CustomerID != c.ID || first.Links.Checkout == nil {
		t.Errorf("first payment %+v", first)
	}
	_, ml, err := e.client.Mandates.List(ctx, c.ID, nil)
	if err != nil || ml.Count != 0 {
		t.Fatalf("mandates before paying: %+v %v", ml, err)
	}
	// Bank transfer cannot be a first payment, so it is not offered.
	if r := checkoutPost(t, first.Links.Checkout.Href, url.Values{"status": {"paid"}, "method": {"banktransfer"}}); r.StatusCode != 409 {
		t.Errorf("first payment by bank transfer: %d", r.StatusCode)
	}
	checkoutPost(t, first.Links.Checkout.Href, url.Values{"status": {"paid"}, "method": {"ideal"}})
	rc.wait(t)

	_, ml, err = e.client.Mandates.List(ctx, c.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ml.Count != 1 {
		t.Fatalf("%d mandates", ml.Count)
	}
	md := ml.Embedded.Mandates[0]
	if !strings.HasPrefix(md.ID, "mdt_") || md.Status != mollie.ValidMandate || md.Method != mollie.DirectDebit ||
		md.Details.ConsumerAccount == "" || md.SignatureDate == nil {
		t.Errorf("mandate %+v", md)
	}
	_, paid, _ := e.client.Payments.Get(ctx, first.ID, nil)
	if paid.MandateID != md.ID || paid.Links.Mandate == nil {
		t.Errorf("first payment mandate %q", paid.MandateID)
	}

	rec := createPayment(t, ctx, e.client, "49.90", rc.URL(), func(cp *mollie.CreatePayment) {
		cp.CustomerID, cp.MandateID, cp.SequenceType, cp.RedirectURL = c.ID, md.ID, mollie.RecurringSequence, ""
	})
	if rec.Status != "pending" || rec.Method != mollie.DirectDebit || rec.Links.Checkout != nil || rec.Links.ChangePaymentState == nil ||
		rec.Details.ConsumerAccount != md.Details.ConsumerAccount || rec.Details.CreditorIdentifier == "" || rec.Details.DueDate == nil {
		t.Errorf("recurring payment %+v", rec)
	}
	rc.none(t, 100*time.Millisecond)
	if err := e.sim.SetStatus(rec.ID, "paid"); err != nil {
		t.Fatal(err)
	}
	if v := rc.wait(t); v.Get("id") != rec.ID {
		t.Errorf("webhook %v", v)
	}
	_, cps, err := e.client.Customers.GetPayments(ctx, c.ID, nil)
	if err != nil || cps.Count != 2 {
		t.Errorf("customer payments %+v %v", cps, err)
	}

	// Over the mandate method's limit, and without any valid mandate.
	_, _, err = e.client.Payments.Create(ctx, mollie.CreatePayment{Amount: &mollie.Amount{Currency: "EUR", Value: "5000.00"},
		Description: "too much", CreateRecurrentPaymentFields: mollie.CreateRecurrentPaymentFields{CustomerID: c.ID, SequenceType: mollie.RecurringSequence}}, nil)
	if be := baseError(t, err); be.Field != "amount" {
		t.Errorf("over limit: %+v", be)
	}
	if _, err := e.client.Mandates.Revoke(ctx, c.ID, md.ID); err != nil {
		t.Fatal(err)
	}
	_, _, err = e.client.Payments.Create(ctx, mollie.CreatePayment{Amount: &mollie.Amount{Currency: "EUR", Value: "5.00"},
		Description: "no mandate", CreateRecurrentPaymentFields: mollie.CreateRecurrentPaymentFields{CustomerID: c.ID, SequenceType: mollie.RecurringSequence}}, nil)
	if be := baseError(t, err); be.Status != 422 || be.Field != "customerId" {
		t.Errorf("no valid mandate: %+v", be)
	}
}

func TestCreateMandate(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	_, c, err := e.client.Customers.Create(ctx, mollie.CreateCustomer{Name: "Max"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = e.client.Mandates.Create(ctx, c.ID, mollie.CreateMandate{Method: mollie.DirectDebit, ConsumerName: "Max", ConsumerAccount: "DE89370400440532013001"})
	if be := baseError(t, err); be.Field != "consumerAccount" {
		t.Errorf("bad IBAN: %+v", be)
	}
	_, md, err := e.client.Mandates.Create(ctx, c.ID, mollie.CreateMandate{Method: mollie.DirectDebit, ConsumerName: "Max Mustermann",
		ConsumerAccount: "DE89 3704 0044 0532 0130 00", ConsumerBIC: "COBADEFFXXX", MandateReference: "SETTLE-1"})
	if err != nil {
		t.Fatal(err)
	}
	if md.Status != mollie.ValidMandate || md.Details.ConsumerAccount != "DE89370400440532013000" || md.MandateReference != "SETTLE-1" {
		t.Errorf("mandate %+v", md)
	}
	_, got, err := e.client.Mandates.Get(ctx, c.ID, md.ID)
	if err != nil || got.ID != md.ID {
		t.Errorf("get mandate %+v %v", got, err)
	}
	_, _, err = e.client.Customers.Get(ctx, "cst_nobody")
	if be := baseError(t, err); be.Status != 404 {
		t.Errorf("unknown customer: %+v", be)
	}
}
