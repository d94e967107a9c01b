package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/settle/settle/internal/store"
)

// dunning admin (issue 9): the runs list, the preview's sample debtor and
// its candidates are the creditor's own.
func TestDunningAdminScoped(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	for _, c := range []int64{w.a, w.b} {
		id, err := w.st.StartDunningRun(ctx, c, day("2026-11-23"), false)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.st.FinishDunningRun(ctx, id, map[string]any{"messages": 3}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	runs, err := w.st.DunningRuns(ctx, w.a, 10)
	if err != nil || len(runs) != 1 || runs[0].CreditorID != w.a || runs[0].FinishedAt == nil {
		t.Fatalf("runs of a: %+v %v", runs, err)
	}
	if id, err := w.st.FirstDunnableDebtor(ctx, w.a); err != nil || id != w.alice {
		t.Errorf("first dunnable debtor of a = %d %v, want alice", id, err)
	}
	if id, err := w.st.FirstDunnableDebtor(ctx, w.b); err != nil || id != 0 {
		t.Errorf("first dunnable debtor of b = %d %v, want none", id, err)
	}
	var got []string
	collect := func(c *store.DunningCandidate) error { got = append(got, c.Number); return nil }
	if err := w.st.DunningCandidatesOf(ctx, w.a, w.alice, collect); err != nil || len(got) != 1 || got[0] != "INV-1" {
		t.Errorf("alice's candidates %v %v", got, err)
	}
	got = nil
	if err := w.st.DunningCandidatesOf(ctx, w.a, w.bob, collect); err != nil || len(got) != 0 {
		t.Errorf("bob's candidates %v %v", got, err)
	}
	if err := w.st.DunningCandidatesOf(ctx, w.b, w.alice, collect); err != nil || len(got) != 0 {
		t.Errorf("alice's candidates at b %v %v", got, err)
	}
}
