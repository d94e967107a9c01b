package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/autopay"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/checkout"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/payments/molliesim"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

// TestKill9WhileCharging runs the worker as its own process and kills it
// with SIGKILL in the middle of charging: Mollie has made the first
// recurring payment but its answer never reached the worker. A worker
// started afterwards finishes the charges. Mollie holds exactly one
// payment per instalment. (The simulator lives in this test process, so
// it outlives the killed worker.)
func TestKill9WhileCharging(t *testing.T) {
	dbURL := testdb.NewURL(t)
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := store.New(db)
	ctx := context.Background()
	cid, err := st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "ka", Name: "Kill Autopay",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpNone, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	d := &ar.Debtor{CreditorID: cid, CustomerNumber: "1", Name: "Ada"}
	if d.ID, err = st.UpsertDebtor(ctx, d); err != nil {
		t.Fatal(err)
	}
	c, _ := st.Creditor(ctx, cid)
	today := c.Today(time.Now())
	inv := &ar.Invoice{CreditorID: cid, DebtorID: d.ID, Number: "I-1", IssueDate: today.AddDate(0, -2, 0),
		DueDate: today.AddDate(0, -1, 0), Currency: "EUR", NetMinor: 40000, TotalMinor: 40000}
	if err := st.CreateInvoice(ctx, inv); err != nil {
		t.Fatal(err)
	}
	// Four instalments, all due by today: the first payment pays the first,
	// the worker charges the other three.
	plan := &store.Plan{PublicID: ar.NewPublicID("plan"), CreditorID: cid, DebtorID: d.ID, Kind: ar.PlanInstalments,
		Status: ar.PlanActive, PrincipalMinor: 40000, TotalMinor: 40000, Currency: "EUR"}
	var ins []ar.Instalment
	for i := range 4 {
		ins = append(ins, ar.Instalment{Seq: i + 1, DueDate: today.AddDate(0, 0, -30+10*i), AmountMinor: 10000})
	}
	if err := st.CreatePlan(ctx, plan, map[int64]int64{inv.ID: 40000}, ins); err != nil {
		t.Fatal(err)
	}

	// Mollie: the first recurring payment is made, then its answer hangs
	// until the worker is gone.
	var sim *molliesim.Simulator
	var mu sync.Mutex
	held := false
	hit := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/v2/payments") && bytes.Contains(body, []byte(`"recurring"`)) {
			mu.Lock()
			first := !held
			held = true
			mu.Unlock()
			if first {
				sim.Handler().ServeHTTP(httptest.NewRecorder(), r) // Mollie makes it …
				close(hit)
				<-r.Context().Done() // … and the answer never leaves
				return
			}
		}
		sim.Handler().ServeHTTP(w, r)
	}))
	defer srv.Close()
	sim = molliesim.New(molliesim.Options{BaseURL: srv.URL + "/", WebhookRetries: []time.Duration{}})
	sim.DropWebhooks(true)
	defer sim.Close()

	// Autopay set up in this process as the portal would: first payment,
	// paid, the mandate valid.
	client, _ := payments.NewClient(sim.BaseURL(), 5*time.Second)
	u, _ := url.Parse(srv.URL)
	pl := &plans.Service{Store: st}
	ck := &checkout.Service{Store: st, Billing: &billing.Service{Store: st, Plans: pl}, Mollie: client, FallbackKey: "test_kill",
		BaseURL: "http://127.0.0.1:1", CheckoutHosts: []string{u.Host}, Log: slog.New(slog.DiscardHandler)}
	ap := &autopay.Service{Store: st, Checkout: ck}
	ck.Autopay = ap
	started, err := ap.SetUp(ctx, c, d, plan.PublicID, "de")
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetStatus(*started.Payment.ProviderID, "paid"); err != nil {
		t.Fatal(err)
	}
	if err := ck.SyncProviderID(ctx, *started.Payment.ProviderID); err != nil {
		t.Fatal(err)
	}
	if p, _ := st.Plan(ctx, cid, d.ID, plan.ID, false); !p.Autopay {
		t.Fatal("autopay is not on")
	}

	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "MOLLIE_API_KEY=test_kill", "MOLLIE_API_URL="+sim.BaseURL(),
			"SETTLE_BASE_URL=http://127.0.0.1:1", "SETTLE_TEST_AS_PROGRAM=worker --log-format json")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	first := start()
	select {
	case <-hit:
	case <-time.After(30 * time.Second):
		first.Process.Kill()
		first.Wait()
		t.Fatal("the worker never charged")
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()

	type row struct {
		PublicID   string  `db:"public_id"`
		Seq        int     `db:"instalment_seq"`
		ProviderID *string `db:"provider_id"`
	}
	charges := func() []row {
		var list []row
		if err := db.Select(&list, `SELECT public_id, instalment_seq, provider_id FROM payments
			WHERE sequence_type = 'recurring' ORDER BY instalment_seq`); err != nil {
			t.Fatal(err)
		}
		return list
	}
	lost := 0
	for _, r := range charges() {
		if r.ProviderID == nil {
			lost++
		}
	}
	if lost == 0 {
		t.Fatal("after kill -9 every charge has Mollie's id: the crash did not hit")
	}
	// The dead worker's leases run out (the test moves them back instead
	// of waiting).
	if _, err := db.Exec(`UPDATE jobs SET locked_at = now() - interval '1 hour' WHERE state = 'running'`); err != nil {
		t.Fatal(err)
	}
	second := start()
	defer func() { second.Process.Signal(syscall.SIGTERM); second.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		done := 0
		list := charges()
		for _, r := range list {
			if r.ProviderID != nil {
				done++
			}
		}
		var lifecycle int
		db.Get(&lifecycle, `SELECT count(*) FROM jobs WHERE kind = 'plans.lifecycle' AND state = 'done'`)
		if len(list) == 3 && done == 3 && lifecycle > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the restart: %d charge rows, %d with Mollie's id; lifecycle runs done: %d", len(list), done, lifecycle)
		}
		time.Sleep(50 * time.Millisecond)
	}
	var recurring []molliesim.Payment
	for _, p := range sim.Payments() {
		if p.SequenceType == "recurring" {
			recurring = append(recurring, p)
		}
	}
	if len(recurring) != 3 {
		t.Fatalf("Mollie holds %d recurring payments for 3 instalments", len(recurring))
	}
	byKey := map[string]string{}
	for _, p := range recurring {
		byKey[p.IdempotencyKey] = p.ID
	}
	for _, r := range charges() {
		if byKey[r.PublicID] != *r.ProviderID {
			t.Errorf("instalment %d: our %s has Mollie's %s, Mollie made %q for it", r.Seq, r.PublicID, *r.ProviderID, byKey[r.PublicID])
		}
	}
	// The lifecycle job ran too (nothing to remind: the instalments'
	// debits are under way).
	var messages int
	db.Get(&messages, `SELECT count(*) FROM messages`)
	if messages != 0 {
		t.Errorf("%d messages; the lifecycle reminded of instalments being debited", messages)
	}
	t.Logf("%d of 3 charges were in flight at kill -9; one Mollie payment per instalment after the restart", lost)
}
