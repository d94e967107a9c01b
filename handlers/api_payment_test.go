package handlers

import (
	"strings"
	"testing"
)

// alice's invoices at the fixture's start: R-1003 (due 15 Oct) is paid,
// R-1001 (due 15 Nov) is overdue, R-1002 (due 1 Dec) is partly paid and
// not yet due.
func (h *harness) open(number string) int64 {
	h.t.Helper()
	inv, err := h.st.Invoice(h.ctx, h.a.ID, h.alice.ID, number)
	if err != nil {
		h.t.Fatal(err)
	}
	return inv.OpenMinor
}

func TestAPIPaymentAllocation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	r1003, r1001, r1002 := h.open("R-1003"), h.open("R-1001"), h.open("R-1002")
	if r1003 != 0 || r1001 <= 0 || r1002 <= 1000 {
		t.Fatalf("fixture: open %d %d %d", r1003, r1001, r1002)
	}
	// Oldest due first: R-1001 is paid in full, R-1002 gets the rest; the
	// paid R-1003 gets nothing.
	amount := r1001 + 1000
	res := h.call("POST", "/api/v1/payments", key, `{"customer_number": "K-100", "amount_minor": `+itoa(amount)+`,
		"currency": "EUR", "value_date": "2026-11-20", "reference": "Überweisung", "external_id": "BANK-1"}`)
	if res.status != 201 {
		t.Fatalf("payment: %d %s", res.status, res.body)
	}
	m := res.json(t)
	allocs := m["allocations"].([]any)
	if len(allocs) != 2 || allocs[0].(map[string]any)["invoice_number"] != "R-1001" ||
		allocs[1].(map[string]any)["amount_minor"].(float64) != 1000 || !strings.HasPrefix(m["id"].(string), "pay_") {
		t.Errorf("allocations %v", m)
	}
	if h.open("R-1003") != 0 || h.open("R-1001") != 0 || h.open("R-1002") != r1002-1000 {
		t.Errorf("open after payment: %d %d %d", h.open("R-1003"), h.open("R-1001"), h.open("R-1002"))
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'payment.paid' AND data->>'external_id' = 'BANK-1'`); n != 1 {
		t.Errorf("%d payment.paid events", n)
	}
	// The same external_id again books nothing and returns the first booking.
	again := h.call("POST", "/api/v1/payments", key, `{"customer_number": "K-100", "amount_minor": `+itoa(amount)+`,
		"currency": "EUR", "value_date": "2026-11-20", "external_id": "BANK-1"}`)
	if again.status != 200 || again.json(t)["id"] != m["id"] || h.open("R-1002") != r1002-1000 {
		t.Errorf("repeated external_id: %d %s", again.status, again.body)
	}
	if res := h.call("POST", "/api/v1/payments", key, `{"customer_number": "K-100", "amount_minor": 5,
		"currency": "EUR", "value_date": "2026-11-20", "external_id": "BANK-1"}`); res.status != 409 {
		t.Errorf("external_id reused for another amount: %d", res.status)
	}
	// Named invoices first, the rest stays on the account as a credit.
	res = h.call("POST", "/api/v1/payments", key, `{"customer_number": "K-100", "amount_minor": `+itoa(r1002-1000+700)+`,
		"currency": "EUR", "value_date": "2026-11-21", "invoice_numbers": ["R-1002"]}`)
	if m := res.json(t); res.status != 201 || m["unallocated_minor"].(float64) != 700 || h.open("R-1002") != 0 {
		t.Errorf("named invoice: %d %s", res.status, res.body)
	}
	// The surplus is a credit and a task for staff, never silently lost.
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'overpayment' AND amount_minor = 700 AND debtor_id = $1`, h.alice.ID); n != 1 {
		t.Errorf("%d overpayment tasks", n)
	}
	// Someone else's invoice is unknown, and nothing is booked.
	before := h.queryInt(`SELECT count(*) FROM payments`)
	if res := h.call("POST", "/api/v1/payments", key, `{"customer_number": "K-100", "amount_minor": 100,
		"currency": "EUR", "value_date": "2026-11-21", "invoice_numbers": ["R-2001"]}`); res.status != 400 ||
		res.fieldCodes(t)["invoice_numbers"] != "error.api.unknown_invoice" {
		t.Errorf("other debtor's invoice: %d %s", res.status, res.body)
	}
	if h.queryInt(`SELECT count(*) FROM payments`) != before {
		t.Error("a refused payment was stored")
	}
	for _, bad := range []string{
		`{"customer_number": "K-100", "amount_minor": 0, "currency": "EUR", "value_date": "2026-11-21"}`,
		`{"customer_number": "K-100", "amount_minor": 10, "currency": "eur", "value_date": "2026-11-21"}`,
		`{"customer_number": "K-100", "amount_minor": 10, "currency": "EUR", "value_date": "2027-05-01"}`,
		`{"customer_number": "K-100", "amount_minor": 10, "currency": "EUR"}`,
	} {
		if res := h.call("POST", "/api/v1/payments", key, bad); res.status != 400 {
			t.Errorf("%s: %d", bad, res.status)
		}
	}
}

func TestAPIServiceRestore(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	res := h.call("PUT", "/api/v1/debtors/K-100/service-status", key, `{"status": "restricted", "restore_minor": 5000, "note": "mobile Daten"}`)
	if res.status != 200 || res.json(t)["status"] != "restricted" {
		t.Fatalf("restrict: %d %s", res.status, res.body)
	}
	// The landing leads with it, before the step-up too.
	c := h.entered(h.alice)
	page := c.get("/account").html(t)
	notice := page.testIDText("service-notice")
	if !contains(notice, "Eingeschränkt: mobile Daten") || !contains(notice, h.de().Money(5000, "EUR")) || len(page.testID("pay-restore")) != 1 {
		t.Errorf("service notice = %q", notice)
	}
	pay := func(amount int64, ext string) apiResp {
		return h.call("POST", "/api/v1/payments", key, `{"customer_number": "K-100", "amount_minor": `+itoa(amount)+`,
			"currency": "EUR", "value_date": "2026-11-22", "external_id": "`+ext+`"}`)
	}
	if res := pay(3000, "P-1"); res.status != 201 || res.json(t)["service_restorable"] != false {
		t.Errorf("part payment: %d %s", res.status, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE type = 'service.restorable'`); n != 0 {
		t.Errorf("restorable after 3000 of 5000")
	}
	h.clock.Advance(1)
	if res := pay(2000, "P-2"); res.status != 201 || res.json(t)["service_restorable"] != true {
		t.Errorf("covering payment: %d %s", res.status, res.body)
	}
	// service.restorable follows payment.paid in the same transaction:
	// consecutive in the debtor's sequence.
	var seqs []int64
	if err := h.db.Select(&seqs, `SELECT debtor_seq FROM events WHERE creditor_id = $1 AND debtor_id = $2
		AND (type = 'service.restorable' OR (type = 'payment.paid' AND data->>'external_id' = 'P-2')) ORDER BY id`, h.a.ID, h.alice.ID); err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 2 || seqs[1] != seqs[0]+1 {
		t.Errorf("sequence of payment.paid and service.restorable: %v", seqs)
	}
	if res := pay(100, "P-3"); res.json(t)["service_restorable"] != false {
		t.Error("service.restorable emitted twice for one restriction")
	}
	if page := c.get("/account").html(t); !contains(page.testIDText("service-notice"), h.de().T("page.account.service.restorable_title")) {
		t.Errorf("after paying the portal says %q", page.testIDText("service-notice"))
	}
	// Back to active: no notice.
	h.call("PUT", "/api/v1/debtors/K-100/service-status", key, `{"status": "active"}`)
	if page := c.get("/account").html(t); len(page.testID("service-notice")) != 0 {
		t.Error("notice shown for an active service")
	}
	// Without a named amount, paying everything overdue restores it.
	h.call("PUT", "/api/v1/debtors/K-100/service-status", key, `{"status": "suspended"}`)
	overdue := h.open("R-1001") + h.open("R-1003")
	if res := pay(overdue, "P-4"); res.json(t)["service_restorable"] != true {
		t.Errorf("paying the overdue %d did not restore: %s", overdue, res.body)
	}
	if res := h.call("PUT", "/api/v1/debtors/K-100/service-status", key, `{"status": "broken"}`); res.status != 400 {
		t.Errorf("bad status: %d", res.status)
	}
}

func TestAPICreditNote(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := h.apiKey(h.a)
	open := h.open("R-1001")
	body := `{"number": "GS-1", "customer_number": "K-100", "invoice_number": "R-1001", "amount_minor": 1500,
		"currency": "EUR", "issue_date": "2026-11-20", "reason": "Störung 3 Tage"}`
	if res := h.call("POST", "/api/v1/credit-notes", key, body); res.status != 201 {
		t.Fatalf("%d %s", res.status, res.body)
	}
	if h.open("R-1001") != open-1500 {
		t.Errorf("open %d, want %d", h.open("R-1001"), open-1500)
	}
	if res := h.call("POST", "/api/v1/credit-notes", key, body); res.status != 409 {
		t.Errorf("same number twice: %d", res.status)
	}
	big := strings.Replace(strings.Replace(body, "GS-1", "GS-2", 1), "1500", itoa(open), 1)
	if res := h.call("POST", "/api/v1/credit-notes", key, big); res.status != 400 || res.fieldCodes(t)["amount_minor"] != "error.api.credit_exceeds_open" {
		t.Errorf("credit above open: %d %s", res.status, res.body)
	}
	// A settled invoice can no longer be corrected through PUT.
	if res := h.call("PUT", "/api/v1/invoices/R-1001", key, strings.Replace(invoiceBody, "K-100", "K-100", 1)); res.status != 409 {
		t.Errorf("PUT after credit note: %d", res.status)
	}
}
