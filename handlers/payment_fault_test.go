package handlers

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"
)

// The crash window between Mollie creating a payment and us recording
// its id: the simulator creates the payment but the answer never arrives
// (as if settle died right then). The reconciler asks again with the same
// Idempotency-Key and records the same Mollie payment: one payment, not
// two.
func TestPayAnswerLost(t *testing.T) {
	t.Parallel()
	h, sim, ck := payHarness(t)
	c := h.steppedUp(h.alice)
	sim.DropNextResponses(1)
	res := c.post("/account/payments", url.Values{"amount": {"7,00"}})
	if res.StatusCode == http.StatusInternalServerError {
		t.Fatalf("a lost answer gave a 500 page")
	}
	h.clock.Advance(2 * time.Minute)
	if _, err := ck.Reconcile(h.ctx, 10); err != nil {
		t.Fatal(err)
	}
	ours := h.queryInt(`SELECT count(*) FROM payments WHERE provider = 'mollie' AND provider_id IS NOT NULL`)
	if ours != 1 || len(sim.Payments()) != 1 {
		t.Errorf("after a lost answer: %d recorded, %d at Mollie; want 1 and 1", ours, len(sim.Payments()))
	}
}

// 30 % of Mollie calls fail, time out or lose their answer: debtors get
// a clear page (never a 500), and after reconciliation every payment of
// ours has exactly one Mollie payment and Mollie has none we do not know.
func TestPayUnderMollieFaults(t *testing.T) {
	t.Parallel()
	h, sim, ck := payHarness(t)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	sim.SetFault(func(r *http.Request) (int, time.Duration, bool) {
		mu.Lock()
		defer mu.Unlock()
		switch x := rng.IntN(10); {
		case x < 1:
			return 0, 0, true // answer lost
		case x < 2:
			return http.StatusInternalServerError, 0, false
		case x < 3:
			return http.StatusServiceUnavailable, 50 * time.Millisecond, false
		}
		return 0, 0, false
	})
	c := h.steppedUp(h.alice)
	for i := 0; i < 20; i++ {
		res := c.post("/account/payments", url.Values{"amount": {fmt.Sprintf("%d,00", 1+i)}})
		switch res.StatusCode {
		case http.StatusSeeOther:
		case http.StatusConflict:
			if !contains(res.html(t).text(), h.de().T("error.pay.provider")) {
				t.Errorf("attempt %d: 409 without the provider message", i)
			}
		default:
			t.Errorf("attempt %d: status %d", i, res.StatusCode)
		}
	}
	sim.SetFault(nil)
	h.clock.Advance(2 * time.Minute)
	if _, err := ck.Reconcile(h.ctx, 100); err != nil {
		t.Fatal(err)
	}
	var known []string
	h.db.Select(&known, `SELECT provider_id FROM payments WHERE provider = 'mollie' AND provider_id IS NOT NULL`)
	orphans := h.queryInt(`SELECT count(*) FROM payments WHERE provider = 'mollie' AND provider_id IS NULL`)
	atMollie := map[string]bool{}
	for _, p := range sim.Payments() {
		atMollie[p.ID] = true
	}
	if orphans != 0 || len(known) != 20 || len(atMollie) != 20 {
		t.Errorf("after reconcile: %d recorded, %d orphans, %d at Mollie; want 20, 0, 20", len(known), orphans, len(atMollie))
	}
	for _, id := range known {
		if !atMollie[id] {
			t.Errorf("%s recorded but unknown at Mollie", id)
		}
	}
}
