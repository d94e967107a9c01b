package store

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
)

// LargeTableScan finds a sequential scan of a table that grows with the
// number of debtors in a plan: a hot query must never read one whole.
var LargeTableScan = regexp.MustCompile(`Seq Scan on (debtors|invoices|invoice_lines|ledger_entries|payments|interactions|` +
	`access_links|debtor_sessions|disputes|promises|payment_plans|plan_invoices|credit_notes|messages|dunning_actions)\b`)

// HotPlan is the plans PostgreSQL chose for one of the debtor pages'
// store queries.
type HotPlan struct {
	Query string   // the store method
	Plans []string // auto_explain's output, one per statement it ran
}

// Scan is the first large-table sequential scan in the plans, or "".
func (p HotPlan) Scan() string {
	return LargeTableScan.FindString(strings.Join(p.Plans, "\n"))
}

// HotPlans runs the debtor pages' store queries (the session, the link,
// the dashboard, an invoice, the statement, the history) for one of the
// creditor's debtors who has an invoice, on their own connection to dsn,
// and returns every plan. PostgreSQL's auto_explain sends each plan back
// to the session, with sequential scans switched off (a Seq Scan left in
// a plan means no index can serve the query) and generic plans forced,
// because the hot queries are prepared statements (prepared.go). LOAD
// 'auto_explain' needs a superuser. The first entry is a control: a
// query no index serves, which must show a scan, or the check is blind.
// Nothing is written.
func HotPlans(ctx context.Context, dsn string, creditorID, debtorID int64) ([]HotPlan, error) {
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var plans []string
	db := sqlx.NewDb(sql.OpenDB(pq.ConnectorWithNoticeHandler(connector, func(e *pq.Error) {
		if strings.Contains(e.Message, "plan:") {
			mu.Lock()
			plans = append(plans, e.Message)
			mu.Unlock()
		}
	})), "postgres")
	defer db.Close()
	// One connection, so that the session's settings hold for every query.
	db.SetMaxOpenConns(1)
	st := New(db)
	invs, err := st.Invoices(ctx, creditorID, debtorID)
	if err != nil {
		return nil, err
	}
	if len(invs) == 0 {
		return nil, fmt.Errorf("store: HotPlans: debtor %d has no invoice", debtorID)
	}
	for _, q := range []string{`LOAD 'auto_explain'`, `SET auto_explain.log_min_duration = 0`,
		`SET auto_explain.log_nested_statements = on`, `SET client_min_messages = log`, `SET enable_seqscan = off`,
		`SET plan_cache_mode = force_generic_plan`} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return nil, fmt.Errorf("store: HotPlans: %s: %w (a superuser is needed)", q, err)
		}
	}
	cid, did, inv := creditorID, debtorID, invs[0]
	asOf := time.Now()
	calls := []struct {
		name string
		run  func() error
	}{
		{"control: invoices by description (no index)", func() error {
			_, err := db.ExecContext(ctx, `SELECT count(*) FROM invoices WHERE description = 'nothing'`)
			return err
		}},
		{"Creditor", func() error { _, err := st.Creditor(ctx, cid); return err }},
		{"AccessLinkByHash", func() error { _, err := st.AccessLinkByHash(ctx, make([]byte, 32)); return notFoundOK(err) }},
		{"DebtorSessionCreditor", func() error {
			_, _, err := st.DebtorSessionCreditor(ctx, make([]byte, 32), cid, did)
			return err
		}},
		{"AccountOverview", func() error { _, err := st.AccountOverview(ctx, cid, did, inv.Currency); return err }},
		{"LiveDispute", func() error { _, err := st.LiveDispute(ctx, cid, inv.ID); return notFoundOK(err) }},
		{"Debtor", func() error { _, err := st.Debtor(ctx, cid, did); return err }},
		{"Invoices", func() error { _, err := st.Invoices(ctx, cid, did); return err }},
		{"Invoice", func() error { _, err := st.Invoice(ctx, cid, did, inv.Number); return err }},
		{"ActivePlanInvoiceIDs", func() error { _, err := st.ActivePlanInvoiceIDs(ctx, cid, did); return err }},
		{"AccountCredit", func() error { _, err := st.AccountCredit(ctx, cid, did, inv.Currency); return err }},
		{"OpenPromise", func() error { _, err := st.OpenPromise(ctx, cid, did); return err }},
		{"DisputeHolds", func() error { _, err := st.DisputeHolds(ctx, cid, did); return err }},
		{"Statement", func() error { _, _, err := st.Statement(ctx, cid, did, asOf.AddDate(-1, 0, 0), asOf); return err }},
		{"CustomerTimeline", func() error {
			_, err := st.CustomerTimeline(ctx, cid, did, []string{"invoice.issued"}, 50)
			return err
		}},
	}
	var out []HotPlan
	for _, c := range calls {
		mu.Lock()
		plans = plans[:0]
		mu.Unlock()
		if err := c.run(); err != nil {
			return nil, fmt.Errorf("store: HotPlans: %s: %w", c.name, err)
		}
		mu.Lock()
		out = append(out, HotPlan{Query: c.name, Plans: append([]string(nil), plans...)})
		mu.Unlock()
	}
	return out, nil
}

func notFoundOK(err error) error {
	if ar.IsNotFound(err) {
		return nil
	}
	return err
}
