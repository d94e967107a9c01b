package seed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Names, places and numbers for the generated debtors: common German
// first names and surnames (and a few from elsewhere), with umlauts.
var (
	FirstNames = pq.StringArray{"Anna", "Maria", "Ursula", "Monika", "Petra", "Elisabeth", "Sabine",
		"Renate", "Helga", "Karin", "Brigitte", "Ingrid", "Erika", "Andrea", "Gisela", "Claudia", "Susanne",
		"Gabriele", "Christa", "Christine", "Hannelore", "Julia", "Lena", "Lea", "Sophie", "Emma", "Mia",
		"Hannah", "Laura", "Katharina", "Peter", "Michael", "Thomas", "Andreas", "Wolfgang", "Klaus", "Jürgen",
		"Günter", "Stefan", "Christian", "Uwe", "Werner", "Horst", "Frank", "Dieter", "Manfred", "Gerhard",
		"Hans", "Bernd", "Torsten", "Markus", "Matthias", "Alexander", "Martin", "Jan", "Lukas", "Felix",
		"Jonas", "Paul", "Leon", "Maximilian", "Tobias", "Sebastian", "Florian", "Jörg"}
	Surnames = pq.StringArray{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner",
		"Becker", "Schulz", "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder",
		"Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Schmitt",
		"Werner", "Schmitz", "Krause", "Meier", "Lehmann", "Schmid", "Schulze", "Maier", "Köhler", "Herrmann",
		"König", "Walter", "Mayer", "Huber", "Kaiser", "Fuchs", "Peters", "Lang", "Scholz", "Möller", "Weiß",
		"Jung", "Hahn", "Schubert", "Vogel", "Friedrich", "Keller", "Günther", "Frank", "Berger", "Winkler",
		"Roth", "Beck", "Lorenz", "Baumann", "Franke", "Albrecht", "Schuster", "Simon", "Ludwig", "Böhm",
		"Winter", "Kraus", "Martin", "Schumacher", "Krämer", "Vogt", "Stein", "Jäger", "Otto", "Sommer",
		"Groß", "Seidel", "Heinrich", "Brandt", "Haas", "Schreiber", "Graf", "Schulte", "Dietrich", "Ziegler",
		"Kuhn", "Kühn", "Pohl", "Engel", "Horn", "Busch", "Bergmann", "Thomas", "Voigt", "Sauer", "Arnold",
		"Wolff", "Pfeiffer", "Kowalski", "Nowak", "Yılmaz", "Öztürk", "Kaya", "Demir", "Papadopoulos",
		"Rossi", "Ivanova", "Nguyen"}
	Cities = pq.StringArray{"Berlin", "Hamburg", "München", "Köln", "Frankfurt am Main", "Stuttgart",
		"Düsseldorf", "Leipzig", "Dortmund", "Essen", "Bremen", "Dresden", "Hannover", "Nürnberg", "Duisburg",
		"Bochum", "Wuppertal", "Bielefeld", "Bonn", "Münster"}
)

// Habit is how a generated debtor pays, decided by their customer
// number (see HabitOf).
type Habit string

// The habits and their shares of the debtors.
const (
	Punctual Habit = "punctual"  // 55 %: 5 days early to 2 days late
	Late     Habit = "late"      // 20 %: 3 to 10 days late
	VeryLate Habit = "very_late" // 15 %: 10 to 40 days late
	Erratic  Habit = "erratic"   // 7 %: 20 to 89 days late, every third invoice never
	NonPayer Habit = "non_payer" // 3 %: never
)

// HabitOf is the habit of the debtor with sequence number g (customer
// number 10000000+g), as the SQL decides it.
func HabitOf(g int64) Habit {
	switch b := (g * 2654435761) % 100; {
	case b < 55:
		return Punctual
	case b < 75:
		return Late
	case b < 90:
		return VeryLate
	case b < 97:
		return Erratic
	default:
		return NonPayer
	}
}

// CustomerNumber is the customer number of the debtor with sequence
// number g: eight digits, so ranges compare as text.
func CustomerNumber(g int64) string { return fmt.Sprint(numberBase + g) }

const numberBase = 10_000_000

// MaxDebtors is how many debtors one creditor can be given (eight-digit
// customer numbers).
const MaxDebtors = 89_999_999

// Options says what to generate.
type Options struct {
	CreditorID        int64
	Debtors           int       // how many debtors to add
	InvoicesPerDebtor int       // monthly invoices per debtor (1…120)
	AsOf              time.Time // the civil date the data describes (payments after it have not happened)
	Currency          string    // EUR if empty
	// Workers is how many connections load at once (2 if 0).
	Workers int
	// RebuildIndexes drops the secondary indexes of the loaded tables
	// and builds them again afterwards: several times faster for large
	// loads, but the tables are unindexed meanwhile (not for a database
	// in use).
	RebuildIndexes bool
	// Progress, if set, is told after each chunk how many debtors are done.
	Progress func(done int)
}

// Stats is what Generate did.
type Stats struct {
	FirstNumber, LastNumber string // customer numbers of the debtors added
	Debtors, Invoices       int64
	OpenInvoices, Payments  int64 // each paid invoice has one payment
	// How long each step took: debtors; invoices with their lines,
	// ledger entries and payments; rebuilding indexes; ANALYZE; all.
	DebtorsTime, InvoicesTime, IndexesTime, AnalyzeTime, Total time.Duration
}

// chunkSize is how many debtors one statement loads.
const chunkSize = 20_000

// Generate adds the debtors and their invoices to the creditor.
func Generate(ctx context.Context, db *sqlx.DB, o Options) (*Stats, error) {
	if o.Debtors < 1 || o.Debtors > MaxDebtors {
		return nil, fmt.Errorf("seed: debtors must be 1…%d, got %d", MaxDebtors, o.Debtors)
	}
	if o.InvoicesPerDebtor < 0 || o.InvoicesPerDebtor > 120 {
		return nil, fmt.Errorf("seed: invoices per debtor must be 0…120, got %d", o.InvoicesPerDebtor)
	}
	if o.AsOf.IsZero() {
		return nil, errors.New("seed: no as-of date")
	}
	if o.Currency == "" {
		o.Currency = "EUR"
	}
	if o.Workers <= 0 {
		o.Workers = 2
	}
	asOf := time.Date(o.AsOf.Year(), o.AsOf.Month(), o.AsOf.Day(), 0, 0, 0, 0, time.UTC)
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM creditors WHERE id = $1)`, o.CreditorID); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	} else if !exists {
		return nil, fmt.Errorf("seed: no creditor %d", o.CreditorID)
	}
	// Continue after the debtors seeded before.
	var last int64
	if err := db.GetContext(ctx, &last, `SELECT COALESCE(max(customer_number::bigint) - $2, 0) FROM debtors
		WHERE creditor_id = $1 AND customer_number ~ '^[1-9][0-9]{7}$'`, o.CreditorID, numberBase); err != nil {
		return nil, fmt.Errorf("seed: %w", err)
	}
	if last+int64(o.Debtors) > MaxDebtors {
		return nil, fmt.Errorf("seed: the creditor has %d seeded debtors; at most %d fit", last, MaxDebtors)
	}
	first := last + 1
	st := &Stats{FirstNumber: CustomerNumber(first), LastNumber: CustomerNumber(last + int64(o.Debtors))}
	begin := time.Now()

	var indexes []string
	if o.RebuildIndexes {
		var err error
		if indexes, err = dropIndexes(ctx, db); err != nil {
			return nil, err
		}
	}

	// Chunks of debtors, handed to the workers in order.
	type chunk struct{ lo, hi int64 }
	var chunks []chunk
	for lo := first; lo <= last+int64(o.Debtors); lo += chunkSize {
		chunks = append(chunks, chunk{lo, min(lo+chunkSize-1, last+int64(o.Debtors))})
	}
	run := func(stmt func(c chunk) error) error {
		work := make(chan chunk)
		errs := make(chan error, o.Workers)
		var wg sync.WaitGroup
		var mu sync.Mutex
		done := 0
		for range o.Workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for c := range work {
					if err := stmt(c); err != nil {
						errs <- err
						return
					}
					mu.Lock()
					done += int(c.hi - c.lo + 1)
					if o.Progress != nil {
						o.Progress(done)
					}
					mu.Unlock()
				}
			}()
		}
	feed:
		for _, c := range chunks {
			select {
			case work <- c:
			case err := <-errs:
				errs <- err
				break feed
			case <-ctx.Done():
				break feed
			}
		}
		close(work)
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return err
		}
		return ctx.Err()
	}

	t := time.Now()
	if err := run(func(c chunk) error {
		_, err := db.ExecContext(ctx, debtorsSQL, o.CreditorID, c.lo, c.hi, FirstNames, Surnames, Cities)
		if err != nil {
			return fmt.Errorf("seed: debtors %d…%d: %w", c.lo, c.hi, err)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	st.DebtorsTime = time.Since(t)
	if o.InvoicesPerDebtor > 0 {
		t = time.Now()
		if err := run(func(c chunk) error {
			_, err := db.ExecContext(ctx, invoicesSQL, o.CreditorID, c.lo, c.hi, o.InvoicesPerDebtor, asOf, o.Currency)
			if err != nil {
				return fmt.Errorf("seed: invoices of debtors %d…%d: %w", c.lo, c.hi, err)
			}
			return nil
		}); err != nil {
			return nil, err
		}
		st.InvoicesTime = time.Since(t)
	}
	if o.RebuildIndexes {
		t = time.Now()
		if err := buildIndexes(ctx, db, indexes, o.Workers); err != nil {
			return nil, err
		}
		st.IndexesTime = time.Since(t)
	}
	t = time.Now()
	if _, err := db.ExecContext(ctx, `ANALYZE debtors, invoices, invoice_lines, ledger_entries, payments`); err != nil {
		return nil, fmt.Errorf("seed: analyze: %w", err)
	}
	st.AnalyzeTime = time.Since(t)
	st.Total = time.Since(begin)

	err := db.QueryRowxContext(ctx, `SELECT
			(SELECT count(*) FROM debtors d WHERE `+seeded+`),
			(SELECT count(*) FROM invoices i JOIN debtors d ON d.creditor_id = i.creditor_id AND d.id = i.debtor_id WHERE `+seeded+`),
			(SELECT count(*) FROM payments p JOIN debtors d ON d.creditor_id = p.creditor_id AND d.id = p.debtor_id WHERE `+seeded+`)`,
		o.CreditorID, st.FirstNumber, st.LastNumber).Scan(&st.Debtors, &st.Invoices, &st.Payments)
	if err != nil {
		return nil, fmt.Errorf("seed: counting: %w", err)
	}
	st.OpenInvoices = st.Invoices - st.Payments
	return st, nil
}

// seeded selects the debtors d this run added.
const seeded = `d.creditor_id = $1 AND length(d.customer_number) = 8 AND d.customer_number BETWEEN $2 AND $3`

// loaded are the tables whose secondary indexes RebuildIndexes drops.
const loaded = `('debtors', 'invoices', 'invoice_lines', 'ledger_entries', 'payments')`

// dropIndexes drops the loaded tables' indexes that no constraint owns
// and returns their definitions.
func dropIndexes(ctx context.Context, db *sqlx.DB) ([]string, error) {
	var defs []string
	if err := db.SelectContext(ctx, &defs, `SELECT indexdef FROM pg_indexes
		WHERE schemaname = current_schema() AND tablename IN `+loaded+`
			AND indexname NOT IN (SELECT conname FROM pg_constraint)`); err != nil {
		return nil, fmt.Errorf("seed: listing indexes: %w", err)
	}
	if _, err := db.ExecContext(ctx, `DO $$ DECLARE i record; BEGIN
		FOR i IN SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()
			AND tablename IN `+loaded+` AND indexname NOT IN (SELECT conname FROM pg_constraint)
		LOOP EXECUTE format('DROP INDEX %I', i.indexname); END LOOP; END $$`); err != nil {
		return nil, fmt.Errorf("seed: dropping indexes: %w", err)
	}
	return defs, nil
}

// buildIndexes creates the indexes again, spread over the workers.
func buildIndexes(ctx context.Context, db *sqlx.DB, defs []string, workers int) error {
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			conn, err := db.Connx(ctx)
			if err != nil {
				errs[w] = err
				return
			}
			defer conn.Close()
			if _, err := conn.ExecContext(ctx, `SET maintenance_work_mem = '256MB'`); err != nil {
				errs[w] = err
				return
			}
			for i := w; i < len(defs); i += workers {
				if _, err := conn.ExecContext(ctx, defs[i]); err != nil {
					errs[w] = fmt.Errorf("seed: %s: %w", defs[i], err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// debtorsSQL inserts the debtors with sequence numbers in [$2, $3] for
// creditor $1.
const debtorsSQL = `INSERT INTO debtors (creditor_id, customer_number, kind, name, email, phone, street, postcode, city,
	country, language, preferred_channel, segment, hardship)
SELECT $1, (10000000 + g)::text,
	CASE WHEN g % 10 = 3 THEN 'business' ELSE 'consumer' END,
	CASE WHEN g % 10 = 3 THEN ln || ' ' || (ARRAY['GmbH', 'KG', 'e.K.', 'GbR'])[1 + g % 4] ELSE fn || ' ' || ln END,
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
	CASE WHEN at THEN 'AT' ELSE 'DE' END,
	CASE WHEN g % 8 = 5 THEN 'en' ELSE 'de' END,
	CASE WHEN g % 20 = 7 THEN 'letter' WHEN g % 3 = 1 THEN 'sms' ELSE 'email' END,
	CASE WHEN g % 10 = 3 THEN 'business' ELSE (ARRAY['residential', 'residential', 'young', 'senior'])[1 + (g * 31) % 4] END,
	g % 200 = 17
FROM generate_series($2::bigint, $3::bigint) AS g,
LATERAL (SELECT
	($4::text[])[1 + (g * 7919) % cardinality($4::text[])] AS fn,
	($5::text[])[1 + (g * 104723) % cardinality($5::text[])] AS ln,
	(ARRAY['gmx.de', 'web.de', 't-online.de', 'gmail.com', 'outlook.de', 'posteo.de', 'freenet.de', 'yahoo.de'])[1 + g % 8] AS dom,
	(ARRAY['0151', '0152', '0157', '0160', '0162', '0170', '0171', '0172', '0173', '0175', '0176', '0177',
		'0178', '0179', '030', '040', '089', '0221', '069', '0711'])[1 + (g * 31) % 20] AS pre,
	lpad(((g * 7919) % 10000000)::text, 7, '0') AS num,
	g % 50 = 0 AS at) AS v`

// invoicesSQL gives the debtors with sequence numbers in [$2, $3] $4
// monthly invoices each up to the as-of date $5, in currency $6: the
// invoice, its line, its ledger entry and, when the debtor's habit paid
// it by $5, the payment and its allocation.
const invoicesSQL = `WITH d AS (
	SELECT id, creditor_id, customer_number::bigint - 10000000 AS g FROM debtors
	WHERE creditor_id = $1 AND length(customer_number) = 8
		AND customer_number BETWEEN (10000000 + $2::bigint)::text AND (10000000 + $3::bigint)::text
), src AS (
	SELECT d.id AS debtor_id, d.creditor_id, d.g, k,
		'R' || (10000000 + d.g) || '-' || lpad(k::text, 3, '0') AS number,
		$5::date - ((($4::int - k) * 30) + (d.g * 7) % 30)::int AS issue_date,
		1000 + (d.g * 7919 + k * 104729) % 20000 AS net
	FROM d, generate_series(1, $4::int) AS k
), inv AS (
	INSERT INTO invoices (creditor_id, debtor_id, number, issue_date, due_date, currency, description,
		net_minor, tax_minor, total_minor)
	SELECT creditor_id, debtor_id, number, issue_date, issue_date + 14, $6, 'Mobilfunk ' || to_char(issue_date, 'MM/YYYY'),
		net, net * 19 / 100, net + net * 19 / 100 FROM src
	RETURNING id, creditor_id, debtor_id, number, issue_date, due_date, net_minor, tax_minor, total_minor, currency
), lines AS (
	INSERT INTO invoice_lines (invoice_id, position, description, quantity_milli, unit_price_minor, tax_rate_bp,
		net_minor, tax_minor, total_minor)
	SELECT id, 1, 'Tarif ' || (ARRAY['S', 'M', 'L', 'XL'])[1 + id % 4], 1000, net_minor, 1900, net_minor, tax_minor, total_minor
	FROM inv
), booked AS (
	INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind, amount_minor, currency, value_date, reference)
	SELECT creditor_id, debtor_id, id, 'invoice', total_minor, currency, issue_date, number FROM inv
), paid AS (
	-- The habit and the lag come from the number itself (R<customer number>-<k>):
	-- joining the inserted rows back to src would be a join without statistics.
	SELECT inv.id, inv.creditor_id, inv.debtor_id, inv.number, inv.total_minor, inv.currency, inv.due_date + x.lag AS paid_on
	FROM inv, LATERAL (SELECT substr(inv.number, 2, 8)::bigint - 10000000 AS g, substr(inv.number, 11)::int AS k) AS n,
		LATERAL (SELECT (CASE WHEN h < 55 THEN -5 + (n.k * 7 + n.g) % 8
			WHEN h < 75 THEN 3 + (n.k * 13 + n.g) % 8
			WHEN h < 90 THEN 10 + (n.k * 17 + n.g) % 31
			WHEN h < 97 AND n.k % 3 <> 0 THEN 20 + (n.k * 19 + n.g) % 70
		END)::int AS lag FROM (SELECT (n.g * 2654435761) % 100 AS h) AS hb) AS x
	WHERE x.lag IS NOT NULL AND inv.due_date + x.lag <= $5::date
), pay AS (
	INSERT INTO payments (public_id, creditor_id, debtor_id, method, status, amount_minor, currency, value_date,
		reference, created_at, paid_at)
	SELECT 'pay_seed' || id, creditor_id, debtor_id,
		(ARRAY['bank_transfer', 'direct_debit', 'card', 'bank_transfer'])[1 + id % 4], 'paid', total_minor, currency,
		paid_on, number, paid_on + time '10:00', paid_on + time '10:00'
	FROM paid
	RETURNING id, public_id, creditor_id, debtor_id, amount_minor, currency, value_date, reference
)
-- The payment's public id names its invoice (pay_seed<invoice id>).
INSERT INTO ledger_entries (creditor_id, debtor_id, invoice_id, kind, amount_minor, currency, value_date, reference,
	payment_id, booked_at)
SELECT creditor_id, debtor_id, substr(public_id, 9)::bigint, 'payment', -amount_minor, currency, value_date, reference,
	id, value_date + time '10:00'
FROM pay`
