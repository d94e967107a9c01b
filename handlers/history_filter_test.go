package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/promises"
)

// historyKindsOf lists the data-kind of a history page's entries.
func historyKindsOf(t *testing.T, doc *htmlDoc) []string {
	t.Helper()
	var out []string
	for _, n := range doc.testID("history-entry") {
		k, _ := attr(n, "data-kind")
		out = append(out, k)
	}
	return out
}

// The history's filters each show their kinds only, never an internal
// entry; invoice entries link to their PDF, a statement download to the
// statement of its period, a plan's steps to the plan.
func TestHistoryFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	c.get("/account/invoices/R-1001/pdf")
	c.get("/account/statement?format=csv&from=2026-11-01&to=2026-11-23")
	c.post("/account/promise", url.Values{"amount": {"45,00"}, "date": {"2026-12-03"}})
	add := func(kind, channel string, vis ar.Visibility, data map[string]any) {
		t.Helper()
		if err := h.st.AddInteraction(h.ctx, &ar.Interaction{CreditorID: h.a.ID, DebtorID: h.alice.ID, Kind: kind,
			Channel: channel, Actor: "system", Visibility: vis, Data: data, OccurredAt: h.clock.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	add("call.logged", "phone", ar.VisibleToCustomer, map[string]any{"direction": "inbound", "outcome": "reached"})
	add("call.note", "phone", ar.InternalOnly, map[string]any{"text": "GEHEIME NOTIZ"})
	add("note.added", "", ar.InternalOnly, map[string]any{"text": "INTERNE NOTIZ"})
	add("promise.cancelled", "", ar.InternalOnly, map[string]any{"amount_minor": 100, "date": "2026-12-01"})
	add("plan.approved", "", ar.VisibleToCustomer, map[string]any{"plan": alicePlan, "plan_kind": "deferral", "amount_minor": 1000})
	add(promises.KindReminded, "email", ar.VisibleToCustomer, map[string]any{"amount_minor": 4500, "date": "2026-12-03"})
	add(promises.KindBroken, "", ar.VisibleToCustomer, map[string]any{"amount_minor": 4500, "date": "2026-12-03"})
	add("link.sent", "sms", ar.VisibleToCustomer, map[string]any{"to": "+49 170 ***67"})
	add("payment.booked", "card", ar.VisibleToCustomer, map[string]any{"amount_minor": 2000, "currency": "EUR"})
	add("link.created", "email", ar.VisibleToCustomer, nil) // not on the allow-list

	all := c.get("/account/history").html(t)
	allKinds := historyKindsOf(t, all)
	for _, k := range allKinds {
		if !historyKinds[k] {
			t.Errorf("the history shows %s, which is not on the allow-list", k)
		}
	}
	for _, want := range []string{"invoice.issued", "invoice.copy_downloaded", "statement.downloaded", "link.opened", "promise.made",
		"call.logged", "plan.approved", "promise.reminded", "promise.broken", "link.sent", "payment.booked"} {
		if !strings.Contains(" "+strings.Join(allKinds, " ")+" ", " "+want+" ") {
			t.Errorf("everything: %s missing from %v", want, allKinds)
		}
	}
	if text := all.text(); strings.Contains(text, "NOTIZ") {
		t.Error("an internal note shows in the history")
	}

	want := map[string][]string{
		"payments": {"payment.booked"},
		"invoices": {"invoice.issued", "invoice.copy_downloaded", "statement.downloaded"},
		"messages": {"promise.reminded", "link.sent"},
		"calls":    {"call.logged", "promise.made", "promise.reminded", "promise.broken"},
		"plans":    {"plan.approved"},
		"visits":   {"link.opened"},
	}
	for _, f := range historyFilters {
		res := c.get("/account/history?kind=" + f.Key)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("?kind=%s = %d", f.Key, res.StatusCode)
		}
		doc := res.html(t)
		kinds := historyKindsOf(t, doc)
		seen := map[string]bool{}
		for _, k := range kinds {
			seen[k] = true
			_, allowed := historyFilterKinds(f.Key)
			if !strings.Contains(" "+strings.Join(allowed, " ")+" ", " "+k+" ") {
				t.Errorf("?kind=%s shows %s", f.Key, k)
			}
		}
		for _, k := range want[f.Key] {
			if !seen[k] {
				t.Errorf("?kind=%s lacks %s (shows %v)", f.Key, k, kinds)
			}
		}
		for _, k := range kinds {
			if k == "call.note" || k == "note.added" || k == "promise.cancelled" || k == "link.created" {
				t.Errorf("?kind=%s shows the internal %s", f.Key, k)
			}
		}
		if cur := doc.testID("filter-" + f.Key); len(cur) != 1 {
			t.Errorf("?kind=%s: no filter link", f.Key)
		} else if v, _ := attr(cur[0], "aria-current"); v != "page" {
			t.Errorf("?kind=%s: the filter is not marked current", f.Key)
		}
		checkHeaders(t, "history "+f.Key, res)
	}
	// An unknown filter shows everything.
	if got := historyKindsOf(t, c.get("/account/history?kind=<script>").html(t)); len(got) != len(allKinds) {
		t.Errorf("an unknown filter shows %d entries, everything is %d", len(got), len(allKinds))
	}

	// Documents.
	docs := c.get("/account/history?kind=invoices").html(t)
	pdfs := map[string]bool{}
	for _, a := range docs.testID("doc-invoice-pdf") {
		href, _ := attr(a, "href")
		pdfs[href] = true
	}
	for _, inv := range aliceNumbers {
		if !pdfs["/account/invoices/"+inv+"/pdf"] {
			t.Errorf("no link to %s's PDF in %v", inv, pdfs)
		}
	}
	for href := range pdfs {
		if res := c.get(href); res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("%s = %d %s", href, res.StatusCode, res.Header.Get("Content-Type"))
		}
	}
	if st := docs.testID("doc-statement"); len(st) != 1 {
		t.Errorf("%d statement links", len(st))
	} else if href, _ := attr(st[0], "href"); href != "/account/statement?from=2026-11-01&to=2026-11-23" {
		t.Errorf("statement link %q", href)
	}
	if pl := c.get("/account/history?kind=plans").html(t).testID("doc-plan"); len(pl) != 1 {
		t.Errorf("%d plan links", len(pl))
	} else if href, _ := attr(pl[0], "href"); href != "/account/plans/"+alicePlan {
		t.Errorf("plan link %q", href)
	}
	// How a message went.
	en := c.get("/account/history?kind=messages&lang=en").html(t)
	if !contains(en.text(), h.en().T("history.channel.email")) || !contains(en.text(), h.en().T("history.channel.sms")) {
		t.Error("the messages do not say how they went")
	}
	if !contains(en.text(), h.en().T("history.promise.reminded", "Amount", "€45.00", "Date", "3 Dec 2026")) {
		t.Error("the reminder's text is missing")
	}
}

// A filter with nothing in it says so.
func TestHistoryEmptyFilter(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	doc := c.get("/account/history?kind=plans").html(t)
	if len(doc.testID("history-entry")) != 0 || !contains(doc.testIDText("history-empty"), h.de().T("page.history.empty_filter")) {
		t.Errorf("empty filter: %d entries, %q", len(doc.testID("history-entry")), doc.testIDText("history-empty"))
	}
}
