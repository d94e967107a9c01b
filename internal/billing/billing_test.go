package billing_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }

func TestParseQuantity(t *testing.T) {
	for in, want := range map[string]int64{"1": 1000, "1.5": 1500, "0.001": 1, "12": 12000, "-2.25": -2250, "007": 7000} {
		if got, ok := billing.ParseQuantity(in); !ok || got != want {
			t.Errorf("ParseQuantity(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "1.2345", "1e3", "abc", ".5", "1,5", "9999999999"} {
		if _, ok := billing.ParseQuantity(bad); ok {
			t.Errorf("ParseQuantity(%q) accepted", bad)
		}
	}
}

func TestNormalizePhone(t *testing.T) {
	for in, want := range map[string]string{
		"0151 2345 6789":    "+4915123456789",
		"+49 (151) 2345-67": "+49151234567",
		"0049 30 123456":    "+4930123456",
		"+44 20 7946 0958":  "+442079460958",
		"call me":           "",
		"12345":             "",
		"+49 1":             "",
	} {
		if got := billing.NormalizePhone(in); got != want {
			t.Errorf("NormalizePhone(%q) = %q, want %q", in, got, want)
		}
	}
}

func i64(n int64) *int64 { return &n }
func bp(n int) *int      { return &n }

func TestInvoiceValidation(t *testing.T) {
	base := func() billing.InvoiceInput {
		return billing.InvoiceInput{CustomerNumber: "1", IssueDate: "2026-11-01", DueDate: "2026-11-15", Currency: "EUR",
			Lines:    []billing.LineInput{{Description: "Tarif", Quantity: json.Number("1"), UnitPriceMinor: i64(2520), TaxRateBP: bp(1900)}},
			NetMinor: i64(2520), TaxMinor: i64(479), TotalMinor: i64(2999)}
	}
	if inv, err := base().Invoice(1, "R-1"); err != nil || inv.TotalMinor != 2999 || inv.Lines[0].TaxMinor != 479 {
		t.Fatalf("valid invoice: %+v %v", inv, err)
	}
	cases := map[string]struct {
		mutate func(*billing.InvoiceInput)
		field  string
	}{
		"due before issue": {func(in *billing.InvoiceInput) { in.DueDate = "2026-10-01" }, "due_date"},
		"bad currency":     {func(in *billing.InvoiceInput) { in.Currency = "euro" }, "currency"},
		"total not sum":    {func(in *billing.InvoiceInput) { in.TotalMinor = i64(3000) }, "total_minor"},
		"tax off by one":   {func(in *billing.InvoiceInput) { in.TaxMinor, in.TotalMinor = i64(480), i64(3000) }, "tax_minor"},
		"line mismatch":    {func(in *billing.InvoiceInput) { in.Lines[0].NetMinor = i64(2500) }, "lines[0].net_minor"},
		"bad quantity":     {func(in *billing.InvoiceInput) { in.Lines[0].Quantity = "1.2345" }, "lines[0].quantity"},
		"tax rate range":   {func(in *billing.InvoiceInput) { in.Lines[0].TaxRateBP = bp(19000) }, "lines[0].tax_rate_bp"},
		"missing total":    {func(in *billing.InvoiceInput) { in.TotalMinor = nil }, "total_minor"},
		"control chars":    {func(in *billing.InvoiceInput) { in.Description = "a\x00b" }, "description"},
	}
	for name, c := range cases {
		in := base()
		c.mutate(&in)
		_, err := in.Invoice(1, "R-1")
		var v ar.Invalids
		found := false
		if e, ok := err.(ar.Invalids); ok {
			v = e
			for _, fe := range v {
				found = found || fe.Field == c.field
			}
		}
		if !found {
			t.Errorf("%s: error %v lacks field %s", name, err, c.field)
		}
	}
	if _, err := base().Invoice(1, "bad number!"); err == nil {
		t.Error("invalid invoice number accepted")
	}
}

func setup(t testing.TB) (*billing.Service, *ar.Creditor) {
	st := store.New(testdb.New(t))
	ctx := context.Background()
	id, err := st.CreateCreditor(ctx, store.NewCreditor{Creditor: ar.Creditor{Slug: "batch", Name: "Batch",
		PrimaryColor: "#123456", AccentColor: "#654321", DefaultLanguage: "de", Timezone: "Europe/Berlin",
		Currency: "EUR", StepUp: ar.StepUpNone, StepUpKnowledge: ar.KnowPostcode}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if _, err := st.UpsertDebtor(ctx, &ar.Debtor{CreditorID: id, CustomerNumber: fmt.Sprint(i), Name: "D"}); err != nil {
			t.Fatal(err)
		}
	}
	c, _ := st.Creditor(ctx, id)
	return &billing.Service{Store: st}, c
}

func batch(from, n int) []billing.BatchItem {
	items := make([]billing.BatchItem, n)
	for i := range items {
		k := from + i
		items[i] = billing.BatchItem{InvoiceNumber: fmt.Sprintf("B-%07d", k), InvoiceInput: billing.InvoiceInput{
			CustomerNumber: fmt.Sprint(k % 100), IssueDate: "2026-11-01", DueDate: "2026-11-15", Currency: "EUR",
			Lines: []billing.LineInput{
				{Description: "Grundgebühr", Quantity: "1", UnitPriceMinor: i64(2520), TaxRateBP: bp(1900)},
				{Description: "Verbindungen", Quantity: "12", UnitPriceMinor: i64(19), TaxRateBP: bp(1900)},
			},
			NetMinor: i64(2748), TaxMinor: i64(522), TotalMinor: i64(3270)}}
	}
	return items
}

func TestBatchIsOneTransactionPerCall(t *testing.T) {
	svc, c := setup(t)
	items := batch(0, 5)
	items[3].TotalMinor = i64(1) // invalid
	res, err := svc.PutInvoices(context.Background(), c, items)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		if (i == 3) != (r.Err != nil) {
			t.Errorf("item %d: %v", i, r.Err)
		}
	}
	var n int
	svc.Store.DB().Get(&n, `SELECT count(*) FROM invoices`)
	if n != 4 {
		t.Errorf("%d invoices stored, want 4", n)
	}
}

// BenchmarkInvoiceBatch loads 10,000 invoices in batches of 1,000 and
// reports invoices per second (go test -run x -bench InvoiceBatch
// ./internal/billing).
func BenchmarkInvoiceBatch(b *testing.B) {
	svc, c := setup(b)
	ctx := context.Background()
	b.ResetTimer()
	start := time.Now()
	total := 0
	for i := 0; i < b.N; i++ {
		for k := 0; k < 10; k++ {
			res, err := svc.PutInvoices(ctx, c, batch(total, 1000))
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if r.Err != nil {
					b.Fatal(r.Err)
				}
			}
			total += 1000
		}
	}
	b.ReportMetric(float64(total)/time.Since(start).Seconds(), "invoices/s")
}
