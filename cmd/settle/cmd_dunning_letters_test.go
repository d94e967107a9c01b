package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/testdb"
)

// TestDunningLettersCommand: the engine's final notices (letters) of a
// seeded creditor come out as one PDF, each letter starting on an odd
// page (duplex); without --mark-sent nothing changes, with it they are
// sent, and a second export finds none.
func TestDunningLettersCommand(t *testing.T) {
	ctx := context.Background()
	url := testdb.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	if err := cmdSeed(ctx, []string{"--debtors", "200", "--invoices-per-debtor", "3", "--as-of", "2026-11-23"}, &bytes.Buffer{}, &bytes.Buffer{}); err != nil {
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
	for _, bad := range [][]string{{"letters"}, {"letters", "--creditor", "nobody"}, {"letters", "--creditor", "loadtest", "extra"}} {
		if err := cmdDunning(ctx, bad, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
			t.Errorf("dunning %q: no error", bad)
		}
	}
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	count := func(q string) int {
		t.Helper()
		var n int
		if err := db.Get(&n, q); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Reminders first; three weeks on, the final notices (by letter).
	run("run", "--creditor", "loadtest", "--as-of", "2026-11-23")
	run("run", "--creditor", "loadtest", "--as-of", "2026-12-14")
	letters := count(`SELECT count(*) FROM messages WHERE channel = 'letter' AND status = 'to_print'`)
	if letters == 0 {
		t.Fatal("the engine left no letters to print")
	}
	file := filepath.Join(t.TempDir(), "letters.pdf")
	out := run("letters", "--creditor", "loadtest", "--out", file)
	m := regexp.MustCompile(`loadtest: (\d+) letters \((\d+) pages\) written to `).FindStringSubmatch(out)
	if m == nil || m[1] != strconv.Itoa(letters) {
		t.Fatalf("export of %d letters:\n%s", letters, out)
	}
	if n := count(`SELECT count(*) FROM messages WHERE channel = 'letter' AND status = 'to_print'`); n != letters {
		t.Errorf("without --mark-sent %d of %d letters still wait", n, letters)
	}
	if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
		text, err := exec.Command(pdftotext, "-layout", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		pages := strings.Split(strings.TrimSuffix(string(text), "\f"), "\f")
		starts := 0
		for i, p := range pages {
			if strings.Contains(p, "Kundennummer") || strings.Contains(p, "Customer number") {
				starts++
				if i%2 != 0 {
					t.Errorf("a letter starts on page %d (the back of a sheet)", i+1)
				}
			}
		}
		if starts != letters || len(pages)%2 != 0 {
			t.Errorf("%d letters start in %d pages, want %d letters and an even page count", starts, len(pages), letters)
		}
	} else if os.Getenv("CI") != "" {
		t.Fatal("pdftotext is missing")
	}
	out = run("letters", "--creditor", "loadtest", "--out", file, "--mark-sent")
	if !strings.Contains(out, "loadtest: "+strconv.Itoa(letters)+" letters marked as sent") {
		t.Errorf("--mark-sent:\n%s", out)
	}
	if n := count(`SELECT count(*) FROM messages WHERE channel = 'letter' AND status = 'sent' AND provider_id LIKE 'print:%' AND sent_at IS NOT NULL`); n != letters {
		t.Errorf("%d of %d letters sent", n, letters)
	}
	if out := run("letters", "--creditor", "loadtest"); !strings.Contains(out, "no letters to print") {
		t.Errorf("second export:\n%s", out)
	}
}
