package demo

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// seed seeds a fresh database as of today.
func seed(t *testing.T, today time.Time) (*sqlx.DB, *store.Store) {
	t.Helper()
	db := testdb.New(t)
	st := store.New(db)
	seeded, err := Seed(context.Background(), st, today)
	if err != nil {
		t.Fatal(err)
	}
	if !seeded {
		t.Fatal("Seed on an empty database: seeded = false")
	}
	return db, st
}

// counts returns the row count of every table the seed writes.
func counts(t *testing.T, db *sqlx.DB) map[string]int {
	t.Helper()
	n := map[string]int{}
	for _, table := range []string{"creditors", "debtors", "invoices", "invoice_lines", "ledger_entries", "interactions"} {
		var c int
		if err := db.Get(&c, `SELECT count(*) FROM `+table); err != nil {
			t.Fatal(err)
		}
		n[table] = c
	}
	return n
}

func TestSeedIdempotent(t *testing.T) {
	ctx := context.Background()
	db, st := seed(t, date(2026, 10, 20))
	before := counts(t, db)
	if before["creditors"] != 2 || before["invoices"] == 0 || before["ledger_entries"] <= before["invoices"] {
		t.Fatalf("after seeding: %v", before)
	}
	seeded, err := Seed(ctx, st, date(2026, 10, 21))
	if err != nil || seeded {
		t.Fatalf("second Seed = %v, %v; want false, nil", seeded, err)
	}
	if after := counts(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Fatalf("second Seed changed rows: before %v, after %v", before, after)
	}
}

// days to seed on: the start, middle and end of months, before and after
// the billing days, across a year end and a leap day.
var days = []time.Time{
	date(2026, 10, 20), date(2026, 1, 1), date(2026, 1, 3), date(2026, 2, 28),
	date(2028, 2, 29), date(2026, 3, 31), date(2026, 7, 5), date(2026, 12, 17),
}

func TestDemoCustomer(t *testing.T) {
	for _, today := range days {
		t.Run(today.Format(time.DateOnly), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			_, st := seed(t, today)
			c, err := st.CreditorBySlug(ctx, CreditorSlug)
			if err != nil {
				t.Fatal(err)
			}
			d, err := st.DebtorByNumber(ctx, c.ID, Customer)
			if err != nil {
				t.Fatal(err)
			}
			if d.Name != "Jana Schulz" || d.Postcode != CustomerPostcode || d.Language != "de" ||
				d.Email == "" || d.Phone == "" {
				t.Errorf("demo customer: %+v", d)
			}
			if err := ar.CheckKnowledge(c.StepUpKnowledge, d, "10115"); err != nil {
				t.Errorf("postcode 10115 does not pass the step-up: %v", err)
			}
			invoices, err := st.Invoices(ctx, c.ID, d.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := map[ar.Status]int{}
			for _, inv := range invoices {
				n[inv.Status(today)]++
			}
			if n[ar.StatusOverdue] < 2 || n[ar.StatusPartlyPaid] != 1 || n[ar.StatusOpen] < 1 ||
				n[ar.StatusPaid] != 3 || n[ar.StatusCredited] != 0 {
				t.Errorf("statuses of 10001's invoices: %v", n)
			}

			// Lumen's 10001 shows a mix too, on any day.
			l, err := st.CreditorBySlug(ctx, SecondSlug)
			if err != nil {
				t.Fatal(err)
			}
			ld, err := st.DebtorByNumber(ctx, l.ID, Customer)
			if err != nil {
				t.Fatal(err)
			}
			if ld.Name == d.Name {
				t.Errorf("lumen's 10001 is %s too", ld.Name)
			}
			invoices, err = st.Invoices(ctx, l.ID, ld.ID)
			if err != nil {
				t.Fatal(err)
			}
			n = map[ar.Status]int{}
			for _, inv := range invoices {
				n[inv.Status(today)]++
			}
			if n[ar.StatusOverdue] < 1 || n[ar.StatusOpen] < 1 || n[ar.StatusPaid] < 1 {
				t.Errorf("statuses of lumen 10001's invoices: %v", n)
			}
		})
	}
}

func TestDataSet(t *testing.T) {
	ctx := context.Background()
	today := date(2026, 10, 20)
	db, st := seed(t, today)

	demo, err := st.CreditorBySlug(ctx, CreditorSlug)
	if err != nil {
		t.Fatal(err)
	}
	if demo.StepUp != ar.StepUpKnowledge || demo.StepUpKnowledge != ar.KnowPostcode ||
		demo.DefaultLanguage != "de" || demo.Currency != "EUR" || demo.Timezone != "Europe/Berlin" ||
		demo.LinkTTL != 30*24*time.Hour || !demo.HasLogo {
		t.Errorf("creditor demo: %+v", demo)
	}
	lumen, err := st.CreditorBySlug(ctx, SecondSlug)
	if err != nil {
		t.Fatal(err)
	}
	if lumen.StepUp != ar.StepUpOTP || !lumen.HasLogo || lumen.PrimaryColor == demo.PrimaryColor {
		t.Errorf("creditor lumen: %+v", lumen)
	}
	for _, c := range []*ar.Creditor{demo, lumen} {
		if !ar.ValidColor(c.PrimaryColor) || !ar.ValidColor(c.AccentColor) {
			t.Errorf("%s: colours %q %q", c.Slug, c.PrimaryColor, c.AccentColor)
		}
		logo, mediaType, err := st.CreditorLogo(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		lower := strings.ToLower(string(logo))
		if mediaType != "image/svg+xml" || len(logo) >= 3000 || !bytes.HasPrefix(logo, []byte("<svg ")) ||
			strings.Contains(lower, "<script") || strings.Contains(lower, "href") ||
			strings.Contains(lower, "url(") || strings.Contains(lower, " on") {
			t.Errorf("%s: logo %s, %d bytes, or has scripts or external references", c.Slug, mediaType, len(logo))
		}
	}

	var debtors []ar.Debtor
	if err := db.Select(&debtors, `SELECT `+debtorColumns+` FROM debtors WHERE creditor_id = $1
		ORDER BY customer_number`, demo.ID); err != nil {
		t.Fatal(err)
	}
	if len(debtors) < 20 {
		t.Errorf("%d demo debtors, want at least 20", len(debtors))
	}
	has := map[string]bool{}
	for _, d := range debtors {
		has["lang:"+d.Language] = true
		has["kind:"+d.Kind] = true
		if d.BirthDate != nil {
			has["birth date"] = true
		}
		if d.Hardship {
			has["hardship"] = true
		}
		if d.Email == "" && d.Phone != "" {
			has["phone only"] = true
		}
	}
	for _, want := range []string{"lang:de", "lang:en", "lang:", "kind:business", "kind:consumer",
		"birth date", "hardship", "phone only"} {
		if !has[want] {
			t.Errorf("no demo debtor with %s", want)
		}
	}

	// Every demo debtor has invoices, and the data set shows every status
	// but credited.
	statuses := map[ar.Status]int{}
	for _, d := range debtors {
		invoices, err := st.Invoices(ctx, demo.ID, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(invoices) == 0 {
			t.Errorf("debtor %s has no invoices", d.CustomerNumber)
		}
		for _, inv := range invoices {
			statuses[inv.Status(today)]++
		}
	}
	for _, s := range []ar.Status{ar.StatusOverdue, ar.StatusPartlyPaid, ar.StatusOpen, ar.StatusPaid} {
		if statuses[s] == 0 {
			t.Errorf("no demo invoice is %s (%v)", s, statuses)
		}
	}

	// Same customer number, other person, at the other creditor; every
	// Lumen customer can receive a one-time code.
	var lumenDebtors []ar.Debtor
	if err := db.Select(&lumenDebtors, `SELECT `+debtorColumns+` FROM debtors WHERE creditor_id = $1
		ORDER BY customer_number`, lumen.ID); err != nil {
		t.Fatal(err)
	}
	if len(lumenDebtors) != 5 || lumenDebtors[0].CustomerNumber != "10001" {
		t.Fatalf("lumen debtors: %+v", lumenDebtors)
	}
	if lumenDebtors[0].Name == debtors[0].Name || lumenDebtors[0].Postcode == debtors[0].Postcode {
		t.Errorf("lumen's 10001 is %s, %s, like demo's", lumenDebtors[0].Name, lumenDebtors[0].Postcode)
	}
	for _, d := range lumenDebtors {
		if d.Email == "" && d.Phone == "" {
			t.Errorf("lumen debtor %s has neither email nor phone", d.CustomerNumber)
		}
	}

	emailRE := regexp.MustCompile(`^[a-z0-9.]+@example\.(de|com)$`)
	for _, d := range append(debtors, lumenDebtors...) {
		if d.Email != "" && !emailRE.MatchString(d.Email) {
			t.Errorf("debtor %s: email %q", d.CustomerNumber, d.Email)
		}
		if d.Phone != "" && !strings.HasPrefix(d.Phone, "+49 ") {
			t.Errorf("debtor %s: phone %q", d.CustomerNumber, d.Phone)
		}
		if d.Street == "" || len(d.Postcode) != 5 || d.City == "" || d.Country != "DE" {
			t.Errorf("debtor %s: address %q %q %q %q", d.CustomerNumber, d.Street, d.Postcode, d.City, d.Country)
		}
	}
}

// debtorColumns mirrors the store's list for the test's own queries.
const debtorColumns = `id, creditor_id, customer_number, kind, name, email, phone, street,
	postcode, city, country, birth_date, language, preferred_channel, segment, hardship`

func TestInvoices(t *testing.T) {
	for _, today := range days[:4] {
		t.Run(today.Format(time.DateOnly), func(t *testing.T) {
			t.Parallel()
			db, _ := seed(t, today)

			var rows []struct {
				Slug     string    `db:"slug"`
				Number   string    `db:"number"`
				Issue    time.Time `db:"issue_date"`
				Due      time.Time `db:"due_date"`
				Net      int64     `db:"net_minor"`
				Tax      int64     `db:"tax_minor"`
				Total    int64     `db:"total_minor"`
				Lines    int       `db:"lines"`
				LineNet  int64     `db:"line_net"`
				LineTax  int64     `db:"line_tax"`
				LineSum  int64     `db:"line_total"`
				Open     int64     `db:"open"`
				Payments int       `db:"payments"`
				FirstPay time.Time `db:"first_pay"`
				LastPay  time.Time `db:"last_pay"`
			}
			err := db.Select(&rows, `SELECT c.slug, i.number, i.issue_date, i.due_date,
				i.net_minor, i.tax_minor, i.total_minor,
				(SELECT count(*) FROM invoice_lines l WHERE l.invoice_id = i.id) AS lines,
				(SELECT COALESCE(sum(l.net_minor), 0) FROM invoice_lines l WHERE l.invoice_id = i.id) AS line_net,
				(SELECT COALESCE(sum(l.tax_minor), 0) FROM invoice_lines l WHERE l.invoice_id = i.id) AS line_tax,
				(SELECT COALESCE(sum(l.total_minor), 0) FROM invoice_lines l WHERE l.invoice_id = i.id) AS line_total,
				(SELECT sum(e.amount_minor) FROM ledger_entries e WHERE e.invoice_id = i.id) AS open,
				(SELECT count(*) FROM ledger_entries e WHERE e.invoice_id = i.id AND e.kind = 'payment') AS payments,
				(SELECT COALESCE(min(e.value_date), i.issue_date) FROM ledger_entries e WHERE e.invoice_id = i.id AND e.kind = 'payment') AS first_pay,
				(SELECT COALESCE(max(e.value_date), i.issue_date) FROM ledger_entries e WHERE e.invoice_id = i.id AND e.kind = 'payment') AS last_pay
				FROM invoices i JOIN creditors c ON c.id = i.creditor_id ORDER BY c.slug, i.number`)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) < 100 {
				t.Errorf("only %d invoices", len(rows))
			}
			numberRE := map[string]*regexp.Regexp{
				CreditorSlug: regexp.MustCompile(`^(\d{4})-\d{6}$`),
				SecondSlug:   regexp.MustCompile(`^LE-(\d{4})-\d{5}$`),
			}
			for _, r := range rows {
				name := r.Slug + " " + r.Number
				if r.Total != r.LineSum || r.Net != r.LineNet || r.Tax != r.LineTax {
					t.Errorf("%s: net/tax/total %d/%d/%d, lines sum to %d/%d/%d",
						name, r.Net, r.Tax, r.Total, r.LineNet, r.LineTax, r.LineSum)
				}
				if r.Lines < 2 || r.Lines > 4 {
					t.Errorf("%s: %d lines", name, r.Lines)
				}
				if r.Total <= 0 || r.Open < 0 || r.Open > r.Total {
					t.Errorf("%s: total %d, open %d", name, r.Total, r.Open)
				}
				if m := numberRE[r.Slug].FindStringSubmatch(r.Number); m == nil || m[1] != fmt.Sprint(r.Issue.Year()) {
					t.Errorf("%s: number does not match the issue date %s", name, r.Issue.Format(time.DateOnly))
				}
				if r.Issue.After(today) || !r.Due.Equal(r.Issue.AddDate(0, 0, 14)) {
					t.Errorf("%s: issued %s, due %s", name, r.Issue.Format(time.DateOnly), r.Due.Format(time.DateOnly))
				}
				if r.FirstPay.Before(r.Issue) || r.LastPay.After(today) {
					t.Errorf("%s: paid between %s and %s, issued %s", name, r.FirstPay.Format(time.DateOnly),
						r.LastPay.Format(time.DateOnly), r.Issue.Format(time.DateOnly))
				}
			}
		})
	}
}

// TestDeterministic seeds two databases on the same day and compares
// them.
func TestDeterministic(t *testing.T) {
	today := date(2026, 10, 20)
	dump := func() string {
		db, _ := seed(t, today)
		var lines []string
		err := db.Select(&lines, `SELECT concat_ws('|', c.slug, d.customer_number, d.name, i.number,
			i.issue_date, i.description, i.total_minor,
			(SELECT string_agg(concat_ws(':', l.description, l.quantity_milli, l.unit_price_minor), ';' ORDER BY l.position)
				FROM invoice_lines l WHERE l.invoice_id = i.id),
			(SELECT string_agg(concat_ws(':', e.kind, e.amount_minor, e.value_date, e.reference), ';' ORDER BY e.id)
				FROM ledger_entries e WHERE e.invoice_id = i.id))
			FROM invoices i JOIN debtors d ON d.id = i.debtor_id JOIN creditors c ON c.id = i.creditor_id
			ORDER BY c.slug, i.number`)
		if err != nil {
			t.Fatal(err)
		}
		return strings.Join(lines, "\n")
	}
	if a, b := dump(), dump(); a != b {
		t.Errorf("two seeds on the same day differ:\n%s\n---\n%s", a, b)
	}
}

// TestSeedTakesCivilDate checks that the clock and zone of today are
// ignored: 00:30 in Berlin on 1 October is 1 October, though it is still
// 30 September in UTC.
func TestSeedTakesCivilDate(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip(err)
	}
	db, _ := seed(t, time.Date(2026, 10, 1, 0, 30, 0, 0, berlin))
	var latest time.Time
	if err := db.Get(&latest, `SELECT max(issue_date) FROM invoices`); err != nil {
		t.Fatal(err)
	}
	if want := date(2026, 10, 1); !latest.Equal(want) {
		t.Errorf("latest issue date %s, want %s", latest.Format(time.DateOnly), want.Format(time.DateOnly))
	}
}
