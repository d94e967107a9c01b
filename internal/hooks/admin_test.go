package hooks_test

import (
	"net/http"
	"testing"

	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/store"
)

// WithTx runs endpoint changes in the caller's transaction: they commit or
// roll back with the caller's own writes.
func TestWithTx(t *testing.T) {
	t.Parallel()
	w := setup(t)
	var ep *hooks.Endpoint
	errBoom := errorString("the caller's next write failed")
	err := w.st.InTx(ctx, func(tx *store.Store) error {
		var err error
		if ep, _, err = w.svc.WithTx(tx.Tx()).AddEndpoint(ctx, w.a, "http://127.0.0.1:9/rolled-back", nil); err != nil {
			t.Fatal(err)
		}
		return errBoom
	})
	if err != errBoom {
		t.Fatalf("store.InTx = %v", err)
	}
	if _, err := w.svc.Endpoint(ctx, w.a, ep.ID); err == nil {
		t.Error("an endpoint added in a rolled-back transaction exists")
	}

	kept, _ := w.addEndpoint(t, w.a, "http://127.0.0.1:9/kept")
	w.event(t, w.a, w.da, "payment.paid", map[string]any{"n": 1})
	d := w.delivery(t, w.a, kept.ID)
	err = w.st.InTx(ctx, func(tx *store.Store) error {
		h := w.svc.WithTx(tx.Tx())
		if err := h.Replay(ctx, w.a, d.ID); err != nil {
			t.Fatal(err)
		}
		if err := h.DisableEndpoint(ctx, w.a, kept.ID, "test"); err != nil {
			t.Fatal(err)
		}
		return errBoom
	})
	if err != errBoom {
		t.Fatal(err)
	}
	if got := w.delivery(t, w.a, kept.ID); got.Round != 1 {
		t.Errorf("a rolled-back replay left round %d", got.Round)
	}
	if got, _ := w.svc.Endpoint(ctx, w.a, kept.ID); !got.Active() {
		t.Error("a rolled-back disable disabled the endpoint")
	}
	// Committed, the replay is there with its job.
	if err := w.st.InTx(ctx, func(tx *store.Store) error { return w.svc.WithTx(tx.Tx()).Replay(ctx, w.a, d.ID) }); err != nil {
		t.Fatal(err)
	}
	if got := w.delivery(t, w.a, kept.ID); got.Round != 2 || got.State != hooks.StatePending {
		t.Errorf("after a committed replay: round %d, %s", got.Round, got.State)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// A disabled endpoint gets no new deliveries and keeps the first reason;
// enabling clears it. Another creditor's endpoint is not found.
func TestDisableEndpoint(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ep, _ := w.addEndpoint(t, w.a, "http://127.0.0.1:9/x")
	if err := w.svc.DisableEndpoint(ctx, w.b, ep.ID, "other"); err == nil {
		t.Error("creditor b disabled a's endpoint")
	}
	if err := w.svc.DisableEndpoint(ctx, w.a, ep.ID, "first"); err != nil {
		t.Fatal(err)
	}
	if err := w.svc.DisableEndpoint(ctx, w.a, ep.ID, "second"); err != nil {
		t.Fatal(err)
	}
	got, err := w.svc.Endpoint(ctx, w.a, ep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Active() || got.DisabledReason != "first" {
		t.Errorf("disabled endpoint: active %v, reason %q", got.Active(), got.DisabledReason)
	}
	w.event(t, w.a, w.da, "payment.paid", nil)
	if list, _ := w.svc.Deliveries(ctx, w.a, ep.ID, 10); len(list) != 0 {
		t.Errorf("a disabled endpoint got %d deliveries", len(list))
	}
	if err := w.svc.EnableEndpoint(ctx, w.a, ep.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := w.svc.Endpoint(ctx, w.a, ep.ID); !got.Active() || got.DisabledReason != "" {
		t.Errorf("enabled endpoint: %+v", got)
	}
}

// RecentStats counts the latest deliveries per endpoint by state;
// AttemptsOf returns attempts of the creditor's deliveries only.
func TestRecentStatsAndAttempts(t *testing.T) {
	t.Parallel()
	w := setup(t)
	rcv := newReceiver(t, statuses(http.StatusNoContent, http.StatusInternalServerError))
	ep, _ := w.addEndpoint(t, w.a, rcv.URL)
	other, _ := w.addEndpoint(t, w.b, rcv.URL)
	w.event(t, w.a, w.da, "payment.paid", nil)
	w.event(t, w.a, w.da, "payment.failed", nil)
	w.event(t, w.b, w.db_, "payment.paid", nil)
	w.deliverAll(t)
	stats, err := w.svc.RecentStats(ctx, w.a)
	if err != nil {
		t.Fatal(err)
	}
	st := stats[ep.ID]
	if len(stats) != 1 || st.Delivered+st.Pending+st.Dead != 2 || st.Delivered < 1 || st.Last == nil {
		t.Errorf("stats of a = %+v", stats)
	}
	list, err := w.svc.Deliveries(ctx, w.a, ep.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	otherList, err := w.svc.Deliveries(ctx, w.b, other.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	ids := []int64{list[0].ID, list[1].ID, otherList[0].ID}
	byDelivery, err := w.svc.AttemptsOf(ctx, w.a, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(byDelivery[list[0].ID]) != 1 || len(byDelivery[list[1].ID]) != 1 {
		t.Errorf("attempts of a's deliveries = %v", byDelivery)
	}
	if len(byDelivery[otherList[0].ID]) != 0 {
		t.Error("AttemptsOf returned another creditor's attempts")
	}
}
