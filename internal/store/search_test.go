package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

// searchWorld: creditor a with a handful of debtors that each match one
// way, and creditor b with a twin of a's Anna (same customer number,
// name, email and phone) that a's searches must never find.
type searchWorld struct {
	st   *store.Store
	a, b int64
	ids  map[string]int64 // a's debtors by customer number
	twin int64            // b's Anna
}

func setupSearch(t *testing.T) *searchWorld {
	t.Helper()
	ctx := context.Background()
	w := &searchWorld{st: store.New(testdb.New(t)), ids: map[string]int64{}}
	creditor := func(slug string) int64 {
		id, err := w.st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: slug, Name: strings.ToUpper(slug),
			PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
			Currency: "EUR", StepUp: ar.StepUpKnowledge, StepUpKnowledge: ar.KnowPostcode}})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	w.a, w.b = creditor("alpha"), creditor("beta")
	anna := ar.Debtor{CustomerNumber: "K-1001", Name: "Anna Schmidt", Email: "Anna.Schmidt@example.org",
		Phone: "+49 171 2345678", Postcode: "10115", City: "Berlin"}
	for _, d := range []ar.Debtor{
		anna,
		{CustomerNumber: "K-1002", Name: "Bernd Müller", Email: "bernd@mueller-bau.de", Phone: "0170/9876543", Postcode: "20095", City: "Hamburg"},
		{CustomerNumber: "K-1003", Name: "Claudia Schmidt-Weber", Email: "cw@example.net", Phone: "0049 (30) 1234-567", Postcode: "80331", City: "München"},
		{CustomerNumber: "K-1004", Name: "Dieter Huber", Phone: "0664 1234567", Postcode: "1010", City: "Wien", Country: "AT"},
		{CustomerNumber: "K-1005", Name: "100% Natur_Kost GmbH", Email: "info@natur_kost.de", Postcode: "50667", City: "Köln"},
		{CustomerNumber: "K-1006", Name: "1000 Natur-Kost Freunde", Email: "info@naturxkost.de", Postcode: "50667", City: "Köln"},
		{CustomerNumber: "K-1007", Name: `Back\slash KG`, Postcode: "01067", City: "Dresden"},
		{CustomerNumber: "K-1008", Name: "Backslash AG", Postcode: "01067", City: "Dresden"},
		{CustomerNumber: "10115", Name: "Zacharias Zahl", Postcode: "04109", City: "Leipzig"},
	} {
		d.CreditorID = w.a
		id, err := w.st.UpsertDebtor(ctx, &d)
		if err != nil {
			t.Fatal(err)
		}
		w.ids[d.CustomerNumber] = id
	}
	twin := anna
	twin.CreditorID = w.b
	var err error
	if w.twin, err = w.st.UpsertDebtor(ctx, &twin); err != nil {
		t.Fatal(err)
	}
	for _, inv := range []*ar.Invoice{
		{CreditorID: w.a, DebtorID: w.ids["K-1002"], Number: "RE-2026-0001", NetMinor: 10000, TaxMinor: 1900, TotalMinor: 11900},
		{CreditorID: w.b, DebtorID: w.twin, Number: "RE-2026-0002", NetMinor: 100, TaxMinor: 19, TotalMinor: 119},
	} {
		inv.IssueDate, inv.DueDate, inv.Currency = day("2026-10-01"), day("2026-10-15"), "EUR"
		if err := w.st.CreateInvoice(ctx, inv); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// search runs SearchDebtors at creditor a and checks that nothing of b
// comes back.
func (w *searchWorld) search(t *testing.T, q string, limit int) []store.DebtorHit {
	t.Helper()
	hits, err := w.st.SearchDebtors(context.Background(), w.a, q, limit)
	if err != nil {
		t.Fatalf("SearchDebtors(%q): %v", q, err)
	}
	seen := map[int64]bool{}
	for _, h := range hits {
		if h.ID == w.twin {
			t.Errorf("SearchDebtors(%q) returned creditor b's debtor", q)
		}
		if seen[h.ID] {
			t.Errorf("SearchDebtors(%q) returned debtor %d twice", q, h.ID)
		}
		seen[h.ID] = true
	}
	return hits
}

func describe(hits []store.DebtorHit) string {
	var b strings.Builder
	for _, h := range hits {
		fmt.Fprintf(&b, "[%s %q by %s] ", h.CustomerNumber, h.Name, h.MatchedOn)
	}
	return b.String()
}

func TestSearchDebtorsEachKind(t *testing.T) {
	w := setupSearch(t)
	for _, c := range []struct {
		q, want, on string
	}{
		{"K-1001", "K-1001", store.MatchCustomerNumber},
		{" K-1003 ", "K-1003", store.MatchCustomerNumber},
		{"RE-2026-0001", "K-1002", store.MatchInvoice},
		{"anna.schmidt@EXAMPLE.org", "K-1001", store.MatchEmail},
		{"schmidt@exa", "K-1001", store.MatchEmail},
		{"@mueller-bau", "K-1002", store.MatchEmail},
		{"anna.schmidt", "K-1001", store.MatchEmail},
		{"+49 171 2345678", "K-1001", store.MatchPhone},
		{"0170 9876543", "K-1002", store.MatchPhone},
		{"20095", "K-1002", store.MatchPostcode},
		{"80331", "K-1003", store.MatchPostcode},
		{"1010", "K-1004", store.MatchPostcode},
		{"Müller", "K-1002", store.MatchName},
		{"MÜLLER", "K-1002", store.MatchName},
		{"bernd", "K-1002", store.MatchName},
		{"Schmidt Anna", "K-1001", store.MatchName},
		{"weber claudia", "K-1003", store.MatchName},
		{"ber mül", "K-1002", store.MatchName},
		{"Bernd Müler", "K-1002", store.MatchName},      // a typo
		{"Anna Schmitd", "K-1001", store.MatchName},     // a typo
		{"Dieter Hubert", "K-1004", store.MatchName},    // a longer word
		{"Zacharias", "10115", store.MatchName},         // digits-only customer number, found by name
		{"uber", "K-1004", store.MatchName},             // a fragment inside a word
		{"Huber Dieter", "K-1004", store.MatchName},     // words in any order
		{"Natur_Kost", "K-1005", store.MatchName},       // _ is no wildcard
		{"100% natur", "K-1005", store.MatchName},       // nor is %
		{`back\slash`, "K-1007", store.MatchName},       // nor \ an escape
		{"info@natur_kost", "K-1005", store.MatchEmail}, // _ in an email
	} {
		hits := w.search(t, c.q, 10)
		if len(hits) == 0 || hits[0].ID != w.ids[c.want] || hits[0].MatchedOn != c.on {
			t.Errorf("SearchDebtors(%q) = %s, want %s by %s first", c.q, describe(hits), c.want, c.on)
		}
	}
}

func TestSearchDebtorsWildcardsAreLiteral(t *testing.T) {
	w := setupSearch(t)
	// Read as LIKE patterns, the queries with an answer would also match
	// its look-alike (given in the comment); the others would match
	// everyone.
	for q, want := range map[string]string{
		"100% natur_kost": "K-1005", // not "1000 Natur-Kost Freunde"
		"natur_kost":      "K-1005",
		"info@natur_kost": "K-1005", // not info@naturxkost.de
		`back\slash`:      "K-1007", // not "Backslash AG"
		`Back\slash KG`:   "K-1007",
		"%%":              "",
		"__":              "",
		`\\`:              "",
	} {
		hits := w.search(t, q, 10)
		if want == "" && len(hits) != 0 || want != "" && (len(hits) != 1 || hits[0].CustomerNumber != want) {
			t.Errorf("SearchDebtors(%q) = %s, want only %q", q, describe(hits), want)
		}
	}
}

func TestSearchDebtorsPhoneVariants(t *testing.T) {
	ctx := context.Background()
	w := setupSearch(t)
	for _, c := range []struct{ q, want string }{
		{"+49 171 2345678", "K-1001"},
		{"+491712345678", "K-1001"},
		{"0171 2345678", "K-1001"},
		{"0049-171-2345678", "K-1001"},
		{"0171/2345678", "K-1001"},
		{"(0171) 234 56 78", "K-1001"},
		{"0171.234.56.78", "K-1001"},
		{"+49 30 1234567", "K-1003"}, // stored as "0049 (30) 1234-567"
		{"030 1234567", "K-1003"},
		{"030/123 45 67", "K-1003"},
		// An Austrian debtor's national number reads as +43…, however typed.
		{"+43 664 1234567", "K-1004"},
		{"0043 664 1234567", "K-1004"},
		{"0664 1234567", "K-1004"},
		{"0664/1234567", "K-1004"},
	} {
		hits := w.search(t, c.q, 10)
		if len(hits) != 1 || hits[0].CustomerNumber != c.want || hits[0].MatchedOn != store.MatchPhone {
			t.Errorf("SearchDebtors(%q) = %s, want %s by phone", c.q, describe(hits), c.want)
		}
		pop, err := w.st.DebtorsByPhone(ctx, w.a, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if len(pop) != 1 || pop[0].CustomerNumber != c.want {
			t.Errorf("DebtorsByPhone(%q) = %s, want %s", c.q, describe(pop), c.want)
		}
	}
	// The same number as a German one is someone else's (nobody's).
	for _, q := range []string{"+49 664 1234567", "0049 664 1234567", "+43 171 2345678", "171 2345678"} {
		if hits := w.search(t, q, 10); len(hits) != 0 {
			t.Errorf("SearchDebtors(%q) = %s, want nothing", q, describe(hits))
		}
		if pop, err := w.st.DebtorsByPhone(ctx, w.a, q); err != nil || len(pop) != 0 {
			t.Errorf("DebtorsByPhone(%q) = %s, %v; want nothing", q, describe(pop), err)
		}
	}
	// The call pop at b finds b's twin, not a's Anna.
	pop, err := w.st.DebtorsByPhone(ctx, w.b, "0171 2345678")
	if err != nil || len(pop) != 1 || pop[0].ID != w.twin {
		t.Errorf("DebtorsByPhone at b = %s, %v; want b's Anna only", describe(pop), err)
	}
	for _, q := range []string{"", "   ", "unbekannt", "+"} {
		if pop, err := w.st.DebtorsByPhone(ctx, w.a, q); err != nil || pop != nil {
			t.Errorf("DebtorsByPhone(%q) = %v, %v; want nil", q, pop, err)
		}
	}
}

func TestSearchDebtorsScopedToCreditor(t *testing.T) {
	ctx := context.Background()
	w := setupSearch(t)
	// Every way of finding a's Anna finds b's twin at b, and only there.
	for _, q := range []string{"K-1001", "Anna Schmidt", "schmidt", "anna.schmidt@example.org", "@example",
		"0171 2345678", "10115", "RE-2026-0002", "Anna Schmitd"} {
		hits, err := w.st.SearchDebtors(ctx, w.b, q, 50)
		if err != nil {
			t.Fatal(err)
		}
		if len(hits) != 1 || hits[0].ID != w.twin {
			t.Errorf("SearchDebtors(b, %q) = %s, want b's Anna only", q, describe(hits))
		}
		w.search(t, q, 50) // fails on b's debtor
	}
	// b's invoice number finds nothing at a.
	if hits := w.search(t, "RE-2026-0002", 10); len(hits) != 0 {
		t.Errorf("b's invoice number at a = %s", describe(hits))
	}
	// A creditor without debtors finds nothing.
	if hits, err := w.st.SearchDebtors(ctx, w.b+1000, "K-1001", 10); err != nil || len(hits) != 0 {
		t.Errorf("unknown creditor: %s, %v", describe(hits), err)
	}
}

func TestSearchDebtorsRanking(t *testing.T) {
	w := setupSearch(t)
	// "10115" is one debtor's customer number and Anna's postcode: the
	// exact customer number comes first.
	hits := w.search(t, "10115", 10)
	if len(hits) != 2 || hits[0].CustomerNumber != "10115" || hits[0].MatchedOn != store.MatchCustomerNumber ||
		hits[1].CustomerNumber != "K-1001" || hits[1].MatchedOn != store.MatchPostcode {
		t.Errorf(`SearchDebtors("10115") = %s`, describe(hits))
	}
	// The closer name first.
	hits = w.search(t, "schmidt", 10)
	if len(hits) != 2 || hits[0].CustomerNumber != "K-1001" || hits[1].CustomerNumber != "K-1003" {
		t.Errorf(`SearchDebtors("schmidt") = %s, want Anna Schmidt, then Claudia Schmidt-Weber`, describe(hits))
	}
	// Found by exact email and as a substring of it: once, as exact.
	hits = w.search(t, "Anna.Schmidt@example.org", 10)
	if len(hits) != 1 || hits[0].MatchedOn != store.MatchEmail {
		t.Errorf("exact email = %s", describe(hits))
	}
	// An exact email before substrings of others.
	hits = w.search(t, "cw@example.net", 10)
	if len(hits) != 1 || hits[0].CustomerNumber != "K-1003" {
		t.Errorf("cw@example.net = %s", describe(hits))
	}
}

func TestSearchDebtorsBalance(t *testing.T) {
	ctx := context.Background()
	w := setupSearch(t)
	bernd := w.ids["K-1002"]
	inv, err := w.st.Invoice(ctx, w.a, bernd, "RE-2026-0001")
	if err != nil {
		t.Fatal(err)
	}
	if err := w.st.BookPayment(ctx, w.a, bernd, inv.ID, 1900, "EUR", day("2026-10-10"), "SEPA"); err != nil {
		t.Fatal(err)
	}
	hits := w.search(t, "RE-2026-0001", 10)
	if len(hits) != 1 {
		t.Fatalf("hits = %s", describe(hits))
	}
	h := hits[0]
	want := store.DebtorHit{ID: bernd, CustomerNumber: "K-1002", Name: "Bernd Müller", Email: "bernd@mueller-bau.de",
		Phone: "0170/9876543", Postcode: "20095", City: "Hamburg", OpenMinor: 10000, Currency: "EUR", MatchedOn: store.MatchInvoice}
	if h != want {
		t.Errorf("hit = %+v, want %+v", h, want)
	}
	// Without ledger entries the balance is zero.
	if hits := w.search(t, "K-1001", 10); len(hits) != 1 || hits[0].OpenMinor != 0 || hits[0].Currency != "EUR" {
		t.Errorf("Anna = %+v", hits)
	}
}

func TestSearchDebtorsShortQueryAndLimit(t *testing.T) {
	ctx := context.Background()
	w := setupSearch(t)
	for _, q := range []string{"", " ", "K", " 1 ", "ü"} {
		if hits := w.search(t, q, 10); hits != nil {
			t.Errorf("SearchDebtors(%q) = %s, want nil", q, describe(hits))
		}
	}
	for i := range 60 {
		if _, err := w.st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: w.a, CustomerNumber: fmt.Sprintf("P-%02d", i),
			Name: fmt.Sprintf("Postfach %02d", i), Postcode: "99999"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ limit, want int }{{5, 5}, {50, 50}, {51, 50}, {1000, 50}, {0, 50}, {-1, 50}} {
		if hits := w.search(t, "99999", c.limit); len(hits) != c.want {
			t.Errorf("limit %d: %d hits, want %d", c.limit, len(hits), c.want)
		}
		if hits := w.search(t, "postfach", c.limit); len(hits) != c.want {
			t.Errorf("limit %d: %d name hits, want %d", c.limit, len(hits), c.want)
		}
	}
	// Postcode hits come in name order.
	hits := w.search(t, "99999", 3)
	if describe(hits) != `[P-00 "Postfach 00" by postcode] [P-01 "Postfach 01" by postcode] [P-02 "Postfach 02" by postcode] ` {
		t.Errorf("postcode order = %s", describe(hits))
	}
}

// TestSettleE164 pins the phone normalisation shared by the generated
// column debtors.phone_e164 and every search.
func TestSettleE164(t *testing.T) {
	db := testdb.New(t)
	for _, c := range []struct {
		phone   *string
		country string
		want    string
	}{
		{ptr("+49 171 2345678"), "DE", "+491712345678"},
		{ptr("0171 2345678"), "DE", "+491712345678"},
		{ptr("0049-171-2345678"), "DE", "+491712345678"},
		{ptr("+49 (0) 171 2345678"), "DE", "+491712345678"},
		{ptr("0171 (0)2345678"), "DE", "+491712345678"},
		{ptr("0171/234 56 78"), "DE", "+491712345678"},
		{ptr("(0171) 2345678"), "DE", "+491712345678"},
		{ptr("0171.2345678"), "DE", "+491712345678"},
		{ptr("+49 171 2345678"), "AT", "+491712345678"}, // international wins over the country
		{ptr("0664 1234567"), "AT", "+436641234567"},
		{ptr("0664 1234567"), "at", "+436641234567"},
		{ptr("0043 664 1234567"), "DE", "+436641234567"},
		{ptr("079 123 45 67"), "CH", "+41791234567"},
		{ptr("06 12345678"), "NL", "+31612345678"},
		{ptr("020 7946 0958"), "GB", "+442079460958"},
		{ptr("0171 2345678"), "", "+491712345678"},   // unknown country: German
		{ptr("0171 2345678"), "US", "+491712345678"}, // likewise
		{ptr("+49 +171"), "DE", "+49171"},            // a stray + goes
		{ptr("1712345678"), "DE", "1712345678"},      // no prefix: left alone
		{ptr("Tel. 0171-2345678"), "DE", "+491712345678"},
		{ptr("keine Angabe"), "DE", ""},
		{ptr(""), "DE", ""},
		{nil, "DE", ""},
	} {
		var got string
		if err := db.Get(&got, `SELECT settle_e164($1, $2)`, c.phone, c.country); err != nil {
			t.Fatal(err)
		}
		if got != c.want {
			p := "NULL"
			if c.phone != nil {
				p = *c.phone
			}
			t.Errorf("settle_e164(%q, %q) = %q, want %q", p, c.country, got, c.want)
		}
	}
}

func ptr[T any](v T) *T { return &v }
