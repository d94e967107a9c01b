package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/testdb"
)

func TestDunningCommand(t *testing.T) {
	ctx := context.Background()
	url := testdb.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	if err := cmdSeed(ctx, []string{"--debtors", "300", "--invoices-per-debtor", "3", "--as-of", "2026-11-23"}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := cmdDunning(ctx, args, &out, &errb); err != nil {
			t.Fatalf("dunning %q: %v\n%s", args, err, errb.String())
		}
		return out.String()
	}
	for _, bad := range [][]string{{}, {"send"}, {"run", "--as-of", "yesterday"}, {"run", "--creditor", "nobody"}} {
		var out, errb bytes.Buffer
		if err := cmdDunning(ctx, bad, &out, &errb); err == nil {
			t.Errorf("dunning %q: no error", bad)
		}
	}
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		var n int
		if err := db.Get(&n, q); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if out := run("behaviour", "--creditor", "loadtest"); !strings.Contains(out, "loadtest: payment behaviour of 300 debtors") {
		t.Errorf("behaviour:\n%s", out)
	}
	dry := run("run", "--creditor", "loadtest", "--dry-run", "--as-of", "2026-11-23")
	if !strings.Contains(dry, "loadtest (dry run, as of 2026-11-23 23:59 CET)") || !strings.Contains(dry, "STAGE") ||
		!strings.Contains(dry, "would send") {
		t.Fatalf("dry run:\n%s", dry)
	}
	if n := count(`SELECT count(*) FROM dunning_actions`) + count(`SELECT count(*) FROM messages`); n != 0 {
		t.Fatalf("the dry run wrote %d rows", n)
	}
	real := run("run", "--creditor", "loadtest", "--as-of", "2026-11-23")
	// The real run does what the dry run said, stage by stage.
	rows := regexp.MustCompile(`(?m)^  (nudge|soft|reminder|final|handover) +(\w+) +(\d+)$`)
	if a, b := rows.FindAllString(dry, -1), rows.FindAllString(real, -1); len(a) == 0 || strings.Join(a, "\n") != strings.Join(b, "\n") {
		t.Errorf("dry run and run differ:\n%s\n---\n%s", dry, real)
	}
	if n := count(`SELECT count(*) FROM dunning_actions`); n == 0 {
		t.Error("the run recorded no actions")
	}
	if again := run("run", "--creditor", "loadtest", "--as-of", "2026-11-23"); !strings.Contains(again, "nothing due") {
		t.Errorf("second run:\n%s", again)
	}
}
