package ar

import "time"

// Status is an invoice's state, derived from its ledger and due date.
type Status string

// Invoice statuses, in the order a debtor cares about them.
const (
	StatusOverdue    Status = "overdue"
	StatusPartlyPaid Status = "partly_paid"
	StatusOpen       Status = "open"
	StatusPaid       Status = "paid"
	StatusCredited   Status = "credited" // open amount below zero: the debtor has a credit
)

// InvoiceStatus derives the status of an invoice with total and open
// amounts on the civil date today.
func InvoiceStatus(total, open int64, due, today time.Time) Status {
	switch {
	case open < 0:
		return StatusCredited
	case open == 0:
		return StatusPaid
	case !due.IsZero() && due.Before(today):
		return StatusOverdue
	case open < total:
		return StatusPartlyPaid
	default:
		return StatusOpen
	}
}

// Invoice is a bill sent to a debtor. OpenMinor is derived from the
// ledger.
type Invoice struct {
	ID          int64     `db:"id"`
	CreditorID  int64     `db:"creditor_id"`
	DebtorID    int64     `db:"debtor_id"`
	Number      string    `db:"number"`
	IssueDate   time.Time `db:"issue_date"`
	DueDate     time.Time `db:"due_date"`
	Currency    string    `db:"currency"`
	Description string    `db:"description"`
	NetMinor    int64     `db:"net_minor"`
	TaxMinor    int64     `db:"tax_minor"`
	TotalMinor  int64     `db:"total_minor"`
	OpenMinor   int64     `db:"open_minor"`
	PaidMinor   int64     `db:"paid_minor"`
	Lines       []InvoiceLine
}

// Status derives the invoice status on the civil date today.
func (i *Invoice) Status(today time.Time) Status {
	return InvoiceStatus(i.TotalMinor, i.OpenMinor, i.DueDate, today)
}

// InvoiceLine is one position of an invoice. Quantity is in thousandths
// (1.5 units = 1500) and TaxRate in basis points (19 % = 1900), so that
// every figure is an exact integer.
type InvoiceLine struct {
	Position       int    `db:"position"`
	Description    string `db:"description"`
	QuantityMilli  int64  `db:"quantity_milli"`
	UnitPriceMinor int64  `db:"unit_price_minor"`
	TaxRateBP      int    `db:"tax_rate_bp"`
	NetMinor       int64  `db:"net_minor"`
	TaxMinor       int64  `db:"tax_minor"`
	TotalMinor     int64  `db:"total_minor"`
}

// LineAmounts computes a line's net, tax and total from quantity, unit
// price and tax rate, rounding half away from zero at each step (net
// first, then tax on the rounded net), as German invoices do per line.
func LineAmounts(quantityMilli, unitPriceMinor int64, taxRateBP int) (net, tax, total int64) {
	net = divRound(quantityMilli*unitPriceMinor, 1000)
	tax = divRound(net*int64(taxRateBP), 10000)
	return net, tax, net + tax
}

func divRound(n, d int64) int64 {
	if n < 0 {
		return -divRound(-n, d)
	}
	return (n + d/2) / d
}

// TaxGroup sums the lines of one tax rate.
type TaxGroup struct {
	RateBP   int
	NetMinor int64
	TaxMinor int64
}

// TaxGroups sums an invoice's lines per tax rate, in order of first use.
func TaxGroups(lines []InvoiceLine) []TaxGroup {
	var groups []TaxGroup
	idx := map[int]int{}
	for _, l := range lines {
		i, ok := idx[l.TaxRateBP]
		if !ok {
			i = len(groups)
			idx[l.TaxRateBP] = i
			groups = append(groups, TaxGroup{RateBP: l.TaxRateBP})
		}
		groups[i].NetMinor += l.NetMinor
		groups[i].TaxMinor += l.TaxMinor
	}
	return groups
}

// Summary is what a debtor owes a creditor, at a glance.
type Summary struct {
	Currency      string
	OpenMinor     int64      // everything still open
	OverdueMinor  int64      // the part that is past its due date
	OpenCount     int        // invoices with something open
	OverdueCount  int        // invoices past due with something open
	NextDueDate   *time.Time // earliest due date among open invoices not yet overdue
	NextDueMinor  int64      // what is due on NextDueDate
	OldestOverdue *time.Time // earliest due date among overdue invoices
	PlanMinor     int64      // the part in active payment plans (open, not overdue)
}

// Summarize derives a Summary from a debtor's invoices on the civil date
// today.
func Summarize(currency string, invoices []Invoice, today time.Time) Summary {
	return SummarizeWithPlans(currency, invoices, today, nil)
}

// SummarizeWithPlans is Summarize for a debtor with payment plans: an
// invoice in an active plan (inPlan, by invoice id) is open but neither
// overdue nor next due: the plan's own dates count for it.
func SummarizeWithPlans(currency string, invoices []Invoice, today time.Time, inPlan map[int64]bool) Summary {
	s := Summary{Currency: currency}
	for i := range invoices {
		inv := &invoices[i]
		if inv.OpenMinor <= 0 {
			continue
		}
		s.OpenMinor += inv.OpenMinor
		s.OpenCount++
		if inPlan[inv.ID] {
			s.PlanMinor += inv.OpenMinor
			continue
		}
		due := inv.DueDate
		if due.Before(today) {
			s.OverdueMinor += inv.OpenMinor
			s.OverdueCount++
			if s.OldestOverdue == nil || due.Before(*s.OldestOverdue) {
				s.OldestOverdue = &due
			}
			continue
		}
		switch {
		case s.NextDueDate == nil || due.Before(*s.NextDueDate):
			s.NextDueDate = &due
			s.NextDueMinor = inv.OpenMinor
		case due.Equal(*s.NextDueDate):
			s.NextDueMinor += inv.OpenMinor
		}
	}
	return s
}
