package molliesim_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/VictorAvelar/mollie-api-go/v4/mollie"

	"github.com/settle/settle/internal/payments/molliesim"
)

func TestFailNext(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := context.Background()
	p := createPayment(t, ctx, e.client, "10.00", "")
	e.sim.FailNext(2, http.StatusInternalServerError)
	for i := range 2 {
		_, _, err := e.client.Payments.Get(ctx, p.ID, nil)
		be := baseError(t, err)
		if be.Status != 500 || be.Title != "Internal Server Error" {
			t.Errorf("call %d: %+v", i+1, be)
		}
	}
	if _, _, err := e.client.Payments.Get(ctx, p.ID, nil); err != nil {
		t.Errorf("third call: %v", err)
	}
	// A failed create creates nothing.
	e.sim.FailNext(1, http.StatusServiceUnavailable)
	_, _, err := e.client.Payments.Create(ctx, mollie.CreatePayment{
		Amount: &mollie.Amount{Currency: "EUR", Value: "1.00"}, Description: "x", RedirectURL: "https://settle.example/r",
	}, nil)
	if be := baseError(t, err); be.Status != 503 {
		t.Errorf("create: %+v", be)
	}
	if n := len(e.sim.Payments()); n != 1 {
		t.Errorf("%d payments", n)
	}
}

func TestFaultHook(t *testing.T) {
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	e := newEnv(t, molliesim.Options{Fault: func(*http.Request) (int, time.Duration, bool) {
		mu.Lock()
		defer mu.Unlock()
		if rng.Float64() < 0.3 {
			return http.StatusServiceUnavailable, 0, false
		}
		return 0, 0, false
	}})
	ctx := context.Background()
	failed := 0
	for range 200 {
		_, _, err := e.client.PaymentMethods.List(ctx, nil)
		if err != nil {
			if be := baseError(t, err); be.Status != 503 {
				t.Fatalf("unexpected %+v", be)
			}
			failed++
		}
	}
	if failed < 40 || failed > 80 {
		t.Errorf("%d of 200 calls failed, want about 30 %%", failed)
	}
	e.sim.SetFault(nil)
	if _, _, err := e.client.PaymentMethods.List(ctx, nil); err != nil {
		t.Error(err)
	}
}

func TestDelay(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	e.sim.Delay(300 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, _, err := e.client.PaymentMethods.List(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("slow call: %v", err)
	}
	e.sim.Delay(0)
	e.sim.DelayNext(1, 100*time.Millisecond)
	start := time.Now()
	if _, _, err := e.client.PaymentMethods.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("delayed call took %v", d)
	}
	start = time.Now()
	if _, _, err := e.client.PaymentMethods.List(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 90*time.Millisecond {
		t.Errorf("undelayed call took %v", d)
	}
}

// TestDroppedAnswer is the case Settle's Idempotency-Key is for: Mollie
// creates the payment but the answer is lost; the retry with the same key
// gets the same payment.
func TestDroppedAnswer(t *testing.T) {
	e := newEnv(t, molliesim.Options{})
	ctx := withIdem(context.Background(), "settle-pay_11")
	cp := mollie.CreatePayment{Amount: &mollie.Amount{Currency: "EUR", Value: "11.00"}, Description: "Invoice 11", RedirectURL: "https://settle.example/r"}
	e.sim.DropNextResponses(1)
	_, p, err := e.client.Payments.Create(ctx, cp, nil)
	if err != nil {
		// Fresh connection: the error surfaces; Settle retries with the same key.
		var be *mollie.BaseError
		if errors.As(err, &be) {
			t.Fatalf("a dropped answer surfaced as an API error: %v", err)
		}
		_, p, err = e.client.Payments.Create(ctx, cp, nil)
		if err != nil {
			t.Fatal(err)
		}
	} // else: Go's transport resent the request itself (it carries an Idempotency-Key).
	all := e.sim.Payments()
	if len(all) != 1 || all[0].ID != p.ID {
		t.Fatalf("payments %+v, answer %s", all, p.ID)
	}
	reqs := e.sim.Requests()
	if len(reqs) != 2 || reqs[0].Fault != "drop" || !reqs[1].Replayed {
		t.Errorf("requests %+v", reqs)
	}
}
