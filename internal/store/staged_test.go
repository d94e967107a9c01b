package store_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// Staged uploads are the staging debtor's only, never used once expired,
// moved into a dispute of that debtor only, and bounded per debtor.
func TestStagedUploads(t *testing.T) {
	w := setup(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	stage := func(creditor, debtor int64, name string, at time.Time) string {
		t.Helper()
		content := []byte("%PDF-1.4 " + name)
		sum := sha256.Sum256(content)
		u := &store.StagedUpload{CreditorID: creditor, DebtorID: debtor, MediaType: "application/pdf", Content: content,
			SHA256: sum[:], FileName: name, CreatedAt: at, ExpiresAt: at.Add(24 * time.Hour)}
		if err := w.st.StageUpload(ctx, u); err != nil {
			t.Fatal(err)
		}
		return u.PublicID
	}
	a1, a2 := stage(w.a, w.alice, "a1.pdf", now), stage(w.a, w.alice, "a2.pdf", now)
	b1 := stage(w.a, w.bob, "b1.pdf", now)
	old := stage(w.a, w.alice, "old.pdf", now.Add(-25*time.Hour))

	list, err := w.st.StagedUploads(ctx, w.a, w.alice, []string{a2, b1, old, a1}, now)
	if err != nil || len(list) != 2 || list[0].PublicID != a2 || list[1].PublicID != a1 || list[0].Size != len("%PDF-1.4 a2.pdf") {
		t.Fatalf("alice's staged uploads: %+v, %v", list, err)
	}
	if list, _ := w.st.StagedUploads(ctx, w.b, w.alice, []string{a1}, now); len(list) != 0 {
		t.Error("another creditor sees alice's staged upload")
	}

	d := &store.Dispute{PublicID: ar.NewPublicID("dsp"), CreditorID: w.a, DebtorID: w.alice, InvoiceID: w.aliceInvoice.ID,
		Reason: ar.ReasonWrongAmount, Currency: "EUR"}
	if err := w.st.CreateDispute(ctx, d); err != nil {
		t.Fatal(err)
	}
	// Bob cannot move alice's files, nor anything into alice's dispute.
	if n, err := w.st.MoveStagedUploads(ctx, w.a, w.bob, []string{a1, b1}, now, d.ID, nil); err != nil || n != 0 {
		t.Errorf("bob moved %d into alice's dispute (%v)", n, err)
	}
	if n, err := w.st.MoveStagedUploads(ctx, w.a, w.alice, []string{a2, old, b1, a1}, now, d.ID, nil); err != nil || n != 2 {
		t.Fatalf("moved %d, %v; want alice's two live ones", n, err)
	}
	files, err := w.st.DisputeAttachments(ctx, w.a, d.ID)
	if err != nil || len(files) != 2 || files[0].FileName != "a2.pdf" || files[1].FileName != "a1.pdf" {
		t.Fatalf("attachments %+v, %v", files, err)
	}
	if list, _ := w.st.StagedUploads(ctx, w.a, w.bob, []string{b1}, now); len(list) != 1 {
		t.Error("bob's staged upload went")
	}

	// The sweep deletes what expired (old), of every debtor.
	if n, err := w.st.DeleteExpiredStagedUploads(ctx, now, 100); err != nil || n != 1 {
		t.Errorf("sweep deleted %d, %v; want 1", n, err)
	}

	// Keeping: the named ones get more time; others beyond the newest n go.
	k1, k2, k3 := stage(w.a, w.alice, "k1.pdf", now.Add(-3*time.Hour)), stage(w.a, w.alice, "k2.pdf", now.Add(-2*time.Hour)),
		stage(w.a, w.alice, "k3.pdf", now.Add(-time.Hour))
	list, err = w.st.KeepStagedUploads(ctx, w.a, w.alice, []string{k1}, now, now.Add(24*time.Hour), 1)
	if err != nil || len(list) != 1 || list[0].PublicID != k1 || !list[0].ExpiresAt.Equal(now.Add(24*time.Hour)) {
		t.Fatalf("kept %+v, %v", list, err)
	}
	if list, _ := w.st.StagedUploads(ctx, w.a, w.alice, []string{k2, k3}, now); len(list) != 1 || list[0].PublicID != k3 {
		t.Errorf("after keeping, the others are %+v; want the newest (k3)", list)
	}
	if list, _ := w.st.StagedUploads(ctx, w.a, w.bob, []string{b1}, now); len(list) != 1 {
		t.Error("keeping alice's files dropped bob's")
	}

	if n, err := w.st.DeleteExpiredStagedUploads(ctx, now.Add(48*time.Hour), 100); err != nil || n != 3 {
		t.Errorf("sweep two days later deleted %d, %v; want 3 (k1, k3, b1)", n, err)
	}
}
