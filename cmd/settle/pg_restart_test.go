package main

import (
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strings"
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
