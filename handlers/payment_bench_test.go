package handlers

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
)

// BenchmarkPaymentStart measures POST /account/payments against the
// Mollie simulator over HTTP, 8 debtors' sessions in parallel (go test
// -run x -bench PaymentStart ./handlers).
func BenchmarkPaymentStart(b *testing.B) {
	h, _, _ := payHarness(b)
	var clients []*tclient
	for i := 0; i < 8; i++ {
		d := h.createDebtor(&ar.Debtor{CreditorID: h.a.ID, CustomerNumber: fmt.Sprintf("B-%d", i), Name: "Bench", Postcode: "10115"})
		h.addInvoice(h.a, d, fmt.Sprintf("BI-%d", i), "Bench", "2026-11-01", "2026-11-15",
			[]lineSpec{{"Tarif", 1000, 10000000, 0}}, 0)
		clients = append(clients, h.steppedUp(d))
	}
	var n atomic.Int64
	var failed atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	per := b.N/len(clients) + 1
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < per; i++ {
				amount := 100 + n.Add(1) // a new amount each time: no reuse
				res := c.post("/account/payments", url.Values{"amount": {fmt.Sprintf("%d,%02d", amount/100, amount%100)}})
				if res.StatusCode != http.StatusSeeOther {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d payments failed", failed.Load())
	}
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "payments/s")
}

// BenchmarkMollieWebhook measures applying Mollie webhooks for paid
// payments (fetch from the simulator, book, emit), one after the other.
func BenchmarkMollieWebhook(b *testing.B) {
	h, sim, ck := payHarness(b)
	c := h.steppedUp(h.alice)
	var ids []string
	for i := 0; i < b.N; i++ {
		amount := 100 + i // a new amount each time: no reuse of the open payment
		res := c.post("/account/payments", url.Values{"amount": {fmt.Sprintf("%d,%02d", amount/100, amount%100)}, "method": {"ideal"}})
		if res.StatusCode != http.StatusSeeOther {
			b.Fatalf("start: %d", res.StatusCode)
		}
		loc := res.Header.Get("Location")
		id := loc[strings.LastIndex(loc, "/")+1:]
		if err := sim.SetStatus(id, "paid"); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, id)
	}
	b.ResetTimer()
	start := time.Now()
	for _, id := range ids {
		if err := ck.SyncProviderID(h.ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ids))/time.Since(start).Seconds(), "webhooks/s")
}
