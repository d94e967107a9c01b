package handlers

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/staff"
)

// A reminder the engine sent shows in the debtor's history (under
// messages, with its channel and the invoice's PDF) and in the staff
// timeline with its stage.
func TestDunningInHistory(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	e := &dunning.Engine{Store: h.st, Portal: h.portal, Text: h.cat, Now: h.clock.Now}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	// R-1001 was due on 15 November: its first reminder (+7, a Sunday)
	// goes on Monday the 23rd.
	rep, err := e.RunCreditor(h.ctx, h.a, time.Date(2026, 11, 23, 12, 0, 0, 0, berlin), false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Actions["reminder/email"] == 0 {
		t.Fatalf("no reminder went out: %+v", rep)
	}
	c := h.steppedUp(h.alice)
	doc := c.get("/account/history?filter=messages").html(t)
	found := false
	for _, n := range doc.testID("history-entry") {
		if k, _ := attr(n, "data-kind"); k != "dunning.reminder" {
			continue
		}
		text := norm(textOf(n))
		links := ""
		for _, a := range (&htmlDoc{root: n}).tag("a") {
			href, _ := attr(a, "href")
			links += href + " "
		}
		if strings.Contains(text, "Mahnung zu Rechnung R-1001") && strings.Contains(text, norm(h.de().T("history.channel.email"))) &&
			strings.Contains(links, "/account/invoices/R-1001/pdf") {
			found = true
		}
	}
	if !found {
		t.Errorf("the history lacks the reminder for R-1001: %s", norm(doc.testIDText("history")))
	}
	agent := h.staffClient(staff.RoleAgent, h.a)
	page := norm(agent.get("/staff/debtors/"+strconv.FormatInt(h.alice.ID, 10), "Accept-Language", "en").html(t).text())
	if !strings.Contains(page, "Dunning, stage reminder-1: reminder for R-1001") {
		t.Errorf("the staff timeline lacks the reminder: %s", page)
	}
}
