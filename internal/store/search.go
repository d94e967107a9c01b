package store

import (
	"context"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lib/pq"
)

// DebtorHit is one debtor found by the back office's search: what the
// result list shows, the open balance, and the field that matched.
type DebtorHit struct {
	ID             int64  `db:"id"`
	CustomerNumber string `db:"customer_number"`
	Name           string `db:"name"`
	Email          string `db:"email"`
	Phone          string `db:"phone"`
	Postcode       string `db:"postcode"`
	City           string `db:"city"`
	OpenMinor      int64  `db:"open_minor"` // the ledger balance
	Currency       string `db:"currency"`   // the creditor's currency
	// MatchedOn is customer_number, invoice, email, phone, postcode or
	// name.
	MatchedOn string `db:"matched_on"`
}

// What SearchDebtors matched on.
const (
	MatchCustomerNumber = "customer_number"
	MatchInvoice        = "invoice"
	MatchEmail          = "email"
	MatchPhone          = "phone"
	MatchPostcode       = "postcode"
	MatchName           = "name"
)

const (
	// MaxSearchLimit caps how many hits one search returns.
	MaxSearchLimit = 50
	// searchCandidates caps how many rows a substring or fuzzy branch
	// reads before ranking: a fragment such as "ann" matches a tenth of
	// a large creditor's debtors, and reading them all would take
	// hundreds of milliseconds. Beyond the cap the ranking is the best
	// among the first candidates; typing more narrows the search.
	searchCandidates = 1000
	// maxNameWords is how many words of a name query are matched
	// separately (in any order); further words stay attached to the
	// last one.
	maxNameWords = 4
)

// homeCountry reads national phone numbers (a leading 0) typed by
// staff. Creditors have no country yet; when they do, it becomes theirs.
const homeCountry = "DE"

// phoneCountries are the countries settle_e164 (migration 00009) knows
// the calling codes of. A national number is also tried as a number of
// each of them, and matches a debtor of that country: an agent types an
// Austrian customer's "0664 …" as the customer says it.
var phoneCountries = pq.StringArray{"DE", "AT", "CH", "NL", "BE", "FR", "LU", "DK", "PL", "CZ", "IT", "ES", "GB", "IE"}

// SearchDebtors is the back office's one-box search at a creditor. What q
// looks like decides which lookups run, each on an index, combined with
// UNION ALL:
//
//   - always: customer number and invoice number (exact);
//   - q contains '@': email, exact and ignoring case, then as a substring;
//   - q is a phone number (digits, at least six, with + ( ) / - . and
//     spaces): the number in E.164, read with settle_e164 as in the
//     generated column debtors.phone_e164;
//   - q is short and has a digit: postcode (exact);
//   - q has a letter and at least three characters: name, every word a
//     substring in any order, most similar first; and, when q has no
//     spaces but a dot, email as a substring ("anna.mueller", "gmx.de").
//
// When these find nothing and q looks like a name, a second query looks
// for names with one word similar (a typo: "Bernd Müler" finds "Bernd
// Müller").
//
// Exact matches rank before substring matches; a debtor found several
// ways appears once, for its best match.
// A q shorter than two characters finds nothing; limit is capped at
// MaxSearchLimit (and means that when not positive).
func (s *Store) SearchDebtors(ctx context.Context, creditorID int64, q string, limit int) (hits []DebtorHit, err error) {
	defer wrap(&err, "SearchDebtors(%d, %q)", creditorID, q)
	sq, fq := searchQueries(creditorID, q, limit)
	if sq == nil {
		return nil, nil
	}
	if err := s.q.SelectContext(ctx, &hits, sq.sql(), sq.args...); err != nil {
		return nil, err
	}
	if fq == nil || len(hits) > 0 {
		return hits, nil
	}
	err = s.q.SelectContext(ctx, &hits, fq.sql(), fq.args...)
	return hits, err
}

// searchQueries returns the search for q and, when q looks like a name,
// the search for similar names that runs when the first finds nothing.
// It returns nil when q is too short to search for.
func searchQueries(creditorID int64, q string, limit int) (sq, fuzzy *searchQuery) {
	q = strings.Join(strings.Fields(q), " ")
	if utf8.RuneCountInString(q) < 2 {
		return nil, nil
	}
	if limit <= 0 || limit > MaxSearchLimit {
		limit = MaxSearchLimit
	}
	k := classify(q)
	sq = newSearchQuery(creditorID, q, limit)
	sq.customerNumber()
	sq.invoice()
	if k.email {
		sq.emailExact()
	}
	if k.phone {
		sq.phone()
	}
	if k.postcode {
		sq.postcode()
	}
	if k.name {
		sq.nameSubstring()
	}
	if k.emailPart {
		sq.emailSubstring()
	}
	if k.fuzzy {
		fuzzy = newSearchQuery(creditorID, q, limit)
		if !fuzzy.nameSimilar() {
			fuzzy = nil
		}
	}
	return sq, fuzzy
}

// DebtorsByPhone returns the creditor's debtors with a phone number, for
// the inbound-call pop: number is normalised as the stored numbers are
// (separators dropped, 00 → +, a national 0 → the country's code), so
// "+49 171 2345678", "0049-171-2345678" and "0171/2345678" are one
// number. Sorted by name; at most MaxSearchLimit.
func (s *Store) DebtorsByPhone(ctx context.Context, creditorID int64, number string) (hits []DebtorHit, err error) {
	defer wrap(&err, "DebtorsByPhone(%d, %q)", creditorID, number)
	if !strings.ContainsFunc(number, isDigit) {
		return nil, nil
	}
	sq := newSearchQuery(creditorID, strings.TrimSpace(number), MaxSearchLimit)
	sq.phone()
	err = s.q.SelectContext(ctx, &hits, sq.sql(), sq.args...)
	return hits, err
}

// queryKind says which lookups a search string deserves.
type queryKind struct {
	email     bool // exact email (q has an @)
	emailPart bool // email substring
	phone     bool
	postcode  bool
	name      bool
	fuzzy     bool // similar names, when the rest found nothing
}

func classify(q string) queryKind {
	var k queryKind
	hasLetter := strings.ContainsFunc(q, unicode.IsLetter)
	hasDigit := strings.ContainsFunc(q, isDigit)
	runes := utf8.RuneCountInString(q)

	k.email = strings.Contains(q, "@")
	k.emailPart = k.email && runes >= 3 ||
		hasLetter && runes >= 3 && strings.Contains(q, ".") && !strings.Contains(q, " ")
	k.phone = isPhone(q)
	k.postcode = hasDigit && runes <= 10
	k.name = hasLetter && runes >= 3 && !k.email
	k.fuzzy = k.name && runes >= 4
	return k
}

// isPhone reports whether q is written like a phone number: at least
// six digits and nothing but digits, a leading +, spaces and ( ) / - .
func isPhone(q string) bool {
	digits := 0
	for i, r := range q {
		switch {
		case isDigit(r):
			digits++
		case r == '+' && i == 0:
		case strings.ContainsRune(" ()/-.", r):
		default:
			return false
		}
	}
	return digits >= 6
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// likeEscape makes s match itself literally in a LIKE pattern (whose
// escape character is the backslash).
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// searchQuery assembles a search from fixed SQL branches. User input only
// ever travels as a parameter; the text of the query depends on nothing
// but which branches run (and how many words a name has).
//
// Each branch yields (id, rank, score, matched_on, name): rank orders the
// kinds of match (exact ones first), score orders hits within a rank.
type searchQuery struct {
	branches []string
	args     []any
}

// The first three parameters of every search.
const (
	pCreditor = "$1"
	pQuery    = "$2"
	pLimit    = "$3"
)

func newSearchQuery(creditorID int64, q string, limit int) *searchQuery {
	return &searchQuery{args: []any{creditorID, q, limit}}
}

// arg adds a parameter and returns its placeholder.
func (sq *searchQuery) arg(v any) string {
	sq.args = append(sq.args, v)
	return "$" + strconv.Itoa(len(sq.args))
}

func (sq *searchQuery) add(branch string) {
	sq.branches = append(sq.branches, "("+branch+")")
}

// customerNumber: the unique index on (creditor_id, customer_number).
func (sq *searchQuery) customerNumber() {
	sq.add(`SELECT id, 0 AS rank, 1::real AS score, 'customer_number' AS matched_on, name
		FROM debtors WHERE creditor_id = ` + pCreditor + ` AND customer_number = ` + pQuery)
}

// invoice: the unique index on invoices (creditor_id, number).
func (sq *searchQuery) invoice() {
	sq.add(`SELECT d.id, 1, 1, 'invoice', d.name
		FROM invoices i JOIN debtors d ON d.creditor_id = i.creditor_id AND d.id = i.debtor_id
		WHERE i.creditor_id = ` + pCreditor + ` AND i.number = ` + pQuery)
}

// emailExact: debtors_email_idx (creditor_id, lower(email)).
func (sq *searchQuery) emailExact() {
	sq.add(`SELECT id, 2, 1, 'email', name FROM debtors
		WHERE creditor_id = ` + pCreditor + ` AND lower(email) = lower(` + pQuery + `)
		ORDER BY name, id LIMIT ` + pLimit)
}

// phone: debtors_phone_idx (creditor_id, phone_e164). The number is
// tried as a number of every country settle_e164 knows; it matches a
// debtor when it reads as the debtor's number at home or in the debtor's
// own country.
func (sq *searchQuery) phone() {
	countries := sq.arg(phoneCountries)
	home := sq.arg(homeCountry)
	sq.add(`SELECT id, 3, 1, 'phone', name FROM debtors
		WHERE creditor_id = ` + pCreditor + ` AND phone_e164 <> ''
			AND phone_e164 = ANY (ARRAY(SELECT settle_e164(` + pQuery + `, c) FROM unnest(` + countries + `::text[]) AS c))
			AND (phone_e164 = settle_e164(` + pQuery + `, ` + home + `) OR phone_e164 = settle_e164(` + pQuery + `, country))
		ORDER BY name, id LIMIT ` + pLimit)
}

// postcode: debtors_postcode_idx (creditor_id, postcode).
func (sq *searchQuery) postcode() {
	sq.add(`SELECT id, 4, 1, 'postcode', name FROM debtors
		WHERE creditor_id = ` + pCreditor + ` AND postcode = ` + pQuery + `
		ORDER BY name, id LIMIT ` + pLimit)
}

// nameWords splits a query into at most maxNameWords words.
func nameWords(q string) []string {
	words := strings.Fields(q)
	if len(words) > maxNameWords {
		words = append(words[:maxNameWords-1], strings.Join(words[maxNameWords-1:], " "))
	}
	return words
}

// nameSubstring: debtors_name_trgm_idx, every word a substring of the
// lower-cased name (the index takes the AND of several patterns).
func (sq *searchQuery) nameSubstring() {
	var conds []string
	for _, w := range nameWords(sq.query()) {
		conds = append(conds, `lower(name) LIKE lower(`+sq.arg("%"+likeEscape(w)+"%")+`)`)
	}
	sq.add(`SELECT id, 5, similarity(lower(name), lower(` + pQuery + `)), 'name', name
		FROM (SELECT id, name FROM debtors
			WHERE creditor_id = ` + pCreditor + ` AND ` + strings.Join(conds, " AND ") + `
			LIMIT ` + strconv.Itoa(searchCandidates) + `) AS c
		ORDER BY 3 DESC, id LIMIT ` + pLimit)
}

// emailSubstring: debtors_email_trgm_idx.
func (sq *searchQuery) emailSubstring() {
	pattern := sq.arg("%" + likeEscape(sq.query()) + "%")
	sq.add(`SELECT id, 6, similarity(lower(email), lower(` + pQuery + `)), 'email', name
		FROM (SELECT id, email, name FROM debtors
			WHERE creditor_id = ` + pCreditor + ` AND lower(email) LIKE lower(` + pattern + `)
			LIMIT ` + strconv.Itoa(searchCandidates) + `) AS c
		ORDER BY 3 DESC, id LIMIT ` + pLimit)
}

// nameSimilar: debtors_name_trgm_idx, for typos in one word. One
// branch per word of three or more letters: that word similar to a word
// of the name (pg_trgm's <%, word similarity at least
// pg_trgm.word_similarity_threshold, 0.6 by default), the others
// substrings. A similarity search on a common word ("alexander") reads
// large parts of the index; beside a substring that rules out most
// names, it stays cheap. It reports whether q has such a word.
func (sq *searchQuery) nameSimilar() bool {
	words := nameWords(sq.query())
	patterns := make([]string, len(words)) // placeholders, added when used
	pattern := func(i int) string {
		if patterns[i] == "" {
			patterns[i] = sq.arg("%" + likeEscape(words[i]) + "%")
		}
		return patterns[i]
	}
	n := 0
	for i, w := range words {
		if utf8.RuneCountInString(w) < 3 {
			continue
		}
		conds := []string{`lower(` + sq.arg(w) + `) <% lower(name)`}
		for j := range words {
			if j != i {
				conds = append(conds, `lower(name) LIKE lower(`+pattern(j)+`)`)
			}
		}
		sq.add(`SELECT id, 7, similarity(lower(name), lower(` + pQuery + `)), 'name', name
		FROM (SELECT id, name FROM debtors
			WHERE creditor_id = ` + pCreditor + ` AND ` + strings.Join(conds, " AND ") + `
			LIMIT ` + strconv.Itoa(searchCandidates) + `) AS c
		ORDER BY 3 DESC, id LIMIT ` + pLimit)
		n++
	}
	return n > 0
}

// query returns the search string (the second parameter).
func (sq *searchQuery) query() string { return sq.args[1].(string) }

// sql returns the whole query: the branches, each debtor once for its
// best match, the best limit of them, with their balances.
func (sq *searchQuery) sql() string {
	return `WITH hit (id, rank, score, matched_on, name) AS (
	` + strings.Join(sq.branches, "\n\tUNION ALL\n\t") + `
), best AS (
	SELECT DISTINCT ON (id) id, rank, score, matched_on, name FROM hit
	ORDER BY id, rank, score DESC
), top AS (
	SELECT id, rank, score, matched_on FROM best
	ORDER BY rank, score DESC, name, id LIMIT ` + pLimit + `
)
SELECT d.id, d.customer_number, d.name, d.email, d.phone, d.postcode, d.city,
	COALESCE(l.open_minor, 0) AS open_minor, c.currency, t.matched_on
FROM top t
JOIN debtors d ON d.creditor_id = ` + pCreditor + ` AND d.id = t.id
JOIN creditors c ON c.id = d.creditor_id
LEFT JOIN LATERAL (
	SELECT sum(e.amount_minor) AS open_minor FROM ledger_entries e
	WHERE e.creditor_id = ` + pCreditor + ` AND e.debtor_id = d.id
) l ON true
ORDER BY t.rank, t.score DESC, d.name, d.id`
}
