package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/testdb"
)

func TestOutboxCommand(t *testing.T) {
	ctx := context.Background()
	url := testdb.NewURL(t)
	t.Setenv("DATABASE_URL", url)
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var creditorID, otherID int64
	if err := db.Get(&creditorID, `INSERT INTO creditors (slug, name) VALUES ('nordwind', 'Nordwind Mobil') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if err := db.Get(&otherID, `INSERT INTO creditors (slug, name) VALUES ('lumen', 'Lumen Energie') RETURNING id`); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO messages (creditor_id, channel, recipient, subject, body, purpose)
		VALUES ($1, 'email', 'anna.schmidt@example.com', 'Ihr Code für Nordwind Mobil', 'Ihr Code lautet 493817.', 'otp'),
		       ($2, 'sms', '+49 170 7654321', '', 'Lumen: Ihr Link https://x.example/l/abc', 'link')`, creditorID, otherID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`UPDATE messages SET status = 'failed', attempts = 8, last_error = 'smtp: 451 try later'
		WHERE creditor_id = $1`, creditorID); err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) (string, string, error) {
		var out, errb bytes.Buffer
		err := cmdOutbox(ctx, args, &out, &errb)
		return out.String(), errb.String(), err
	}

	out, _, err := run("--creditor", "nordwind")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"ID", "SUBJECT", "nordwind", "email", "a•••@example.com", "failed (8×)",
		"Ihr Code für Nordwind Mobil", "last error: smtp: 451 try later"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	for _, hidden := range []string{"493817", "anna.schmidt@example.com", "lumen"} {
		if strings.Contains(out, hidden) {
			t.Errorf("output shows %q:\n%s", hidden, out)
		}
	}

	out, _, err = run("--show-body", "--limit", "5")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| Ihr Code lautet 493817.", "•••21", "lumen", "nordwind", "| Lumen: Ihr Link https://x.example/l/abc"} {
		if !strings.Contains(out, want) {
			t.Errorf("--show-body output lacks %q:\n%s", want, out)
		}
	}
	if strings.Index(out, "lumen") > strings.Index(out, "nordwind") {
		t.Errorf("not newest first:\n%s", out)
	}

	out, _, err = run("--limit", "1")
	if err != nil || strings.Contains(out, "nordwind") || !strings.Contains(out, "lumen") {
		t.Errorf("--limit 1: %v\n%s", err, out)
	}
	if _, _, err := run("--creditor", "nobody"); err == nil || !strings.Contains(err.Error(), `no creditor "nobody"`) {
		t.Errorf("unknown creditor: %v", err)
	}
	if _, _, err := run("--limit", "0"); err == nil {
		t.Error("--limit 0 accepted")
	}
}
