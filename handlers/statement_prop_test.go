package handlers

import (
	"encoding/csv"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/views"
)

// Statement arithmetic for random ledgers: opening + entries = closing,
// and the CSV parses back to the same numbers in both locales.
func TestStatementArithmeticAndCSV(t *testing.T) {
	h := newHarness(t)
	rng := rand.New(rand.NewPCG(7, 11))
	for round := 0; round < 50; round++ {
		vm := views.StatementVM{Currency: "EUR", From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)}
		vm.OpeningMinor = rng.Int64N(200000) - 100000
		bal := vm.OpeningMinor
		var sum int64
		for i := 0; i < rng.IntN(40); i++ {
			amt := rng.Int64N(500000) - 250000
			bal += amt
			sum += amt
			vm.Lines = append(vm.Lines, views.StatementLine{Date: vm.From.AddDate(0, 0, i), Kind: []string{"invoice", "payment", "fee", "credit_note"}[i%4],
				AmountMinor: amt, BalanceMinor: bal, Reference: "ref;" + strconv.Itoa(i)})
		}
		vm.ClosingMinor = bal
		if vm.OpeningMinor+sum != vm.ClosingMinor {
			t.Fatalf("round %d: opening + entries != closing", round)
		}
		for _, lang := range []string{"de", "en"} {
			loc := h.cat.Locale(lang)
			r := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(statementCSV(loc, vm)), "\ufeff")))
			if lang == "de" {
				r.Comma = ';'
			}
			rows, err := r.ReadAll()
			if err != nil {
				t.Fatalf("%s csv: %v", lang, err)
			}
			parse := func(s string) int64 {
				s = strings.Replace(strings.Replace(s, ",", ".", 1), ".", "", 1)
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					t.Fatalf("%s: amount %q", lang, s)
				}
				return n
			}
			if len(rows) != len(vm.Lines)+3 {
				t.Fatalf("%s: %d rows for %d entries", lang, len(rows), len(vm.Lines))
			}
			got := parse(rows[1][5])
			for i, l := range vm.Lines {
				row := rows[i+2]
				got += parse(row[4])
				if parse(row[4]) != l.AmountMinor || parse(row[5]) != l.BalanceMinor || got != l.BalanceMinor {
					t.Fatalf("%s round %d line %d: %v", lang, round, i, row)
				}
			}
			if parse(rows[len(rows)-1][5]) != vm.ClosingMinor {
				t.Fatalf("%s: closing %v", lang, rows[len(rows)-1])
			}
		}
	}
}
