package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/settle/settle/internal/localpg"
)

// PostgreSQL restarted under a running Settle: while it is down, pages
// answer at once with 503 and the "back in a minute" page and /readyz
// says so; when it is back, the same process serves again (same session)
// without a restart.
func TestPostgresRestart(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	// As root, PostgreSQL runs as the postgres user, which must reach the
	// cluster's directory (t.TempDir makes it 0700).
	os.Chmod(parent, 0o755)
	os.Chmod(filepath.Dir(parent), 0o755)
	opts := localpg.Options{Dir: filepath.Join(parent, "pg")} // a unix socket: the same address after the restart
	cl, err := localpg.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Stop() }()
	a := startApp(t, Config{DatabaseURL: cl.DSN("postgres"), DataDir: t.TempDir(), Demo: true, LogFormat: "json"})
	defer a.stop(t)
	c := client()
	get(t, c, a.link)
	post(t, c, a.link, nil)
	if status, _ := post(t, c, a.base+"/account/verify", url.Values{"answer": {"10115"}, "next": {"/account"}}); status != 200 {
		t.Fatalf("dashboard: %d", status)
	}

	if err := cl.Stop(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	status, body := get(t, c, a.base+"/account")
	if took := time.Since(start); status != 503 || !strings.Contains(body, "Gleich wieder da") || took > 5*time.Second {
		t.Errorf("dashboard with PostgreSQL down: %d after %v", status, took)
	}
	if status, _ := get(t, c, a.base+"/readyz"); status != 503 {
		t.Errorf("readyz with PostgreSQL down: %d", status)
	}

	if cl, err = localpg.Start(ctx, opts); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		status, body = get(t, c, a.base+"/account")
		if status == 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if status != 200 || !strings.Contains(body, "Jana Schulz") {
		t.Fatalf("dashboard after the restart: %d", status)
	}
	if status, _ := get(t, c, a.base+"/readyz"); status != 200 {
		t.Errorf("readyz after the restart: %d", status)
	}
}

// PostgreSQL restarted under load: 16 debtors' browsers keep loading
// the dashboard while the cluster stops and starts again. Every answer
// is the page (200) or the "back in a minute" page (503), none takes
// more than a few seconds, /readyz tells the outage, and afterwards the
// same process serves every client again and its workers run again: a
// payment recorded after the restart reaches the creditor's webhook.
func TestPostgresRestartUnderLoad(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	os.Chmod(parent, 0o755)
	os.Chmod(filepath.Dir(parent), 0o755)
	opts := localpg.Options{Dir: filepath.Join(parent, "pg")}
	cl, err := localpg.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cl.Stop() }()
	t.Setenv("SETTLE_WEBHOOK_ALLOW_PRIVATE", "true")
	a := startApp(t, Config{DatabaseURL: cl.DSN("postgres"), DataDir: t.TempDir(), Demo: true, Workers: true, LogFormat: "json"})
	defer a.stop(t)
	rc := newReceiver(t)
	_, key := registerWebhook(t, a, rc)
	c := client()
	get(t, c, a.link)
	post(t, c, a.link, nil)
	if status, _ := post(t, c, a.base+"/account/verify", url.Values{"answer": {"10115"}, "next": {"/account"}}); status != 200 {
		t.Fatalf("dashboard: %d", status)
	}

	// The load: 16 clients with the debtor's session, one request after
	// another.
	type sample struct {
		at      time.Time
		status  int
		took    time.Duration
		problem string
	}
	var mu sync.Mutex
	var samples []sample
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Jar: c.Jar, Timeout: 30 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				t0 := time.Now()
				res, err := hc.Get(a.base + "/account")
				s := sample{at: t0, took: time.Since(t0)}
				if err != nil {
					s.problem = err.Error()
				} else {
					body, _ := io.ReadAll(res.Body)
					res.Body.Close()
					s.status, s.took = res.StatusCode, time.Since(t0)
					switch {
					case s.status == 200 && !strings.Contains(string(body), "Jana Schulz"):
						s.problem = "200 without the dashboard"
					case s.status == 503 && !strings.Contains(string(body), "Gleich wieder da"):
						s.problem = "503 without the friendly page"
					case s.status != 200 && s.status != 503:
						s.problem = "unexpected status"
					}
				}
				mu.Lock()
				samples = append(samples, s)
				mu.Unlock()
				if s.status == 503 {
					time.Sleep(50 * time.Millisecond) // as a browser would not hammer
				}
			}
		}()
	}
	time.Sleep(time.Second)
	stopped := time.Now()
	if err := cl.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if status, _ := get(t, c, a.base+"/readyz"); status != 503 {
		t.Errorf("readyz with PostgreSQL down: %d", status)
	}
	if cl, err = localpg.Start(ctx, opts); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	// Until every client has had its dashboard again, then 2 s more.
	deadline := restarted.Add(30 * time.Second)
	var recovered time.Time
	for time.Now().Before(deadline) && recovered.IsZero() {
		time.Sleep(100 * time.Millisecond)
		mu.Lock()
		ok := 0
		for i := len(samples) - 1; i >= 0 && i >= len(samples)-16; i-- {
			if samples[i].at.After(restarted) && samples[i].status == 200 {
				ok++
			}
		}
		mu.Unlock()
		if ok == 16 {
			recovered = time.Now()
		}
	}
	time.Sleep(2 * time.Second)
	close(stop)
	wg.Wait()

	var before, down, after, problems int
	var slowest time.Duration
	for _, s := range samples {
		slowest = max(slowest, s.took)
		if s.problem != "" {
			if problems++; problems <= 5 {
				t.Errorf("request at +%v: status %d: %s", s.at.Sub(stopped).Round(time.Millisecond), s.status, s.problem)
			}
		}
		switch {
		case s.at.Add(s.took).Before(stopped): // answered before the stop
			if s.status != 200 {
				t.Errorf("before the stop: %d", s.status)
			}
			before++
		case s.status == 503:
			down++
		case !recovered.IsZero() && s.at.After(recovered):
			if s.status != 200 {
				t.Errorf("after recovery: %d", s.status)
			}
			after++
		}
	}
	t.Logf("%d requests: %d before the stop, %d answered 503 during the outage, %d after recovery (%v after the restart); slowest %v",
		len(samples), before, down, after, recovered.Sub(restarted).Round(time.Millisecond), slowest.Round(time.Millisecond))
	if recovered.IsZero() {
		t.Fatal("the clients did not all get the dashboard again within 30 s of the restart")
	}
	if before == 0 || down == 0 || after == 0 {
		t.Errorf("the load did not cover every phase: %d before, %d down, %d after", before, down, after)
	}
	if slowest > 10*time.Second {
		t.Errorf("slowest request took %v: requests hang while PostgreSQL is away", slowest)
	}
	if status, _ := get(t, c, a.base+"/readyz"); status != 200 {
		t.Errorf("readyz after the restart: %d", status)
	}

	// The workers came back too: a payment recorded now reaches the
	// creditor's endpoint.
	status, body := apiPost(t, a.base, key, "/api/v1/payments", `{"customer_number": "10001",
		"amount_minor": 1000, "currency": "EUR", "value_date": "2026-11-20", "external_id": "PG-RESTART-1"}`)
	if status != 201 {
		t.Fatalf("payment after the restart: %d %v", status, body)
	}
	if h := rc.wait(t, "payment.paid", 30*time.Second); h.Err != nil || h.Data["external_id"] != "PG-RESTART-1" {
		t.Errorf("webhook after the restart: %v %v", h.Err, h.Data)
	}
}
