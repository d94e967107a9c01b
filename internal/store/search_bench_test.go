package store

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/seed"
	"github.com/settle/settle/internal/testdb"
)

const benchDebtors = 1_000_000

// BenchmarkSearch1M measures SearchDebtors for each kind of query at a
// creditor with a million debtors (and an invoice each). It takes a
// minute or two, most of it generating the data, so it only runs when
// asked:
//
//	SETTLE_BENCH_1M=1 go test -run '^$' -bench Search1M -benchtime 500x -timeout 30m ./internal/store
//
// Before measuring it checks with EXPLAIN that no branch of any query
// reads the debtors, invoices or ledger by a sequential scan.
func BenchmarkSearch1M(b *testing.B) {
	if os.Getenv("SETTLE_BENCH_1M") != "1" {
		b.Skip("generates 1,000,000 debtors, a minute or two; run with " +
			"SETTLE_BENCH_1M=1 go test -run '^$' -bench Search1M -benchtime 500x -timeout 30m ./internal/store")
	}
	ctx := context.Background()
	db := testdb.New(b)
	st := New(db)
	creditor, err := st.CreateCreditor(ctx, NewCreditor{Creditor: ar.Creditor{Slug: "million", Name: "Million",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		b.Fatal(err)
	}

	// The load-test seed's debtors (internal/seed), one invoice each,
	// loaded without the secondary indexes, which are built afterwards.
	st2, err := seed.Generate(ctx, db, seed.Options{CreditorID: creditor, Debtors: benchDebtors, InvoicesPerDebtor: 1,
		AsOf: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC), RebuildIndexes: true})
	if err != nil {
		b.Fatal(err)
	}
	// Printed, not logged: go test shows a parent benchmark's log only
	// with -v.
	fmt.Printf("generated %d debtors in %v: debtors %v, invoices and ledger %v, indexes %v, analyze %v\n",
		st2.Debtors, st2.Total.Round(100*time.Millisecond), st2.DebtorsTime.Round(100*time.Millisecond),
		st2.InvoicesTime.Round(100*time.Millisecond), st2.IndexesTime.Round(100*time.Millisecond),
		st2.AnalyzeTime.Round(100*time.Millisecond))

	// What staff type, taken from the data: 500 random debtors.
	var sample []struct {
		CustomerNumber string `db:"customer_number"`
		Name           string `db:"name"`
		Email          string `db:"email"`
		Phone          string `db:"phone"`
		Postcode       string `db:"postcode"`
		Invoice        string `db:"invoice"`
	}
	if err := db.SelectContext(ctx, &sample, `SELECT d.customer_number, d.name, d.email, d.phone, d.postcode,
			i.number AS invoice
		FROM debtors d TABLESAMPLE SYSTEM (1) JOIN invoices i ON i.creditor_id = d.creditor_id AND i.debtor_id = d.id
		WHERE d.creditor_id = $1 AND d.kind = 'consumer' ORDER BY random() LIMIT 500`, creditor); err != nil {
		b.Fatal(err)
	}
	if len(sample) == 0 {
		b.Fatal("no sample")
	}
	kinds := []struct {
		name, on string // on: what the first hit must match on ("": no hits)
		q        func(i int) string
	}{
		{"customer_number", MatchCustomerNumber, func(i int) string { return sample[i%len(sample)].CustomerNumber }},
		{"invoice_number", MatchInvoice, func(i int) string { return sample[i%len(sample)].Invoice }},
		{"phone", MatchPhone, func(i int) string { return sample[i%len(sample)].Phone }}, // as stored: +49 …, 0…, 0…/…, 0…-…
		{"phone_international", MatchPhone, func(i int) string { return benchPhoneInternational(sample[i%len(sample)].Phone) }},
		{"postcode", MatchPostcode, func(i int) string { return sample[i%len(sample)].Postcode }},
		{"email", MatchEmail, func(i int) string { return strings.ToUpper(sample[i%len(sample)].Email) }},
		{"email_fragment", MatchEmail, func(i int) string {
			local, _, _ := strings.Cut(sample[i%len(sample)].Email, "@")
			return local + "@"
		}},
		{"name_fragment", MatchName, func(i int) string { return strings.ToLower(seed.Surnames[i%len(seed.Surnames)]) }},
		{"name_3_letters", MatchName, func(i int) string {
			return []string{"ann", "sch", "yıl", "mar", "ngu", "ler", "pap", "kow"}[i%8] // common and rare
		}},
		{"name_two_words", MatchName, func(i int) string {
			first, last, _ := strings.Cut(sample[i%len(sample)].Name, " ")
			return last + " " + first // in any order
		}},
		{"name_typo", MatchName, func(i int) string { return benchTypo(sample[i%len(sample)].Name) }},
		{"not_found", "", func(i int) string { return fmt.Sprintf("RE-2099-%07d", i) }}, // all branches and the fallback, for nothing
	}

	// Each branch of the first queries of every kind reads by an index.
	// Only where PostgreSQL expects a name fragment in many rows ("ann")
	// may it read the table in order instead: the branch stops after
	// searchCandidates rows.
	for _, k := range kinds {
		for i := range 8 {
			sq, fq := searchQueries(creditor, k.q(i), 20)
			for _, x := range []*searchQuery{sq, fq} {
				if x == nil {
					continue
				}
				plan := explain(b, db, x)
				if bad := seqScans(plan); bad != "" {
					b.Errorf("%s (%q): %s:\n%s", k.name, k.q(i), bad, plan)
				}
				if testing.Verbose() && i == 0 {
					b.Logf("%s (%q):\n%s", k.name, k.q(i), plan)
				}
			}
		}
	}

	for _, k := range kinds {
		b.Run(k.name, func(b *testing.B) {
			type run struct {
				q string
				d time.Duration
			}
			var runs []run
			i := 0
			for b.Loop() {
				q := k.q(i)
				i++
				t := time.Now()
				hits, err := st.SearchDebtors(ctx, creditor, q, 20)
				runs = append(runs, run{q, time.Since(t)})
				if err != nil {
					b.Fatal(err)
				}
				if k.on == "" && len(hits) != 0 || k.on != "" && (len(hits) == 0 || hits[0].MatchedOn != k.on) {
					b.Fatalf("SearchDebtors(%q): %d hits, first %+v; want a match on %s", q, len(hits), hits, k.on)
				}
			}
			slices.SortFunc(runs, func(x, y run) int { return cmp.Compare(x.d, y.d) })
			lat := func(p int) float64 { return float64(runs[len(runs)*p/100].d.Microseconds()) / 1000 }
			b.ReportMetric(lat(50), "p50-ms")
			b.ReportMetric(lat(99), "p99-ms")
			if testing.Verbose() {
				for _, r := range runs[max(0, len(runs)-3):] {
					b.Logf("slow: %q %v", r.q, r.d.Round(10*time.Microsecond))
				}
			}
		})
	}
}

// explain returns the plan of a search, one node per line.
func explain(b *testing.B, db *sqlx.DB, sq *searchQuery) string {
	b.Helper()
	var lines []string
	if err := db.Select(&lines, "EXPLAIN (COSTS OFF) "+sq.sql(), sq.args...); err != nil {
		b.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// seqScans names the first sequential scan of debtors, invoices or the
// ledger in plan that is not a candidate scan under a Limit.
func seqScans(plan string) string {
	lines := strings.Split(plan, "\n")
	for i, l := range lines {
		for _, table := range []string{"debtors", "invoices", "ledger_entries"} {
			if !strings.Contains(l, "Seq Scan on "+table+" ") && !strings.HasSuffix(l, "Seq Scan on "+table) {
				continue
			}
			if table == "debtors" && i > 0 && strings.HasSuffix(lines[i-1], "->  Limit") {
				continue
			}
			return "sequential scan on " + table
		}
	}
	return ""
}

// benchPhoneInternational writes a generated phone number as a caller id
// shows it: "+49 171 …" → "+491711234567", "030/…" → "+4930…".
func benchPhoneInternational(phone string) string {
	digits := strings.Map(func(r rune) rune {
		if isDigit(r) || r == '+' {
			return r
		}
		return -1
	}, phone)
	switch {
	case strings.HasPrefix(digits, "+"):
		return digits
	case strings.HasPrefix(phone, "0664"):
		return "+43" + digits[1:]
	default:
		return "+49" + digits[1:]
	}
}

// benchTypo mistypes the surname's last letter: "Anna Schmidt" →
// "Anna Schmidx", which only the similar-names fallback finds.
func benchTypo(name string) string {
	r := []rune(name)
	r[len(r)-1] = 'x'
	return string(r)
}
