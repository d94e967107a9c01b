package jobs

import (
	"context"
	"slices"
	"testing"
	"time"
)

// BenchmarkEnqueueToStart measures the latency from the commit of a
// transaction that enqueued a job to the start of its handler, with the
// production poll interval (1 s): what it shows is the LISTEN/NOTIFY path.
// Jobs go one at a time, so no job waits behind another.
//
//	go test -run x -bench EnqueueToStart -benchtime 200x ./internal/jobs/
func BenchmarkEnqueueToStart(b *testing.B) {
	db, url := openDB(b)
	r := New(db, url, nil)
	started := make(chan time.Time, 1)
	r.Handle("bench.start", func(ctx context.Context, job *Job) error {
		started <- time.Now()
		return nil
	})
	start(b, r)
	waitListening(b, r)

	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	for b.Loop() {
		tx, err := db.BeginTxx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Enqueue(ctx, tx, "bench.start", map[string]int{"n": len(lat)}); err != nil {
			b.Fatal(err)
		}
		t0 := time.Now()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
		select {
		case t1 := <-started:
			lat = append(lat, t1.Sub(t0))
		case <-time.After(10 * time.Second):
			b.Fatal("handler not started within 10 s")
		}
	}
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	q := func(p float64) float64 {
		i := min(int(p*float64(len(lat))+0.5), len(lat)) - 1
		return float64(lat[max(i, 0)]) / float64(time.Millisecond)
	}
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
}
