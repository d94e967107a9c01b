package store_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func day(s string) time.Time {
	t, _ := time.Parse("2006-01-02", s)
	return t
}

type world struct {
	st           *store.Store
	a, b         int64 // creditors
	alice, bob   int64 // debtors of a
	carol        int64 // debtor of b with alice's customer number
	aliceInvoice *ar.Invoice
}

func setup(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{st: store.New(testdb.New(t))}
	var err error
	mk := func(slug string) int64 {
		id, err := w.st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: slug, Name: strings.ToUpper(slug),
			PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
			Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.a, w.b = mk("alpha"), mk("beta")
	debtor := func(creditor int64, number, name string) int64 {
		id, err := w.st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: creditor, CustomerNumber: number, Name: name, Postcode: "10115"})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.alice, w.bob, w.carol = debtor(w.a, "1", "Alice"), debtor(w.a, "2", "Bob"), debtor(w.b, "1", "Carol")
	net, tax, total := ar.LineAmounts(1000, 2520, 1900)
	w.aliceInvoice = &ar.Invoice{CreditorID: w.a, DebtorID: w.alice, Number: "INV-1", IssueDate: day("2026-10-01"),
		DueDate: day("2026-10-15"), Currency: "EUR",
		Lines: []ar.InvoiceLine{{Position: 1, Description: "Tarif", QuantityMilli: 1000, UnitPriceMinor: 2520,
			TaxRateBP: 1900, NetMinor: net, TaxMinor: tax, TotalMinor: total}}}
	if err = w.st.CreateInvoice(ctx, w.aliceInvoice); err != nil {
		t.Fatal(err)
	}
	return w
}

func TestInvoiceScopedAndDerived(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	if err := w.st.BookPayment(ctx, w.a, w.alice, w.aliceInvoice.ID, 999, "EUR", day("2026-10-10"), "SEPA"); err != nil {
		t.Fatal(err)
	}
	inv, err := w.st.Invoice(ctx, w.a, w.alice, "INV-1")
	if err != nil {
		t.Fatal(err)
	}
	if inv.TotalMinor != 2999 || inv.OpenMinor != 2000 || inv.PaidMinor != 999 || len(inv.Lines) != 1 {
		t.Errorf("invoice = total %d open %d paid %d lines %d", inv.TotalMinor, inv.OpenMinor, inv.PaidMinor, len(inv.Lines))
	}
	// The same number asked for by another debtor or at another creditor is not found.
	for _, c := range []struct{ creditor, debtor int64 }{{w.a, w.bob}, {w.b, w.carol}, {w.b, w.alice}} {
		if _, err := w.st.Invoice(ctx, c.creditor, c.debtor, "INV-1"); !ar.IsNotFound(err) {
			t.Errorf("Invoice(%d, %d) = %v, want not found", c.creditor, c.debtor, err)
		}
	}
	if list, _ := w.st.Invoices(ctx, w.b, w.carol); len(list) != 0 {
		t.Errorf("carol sees %d invoices", len(list))
	}
	if _, err := w.st.Debtor(ctx, w.b, w.alice); !ar.IsNotFound(err) {
		t.Errorf("alice found under the other creditor: %v", err)
	}
}

func TestInvoiceCannotPointAtAnotherTenant(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	// A ledger entry for carol against alice's invoice violates the
	// composite foreign key: no booking crosses debtors or creditors.
	err := w.st.BookPayment(ctx, w.b, w.carol, w.aliceInvoice.ID, 100, "EUR", day("2026-10-10"), "x")
	if err == nil {
		t.Fatal("payment booked against another tenant's invoice")
	}
	inv := &ar.Invoice{CreditorID: w.b, DebtorID: w.alice, Number: "X", IssueDate: day("2026-10-01"),
		DueDate: day("2026-10-15"), Currency: "EUR", NetMinor: 100, TotalMinor: 100}
	if err := w.st.CreateInvoice(ctx, inv); err == nil {
		t.Fatal("invoice created for a debtor of another creditor")
	}
}

func TestLedgerAppendOnly(t *testing.T) {
	w := setup(t)
	db := w.st.DB()
	if _, err := db.Exec(`UPDATE ledger_entries SET amount_minor = 0`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("update of the ledger: %v", err)
	}
	if _, err := db.Exec(`DELETE FROM ledger_entries`); err == nil {
		t.Error("delete from the ledger succeeded")
	}
}

func TestAccessLinkStoresOnlyHash(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	token, hash := ar.NewToken()
	l := &ar.AccessLink{CreditorID: w.a, DebtorID: w.alice, TokenHash: hash, Purpose: ar.PurposePortal,
		ExpiresAt: time.Now().Add(time.Hour)}
	if err := w.st.CreateAccessLink(ctx, l); err != nil {
		t.Fatal(err)
	}
	got, err := w.st.AccessLinkByHash(ctx, ar.HashToken(token))
	if err != nil || got.ID != l.ID {
		t.Fatalf("lookup by hash: %v", err)
	}
	// A dump of every text column holds no raw token.
	var n int
	err = w.st.DB().Get(&n, `SELECT count(*) FROM access_links a, interactions i
		WHERE a::text LIKE '%' || $1 || '%' OR i::text LIKE '%' || $1 || '%'`, token)
	if err != nil || n != 0 {
		t.Errorf("raw token found in %d rows (%v)", n, err)
	}
	if n, err := w.st.RevokeAccessLinks(ctx, w.a, w.alice, 0, time.Now()); err != nil || n != 1 {
		t.Errorf("revoke = %d, %v", n, err)
	}
	if got, _ := w.st.AccessLinkByHash(ctx, hash); got.RevokedAt == nil {
		t.Error("link not revoked")
	}
}

func TestHitCountsAcrossConnections(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	now := time.Date(2026, 11, 23, 12, 0, 30, 0, time.UTC)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := w.st.Hit(ctx, "test:x", time.Minute, now); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n, _ := w.st.Hits(ctx, "test:x", time.Minute, now); n != 20 {
		t.Errorf("hits = %d, want 20", n)
	}
	if n, _ := w.st.Hit(ctx, "test:x", time.Minute, now.Add(time.Minute)); n != 1 {
		t.Errorf("next window starts at %d, want 1", n)
	}
	if n, _ := w.st.PruneRateLimits(ctx, now.Add(time.Minute).Truncate(time.Minute)); n != 1 {
		t.Errorf("pruned %d windows, want 1", n)
	}
}

func TestInteractionsVisibility(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	if err := w.st.AddInteraction(ctx, &ar.Interaction{CreditorID: w.a, DebtorID: w.alice, Kind: "note",
		Visibility: ar.InternalOnly, Data: map[string]any{"text": "internal"}}); err != nil {
		t.Fatal(err)
	}
	all, _ := w.st.Interactions(ctx, w.a, w.alice, false, 50)
	public, _ := w.st.Interactions(ctx, w.a, w.alice, true, 50)
	if len(all) != 2 || len(public) != 1 || public[0].Kind != ar.KindInvoiceIssued {
		t.Errorf("all=%d public=%d", len(all), len(public))
	}
	if public[0].Data["number"] != "INV-1" {
		t.Errorf("data = %v", public[0].Data)
	}
	if other, _ := w.st.Interactions(ctx, w.b, w.alice, false, 50); len(other) != 0 {
		t.Errorf("other creditor sees %d entries", len(other))
	}
}
