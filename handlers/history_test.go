package handlers

import (
	"strings"
	"testing"
)

func TestHistory(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	c.get("/account/invoices/R-1001/pdf") // a download, which the history shows
	doc := c.get("/account/history").html(t)
	text := doc.text()
	for _, want := range []string{
		h.de().T("history.invoice.issued", "Number", "R-1001", "Amount", h.de().Money(h.queryInt64(`SELECT total_minor FROM invoices WHERE number = 'R-1001' AND creditor_id = $1`, h.a.ID), "EUR")),
		h.de().T("history.invoice.copy_downloaded", "Number", "R-1001"),
		h.de().T("history.link.opened"),
	} {
		if !contains(text, want) {
			t.Errorf("history lacks %q", want)
		}
	}
	// Internal entries (links created, step-up attempts) and other
	// debtors' entries never show.
	for _, not := range []string{"R-2001", "R-3001", "link.created", "stepup"} {
		if strings.Contains(text, not) {
			t.Errorf("history shows %q", not)
		}
	}
	if len(doc.testID("history-entry")) < 4 {
		t.Errorf("%d history entries", len(doc.testID("history-entry")))
	}
}

func (h *harness) queryInt64(q string, args ...any) int64 {
	h.t.Helper()
	var n int64
	if err := h.db.Get(&n, q, args...); err != nil {
		h.t.Fatal(err)
	}
	return n
}
