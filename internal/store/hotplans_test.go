package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/seed"
	"github.com/settle/settle/internal/testdb"
)

// largeTables grow with the number of debtors: a hot query must never
// read one of them whole.
var largeTables = regexp.MustCompile(`Seq Scan on (debtors|invoices|invoice_lines|ledger_entries|payments|interactions|` +
	`access_links|debtor_sessions|disputes|promises|payment_plans|plan_invoices|credit_notes|messages|dunning_actions)\b`)

// The debtor's pages' queries (the session, the link, the dashboard,
// an invoice, the statement, the history) each read the large tables by
// an index. PostgreSQL's auto_explain sends every statement's plan back
// to this session, with sequential scans switched off: a Seq Scan left
// in a plan means no index can serve the query.
func TestHotQueriesUseIndexes(t *testing.T) {
	ctx := context.Background()
	u, err := url.Parse(testdb.NewURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User("postgres") // LOAD 'auto_explain' needs the superuser (trust authentication)
	connector, err := pq.NewConnector(u.String())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var plans []string
	db := sqlx.NewDb(sqlDB(pq.ConnectorWithNoticeHandler(connector, func(e *pq.Error) {
		if strings.Contains(e.Message, "plan:") {
			mu.Lock()
			plans = append(plans, e.Message)
			mu.Unlock()
		}
	})), "postgres")
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
	invs, err := st.Invoices(ctx, cid, d.ID)
	if err != nil || len(invs) == 0 {
		t.Fatalf("invoices: %d, %v", len(invs), err)
	}

	// One connection, so that the session's settings hold for every query.
	db.SetMaxOpenConns(1)
	for _, q := range []string{`LOAD 'auto_explain'`, `SET auto_explain.log_min_duration = 0`,
		`SET auto_explain.log_nested_statements = on`, `SET client_min_messages = log`, `SET enable_seqscan = off`,
		// The hot queries are prepared statements (prepared.go): after five
		// runs PostgreSQL may keep one generic plan for every debtor, so
		// that is the plan to check.
		`SET plan_cache_mode = force_generic_plan`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	calls := []struct {
		name string
		run  func() error
	}{
		{"Creditor", func() error { _, err := st.Creditor(ctx, cid); return err }},
		{"AccessLinkByHash", func() error { _, err := st.AccessLinkByHash(ctx, make([]byte, 32)); return ignoreNotFound(err) }},
		{"DebtorSessionLive", func() error { _, err := st.DebtorSessionLive(ctx, make([]byte, 32), cid, d.ID); return err }},
		{"DebtorSessionCreditor", func() error {
			_, _, err := st.DebtorSessionCreditor(ctx, make([]byte, 32), cid, d.ID)
			return err
		}},
		{"AccountOverview", func() error { _, err := st.AccountOverview(ctx, cid, d.ID, "EUR"); return err }},
		{"LiveDispute", func() error { _, err := st.LiveDispute(ctx, cid, invs[0].ID); return ignoreNotFound(err) }},
		{"Debtor", func() error { _, err := st.Debtor(ctx, cid, d.ID); return err }},
		{"Invoices", func() error { _, err := st.Invoices(ctx, cid, d.ID); return err }},
		{"Invoice", func() error { _, err := st.Invoice(ctx, cid, d.ID, invs[0].Number); return err }},
		{"ActivePlanInvoiceIDs", func() error { _, err := st.ActivePlanInvoiceIDs(ctx, cid, d.ID); return err }},
		{"AccountCredit", func() error { _, err := st.AccountCredit(ctx, cid, d.ID, "EUR"); return err }},
		{"OpenPromise", func() error { _, err := st.OpenPromise(ctx, cid, d.ID); return err }},
		{"DisputeHolds", func() error { _, err := st.DisputeHolds(ctx, cid, d.ID); return err }},
		{"Statement", func() error { _, _, err := st.Statement(ctx, cid, d.ID, asOf.AddDate(-1, 0, 0), asOf); return err }},
		{"CustomerTimeline", func() error {
			_, err := st.CustomerTimeline(ctx, cid, d.ID, []string{"invoice.issued"}, 50)
			return err
		}},
	}
	// The check itself: a query no index serves is caught.
	if _, err := db.ExecContext(ctx, `SELECT count(*) FROM invoices WHERE description = 'nothing'`); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	caught := len(plans) > 0 && largeTables.MatchString(strings.Join(plans, "\n"))
	mu.Unlock()
	if !caught {
		t.Fatal("a query without an index was not caught: the check does not work")
	}
	for _, c := range calls {
		mu.Lock()
		plans = plans[:0]
		mu.Unlock()
		if err := c.run(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		mu.Lock()
		got := append([]string(nil), plans...)
		mu.Unlock()
		if len(got) == 0 {
			t.Errorf("%s: no plan came back (auto_explain not working?)", c.name)
		}
		for _, p := range got {
			if m := largeTables.FindString(p); m != "" {
				t.Errorf("%s reads a large table whole (%s):\n%s", c.name, m, p)
			}
		}
		if testing.Verbose() {
			t.Logf("%s:\n%s", c.name, strings.Join(got, "\n"))
		}
	}
}

func ignoreNotFound(err error) error {
	if ar.IsNotFound(err) {
		return nil
	}
	return err
}

func sqlDB(c driver.Connector) *sql.DB { return sql.OpenDB(c) }
