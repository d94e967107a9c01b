package loadtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/settle/settle/internal/localpg"
)

// DashboardScript is the dashboard's reference work for pgbench: the
// debtor row, its invoices and its balance, for a random debtor of the
// creditor. Variables c, lo and hi are set with -D.
const DashboardScript = `\set d random(:lo, :hi)
SELECT * FROM debtors WHERE creditor_id = :c AND id = :d;
SELECT * FROM invoices WHERE creditor_id = :c AND debtor_id = :d ORDER BY due_date;
SELECT coalesce(sum(amount_minor), 0) FROM ledger_entries WHERE creditor_id = :c AND debtor_id = :d;
`

// PgbenchResult is the database's own limit for the dashboard's reads.
type PgbenchResult struct {
	Clients int
	TPS     float64 // transactions (one script run each) per second
	Command string  // how it was run, for the report
}

// PgbenchPath finds pgbench on PATH or beside PostgreSQL's other
// programs (Debian keeps it in /usr/lib/postgresql/N/bin).
func PgbenchPath() (string, error) {
	if p, err := exec.LookPath("pgbench"); err == nil {
		return p, nil
	}
	if dir, err := localpg.FindBinDir(); err == nil {
		if p := filepath.Join(dir, "pgbench"); fileExists(p) {
			return p, nil
		}
	}
	return "", fmt.Errorf("pgbench is not installed (Debian: apt install postgresql)")
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

var tpsLine = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)

// Pgbench runs DashboardScript with -M prepared at clients connections
// for d against databaseURL, over the creditor's debtors.
func Pgbench(ctx context.Context, databaseURL string, creditorID, lo, hi int64, clients int, d time.Duration) (*PgbenchResult, error) {
	bin, err := PgbenchPath()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "settle-pgbench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "dashboard.sql")
	if err := os.WriteFile(script, []byte(DashboardScript), 0o600); err != nil {
		return nil, err
	}
	threads := min(clients, 2)
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", strconv.Itoa(threads),
		"-T", strconv.Itoa(max(1, int(d.Seconds()))),
		"-D", fmt.Sprintf("c=%d", creditorID), "-D", fmt.Sprintf("lo=%d", lo), "-D", fmt.Sprintf("hi=%d", hi),
		"-f", script, databaseURL}
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("pgbench: %w: %s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return nil, fmt.Errorf("pgbench: no tps in its output: %s", out)
	}
	tps, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		return nil, err
	}
	return &PgbenchResult{Clients: clients, TPS: tps,
		Command: fmt.Sprintf("pgbench -n -M prepared -c %d -j %d -T %d (debtor, invoices, balance)", clients, threads, max(1, int(d.Seconds())))}, nil
}
