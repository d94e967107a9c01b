package handlers

import (
	"net/http"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
)

// The dashboard shows the creditor's figures for the period, computed by
// hand below from the harness's data and a few additions, in both
// languages; creditor B's data never counts.
func TestStaffDashboard(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	now := h.clock.Now() // Monday 23 Nov 2026, 10:00 in Berlin
	r1001 := h.invoices[h.alice.ID]["R-1001"]
	if r1001.TotalMinor != 133248 || h.invoices[h.alice.ID]["R-1002"].TotalMinor != 10000 ||
		h.invoices[h.bob.ID]["R-2001"].TotalMinor != 92463 {
		t.Fatal("the harness's invoices changed: redo the sums below")
	}
	// A quarter of R-1001 (due 15 Nov) paid.
	if err := h.st.BookPayment(h.ctx, h.a.ID, h.alice.ID, r1001.ID, 33312, "EUR", civil("2026-11-20"), "SEPA"); err != nil {
		t.Fatal(err)
	}
	// Payments received: the fixtures' 12,34 € each by bank transfer (20
	// Nov), and alice's card payment of 50 € a day ago, after she opened
	// her link; bob opened his and paid nothing since.
	h.db.MustExec(`UPDATE payments SET created_at = $1 WHERE public_id IN ($2, $3, $4)`,
		now.Add(-3*24*time.Hour), alicePayment, bobPayment, carolPayment)
	paidAt := now.Add(-24 * time.Hour)
	card := &store.Payment{PublicID: "pay_dashcard", CreditorID: h.a.ID, DebtorID: h.alice.ID, Method: "creditcard",
		Status: "paid", AmountMinor: 5000, Currency: "EUR", ValueDate: civil("2026-11-22"), CreatedAt: paidAt}
	if err := h.st.CreatePayment(h.ctx, card); err != nil {
		t.Fatal(err)
	}
	h.db.MustExec(`UPDATE payments SET paid_at = $2 WHERE id = $1`, card.ID, paidAt)
	event := func(d *ar.Debtor, kind string, at time.Time, data map[string]any) {
		t.Helper()
		if err := h.st.AddInteraction(h.ctx, &ar.Interaction{CreditorID: d.CreditorID, DebtorID: d.ID, Kind: kind,
			OccurredAt: at, Data: data}); err != nil {
			t.Fatal(err)
		}
	}
	event(h.alice, "link.opened", now.Add(-48*time.Hour), nil)
	event(h.bob, "link.opened", now.Add(-24*time.Hour), nil)
	event(h.carol, "link.opened", now.Add(-24*time.Hour), nil)
	// Alice's service: restorable 10 min after her card payment, active
	// again an hour later.
	event(h.alice, "payment.booked", paidAt.Add(10*time.Minute), map[string]any{"payment_id": "pay_dashcard"})
	event(h.alice, "service.restorable", paidAt.Add(10*time.Minute), nil)
	event(h.alice, "service.status", paidAt.Add(70*time.Minute), map[string]any{"status": "active"})
	// Disputes: one came in three days ago, one older was finished.
	h.addTask(h.bob, "dispute", func(t *store.Task) { t.CreatedAt = now.Add(-72 * time.Hour) })
	old := h.addTask(h.alice, "dispute", func(t *store.Task) { t.CreatedAt = now.Add(-40 * 24 * time.Hour) })
	h.db.MustExec(`UPDATE staff_tasks SET done_at = $2 WHERE id = $1`, old, now.Add(-48*time.Hour))
	h.addTask(h.carol, "dispute")

	agent, _, _ := h.staffAccount(staff.RoleAgent, h.a)
	// Open: R-1001 99936 + R-1002 5000 + R-2001 92463; overdue R-1001.
	// Invoiced in the 30 days: 133248 + 10000 + 92463 = 235711; DSO
	// 197399 / 235711 × 30 = 25.1. Due in the period: R-1001, a quarter
	// paid. Received 1234 + 1234 + 5000. Links: alice paid, bob not.
	for lang, want := range map[string]map[string][]string{
		"en": {
			"period-range":   {"25 Oct 2026 to 23 Nov 2026"},
			"kpi-open":       {"€1,973.99", "3 invoices"},
			"kpi-overdue":    {"€999.36", "1 invoice"},
			"kpi-dso":        {"25 days", "€2,357.11"},
			"kpi-rate":       {"25%", "€333.12 paid of €1,332.48"},
			"kpi-conversion": {"50%", "1 of 2 customers"},
			"kpi-received":   {"€74.68", "3 payments"},
			"mix-table":      {"Card 1 €50.00 66.95%", "Bank transfer 2 €24.68 33.04%"},
			"weeks-table":    {"Week of 16 Nov 2026 3 €74.68", "Week of 19 Oct 2026 0 €0.00"},
			"flow-dispute":   {"Disputes 1 1 1"},
			"restore":        {"10 min", "1 h 0 min", "1 “restorable” signal in the period; service reported active again since: 1"},
		},
		"de": {
			"period-range":   {"25.10.2026 bis 23.11.2026"},
			"kpi-open":       {"1.973,99 €", "3 Rechnungen"},
			"kpi-overdue":    {"999,36 €", "1 Rechnung"},
			"kpi-dso":        {"25 Tage"},
			"kpi-rate":       {"25 %", "333,12 € bezahlt von 1.332,48 €"},
			"kpi-conversion": {"50 %", "1 von 2 Kunden"},
			"kpi-received":   {"74,68 €", "3 Zahlungen"},
			"mix-table":      {"Karte 1 50,00 € 66,95 %", "Überweisung 2 24,68 € 33,04 %"},
			"flow-dispute":   {"Einwände 1 1 1"},
			"restore":        {"10 Min.", "1 Std. 0 Min.", "1 Freischalt-Meldung im Zeitraum"},
		},
	} {
		res := agent.get("/staff/dashboard", "Accept-Language", lang)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("%s: dashboard %d", lang, res.StatusCode)
		}
		doc := res.html(t)
		for id, texts := range want {
			got := doc.testIDText(id)
			for _, w := range texts {
				if !contains(got, w) {
					t.Errorf("%s: %s = %q, want %q in it", lang, id, got, w)
				}
			}
		}
		// Six weekly bars (19 Oct to 23 Nov) with a title each.
		if n := len(doc.all(func(n *htmlNode) bool { c, _ := attr(n, "class"); return n.Data == "rect" && c == "bar" })); n != 6 {
			t.Errorf("%s: %d bars, want 6", lang, n)
		}
		if len(doc.all(func(n *htmlNode) bool { v, _ := attr(n, "role"); return n.Data == "svg" && v == "img" })) != 2 {
			t.Errorf("%s: charts are not labelled images", lang)
		}
	}
	// Twelve months: R-1003 (due 15 Oct, paid) counts too: 43312 of
	// 143248.
	res := agent.get("/staff/dashboard?period=12m", "Accept-Language", "en")
	doc := res.html(t)
	if got := doc.testIDText("kpi-rate"); !contains(got, "30.24%") {
		t.Errorf("12 months: rate %q", got)
	}
	if got := doc.testIDText("period-range"); got != "24 Nov 2025 to 23 Nov 2026" {
		t.Errorf("12 months: %q", got)
	}
	// An unknown period is the default.
	if got := agent.get("/staff/dashboard?period=5y", "Accept-Language", "en").html(t).testIDText("period-range"); got != "25 Oct 2026 to 23 Nov 2026" {
		t.Errorf("unknown period: %q", got)
	}
	// Creditor B sees only its own: carol's invoices, no payments of A.
	other := h.staffClient(staff.RoleAgent, h.b).get("/staff/dashboard", "Accept-Language", "en").html(t)
	if got := other.testIDText("kpi-received"); !contains(got, "€12.34") || !contains(got, "1 payment") {
		t.Errorf("creditor B received %q", got)
	}
	if got := other.testIDText("restore"); !contains(got, "No blocked service") {
		t.Errorf("creditor B restore %q", got)
	}
}
