package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/checkout"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/payments/molliesim"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

// TestKill9BetweenWebhookAndProcessing: settle takes Mollie's webhook
// (stored, 200) and is killed with SIGKILL before any worker processed
// it; a worker started afterwards applies it. The payment is booked once.
// The Mollie simulator runs in this test process (MOLLIE_API_URL), so it
// outlives the killed settle.
func TestKill9BetweenWebhookAndProcessing(t *testing.T) {
	dbURL := testdb.NewURL(t)
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := store.New(db)
	ctx := context.Background()
	cid, err := st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "kw", Name: "Kill Webhook",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpNone, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	did, _ := st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: cid, CustomerNumber: "1", Name: "Ada"})
	if err := st.CreateInvoice(ctx, &ar.Invoice{CreditorID: cid, DebtorID: did, Number: "I-1", IssueDate: time.Now(),
		DueDate: time.Now(), Currency: "EUR", NetMinor: 5000, TotalMinor: 5000}); err != nil {
		t.Fatal(err)
	}
	c, _ := st.Creditor(ctx, cid)
	d, _ := st.Debtor(ctx, cid, did)

	// settle's address, known before it starts (Mollie needs the webhook URL).
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	base := "http://" + addr

	var sim *molliesim.Simulator
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { sim.Handler().ServeHTTP(w, r) }))
	defer srv.Close()
	sim = molliesim.New(molliesim.Options{BaseURL: srv.URL + "/", WebhookRetries: []time.Duration{}})
	defer sim.Close()
	client, _ := payments.NewClient(sim.BaseURL(), 5*time.Second)
	ck := &checkout.Service{Store: st, Billing: &billing.Service{Store: st}, Mollie: client, FallbackKey: "test_kill",
		BaseURL: base, CheckoutHosts: []string{srv.Listener.Addr().String()}, Log: slog.New(slog.DiscardHandler)}
	p, err := ck.Start(ctx, c, d, checkout.Request{AmountMinor: 2000})
	if err != nil {
		t.Fatal(err)
	}

	start := func(args string) *exec.Cmd {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "MOLLIE_API_KEY=test_kill", "MOLLIE_API_URL="+sim.BaseURL(),
			"SETTLE_BASE_URL="+base, "SETTLE_TEST_AS_PROGRAM="+args)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	// settle without workers: it takes the webhook and queues it, nothing more.
	a := start("serve --workers=false --no-demo --log-format json --data-dir " + t.TempDir() + " --addr " + addr)
	deadline := time.Now().Add(30 * time.Second)
	for {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			a.Process.Kill()
			t.Fatal("settle did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := sim.SetStatus(*p.ProviderID, "paid"); err != nil { // Mollie calls the webhook
		t.Fatal(err)
	}
	var inbox int
	for deadline = time.Now().Add(15 * time.Second); inbox == 0 && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		db.Get(&inbox, `SELECT count(*) FROM mollie_webhooks WHERE provider_id = $1`, *p.ProviderID)
	}
	if inbox == 0 {
		t.Fatal("the webhook never reached settle")
	}
	a.Process.Signal(syscall.SIGKILL)
	a.Wait()
	var status string
	db.Get(&status, `SELECT status FROM payments WHERE id = $1`, p.ID)
	if status != "open" {
		t.Fatalf("before any worker ran, the payment is %q", status)
	}

	// A worker comes up after the crash and applies the queued webhook.
	b := start("worker --log-format json --data-dir " + t.TempDir())
	defer func() { b.Process.Signal(syscall.SIGTERM); b.Wait() }()
	for deadline = time.Now().Add(30 * time.Second); status != "paid" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		db.Get(&status, `SELECT status FROM payments WHERE id = $1`, p.ID)
	}
	if status != "paid" {
		t.Fatalf("after the crash the payment is %q, want paid", status)
	}
	var entries, events int
	db.Get(&entries, `SELECT count(*) FROM ledger_entries WHERE payment_id = $1`, p.ID)
	db.Get(&events, `SELECT count(*) FROM events WHERE type = 'payment.paid' AND data->>'payment_id' = $1`, p.PublicID)
	if entries != 1 || events != 1 {
		t.Errorf("booked %d ledger entries and %d events, want 1 and 1", entries, events)
	}
}
