package main

import (
	"context"
	"testing"
	"time"

	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/promises"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

// The program runs the promise lifecycle in its workers, on its clock:
// a promise due tomorrow gets its reminder.
func TestPromiseLifecycleRunsInTheWorkers(t *testing.T) {
	ctx := context.Background()
	a := startApp(t, Config{DatabaseURL: testdb.NewURL(t), DataDir: t.TempDir(), Demo: true, Workers: true, LogFormat: "json"})
	st := a.main.Store
	c, err := st.CreditorBySlug(ctx, "demo")
	if err != nil {
		t.Fatal(err)
	}
	d, err := st.DebtorByNumber(ctx, c.ID, "10001")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := st.CreatePromise(ctx, &store.Promise{CreditorID: c.ID, DebtorID: d.ID, AmountMinor: 1000, Currency: c.Currency,
		DueDate: c.Today(now).AddDate(0, 0, 1), Source: "portal", CreatedAt: now.Add(-24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// The run seeded at start may have come before the promise: one more.
	if _, err := jobs.Enqueue(ctx, a.main.DB, promises.KindLifecycleJob, map[string]any{"test": true}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := a.main.DB.Get(&n, `SELECT count(*) FROM messages WHERE purpose = 'promise' AND debtor_id = $1`, d.ID); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d reminders after 30 s; logs:\n%.3000s", n, a.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var next int
	if err := a.main.DB.Get(&next, `SELECT count(*) FROM jobs WHERE kind = $1 AND state = 'pending' AND run_at > now()`, promises.KindLifecycleJob); err != nil {
		t.Fatal(err)
	}
	if next != 1 {
		t.Errorf("%d next runs scheduled", next)
	}
}
