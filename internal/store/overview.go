package store

import (
	"context"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
)

// AccountOverview is a debtor with what the dashboard shows beside the
// invoices, read in one round trip (a prepared statement): the invoices
// active plans hold, the credit balance, and whether there are plans, an
// open promise or disputes at all, so that the dashboard loads those only
// for the few debtors who have them.
type AccountOverview struct {
	ar.Debtor
	PlanInvoiceIDs pq.Int64Array `db:"plan_invoice_ids"` // as ActivePlanInvoiceIDs
	CreditMinor    int64         `db:"credit_minor"`     // as AccountCredit
	HasPlans       bool          `db:"has_plans"`        // any plan, in any status
	HasOpenPromise bool          `db:"has_open_promise"` // as OpenPromise != nil
	HasDisputes    bool          `db:"has_disputes"`     // any dispute or credit request
}

// PlanInvoices is PlanInvoiceIDs as a set.
func (o *AccountOverview) PlanInvoices() map[int64]bool {
	set := make(map[int64]bool, len(o.PlanInvoiceIDs))
	for _, id := range o.PlanInvoiceIDs {
		set[id] = true
	}
	return set
}

// AccountOverview loads a debtor's overview; currency is the creditor's
// (the credit balance is in it).
func (s *Store) AccountOverview(ctx context.Context, creditorID, debtorID int64, currency string) (o *AccountOverview, err error) {
	defer wrap(&err, "AccountOverview(%d, %d)", creditorID, debtorID)
	o = new(AccountOverview)
	err = s.hotGet(ctx, o, `SELECT `+debtorColumns+`,
		ARRAY(`+activePlanInvoiceIDsSQL+`) AS plan_invoice_ids,
		(`+accountCreditSQL+`) AS credit_minor,
		EXISTS (SELECT 1 FROM payment_plans p WHERE p.creditor_id = $1 AND p.debtor_id = $2) AS has_plans,
		EXISTS (SELECT 1 FROM promises p WHERE p.creditor_id = $1 AND p.debtor_id = $2 AND p.status = 'open') AS has_open_promise,
		EXISTS (SELECT 1 FROM disputes x WHERE x.creditor_id = $1 AND x.debtor_id = $2) AS has_disputes
		FROM debtors WHERE creditor_id = $1 AND id = $2`, creditorID, debtorID, currency)
	if err != nil {
		return nil, err
	}
	return o, nil
}
