package store_test

import (
	"context"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// A credit note by its number: the invoice it credits and what that had
// open right after it (later payments do not change it), on the account
// without an invoice; another debtor's or creditor's number is not found;
// the statement names each entry's document.
func TestCreditNoteByNumber(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	inv := w.aliceInvoice
	id := inv.ID
	cn := &store.CreditNote{CreditorID: w.a, DebtorID: w.alice, Number: "GS-1", InvoiceID: &id, AmountMinor: 999,
		Currency: "EUR", Reason: "Kulanz", IssueDate: day("2026-10-05")}
	if err := w.st.CreateCreditNote(ctx, cn); err != nil {
		t.Fatal(err)
	}
	if err := w.st.BookPayment(ctx, w.a, w.alice, inv.ID, 1000, "EUR", day("2026-10-10"), "Überweisung 4711"); err != nil {
		t.Fatal(err)
	}
	got, err := w.st.CreditNoteByNumber(ctx, w.a, w.alice, "GS-1")
	if err != nil {
		t.Fatal(err)
	}
	if got.InvoiceNumber != inv.Number || got.OpenAfterMinor == nil || *got.OpenAfterMinor != inv.TotalMinor-999 ||
		got.AmountMinor != 999 || got.Reason != "Kulanz" {
		t.Errorf("CreditNoteByNumber = %+v (open after %v), want invoice %s, open %d", got, got.OpenAfterMinor, inv.Number, inv.TotalMinor-999)
	}
	if err := w.st.CreateCreditNote(ctx, &store.CreditNote{CreditorID: w.a, DebtorID: w.alice, Number: "GS-2", AmountMinor: 100,
		Currency: "EUR", IssueDate: day("2026-10-06")}); err != nil {
		t.Fatal(err)
	}
	if got, err := w.st.CreditNoteByNumber(ctx, w.a, w.alice, "GS-2"); err != nil || got.InvoiceNumber != "" || got.OpenAfterMinor != nil {
		t.Errorf("on the account: %+v, %v", got, err)
	}
	for _, c := range []struct{ creditor, debtor int64 }{{w.a, w.bob}, {w.b, w.alice}} {
		if _, err := w.st.CreditNoteByNumber(ctx, c.creditor, c.debtor, "GS-1"); !ar.IsNotFound(err) {
			t.Errorf("creditor %d, debtor %d reads GS-1: %v", c.creditor, c.debtor, err)
		}
	}
	_, lines, err := w.st.Statement(ctx, w.a, w.alice, day("2026-01-01"), day("2026-12-31"))
	if err != nil {
		t.Fatal(err)
	}
	docs := map[string]string{}
	for _, l := range lines {
		docs[l.Kind+" "+l.Document] = l.InvoiceNumber
	}
	for _, want := range []string{"invoice " + inv.Number, "credit_note GS-1", "credit_note GS-2", "payment Überweisung 4711"} {
		if _, ok := docs[want]; !ok {
			t.Errorf("statement lacks %q: %v", want, docs)
		}
	}
}
