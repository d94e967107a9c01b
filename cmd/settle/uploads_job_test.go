package main

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

// The program sweeps expired kept files of dispute forms in its workers
// and schedules the next sweep.
func TestStagedSweepRunsInTheWorkers(t *testing.T) {
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
	stage := func(at time.Time) *store.StagedUpload {
		content := []byte("%PDF-1.4\n")
		sum := sha256.Sum256(content)
		u := &store.StagedUpload{CreditorID: c.ID, DebtorID: d.ID, MediaType: disputes.MediaPDF, Content: content,
			SHA256: sum[:], FileName: "a.pdf", CreatedAt: at, ExpiresAt: at.Add(disputes.StagedTTL)}
		if err := st.StageUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u
	}
	expired, fresh := stage(time.Now().Add(-25*time.Hour)), stage(time.Now())
	if _, err := jobs.Enqueue(ctx, a.main.DB, disputes.KindStagedSweepJob, map[string]any{"test": true}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		if err := a.main.DB.Get(&n, `SELECT count(*) FROM dispute_uploads_staged WHERE id = $1`, expired.ID); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the expired file is still there after 30 s; logs:\n%.3000s", a.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	var n int
	if err := a.main.DB.Get(&n, `SELECT count(*) FROM dispute_uploads_staged WHERE id = $1`, fresh.ID); err != nil || n != 1 {
		t.Errorf("the fresh file went too (%d, %v)", n, err)
	}
	if err := a.main.DB.Get(&n, `SELECT count(*) FROM jobs WHERE kind = $1 AND state = 'pending' AND run_at > now()`,
		disputes.KindStagedSweepJob); err != nil || n != 1 {
		t.Errorf("%d next sweeps scheduled (%v)", n, err)
	}
}
