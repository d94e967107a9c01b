package store

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/seed"
	"github.com/settle/settle/internal/testdb"
)

// The debtor's pages' queries (the session, the link, the dashboard,
// an invoice, the statement, the history) each read the large tables by
// an index, with the generic plans prepared statements end up with
// (HotPlans). A control query proves the check catches a scan.
func TestHotQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	u, err := url.Parse(testdb.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User("postgres") // LOAD 'auto_explain' needs the superuser (trust authentication)
	db, err := sqlx.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := New(db)
	cid, err := st.CreateCreditor(ctx, NewCreditor{Creditor: ar.Creditor{Slug: "hot", Name: "Hot",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if _, err := seed.Generate(ctx, db, seed.Options{CreditorID: cid, Debtors: 5000, InvoicesPerDebtor: 4, AsOf: asOf}); err != nil {
		t.Fatal(err)
	}
	d, err := st.DebtorByNumber(ctx, cid, seed.CustomerNumber(77))
	if err != nil {
		t.Fatal(err)
	}
	plans, err := HotPlans(ctx, u.String(), cid, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(plans) < 10 {
		t.Fatalf("only %d queries checked", len(plans))
	}
	if !strings.HasPrefix(plans[0].Query, "control") || plans[0].Scan() == "" {
		t.Fatalf("a query without an index was not caught: the check does not work\n%v", plans[0])
	}
	for _, p := range plans[1:] {
		if len(p.Plans) == 0 {
			t.Errorf("%s: no plan came back (auto_explain not working?)", p.Query)
		}
		if m := p.Scan(); m != "" {
			t.Errorf("%s reads a large table whole (%s):\n%s", p.Query, m, strings.Join(p.Plans, "\n"))
		}
		if testing.Verbose() {
			t.Logf("%s:\n%s", p.Query, strings.Join(p.Plans, "\n"))
		}
	}
}
