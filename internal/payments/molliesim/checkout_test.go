package molliesim_test

import (
	"context"
	"errors"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/VictorAvelar/mollie-api-go/v4/mollie"

	"github.com/settle/settle/internal/payments/molliesim"
)

func TestCheckoutPaid(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	rc := newReceiver(t, 0)
	evil := `<script>alert(1)</script> "Rechnung" & Co`
	p := createPayment(t, ctx, e.client, "42.50", rc.URL(), func(cp *mollie.CreatePayment) { cp.Description = evil })

	resp, err := http.Get(p.Links.Checkout.Href)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	page := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("checkout page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"Mollie simulator — test mode, no real money", "EUR 42.50", html.EscapeString(evil),
		`name="method" value="ideal"`, `value="paid"`, `value="failed"`, `value="canceled"`, `value="expired"`, "Open (pending)",
		`<html lang="en">`, `name="viewport"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Error("description not escaped")
	}
	if strings.Contains(page, "<script") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") {
		t.Errorf("page has script or weak CSP %q", resp.Header.Get("Content-Security-Policy"))
	}

	r := checkoutPost(t, p.Links.Checkout.Href, url.Values{"status": {"paid"}, "method": {"creditcard"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "https://settle.example/account/payments/pay_1" {
		t.Errorf("after paid: %d → %q", r.StatusCode, r.Header.Get("Location"))
	}
	if v := rc.wait(t); v.Get("id") != p.ID || len(v) != 1 {
		t.Errorf("webhook form %v", v)
	}
	_, got, err := e.client.Payments.Get(ctx, p.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != "paid" || got.PaidAt == nil || got.Method != mollie.CreditCard || got.Details.CardNumber == "" ||
		got.AmountRemaining == nil || got.AmountRemaining.Value != "42.50" || got.AmountRefunded.Value != "0.00" ||
		got.Links.Checkout != nil || got.Links.ChangePaymentState == nil {
		t.Errorf("paid payment %+v", got)
	}
	// Final: another POST changes nothing.
	if r := checkoutPost(t, p.Links.Checkout.Href, url.Values{"status": {"failed"}}); r.StatusCode != http.StatusConflict {
		t.Errorf("POST on a paid payment: %d", r.StatusCode)
	}
	if s, _ := e.sim.Payment(p.ID); s.Status != "paid" {
		t.Errorf("status %q", s.Status)
	}
	rc.none(t, 100*time.Millisecond)
}

func TestCheckoutOnlyChangesItsPayment(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	a := createPayment(t, ctx, e.client, "1.00", "")
	b := createPayment(t, ctx, e.client, "2.00", "")
	checkoutPost(t, a.Links.Checkout.Href, url.Values{"status": {"canceled"}, "id": {b.ID}})
	if pa, _ := e.sim.Payment(a.ID); pa.Status != "canceled" {
		t.Errorf("a is %s", pa.Status)
	}
	if pb, _ := e.sim.Payment(b.ID); pb.Status != "open" {
		t.Errorf("b is %s", pb.Status)
	}
	// Cross-origin form posts are refused.
	req, _ := http.NewRequest(http.MethodPost, b.Links.Checkout.Href, strings.NewReader("status=paid"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if pb, _ := e.sim.Payment(b.ID); resp.StatusCode != http.StatusForbidden || pb.Status != "open" {
		t.Errorf("cross-site POST: %d, b is %s", resp.StatusCode, pb.Status)
	}
	// Unknown payments.
	resp, err = http.Get(e.base + "checkout/tr_unknown")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown checkout: %d", resp.StatusCode)
	}
	// Invalid status.
	if r := checkoutPost(t, b.Links.Checkout.Href, url.Values{"status": {"refunded"}}); r.StatusCode != http.StatusConflict {
		t.Errorf("bogus status: %d", r.StatusCode)
	}
}

func TestWebhookRetried(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	rc := newReceiver(t, 2) // 500, 500, then 200
	p := createPayment(t, ctx, e.client, "10.00", rc.URL())
	if err := e.sim.SetStatus(p.ID, "failed"); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if v := rc.wait(t); v.Get("id") != p.ID {
			t.Errorf("webhook %v", v)
		}
	}
	rc.none(t, 150*time.Millisecond)
	log := e.sim.WebhookLog()
	if len(log) != 3 || e.sim.WebhookCalls() != 3 {
		t.Fatalf("log %+v", log)
	}
	for i, c := range log {
		want := 500
		if i == 2 {
			want = 200
		}
		if c.Attempt != i+1 || c.Status != want || c.PaymentID != p.ID {
			t.Errorf("attempt %d: %+v", i+1, c)
		}
	}
}

func TestNoWebhookForOpenOrPending(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	rc := newReceiver(t, 0)
	p := createPayment(t, ctx, e.client, "10.00", rc.URL())
	r := checkoutPost(t, p.Links.Checkout.Href, url.Values{"status": {"pending"}, "method": {"ideal"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Errorf("pending: %d", r.StatusCode)
	}
	rc.none(t, 200*time.Millisecond)
	if s, _ := e.sim.Payment(p.ID); s.Status != "pending" || s.Method != "ideal" {
		t.Errorf("after pending: %+v", s)
	}
	if err := e.sim.SetStatus(p.ID, "open"); !errors.Is(err, molliesim.ErrInvalid) {
		t.Errorf("pending → open: %v", err)
	}
	if err := e.sim.SetStatus(p.ID, "paid"); err != nil {
		t.Fatal(err)
	}
	rc.wait(t)
	if err := e.sim.SetStatus(p.ID, "failed"); !errors.Is(err, molliesim.ErrFinal) {
		t.Errorf("paid → failed: %v", err)
	}

	// A bank transfer stays open while the customer transfers.
	bt := createPayment(t, ctx, e.client, "10.00", rc.URL())
	checkoutPost(t, bt.Links.Checkout.Href, url.Values{"status": {"pending"}, "method": {"banktransfer"}})
	_, got, _ := e.client.Payments.Get(ctx, bt.ID, nil)
	if got.Status != "open" || got.Details.TransferReference == "" || got.ExpiresAt.Sub(*got.CreatedAt) < 12*24*time.Hour {
		t.Errorf("bank transfer after choosing: %q %+v", got.Status, got.Details)
	}
	rc.none(t, 100*time.Millisecond)

	// DropWebhooks: nothing is sent at all.
	e.sim.DropWebhooks(true)
	if err := e.sim.SetStatus(bt.ID, "paid"); err != nil {
		t.Fatal(err)
	}
	rc.none(t, 150*time.Millisecond)
}

func TestCloseStopsRetries(t *testing.T) {
	e := newEnv(t, molliesim.Options{WebhookRetries: []time.Duration{time.Hour}})
	rc := newReceiver(t, 100)
	p := createPayment(t, context.Background(), e.client, "10.00", rc.URL())
	_ = e.sim.SetStatus(p.ID, "paid")
	rc.wait(t)
	start := time.Now()
	if err := e.sim.Close(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	_ = e.sim.SetStatus(createPayment(t, context.Background(), e.client, "1.00", rc.URL()).ID, "paid")
	rc.none(t, 100*time.Millisecond)
}

func TestRefundAndChargeback(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	rc := newReceiver(t, 0)
	p := createPayment(t, ctx, e.client, "10.00", rc.URL())

	_, _, err := e.client.Refunds.CreatePaymentRefund(ctx, p.ID, mollie.CreatePaymentRefund{Amount: &mollie.Amount{Currency: "EUR", Value: "1.00"}}, nil)
	if be := baseError(t, err); be.Status != 422 {
		t.Errorf("refund of an open payment: %+v", be)
	}
	if err := e.sim.SetStatusWithMethod(p.ID, "paid", "ideal"); err != nil {
		t.Fatal(err)
	}
	rc.wait(t)

	_, rf, err := e.client.Refunds.CreatePaymentRefund(ctx, p.ID, mollie.CreatePaymentRefund{
		Amount: &mollie.Amount{Currency: "EUR", Value: "4.00"}, Description: "Goodwill",
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(rf.ID, "re_") || rf.Status != mollie.Pending || rf.PaymentID != p.ID || rf.Amount.Value != "4.00" ||
		rf.SettlementAmount.Value != "-4.00" {
		t.Errorf("refund %+v", rf)
	}
	rc.wait(t)
	_, got, _ := e.client.Payments.Get(ctx, p.ID, nil)
	if got.Status != "paid" || got.AmountRefunded.Value != "4.00" || got.AmountRemaining.Value != "6.00" || got.Links.Refunds == nil {
		t.Errorf("after refund: %q refunded %v remaining %v", got.Status, got.AmountRefunded, got.AmountRemaining)
	}
	_, _, err = e.client.Refunds.CreatePaymentRefund(ctx, p.ID, mollie.CreatePaymentRefund{Amount: &mollie.Amount{Currency: "EUR", Value: "6.01"}}, nil)
	if be := baseError(t, err); be.Status != 422 || be.Field != "amount" {
		t.Errorf("over-refund: %+v", be)
	}
	_, rl, err := e.client.Refunds.ListPaymentRefunds(ctx, p.ID, nil)
	if err != nil || rl.Count != 1 || rl.Embedded.Refunds[0].Status != mollie.Refunded {
		t.Fatalf("refunds %+v %v", rl, err)
	}
	_, one, err := e.client.Refunds.GetPaymentRefund(ctx, p.ID, rf.ID, nil)
	if err != nil || one.Description != "Goodwill" {
		t.Errorf("get refund %+v %v", one, err)
	}

	cbID, err := e.sim.Chargeback(p.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	rc.wait(t)
	_, got, _ = e.client.Payments.Get(ctx, p.ID, nil)
	if got.Status != "paid" || got.AmountChargedBack == nil || got.AmountChargedBack.Value != "6.00" || got.AmountRemaining.Value != "0.00" {
		t.Errorf("after chargeback: %q %+v %+v", got.Status, got.AmountChargedBack, got.AmountRemaining)
	}
	_, cl, err := e.client.Chargebacks.ListForPayment(ctx, p.ID, nil)
	if err != nil || cl.Count != 1 || cl.Embedded.Chargebacks[0].ID != cbID || cl.Embedded.Chargebacks[0].Amount.Value != "6.00" {
		t.Errorf("chargebacks %+v %v", cl, err)
	}
	if _, err := e.sim.Refund(p.ID, "0.01"); !errors.Is(err, molliesim.ErrInvalid) {
		t.Errorf("refund beyond the remaining amount: %v", err)
	}

	// The helper and the checkout page of a paid payment do the same.
	q := createPayment(t, ctx, e.client, "3.00", rc.URL())
	_ = e.sim.SetStatus(q.ID, "paid")
	rc.wait(t)
	if _, err := e.sim.Refund(q.ID, "1.00"); err != nil {
		t.Fatal(err)
	}
	rc.wait(t)
	if r := checkoutPost(t, q.Links.Checkout.Href, url.Values{"action": {"chargeback"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("checkout chargeback: %d", r.StatusCode)
	}
	rc.wait(t)
	s, _ := e.sim.Payment(q.ID)
	if s.AmountRefunded.Value != "1.00" || s.AmountChargedBack.Value != "2.00" || len(s.Refunds) != 1 || len(s.Chargebacks) != 1 {
		t.Errorf("snapshot %+v", s)
	}
}
