package handlers

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/staff"
)

// runDunning runs the real dunning engine for a creditor at a wall time
// in Berlin ("2006-01-02 15:04").
func (h *harness) runDunning(c *ar.Creditor, at string) *dunning.Report {
	h.t.Helper()
	berlin, _ := time.LoadLocation("Europe/Berlin")
	when, err := time.ParseInLocation("2006-01-02 15:04", at, berlin)
	if err != nil {
		h.t.Fatal(err)
	}
	e := &dunning.Engine{Store: h.st, Portal: h.portal, Text: h.cat, Log: h.log, Now: h.clock.Now}
	rep, err := e.RunCreditor(h.ctx, c, when, false)
	if err != nil {
		h.t.Fatal(err)
	}
	return rep
}

// addLetters lets the engine leave a final notice by letter for alice
// (R-1001, due 15 Nov: the standard policy's final notice on Mon 14 Dec)
// and, at creditor B, for carol; it returns the newest letter's id.
func (h *harness) addLetters() int64 {
	h.t.Helper()
	if _, err := h.db.Exec(`UPDATE debtors SET street = 'Elbchaussee 1' WHERE id = $1`, h.carol.ID); err != nil {
		h.t.Fatal(err)
	}
	// A final notice needs a reminder before it, three weeks earlier.
	h.runDunning(h.a, "2026-11-23 10:00")
	h.runDunning(h.a, "2026-12-14 10:00")
	for _, at := range []string{"2026-11-23 10:00", "2026-11-30 10:00", "2026-12-07 10:00", "2026-12-14 10:00",
		"2026-12-21 10:00", "2026-12-28 10:00", "2027-01-04 10:00"} {
		h.runDunning(h.b, at)
	}
	return h.queryInt64(`SELECT COALESCE(max(id), 0) FROM messages WHERE status = 'to_print'`)
}

// lettersPDFPath is the download of the letters, with letters to print.
func (h *harness) lettersPDFPath() string {
	return "/staff/outbox/letters/pdf?upto=" + strconv.FormatInt(h.addLetters(), 10)
}

// letterPath is the PDF of creditor A's letter (made by the engine).
func (h *harness) letterPath() string {
	h.t.Helper()
	q := `SELECT COALESCE(max(id), 0) FROM messages WHERE creditor_id = $1 AND channel = 'letter'`
	id := h.queryInt64(q, h.a.ID)
	if id == 0 {
		h.addLetters()
		id = h.queryInt64(q, h.a.ID)
	}
	return "/staff/outbox/" + strconv.FormatInt(id, 10) + "/pdf"
}

// letterIDs are the ids of a letter at creditor A and one at B.
func (h *harness) letterIDs() [2]string {
	h.t.Helper()
	h.letterPath()
	var ids [2]string
	for i, c := range []*ar.Creditor{h.a, h.b} {
		ids[i] = (strconv.FormatInt(h.queryInt64(`SELECT max(id) FROM messages WHERE creditor_id = $1 AND channel = 'letter'`, c.ID), 10))
	}
	return ids
}

// TestStaffLetters: admins see the letters waiting for print on the
// outbox, download them as one PDF (changing nothing) and mark them as
// posted (audited); other roles get 403, and creditor B's letters are
// never touched by creditor A's staff.
func TestStaffLetters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	newest := h.addLetters()
	toPrint := func(c *ar.Creditor) int {
		return h.queryInt(`SELECT count(*) FROM messages WHERE creditor_id = $1 AND channel = 'letter' AND status = 'to_print'`, c.ID)
	}
	if toPrint(h.a) != 1 || toPrint(h.b) != 1 {
		t.Fatalf("letters to print: A %d, B %d; want one each", toPrint(h.a), toPrint(h.b))
	}
	admin := h.staffClient(staff.RoleAdmin, h.a)
	arClerk := h.staffClient(staff.RoleAR, h.a)
	agent := h.staffClient(staff.RoleAgent, h.a)

	page := admin.get("/staff/outbox")
	doc := page.html(t)
	if card := doc.testIDText("letters-card"); !strings.Contains(card, "Briefe zum Drucken (1)") || len(doc.testID("letters-download")) != 1 {
		t.Errorf("German letters card: %q", card)
	}
	if card := admin.get("/staff/outbox", "Accept-Language", "en").html(t).testIDText("letters-card"); !strings.Contains(card, "Letters to print (1)") ||
		!strings.Contains(card, "Mark as posted") {
		t.Errorf("English letters card: %q", card)
	}
	for _, c := range []*tclient{arClerk, agent} {
		if res := c.get("/staff/outbox"); res.StatusCode != http.StatusOK || len(res.html(t).testID("letters-card")) != 0 {
			t.Errorf("outbox for non-admins = %d, shows the letters card", res.StatusCode)
		}
	}

	path := "/staff/outbox/letters/pdf?upto=" + strconv.FormatInt(newest, 10)
	for _, c := range []*tclient{arClerk, agent} {
		if res := c.get(path); res.StatusCode != http.StatusForbidden {
			t.Errorf("download by a non-admin = %d, want 403", res.StatusCode)
		}
		if res := c.post("/staff/outbox/letters/posted", url.Values{"upto": {strconv.FormatInt(newest, 10)}}); res.StatusCode != http.StatusForbidden {
			t.Errorf("mark as posted by a non-admin = %d, want 403", res.StatusCode)
		}
	}
	res := admin.get(path)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(res.Header.Get("Content-Disposition"), `attachment; filename="Letters-`) || !strings.HasPrefix(res.body, "%PDF-") {
		t.Fatalf("download = %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
	}
	if pdftotext, err := exec.LookPath("pdftotext"); err == nil {
		file := filepath.Join(t.TempDir(), "letters.pdf")
		os.WriteFile(file, []byte(res.body), 0o644)
		out, err := exec.Command(pdftotext, "-layout", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		text := string(out)
		for _, want := range []string{"Letzte Mahnung", aliceName, "Amselweg 1", "Rechnung Nr. R-1001", "Zu zahlender Gesamtbetrag", "Kundennummer"} {
			if !strings.Contains(text, want) {
				t.Errorf("the letters PDF lacks %q:\n%s", want, text)
			}
		}
		if strings.Contains(text, carolName) || strings.Contains(text, "Elbchaussee") {
			t.Errorf("creditor B's letter is in creditor A's PDF:\n%s", text)
		}
	} else if os.Getenv("CI") != "" {
		t.Fatal("pdftotext is missing")
	}
	if toPrint(h.a) != 1 {
		t.Error("the download changed the letter")
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'letters.downloaded' AND creditor_id = $1`, h.a.ID); n != 1 {
		t.Errorf("%d download audit entries", n)
	}

	// One letter: any staff member of the creditor, from the outbox.
	letterA := h.queryInt64(`SELECT id FROM messages WHERE creditor_id = $1 AND channel = 'letter'`, h.a.ID)
	letterB := h.queryInt64(`SELECT id FROM messages WHERE creditor_id = $1 AND channel = 'letter'`, h.b.ID)
	one := "/staff/outbox/" + strconv.FormatInt(letterA, 10)
	if doc := agent.get(one).html(t); len(doc.testID("letter-pdf")) != 1 {
		t.Error("the letter's outbox page has no PDF link")
	}
	if res := agent.get(one + "/pdf"); res.StatusCode != http.StatusOK || !strings.HasPrefix(res.body, "%PDF-") {
		t.Errorf("one letter = %d", res.StatusCode)
	}
	if res := agent.get("/staff/outbox/" + strconv.FormatInt(letterB, 10) + "/pdf"); res.StatusCode != http.StatusNotFound {
		t.Errorf("creditor B's letter = %d, want 404", res.StatusCode)
	}
	email := h.queryInt64(`SELECT id FROM messages WHERE creditor_id = $1 AND channel = 'email' LIMIT 1`, h.a.ID)
	if res := agent.get("/staff/outbox/" + strconv.FormatInt(email, 10) + "/pdf"); res.StatusCode != http.StatusNotFound {
		t.Errorf("an email as a letter = %d, want 404", res.StatusCode)
	}

	// Mark as posted: A's letter (the upto covers B's newer one too,
	// which stays untouched).
	res = admin.post("/staff/outbox/letters/posted", url.Values{"upto": {strconv.FormatInt(newest, 10)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/staff/outbox?done=posted" {
		t.Fatalf("mark as posted = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if toPrint(h.a) != 0 || toPrint(h.b) != 1 {
		t.Errorf("after posting: A %d, B %d to print; want 0 and 1", toPrint(h.a), toPrint(h.b))
	}
	if n := h.queryInt(`SELECT count(*) FROM messages WHERE creditor_id = $1 AND channel = 'letter' AND status = 'sent'
		AND provider_id LIKE 'print:%' AND sent_at IS NOT NULL`, h.a.ID); n != 1 {
		t.Errorf("%d letters sent", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'letters.posted' AND creditor_id = $1 AND staff_id IS NOT NULL`, h.a.ID); n != 1 {
		t.Errorf("%d posted audit entries", n)
	}
	doc = admin.get("/staff/outbox?done=posted", "Accept-Language", "en").html(t)
	if !strings.Contains(doc.testIDText("letters-notice"), "marked as posted") || !strings.Contains(doc.testIDText("letters-card"), "Letters to print (0)") ||
		len(doc.testID("letters-download")) != 0 {
		t.Errorf("after posting: %q", doc.testIDText("letters-card"))
	}
	// Nothing left: the download and a second "posted" are 404s.
	if res := admin.get(path); res.StatusCode != http.StatusNotFound {
		t.Errorf("download with nothing to print = %d", res.StatusCode)
	}
	if res := admin.post("/staff/outbox/letters/posted", url.Values{"upto": {strconv.FormatInt(newest, 10)}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("posting again = %d", res.StatusCode)
	}
}
