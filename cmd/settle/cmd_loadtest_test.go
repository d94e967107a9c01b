package main

import (
	"bytes"
	"context"
	neturl "net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/loadtest"
	"github.com/settle/settle/internal/testdb"
)

// settle loadtest signs real debtors in through their links and the
// step-up, drives every scenario against a running Settle and reports
// throughput, latency, memory and the database's own limit. Here at toy
// scale: what is checked is that every scenario really ran, without a
// single failed request, not how fast.
func TestLoadtestCommand(t *testing.T) {
	ctx := context.Background()
	url := testdb.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	var out, errb bytes.Buffer
	if err := cmdSeed(ctx, []string{"--debtors", "300", "--invoices-per-debtor", "3", "--as-of", "2026-11-23"}, &out, &errb); err != nil {
		t.Fatalf("seed: %v\n%s", err, errb.String())
	}
	a := startApp(t, Config{DatabaseURL: url, DataDir: t.TempDir(), Demo: true, LogFormat: "json"})

	for _, bad := range [][]string{{"--clients", "0"}, {"--sessions", "0"}, {"--duration", "10ms"},
		{"--scenarios", "dashboard,nope", "--url", a.base}, {"extra"}, {"--creditor", "nobody", "--url", a.base}} {
		if err := cmdLoadtest(ctx, bad, &out, &errb); err == nil {
			t.Errorf("loadtest %q: no error", bad)
		}
	}

	pgbench := true
	if _, err := loadtest.PgbenchPath(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pgbench is missing in CI (.ci/run installs PostgreSQL with it)")
		}
		pgbench = false // locally, without pgbench: the rest still runs
	}
	// The plan check loads auto_explain, which needs the superuser (trust
	// authentication on the test cluster).
	su, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	su.User = neturl.User("postgres")
	t.Setenv("DATABASE_URL", su.String())
	out.Reset()
	errb.Reset()
	err = cmdLoadtest(ctx, []string{"--url", a.base, "--server-pid", strconv.Itoa(os.Getpid()),
		"--sessions", "40", "--clients", "4", "--warmup", "0s", "--duration", "1s",
		"--pgbench=" + strconv.FormatBool(pgbench)}, &out, &errb)
	report := out.String()
	if err != nil {
		t.Fatalf("loadtest: %v\n%s\n%s", err, report, errb.String())
	}
	if !strings.Contains(report, `creditor "loadtest" (300 debtors, 900 invoices), 4 clients`) ||
		!strings.Contains(report, "40 debtors signed in (link, entry, step-up)") {
		t.Errorf("report head:\n%s", report)
	}
	row := regexp.MustCompile(`(?m)^(dashboard|invoice|statement|pay)\s+(\d+)\s+(\d+)\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+ ms\s+[\d.]+ ms\s+([\d.]+)\s+(\d+)$`)
	rows := row.FindAllStringSubmatch(report, -1)
	if len(rows) != 4 {
		t.Fatalf("want 4 scenario rows, got %d:\n%s", len(rows), report)
	}
	for _, r := range rows {
		if n, _ := strconv.Atoi(r[2]); n == 0 {
			t.Errorf("%s: no request counted", r[1])
		}
		if r[5] != "0" {
			t.Errorf("%s: %s failed requests", r[1], r[5])
		}
		if kb, _ := strconv.ParseFloat(r[4], 64); r[1] != "pay" && (kb <= 0 || kb > 60) {
			t.Errorf("%s: %.1f KB per page transferred, want gzipped pages under 60 KB", r[1], kb)
		}
	}
	if !regexp.MustCompile(`(?m)^plans: 1\d hot queries \(generic plans, sequential scans off\), 0 read a large table whole$`).MatchString(report) {
		t.Errorf("no plan check:\n%s", report)
	}
	if !regexp.MustCompile(`memory: peak RSS \d+ MB, now \d+ MB`).MatchString(report) {
		t.Errorf("no memory line:\n%s", report)
	}
	if pgbench && !regexp.MustCompile(`database limit for the dashboard's reads: \d+ transactions/s \(pgbench -n -M prepared -c 4`).MatchString(report) {
		t.Errorf("no pgbench line:\n%s", report)
	}
	// The pay scenario went through to the (simulated) checkout: the
	// payments exist.
	if n := countRows(t, url, `SELECT count(*) FROM payments p JOIN creditors c ON c.id = p.creditor_id WHERE c.slug = 'loadtest'`); n == 0 {
		t.Error("the pay scenario started no payment")
	}
}

func countRows(t *testing.T, url, query string) int {
	t.Helper()
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Get(&n, query); err != nil {
		t.Fatal(err)
	}
	return n
}
