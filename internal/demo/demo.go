package demo

import (
	"context"
	_ "embed" // the logos
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// The names a demo walk-through needs.
const (
	CreditorSlug     = "demo"  // Nordwind Mobil, the main demo creditor
	SecondSlug       = "lumen" // Lumen Energie, the second tenant
	Customer         = "10001" // the demo customer, Jana Schulz
	CustomerPostcode = "10115" // her postcode, the answer to the step-up
)

var (
	//go:embed logos/nordwind-mobil.svg
	nordwindLogo []byte
	//go:embed logos/lumen-energie.svg
	lumenLogo []byte
	// PNG renderings of the logos for PDFs (made from the SVGs with
	// headless Chromium at 640×160).
	//go:embed logos/nordwind-mobil-print.png
	nordwindPrintLogo []byte
	//go:embed logos/lumen-energie-print.png
	lumenPrintLogo []byte
)

const (
	currency = "EUR"
	vatBP    = 1900 // 19 % German VAT
	termDays = 14   // due date = issue date + 14 days
)

// Seed fills an empty database with the demo data set, as of the civil
// date today (dates are relative to it so statuses stay realistic
// whenever it runs). It is idempotent: if a creditor with slug "demo"
// already exists it does nothing and returns (false, nil). Everything
// happens in one transaction (store.InTx).
//
// Only today's calendar day counts: its clock and zone are dropped, so
// time.Now().In(berlin) seeds as of the day in Berlin.
func Seed(ctx context.Context, st *store.Store, today time.Time) (seeded bool, err error) {
	today = ar.CivilDate(today)
	err = st.InTx(ctx, func(tx *store.Store) error {
		_, err := tx.CreditorBySlug(ctx, CreditorSlug)
		if err == nil {
			return nil // seeded before
		}
		if !ar.IsNotFound(err) {
			return err
		}
		for _, c := range []*tenant{nordwind(today), lumen(today)} {
			if err := c.create(ctx, tx); err != nil {
				return fmt.Errorf("demo: seed %s: %w", c.creditor.Slug, err)
			}
		}
		seeded = true
		return nil
	})
	if err != nil {
		return false, err
	}
	return seeded, nil
}

// tenant is one creditor of the data set with everything it holds.
type tenant struct {
	creditor store.NewCreditor
	// number formats the n-th invoice number of a year.
	number  func(year, n int) string
	first   int // the first running number of each year
	debtors []account
}

// account is a debtor with their invoices.
type account struct {
	debtor   ar.Debtor
	invoices []*bill
}

// bill is an invoice to create, with the payments to book against it.
type bill struct {
	issue, due  time.Time
	description string
	lines       []ar.InvoiceLine
	payments    []payment
}

type payment struct {
	amount    int64
	valueDate time.Time
	reference string
}

// newBill makes an invoice issued on issue, due termDays later.
func newBill(issue time.Time, description string, lines ...ar.InvoiceLine) *bill {
	for i := range lines {
		lines[i].Position = i + 1
	}
	return &bill{issue: issue, due: issue.AddDate(0, 0, termDays), description: description, lines: lines}
}

func (b *bill) total() int64 {
	var t int64
	for _, l := range b.lines {
		t += l.TotalMinor
	}
	return t
}

func (b *bill) paid() int64 {
	var p int64
	for _, pay := range b.payments {
		p += pay.amount
	}
	return p
}

// pay books amount on valueDate.
func (b *bill) pay(amount int64, valueDate time.Time, reference string) {
	b.payments = append(b.payments, payment{amount: amount, valueDate: valueDate, reference: reference})
}

// settle pays what is still open.
func (b *bill) settle(valueDate time.Time, reference string) {
	if rest := b.total() - b.paid(); rest > 0 {
		b.pay(rest, valueDate, reference)
	}
}

// line is an invoice position at 19 % VAT.
func line(description string, quantityMilli, unitPriceMinor int64) ar.InvoiceLine {
	net, tax, total := ar.LineAmounts(quantityMilli, unitPriceMinor, vatBP)
	return ar.InvoiceLine{
		Description: description, QuantityMilli: quantityMilli, UnitPriceMinor: unitPriceMinor,
		TaxRateBP: vatBP, NetMinor: net, TaxMinor: tax, TotalMinor: total,
	}
}

// create inserts the creditor, its debtors and their invoices (numbered
// in order of issue date) and books the payments.
func (t *tenant) create(ctx context.Context, tx *store.Store) error {
	creditorID, err := tx.CreateCreditor(ctx, t.creditor)
	if err != nil {
		return err
	}
	type pending struct {
		debtorID int64
		bill     *bill
	}
	var all []pending
	for i := range t.debtors {
		d := t.debtors[i].debtor
		d.CreditorID = creditorID
		id, err := tx.UpsertDebtor(ctx, &d)
		if err != nil {
			return err
		}
		for _, b := range t.debtors[i].invoices {
			all = append(all, pending{id, b})
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].bill.issue.Before(all[j].bill.issue) })
	next := map[int]int{} // year → next running number
	for _, p := range all {
		year := p.bill.issue.Year()
		if next[year] == 0 {
			next[year] = t.first
		}
		inv := &ar.Invoice{
			CreditorID: creditorID, DebtorID: p.debtorID, Number: t.number(year, next[year]),
			IssueDate: p.bill.issue, DueDate: p.bill.due, Currency: currency,
			Description: p.bill.description, Lines: p.bill.lines,
		}
		next[year]++
		if err := tx.CreateInvoice(ctx, inv); err != nil {
			return err
		}
		for _, pay := range p.bill.payments {
			if err := tx.BookPayment(ctx, creditorID, p.debtorID, inv.ID, pay.amount, currency,
				pay.valueDate, pay.reference); err != nil {
				return err
			}
		}
	}
	return nil
}

// Dates.

var monthNames = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
	"August", "September", "Oktober", "November", "Dezember"}

// monthYear is the German "Oktober 2026" of t.
func monthYear(t time.Time) string {
	return monthNames[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

func daysAgo(today time.Time, n int) time.Time { return today.AddDate(0, 0, -n) }

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// cycleDates returns the issue dates of the last n monthly bills issued on
// day cycleDay (1–5) of each month, on or before today, oldest first.
func cycleDates(today time.Time, cycleDay, n int) []time.Time {
	latest := time.Date(today.Year(), today.Month(), cycleDay, 0, 0, 0, 0, time.UTC)
	if latest.After(today) {
		latest = latest.AddDate(0, -1, 0) // cycleDay ≤ 5 never overflows a month
	}
	dates := make([]time.Time, n)
	for i := range n {
		dates[n-1-i] = latest.AddDate(0, -i, 0)
	}
	return dates
}

// cycle says which of a debtor's monthly bills are paid. Bills before the
// latest one are always past due, so the overdue ones stay overdue on any
// day; the latest is overdue or not yet due depending on the day of month.
type cycle struct {
	day        int    // bills are issued on this day of month (1–5)
	months     int    // how many monthly bills
	overdue    int    // bills before the latest that are unpaid
	latestOpen bool   // the latest bill is not paid yet
	partial    int64  // paid on the oldest unpaid bill
	payBy      string // reference of the payments
}

// apply books the payments of bills (oldest first, as cycleDates returns
// them) for the debtor with index seed.
func (c cycle) apply(today time.Time, seed int, bills []*bill) {
	n := len(bills)
	var unpaid []*bill
	for i, b := range bills {
		switch {
		case i == n-1 && c.latestOpen, i < n-1 && i >= n-1-c.overdue:
			unpaid = append(unpaid, b)
		default:
			// Paid a few days before the due date (not after today).
			b.settle(earlier(b.due.AddDate(0, 0, -(2+(seed+i)%4)), today), c.payBy)
		}
	}
	if c.partial > 0 && len(unpaid) > 0 {
		b := unpaid[0]
		b.pay(c.partial, earlier(b.due.AddDate(0, 0, 10), today), "Überweisung (Teilzahlung)")
	}
}
