package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

// TestWebhookCommand walks settle webhook add, list, rotate, remove and
// its errors against a real database.
func TestWebhookCommand(t *testing.T) {
	dbURL := testdb.NewURL(t)
	t.Setenv("DATABASE_URL", dbURL)
	t.Setenv("SETTLE_WEBHOOK_ALLOW_PRIVATE", "")
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, err = store.New(db).CreateCreditor(context.Background(), store.NewCreditor{Creditor: ar.Creditor{
		Slug: "acme", Name: "ACME", PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de",
		Timezone: "Europe/Berlin", Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}

	webhook := func(args ...string) (string, string, error) {
		var out, errOut bytes.Buffer
		err := cmdWebhook(context.Background(), append(args, "--log-format", "json"), &out, &errOut)
		return out.String(), errOut.String(), err
	}

	out, errOut, err := webhook("add", "--creditor", "acme", "--url", "https://93.184.216.34/settle-hooks", "--events", "payment.paid,invoice.created")
	if err != nil {
		t.Fatalf("add: %v\n%s", err, errOut)
	}
	idm := regexp.MustCompile(`(?m)^id:\s+(\d+)$`).FindStringSubmatch(out)
	secret := regexp.MustCompile(`(?m)^secret:\s+(whsec_[A-Za-z0-9+/]{43}=)$`).FindStringSubmatch(out)
	if idm == nil || secret == nil || !strings.Contains(out, "invoice.created,payment.paid") || !strings.Contains(errOut, "not shown again") {
		t.Fatalf("add printed:\n%s\n%s", out, errOut)
	}
	id := idm[1]

	out, _, err = webhook("list", "--creditor", "acme")
	if err != nil || !strings.Contains(out, "https://93.184.216.34/settle-hooks") || !regexp.MustCompile(`(?m)^`+id+`\s`).MatchString(out) {
		t.Fatalf("list: %v\n%s", err, out)
	}
	if strings.Contains(out, "whsec_") || strings.Contains(out, strings.TrimPrefix(secret[1], "whsec_")) {
		t.Fatalf("list shows a secret:\n%s", out)
	}

	out, errOut, err = webhook("rotate", "--creditor", "acme", "--id", id)
	if err != nil || !regexp.MustCompile(`^whsec_[A-Za-z0-9+/]{43}=\n$`).MatchString(out) || out == secret[1]+"\n" ||
		!strings.Contains(errOut, "previous secret") {
		t.Fatalf("rotate: %v\n%s\n%s", err, out, errOut)
	}
	out, _, _ = webhook("list", "--creditor", "acme")
	if !strings.Contains(out, "old secret valid until") || strings.Contains(out, "whsec_") {
		t.Errorf("list after rotate:\n%s", out)
	}

	// Errors say what is wrong.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "--creditor", "acme", "--url", "ftp://example.com/x"}, "must start with https://"},
		{[]string{"add", "--creditor", "acme", "--url", "http://127.0.0.1:9/x"}, "not a public address"},
		{[]string{"add", "--creditor", "acme", "--url", "https://93.184.216.34/", "--events", "payment.pad"}, `unknown event type "payment.pad"`},
		{[]string{"add", "--creditor", "acme"}, "--url"},
		{[]string{"add", "--creditor", "nobody", "--url", "https://93.184.216.34/"}, `no creditor "nobody"`},
		{[]string{"remove", "--creditor", "acme"}, "--id"},
		{[]string{"remove", "--creditor", "acme", "--id", "9999"}, "has no webhook endpoint 9999"},
		{[]string{"frobnicate"}, `unknown webhook command "frobnicate"`},
		{nil, "needs a command"},
	} {
		if _, _, err := webhook(tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("webhook %v: %v, want an error with %q", tc.args, err, tc.want)
		}
	}

	// Private receivers only with SETTLE_WEBHOOK_ALLOW_PRIVATE.
	t.Setenv("SETTLE_WEBHOOK_ALLOW_PRIVATE", "true")
	if out, _, err := webhook("add", "--creditor", "acme", "--url", "http://127.0.0.1:9/x"); err != nil || !strings.Contains(out, "events: all") {
		t.Errorf("add with SETTLE_WEBHOOK_ALLOW_PRIVATE: %v\n%s", err, out)
	}

	out, _, err = webhook("remove", "--creditor", "acme", "--id", id)
	if err != nil || !strings.Contains(out, "removed webhook endpoint "+id) {
		t.Fatalf("remove: %v\n%s", err, out)
	}
	out, _, _ = webhook("list", "--creditor", "acme")
	if strings.Contains(out, "93.184.216.34") || !strings.Contains(out, "127.0.0.1") {
		t.Errorf("list after remove:\n%s", out)
	}
}
