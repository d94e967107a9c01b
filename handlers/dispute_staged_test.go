package handlers

// Kept files: a refused dispute form or message keeps the files that
// passed the check (staged uploads), the page lists them, and sending
// the form again attaches them; nobody else can use them; they expire.

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
)

// keptIDs are the staged ids a re-rendered form carries (ticked).
func keptIDs(t *testing.T, doc *htmlDoc) []string {
	t.Helper()
	var ids []string
	for _, in := range doc.tag("input") {
		if attrOf(in, "name") != "staged" {
			continue
		}
		if _, ok := attr(in, "checked"); !ok || attrOf(in, "type") != "checkbox" {
			t.Errorf("kept file %s is not a ticked checkbox", attrOf(in, "value"))
		}
		ids = append(ids, attrOf(in, "value"))
	}
	return ids
}

func TestDisputeKeepsAcceptedFiles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.steppedUp(h.alice)
	photo := testPhoto(t, 32, 16)
	fields := url.Values{"reason": {ar.ReasonWrongAmount}, "line": {"2"}, "message": {"Die Anfahrt ist doppelt."}}

	// One of two files refused: the form comes back with the text and the
	// photo kept.
	res := alice.postFiles("/account/invoices/R-1001/disputes", fields, []upFile{
		{"foto.jpg", "image/jpeg", photo},
		{"rechnung.pdf", "application/pdf", []byte("<html><script>alert(1)</script></html>")},
	}, "Accept-Language", "en")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("refused POST = %d", res.StatusCode)
	}
	checkFormLabels(t, "dispute form with kept files", res)
	doc := res.html(t)
	en := h.en()
	if got := doc.testIDText("refused-file"); got != norm(en.T("error.dispute.file.type", "Name", "rechnung.pdf")) {
		t.Errorf("refused file %q", got)
	}
	if !strings.Contains(doc.testIDText("refused-files"), norm(en.T("page.dispute.kept.notice"))) {
		t.Error("the notice does not say the other files are kept")
	}
	if got := doc.testIDText("kept-file"); !strings.Contains(got, "foto.jpg") || !strings.Contains(got, "JPEG") ||
		!strings.Contains(got, "KB") {
		t.Errorf("kept file shown as %q", got)
	}
	if !strings.Contains(doc.testIDText("kept-files"), norm(en.T("page.dispute.kept.legend"))) {
		t.Error("the kept files have no legend")
	}
	ids := keptIDs(t, doc)
	if len(ids) != 1 || !strings.HasPrefix(ids[0], "upl_") {
		t.Fatalf("kept ids %q", ids)
	}
	if textOf(doc.byID("message")) != "Die Anfahrt ist doppelt." {
		t.Error("the message is lost")
	}
	if n := h.queryInt(`SELECT count(*) FROM dispute_uploads_staged WHERE debtor_id = $1 AND file_name = 'foto.jpg'
		AND media_type = 'image/jpeg'`, h.alice.ID); n != 1 {
		t.Fatalf("%d staged photos", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM disputes WHERE status = 'open'`); n != 0 {
		t.Fatalf("%d disputes opened by a refused form", n)
	}

	// Bob (same creditor) and carol (another) cannot use alice's file.
	for name, c := range map[string]*tclient{"bob": h.steppedUp(h.bob), "carol": h.steppedUp(h.carol)} {
		number := map[string]string{"bob": "R-2001", "carol": "R-3001"}[name]
		res := c.postFiles("/account/invoices/"+number+"/disputes", url.Values{"reason": {ar.ReasonWrongAmount},
			"staged": {ids[0]}}, nil, "Accept-Language", "en")
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("%s with alice's kept file = %d", name, res.StatusCode)
		}
		doc := res.html(t)
		if got := doc.testIDText("error-files"); got != norm(en.T("error.dispute.kept_gone")) {
			t.Errorf("%s: files error %q", name, got)
		}
		if len(keptIDs(t, doc)) != 0 || strings.Contains(res.body, "foto.jpg") {
			t.Errorf("%s sees alice's kept file", name)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM dispute_uploads_staged WHERE public_id = $1 AND debtor_id = $2`, ids[0], h.alice.ID); n != 1 {
		t.Fatal("alice's kept file is gone after others tried it")
	}
	if n := h.queryInt(`SELECT count(*) FROM disputes WHERE status = 'open'`); n != 0 {
		t.Fatalf("%d disputes opened with someone else's file", n)
	}

	// Sent again with the text only (the browser has no files): the
	// dispute has the photo, without its EXIF, and nothing stays staged.
	again := url.Values{"staged": ids}
	for k, v := range fields {
		again[k] = v
	}
	id := disputeOf(t, alice.postFiles("/account/invoices/R-1001/disputes", again, nil))
	d := h.disputeByPublicID(id)
	var name, mediaType string
	var content []byte
	if err := h.db.QueryRow(`SELECT a.file_name, a.media_type, a.content FROM dispute_attachments a
		JOIN dispute_messages m ON m.id = a.message_id WHERE a.dispute_id = $1 AND m.author = 'debtor'`, d.ID).
		Scan(&name, &mediaType, &content); err != nil {
		t.Fatalf("the dispute has no attachment on its message: %v", err)
	}
	if name != "foto.jpg" || mediaType != "image/jpeg" || !bytes.HasPrefix(content, []byte{0xff, 0xd8, 0xff}) {
		t.Errorf("attached %q %s", name, mediaType)
	}
	for _, secret := range photoSecrets {
		if bytes.Contains(content, []byte(secret)) {
			t.Errorf("the attached photo still holds %q", secret)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM dispute_uploads_staged`); n != 0 {
		t.Errorf("%d staged files left after the dispute took its file", n)
	}
	page := alice.get(disputePath(id, "")).html(t)
	if got := page.testIDText("attachment-link"); got != "foto.jpg" {
		t.Errorf("the dispute page shows %q", got)
	}
	// The id cannot be used twice.
	msg := alice.postFiles(disputePath(id, "/messages"), url.Values{"message": {"Noch einmal"}, "staged": ids}, nil)
	if msg.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("a used kept file again = %d", msg.StatusCode)
	}
}

// In the conversation: a message with a refused file keeps the other,
// the 20 files of a dispute count kept files, and unticking one leaves
// it out.
func TestDisputeMessageKeepsAcceptedFiles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.steppedUp(h.alice)
	id := disputeOf(t, alice.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {ar.ReasonWrongAmount}}, nil))
	d := h.disputeByPublicID(id)
	path := disputePath(id, "/messages")

	res := alice.postFiles(path, url.Values{"message": {"Hier die Belege."}}, []upFile{
		{"a.pdf", "", testPDF("a")}, {"b.pdf", "", testPDF("b")}, {"c.png", "image/png", []byte("\x89PNG\r\n\x1a\nbroken")},
	})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("message with a broken file = %d", res.StatusCode)
	}
	doc := res.html(t)
	ids := keptIDs(t, doc)
	if len(ids) != 2 || !strings.Contains(doc.testIDText("kept-files"), "a.pdf") {
		t.Fatalf("kept %q: %s", ids, doc.testIDText("kept-files"))
	}
	if textOf(doc.byID("message")) != "Hier die Belege." {
		t.Error("the message is lost")
	}

	// 19 files on the dispute already: two kept files are one too many.
	for i := range 19 {
		if _, err := h.db.Exec(`INSERT INTO dispute_attachments (public_id, creditor_id, dispute_id, media_type, size_bytes,
			sha256, content, file_name) SELECT 'att_fill' || $2, creditor_id, id, 'application/pdf', 5, sha256('%PDF-'::bytea),
			'%PDF-'::bytea, 'x.pdf' FROM disputes WHERE id = $1`, d.ID, i); err != nil {
			t.Fatal(err)
		}
	}
	res = alice.postFiles(path, url.Values{"message": {"Hier die Belege."}, "staged": ids}, nil, "Accept-Language", "en")
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("21 files = %d", res.StatusCode)
	}
	doc = res.html(t)
	if got := doc.testIDText("error-files"); got != norm(h.en().T("error.dispute.files_left", "Max", 20, "Left", 1)) {
		t.Errorf("files error %q", got)
	}
	if got := keptIDs(t, doc); len(got) != 2 {
		t.Fatalf("the kept files are not offered again: %q", got)
	}
	// Untick b.pdf: a.pdf goes with the message.
	res = alice.postFiles(path, url.Values{"message": {"Hier die Belege."}, "staged": {ids[0]}}, nil)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("message with one kept file = %d: %.2000s", res.StatusCode, res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM dispute_attachments a JOIN dispute_messages m ON m.id = a.message_id
		WHERE a.dispute_id = $1 AND a.file_name = 'a.pdf' AND m.body = 'Hier die Belege.'`, d.ID); n != 1 {
		t.Errorf("a.pdf is on %d messages", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM dispute_attachments WHERE dispute_id = $1`, d.ID); n != 20 {
		t.Errorf("%d files on the dispute, want 20", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM dispute_uploads_staged WHERE public_id = $1`, ids[1]); n != 1 {
		t.Error("the unticked file is not simply left to expire")
	}
}

// A kept file lasts a day: then it is refused as gone, and the sweep
// deletes it.
func TestDisputeKeptFilesExpire(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	alice := h.steppedUp(h.alice)
	res := alice.postFiles("/account/invoices/R-1001/disputes", url.Values{}, []upFile{{"a.pdf", "", testPDF("a")}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("no reason = %d", res.StatusCode)
	}
	ids := keptIDs(t, res.html(t))
	if len(ids) != 1 {
		t.Fatalf("kept %q", ids)
	}
	if n, err := h.srv.Disputes.Sweep(h.ctx); err != nil || n != 0 {
		t.Fatalf("sweep of a fresh file: %d, %v", n, err)
	}
	h.clock.Advance(24*time.Hour + time.Minute)
	alice = h.steppedUp(h.alice) // the session has ended meanwhile
	res = alice.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {ar.ReasonWrongAmount}, "staged": ids}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an expired kept file = %d", res.StatusCode)
	}
	doc := res.html(t)
	if got := doc.testIDText("error-files"); got != norm(h.de().T("error.dispute.kept_gone")) {
		t.Errorf("files error %q", got)
	}
	if len(keptIDs(t, doc)) != 0 {
		t.Error("an expired file is offered again")
	}
	if n, err := h.srv.Disputes.Sweep(h.ctx); err != nil || n != 1 {
		t.Fatalf("sweep deleted %d, %v; want 1", n, err)
	}
	if n := h.queryInt(`SELECT count(*) FROM dispute_uploads_staged`); n != 0 {
		t.Errorf("%d staged files after the sweep", n)
	}
}
