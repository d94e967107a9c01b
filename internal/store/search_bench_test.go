package store

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/seed"
	"github.com/settle/settle/internal/testdb"
)

const benchDebtors = 1_000_000

// Names and places for the generated debtors: the load-test seed's.
var (
	benchFirstNames = seed.FirstNames
	benchSurnames   = seed.Surnames
	benchCities     = seed.Cities
)

// benchDebtorsSQL inserts the debtors with numbers in [$2, $3] for
// creditor $1: customer numbers 1000001…, about 8,000 postcodes, one
// debtor in 50 in Austria, phones written four ways.
const benchDebtorsSQL = `INSERT INTO debtors (creditor_id, customer_number, name, email, phone, street, postcode, city, country)
SELECT $1, (1000000 + g)::text, fn || ' ' || ln,
	translate(replace(replace(replace(replace(lower(fn || '.' || ln), 'ä', 'ae'), 'ö', 'oe'), 'ü', 'ue'), 'ß', 'ss'), 'ı ', 'i')
		|| g || '@' || dom,
	CASE WHEN at THEN '0664 ' || num
		WHEN g % 4 = 0 THEN '+49 ' || substr(pre, 2) || ' ' || num
		WHEN g % 4 = 1 THEN pre || ' ' || num
		WHEN g % 4 = 2 THEN pre || '/' || num
		ELSE pre || '-' || num END,
	(ARRAY['Hauptstraße', 'Schulstraße', 'Gartenstraße', 'Bahnhofstraße', 'Dorfstraße', 'Bergstraße',
		'Birkenweg', 'Lindenstraße', 'Kirchstraße', 'Waldstraße', 'Ringstraße', 'Am Markt'])[1 + g % 12] || ' ' || (1 + g % 120),
	CASE WHEN at THEN (1010 + (g * 7) % 8900)::text ELSE lpad((1067 + ((g * 104729) % 8000) * 12)::text, 5, '0') END,
	($6::text[])[1 + (g * 13) % cardinality($6::text[])],
	CASE WHEN at THEN 'AT' ELSE 'DE' END
FROM generate_series($2::bigint, $3::bigint) AS g,
LATERAL (SELECT
	($4::text[])[1 + (g * 7919) % cardinality($4::text[])] AS fn,
	($5::text[])[1 + (g * 104723) % cardinality($5::text[])] AS ln,
	(ARRAY['gmx.de', 'web.de', 't-online.de', 'gmail.com', 'outlook.de', 'posteo.de', 'freenet.de', 'yahoo.de'])[1 + g % 8] AS dom,
	(ARRAY['0151', '0152', '0157', '0160', '0162', '0170', '0171', '0172', '0173', '0175', '0176', '0177',
		'0178', '0179', '030', '040', '089', '0221', '069', '0711'])[1 + (g * 31) % 20] AS pre,
	lpad(((g * 7919) % 10000000)::text, 7, '0') AS num,
	g % 50 = 0 AS at) AS v`

// benchInvoicesSQL gives the debtors with customer numbers in
// [1000000+$2, 1000000+$3] one invoice each, booked on the ledger; every
// third is paid.
const benchInvoicesSQL = `WITH inv AS (
	INSERT INTO invoices (creditor_id, debtor_id, number, issue_date, due_date, currency, net_minor, tax_minor, total_minor)
	SELECT d.creditor_id, d.id, 'RE-2026-' || d.customer_number, date '2026-01-01' + (d.id % 300)::int,
		date '2026-01-15' + (d.id % 300)::int, 'EUR', n, n * 19 / 100, n + n * 19 / 100
	FROM debtors d, LATERAL (SELECT 1000 + (d.id * 7919) % 20000 AS n) AS v
	WHERE d.creditor_id = $1 AND d.customer_number BETWEEN (1000000 + $2::bigint)::text AND (1000000 + $3::bigint)::text
	RETURNING id, creditor_id, debtor_id, number, issue_date, due_date, total_minor, currency
)
INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind, amount_minor, currency, value_date, reference)
SELECT creditor_id, debtor_id, id, 'invoice', total_minor, currency, issue_date, number FROM inv
UNION ALL
SELECT creditor_id, debtor_id, id, 'payment', -total_minor, currency, due_date, 'SEPA' FROM inv WHERE id % 3 = 0`

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

	// Load without the secondary indexes, then build them (as the
	// migrations define them), a chunk per core.
	begin := time.Now()
	var indexes []string
	if err := db.SelectContext(ctx, &indexes, `SELECT indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename IN ('debtors', 'invoices', 'ledger_entries')
			AND indexname NOT IN (SELECT conname FROM pg_constraint)`); err != nil {
		b.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `DO $$ DECLARE i record; BEGIN
		FOR i IN SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()
			AND tablename IN ('debtors', 'invoices', 'ledger_entries')
			AND indexname NOT IN (SELECT conname FROM pg_constraint)
		LOOP EXECUTE format('DROP INDEX %I', i.indexname); END LOOP; END $$`); err != nil {
		b.Fatal(err)
	}
	const workers = 2
	chunk := func(w int) (lo, hi int) { return w*benchDebtors/workers + 1, (w + 1) * benchDebtors / workers }
	parallel(b, workers, func(w int) error {
		lo, hi := chunk(w)
		_, err := db.ExecContext(ctx, benchDebtorsSQL, creditor, lo, hi, benchFirstNames, benchSurnames, benchCities)
		return err
	})
	debtorsDone := time.Now()
	parallel(b, workers, func(w int) error {
		lo, hi := chunk(w)
		_, err := db.ExecContext(ctx, benchInvoicesSQL, creditor, lo, hi)
		return err
	})
	invoicesDone := time.Now()
	parallel(b, workers, func(w int) error {
		conn, err := db.Connx(ctx)
		if err != nil {
			return err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SET maintenance_work_mem = '256MB'`); err != nil {
			return err
		}
		for i := w; i < len(indexes); i += workers {
			if _, err := conn.ExecContext(ctx, indexes[i]); err != nil {
				return fmt.Errorf("%s: %w", indexes[i], err)
			}
		}
		return nil
	})
	indexesDone := time.Now()
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE debtors, invoices, ledger_entries`); err != nil {
		b.Fatal(err)
	}
	end := time.Now()
	// Printed, not logged: go test shows a parent benchmark's log only
	// with -v.
	fmt.Printf("generated %d debtors in %v: debtors %v, invoices and ledger %v, %d indexes %v, vacuum analyze %v\n",
		benchDebtors, end.Sub(begin).Round(100*time.Millisecond), debtorsDone.Sub(begin).Round(100*time.Millisecond),
		invoicesDone.Sub(debtorsDone).Round(100*time.Millisecond), len(indexes),
		indexesDone.Sub(invoicesDone).Round(100*time.Millisecond), end.Sub(indexesDone).Round(100*time.Millisecond))

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
		WHERE d.creditor_id = $1 ORDER BY random() LIMIT 500`, creditor); err != nil {
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
		{"name_fragment", MatchName, func(i int) string { return strings.ToLower(benchSurnames[i%len(benchSurnames)]) }},
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

// parallel runs f(0) … f(n-1) at once and fails b on the first error.
func parallel(b *testing.B, n int, f func(w int) error) {
	b.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for w := range n {
		wg.Add(1)
		go func() { defer wg.Done(); errs[w] = f(w) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			b.Fatal(err)
		}
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
