package store_test

import (
	"context"
	"testing"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// What a dispute holds out of dunning: its amount while it is live, never
// more than the invoice still has open, nothing once it is decided; one
// live dispute per invoice; everything scoped to the creditor.
func TestDisputeHold(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	inv := w.aliceInvoice // 29.99 open
	d := &store.Dispute{PublicID: ar.NewPublicID("dsp"), CreditorID: w.a, DebtorID: w.alice, InvoiceID: inv.ID,
		Lines: pq.Int64Array{1}, Reason: ar.ReasonWrongAmount, DisputedMinor: 2000, Currency: "EUR"}
	if err := w.st.CreateDispute(ctx, d); err != nil {
		t.Fatal(err)
	}
	held := func(creditor int64) int64 {
		t.Helper()
		n, err := w.st.DisputedMinor(ctx, creditor, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := held(w.a); n != 2000 {
		t.Errorf("held %d, want 2000", n)
	}
	if n := held(w.b); n != 0 {
		t.Errorf("another creditor sees %d held", n)
	}
	if ok, _ := w.st.HeldByDispute(ctx, w.b, inv.ID); ok {
		t.Error("another creditor's invoice is held")
	}
	// A payment leaves 9.99 open: no more than that is held.
	if err := w.st.BookPayment(ctx, w.a, w.alice, inv.ID, 2000, "EUR", day("2026-10-10"), "part"); err != nil {
		t.Fatal(err)
	}
	if n := held(w.a); n != inv.TotalMinor-2000 {
		t.Errorf("held %d after a payment, want %d", n, inv.TotalMinor-2000)
	}
	holds, err := w.st.DisputeHolds(ctx, w.a, w.alice)
	if err != nil || holds[inv.ID].HeldMinor != inv.TotalMinor-2000 || holds[inv.ID].PublicID != d.PublicID {
		t.Errorf("DisputeHolds = %+v, %v", holds, err)
	}
	if holds, _ := w.st.DisputeHolds(ctx, w.a, w.bob); len(holds) != 0 {
		t.Errorf("bob's holds: %+v", holds)
	}

	second := &store.Dispute{PublicID: ar.NewPublicID("dsp"), CreditorID: w.a, DebtorID: w.alice, InvoiceID: inv.ID,
		Reason: ar.ReasonOther, Currency: "EUR"}
	if err := w.st.CreateDispute(ctx, second); ar.ErrorCode(err) != ar.Conflict {
		t.Errorf("a second live dispute: %v, want a conflict", err)
	}
	if _, err := w.st.DisputeByPublicID(ctx, w.a, w.bob, d.PublicID); !ar.IsNotFound(err) {
		t.Errorf("bob reads alice's dispute: %v", err)
	}
	if _, err := w.st.Dispute(ctx, w.b, d.ID, false); !ar.IsNotFound(err) {
		t.Errorf("creditor b reads a's dispute: %v", err)
	}

	if err := w.st.SetDisputeStatus(ctx, d, ar.DisputeRejected, day("2026-11-01")); err != nil {
		t.Fatal(err)
	}
	if n := held(w.a); n != 0 {
		t.Errorf("a decided dispute holds %d", n)
	}
	if ok, _ := w.st.HeldByDispute(ctx, w.a, inv.ID); ok {
		t.Error("a decided dispute holds the invoice")
	}
	if err := w.st.CreateDispute(ctx, second); err != nil {
		t.Errorf("a new dispute after the first was decided: %v", err)
	}
}

// A creditor's reasons: the standard ones until it sets its own, in its
// order.
func TestDisputeReasons(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	list, err := w.st.DisputeReasons(ctx, w.a)
	if err != nil || len(list) != len(ar.StandardDisputeReasons) || list[0].Code != ar.ReasonWrongAmount {
		t.Fatalf("defaults: %+v, %v", list, err)
	}
	own := []ar.DisputeReason{{Code: "roaming", Label: "Roaming-Kosten"}, {Code: ar.ReasonAlreadyPaid}, {Code: ar.ReasonOther}}
	if err := w.st.SaveDisputeReasons(ctx, w.a, own); err != nil {
		t.Fatal(err)
	}
	list, err = w.st.DisputeReasons(ctx, w.a)
	if err != nil || len(list) != 3 || list[0] != own[0] || list[2].Code != ar.ReasonOther {
		t.Errorf("own reasons: %+v, %v", list, err)
	}
	if list, _ := w.st.DisputeReasons(ctx, w.b); len(list) != len(ar.StandardDisputeReasons) {
		t.Errorf("creditor b got a's reasons: %+v", list)
	}
	if err := w.st.SaveDisputeReasons(ctx, w.a, []ar.DisputeReason{{Code: "Not A Code"}}); err == nil {
		t.Error("a reason code with spaces was saved")
	}
}
