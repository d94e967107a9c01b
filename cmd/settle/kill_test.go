package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

// TestKill9MidDelivery kills settle with SIGKILL while it is delivering a
// webhook (the receiver holds the request open), then starts it again:
// once the dead worker's lease has run out the delivery is made, with
// the same webhook-id. Nothing is lost.
func TestKill9MidDelivery(t *testing.T) {
	dbURL := testdb.NewURL(t)
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := store.New(db)
	ctx := context.Background()
	cid, err := st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "kill", Name: "Kill Test",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpNone, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: cid, CustomerNumber: "1", Name: "Ada"}); err != nil {
		t.Fatal(err)
	}

	// The receiver holds the first request until the test lets go, and
	// answers every later one at once.
	var calls atomic.Int32
	ids := make(chan string, 10)
	release := make(chan struct{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		ids <- r.Header.Get("webhook-id")
		if calls.Add(1) == 1 {
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})}
	go srv.Serve(ln)
	defer srv.Close()
	defer close(release)

	t.Setenv("SETTLE_WEBHOOK_ALLOW_PRIVATE", "true")
	hs := &hooks.Service{DB: db, AllowPrivate: true}
	if _, _, err := hs.AddEndpoint(ctx, cid, "http://"+ln.Addr().String()+"/hooks", nil); err != nil {
		t.Fatal(err)
	}
	c, _ := st.Creditor(ctx, cid)
	amount := int64(700)
	if _, err := (&billing.Service{Store: st}).RecordPayment(ctx, c, billing.PaymentInput{CustomerNumber: "1",
		AmountMinor: &amount, Currency: "EUR", ValueDate: "2026-11-20"}); err != nil {
		t.Fatal(err)
	}

	// settle, as a separate process, picks the delivery up.
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0])
		cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "SETTLE_TEST_AS_PROGRAM=worker --log-format json")
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() {
			sc := bufio.NewScanner(stderr)
			for sc.Scan() {
				if strings.Contains(sc.Text(), `"level":"ERROR"`) {
					t.Logf("settle: %s", sc.Text())
				}
			}
		}()
		return cmd
	}
	first := start()
	var firstID string
	select {
	case firstID = <-ids:
	case <-time.After(30 * time.Second):
		first.Process.Kill()
		t.Fatal("settle never tried the delivery")
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	first.Wait()

	var state string
	db.Get(&state, `SELECT state FROM jobs WHERE kind = 'webhook.deliver'`)
	if state != "running" {
		t.Fatalf("after kill -9 the delivery job is %q, want still running (its worker is dead)", state)
	}
	// The dead worker's lease runs out (a minute for deliveries; here the
	// test moves the claim back in time instead of waiting).
	if _, err := db.Exec(`UPDATE jobs SET locked_at = now() - interval '10 minutes' WHERE kind = 'webhook.deliver'`); err != nil {
		t.Fatal(err)
	}
	second := start()
	defer func() { second.Process.Signal(syscall.SIGTERM); second.Wait() }()
	select {
	case id := <-ids:
		if id != firstID {
			t.Errorf("the retry after kill -9 has webhook-id %q, the first attempt %q", id, firstID)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the delivery was lost after kill -9")
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		db.Get(&state, `SELECT state FROM webhook_deliveries`)
		if state == "delivered" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("delivery state %q after the retry, want delivered", state)
}
