package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/testdb"
)

func TestSeedCommand(t *testing.T) {
	ctx := context.Background()
	url := testdb.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	run := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := cmdSeed(ctx, args, &out, &errb)
		return out.String(), errb.String(), err
	}
	for _, bad := range [][]string{{}, {"--debtors", "0"}, {"--debtors", "5", "--invoices-per-debtor", "121"},
		{"--debtors", "5", "--as-of", "23.11.2026"}, {"--debtors", "5", "extra"}} {
		if _, _, err := run(bad...); err == nil {
			t.Errorf("seed %q: no error", bad)
		}
	}
	out, errs, err := run("--debtors", "500", "--invoices-per-debtor", "3", "--as-of", "2026-11-23")
	if err != nil {
		t.Fatalf("%v\n%s", err, errs)
	}
	if !strings.Contains(errs, `made creditor "loadtest"`) || !strings.Contains(errs, "500 of 500 debtors (100%)") {
		t.Errorf("stderr:\n%s", errs)
	}
	if !strings.Contains(out, `seeded creditor "loadtest" as of 2026-11-23: 500 debtors (customer numbers 10000001–10000500), 1500 invoices`) {
		t.Errorf("stdout:\n%s", out)
	}
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM invoices i JOIN creditors c ON c.id = i.creditor_id WHERE c.slug = 'loadtest'`); err != nil || n != 1500 {
		t.Errorf("%d invoices at loadtest, %v", n, err)
	}
	// Again: more debtors, same creditor, numbers continue.
	out, _, err = run("--debtors", "20", "--invoices-per-debtor", "0", "--rebuild-indexes")
	if err != nil || !strings.Contains(out, "20 debtors (customer numbers 10000501–10000520), 0 invoices") {
		t.Errorf("second run: %v\n%s", err, out)
	}
}
