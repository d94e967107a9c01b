package handlers

import (
	"bytes"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// The debtor disputes one line of an invoice with a photo and a PDF:
// the dispute's page shows it with both files, the line's share is held
// out of dunning (and no more), staff get a task, the creditor an
// event, the history and the dashboard say so, and the stored photo has
// lost its EXIF.
func TestDisputeOneLineWithPhoto(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	inv := h.invoices[h.alice.ID]["R-1001"]
	line := inv.Lines[1] // Anfahrt

	// From the invoice's page.
	page := c.get("/account/invoices/R-1001").html(t)
	links := page.testID("something-wrong")
	if len(links) != 1 {
		t.Fatal("the invoice page has no “something is wrong with this invoice”")
	}
	if href, _ := attr(links[0], "href"); href != "/account/invoices/R-1001/dispute" {
		t.Fatalf("it links to %q", href)
	}
	form := c.get("/account/invoices/R-1001/dispute")
	if form.StatusCode != http.StatusOK {
		t.Fatalf("GET the form = %d", form.StatusCode)
	}
	doc := form.html(t)
	if n := len(doc.testID("dispute-reason")); n != len(ar.StandardDisputeReasons) {
		t.Errorf("%d reasons offered, want %d", n, len(ar.StandardDisputeReasons))
	}
	if n := len(doc.testID("dispute-line")); n != len(inv.Lines) {
		t.Errorf("%d lines offered, want %d", n, len(inv.Lines))
	}
	for _, code := range ar.StandardDisputeReasons {
		if want := h.de().T("form.dispute.reason." + code); !strings.Contains(doc.text(), want) {
			t.Errorf("reason %s is not offered as %q", code, want)
		}
	}

	photo := testPhoto(t, 64, 48)
	res := c.postFiles("/account/invoices/R-1001/disputes", url.Values{
		"reason": {ar.ReasonWrongAmount}, "line": {"2"}, "message": {"Die Anfahrt wurde doppelt berechnet.\nBitte prüfen."},
	}, []upFile{{"IMG_0042.JPG", "image/jpeg", photo}, {"Fahrtenbuch März.pdf", "application/pdf", testPDF("logbook")}})
	id := disputeOf(t, res)

	show := c.get(disputePath(id, "?done=opened"))
	if show.StatusCode != http.StatusOK {
		t.Fatalf("the dispute's page = %d", show.StatusCode)
	}
	doc = show.html(t)
	de := h.de()
	if got := doc.testIDText("dispute-notice"); got != norm(de.T("page.dispute.notice.opened")) {
		t.Errorf("notice %q", got)
	}
	if got := doc.testIDText("dispute-status"); got != de.T("page.dispute.status.open") {
		t.Errorf("status %q", got)
	}
	if got := doc.testIDText("dispute-reason"); got != de.T("form.dispute.reason.wrong_amount") {
		t.Errorf("reason %q", got)
	}
	if got := doc.testIDText("dispute-lines"); !strings.Contains(got, "Anfahrt") || strings.Contains(got, "Wartung") {
		t.Errorf("lines %q, want Anfahrt only", got)
	}
	if got, want := doc.testIDText("dispute-held"), norm(de.Money(line.TotalMinor, "EUR")); got != want {
		t.Errorf("held %q, want %q (the line's gross total)", got, want)
	}
	if body := doc.testIDText("message-body"); body != norm("Die Anfahrt wurde doppelt berechnet.\nBitte prüfen.") {
		t.Errorf("message %q", body)
	}
	atts := doc.testID("attachment-link")
	if len(atts) != 2 || textOf(atts[0]) != "IMG_0042.JPG" || textOf(atts[1]) != "Fahrtenbuch März.pdf" {
		t.Fatalf("attachments listed: %v", doc.testIDText("attachments"))
	}

	// What is stored and held.
	ctx := h.ctx
	if held, err := h.st.DisputedMinor(ctx, h.a.ID, inv.ID); err != nil || held != line.TotalMinor {
		t.Errorf("DisputedMinor = %d, %v; want %d", held, err, line.TotalMinor)
	}
	if held, err := h.st.HeldByDispute(ctx, h.a.ID, inv.ID); err != nil || !held {
		t.Errorf("HeldByDispute = %v, %v", held, err)
	}
	if held, _ := h.st.HeldByDispute(ctx, h.a.ID, h.invoices[h.alice.ID]["R-1002"].ID); held {
		t.Error("R-1002 is held too")
	}
	var stored []byte
	if err := h.db.Get(&stored, `SELECT content FROM dispute_attachments WHERE media_type = 'image/jpeg'`); err != nil {
		t.Fatal(err)
	}
	for _, leak := range photoSecrets {
		if bytes.Contains(stored, []byte(leak)) {
			t.Errorf("the stored photo still holds %q", leak)
		}
	}
	if !bytes.Contains(photo, []byte("Exif")) || bytes.Equal(stored, photo) {
		t.Error("the test photo had no EXIF, or it was stored as uploaded")
	}
	dl := c.get(attrOf(atts[0], "href"))
	if dl.StatusCode != http.StatusOK || dl.body != string(stored) {
		t.Errorf("GET %s = %d, %d bytes; want the stored photo", attrOf(atts[0], "href"), dl.StatusCode, len(dl.body))
	}
	checkAttachmentHeaders(t, "photo", dl, "image/jpeg")
	if cd := dl.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="IMG_0042.jpg"`) {
		t.Errorf("photo downloads as %q", cd)
	}
	pdf := c.get(attrOf(atts[1], "href"))
	checkAttachmentHeaders(t, "pdf", pdf, "application/pdf")
	if cd := pdf.Header.Get("Content-Disposition"); !strings.Contains(cd, `filename="Fahrtenbuch_Maerz.pdf"`) ||
		!strings.Contains(cd, "filename*=UTF-8''Fahrtenbuch%20M%C3%A4rz.pdf") {
		t.Errorf("pdf downloads as %q", cd)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks t JOIN disputes d ON d.id = t.subject_id
		WHERE t.kind = 'dispute' AND d.public_id = $1 AND t.amount_minor = $2 AND t.done_at IS NULL`, id, line.TotalMinor); n != 1 {
		t.Errorf("%d dispute tasks, want 1", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM events WHERE creditor_id = $1 AND type = 'dispute.opened'
		AND data->>'dispute' = $2 AND data->>'invoice_number' = 'R-1001' AND (data->>'disputed_minor')::bigint = $3`,
		h.a.ID, id, line.TotalMinor); n != 1 {
		t.Errorf("%d dispute.opened events, want 1", n)
	}
	if n := h.interactions(h.alice, "dispute.opened"); n != 1 {
		t.Errorf("%d dispute.opened timeline entries, want 1", n)
	}

	// The dashboard marks the invoice, the invoice's page says what is
	// held, the history shows it, and the form leads to the dispute.
	dash := c.get("/account").html(t)
	var marked []string
	for _, n := range dash.testID("invoice") {
		if len((&htmlDoc{root: n}).testID("disputed")) > 0 {
			marked = append(marked, attrOf(n, "data-number"))
		}
	}
	if strings.Join(marked, ",") != "R-1001" {
		t.Errorf("invoices marked disputed: %v, want R-1001", marked)
	}
	if len(dash.testID("disputes-link")) != 1 {
		t.Error("the dashboard does not link to the disputes")
	}
	ip := c.get("/account/invoices/R-1001").html(t)
	if got := ip.testIDText("invoice-disputed"); !strings.Contains(got, norm(de.Money(line.TotalMinor, "EUR"))) {
		t.Errorf("the invoice's page says %q", got)
	}
	hist := c.get("/account/history").html(t)
	if want := de.T("history.dispute.opened", "Number", "R-1001", "Amount", de.Money(line.TotalMinor, "EUR")); !strings.Contains(hist.text(), norm(want)) {
		t.Errorf("the history does not say %q", want)
	}
	again := c.get("/account/invoices/R-1001/dispute")
	if again.StatusCode != http.StatusSeeOther || again.Header.Get("Location") != disputePath(id, "?done=exists") {
		t.Errorf("the form again = %d to %q, want the dispute", again.StatusCode, again.Header.Get("Location"))
	}
	list := c.get("/account/disputes").html(t)
	if items := list.testID("dispute-item"); len(items) != 2 || attrOf(items[0], "data-dispute") != id {
		t.Errorf("the list shows %d disputes, newest first want %s", len(items), id)
	}

	// English.
	en := c.get(disputePath(id, ""), "Accept-Language", "en").html(t)
	if en.h1() != norm(h.en().T("page.dispute.heading", "Number", "R-1001")) ||
		!strings.Contains(en.text(), h.en().T("form.dispute.reason.wrong_amount")) {
		t.Errorf("English page: %q", en.h1())
	}
}

func attrOf(n *htmlNode, key string) string { v, _ := attr(n, key); return v }

// pngOf is a w×h PNG.
func pngOf(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// "Already paid" asks for the payment, and the whole invoice is held
// (what is open of it, not its total).
func TestDisputeAlreadyPaid(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	inv := h.invoices[h.alice.ID]["R-1002"] // partly paid: 5000 of 10000 open
	form := c.get("/account/invoices/R-1002/dispute").html(t)
	if len(form.testID("paid-details")) != 1 {
		t.Fatal("the form has no payment details")
	}
	if len(form.testID("dispute-line")) != 0 {
		t.Error("a one-line invoice offers lines")
	}
	res := c.postFiles("/account/invoices/R-1002/disputes", url.Values{"reason": {ar.ReasonAlreadyPaid},
		"paid_on": {"20.11.2026"}, "paid_amount": {"50,00"}, "paid_reference": {"R-1002 Amsel"}}, nil)
	id := disputeOf(t, res)
	doc := c.get(disputePath(id, "")).html(t)
	pay := doc.testIDText("dispute-payment")
	for _, want := range []string{"20.11.2026", norm(h.de().Money(5000, "EUR")), "R-1002 Amsel"} {
		if !strings.Contains(pay, want) {
			t.Errorf("payment details %q lack %q", pay, want)
		}
	}
	if got := doc.testIDText("dispute-lines"); got != h.de().T("page.dispute.whole_invoice") {
		t.Errorf("lines %q", got)
	}
	if held, _ := h.st.DisputedMinor(h.ctx, h.a.ID, inv.ID); held != inv.OpenMinor {
		t.Errorf("held %d, want what is open: %d", held, inv.OpenMinor)
	}
	if len(doc.testID("no-messages")) != 1 {
		t.Error("a dispute without a message shows messages")
	}
	// A date in the future is refused, with everything kept.
	c2 := h.steppedUp(h.bob)
	res = c2.postFiles("/account/invoices/R-2001/disputes", url.Values{"reason": {ar.ReasonAlreadyPaid},
		"paid_on": {"2027-01-01"}, "paid_amount": {"12x"}, "paid_reference": {"Ref 77"}}, nil)
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("future date = %d", res.StatusCode)
	}
	doc = res.html(t)
	if got := doc.testIDText("error-paid_on"); got != h.en().T("error.dispute.paid_on_future") {
		t.Errorf("paid_on error %q (bob reads English)", got)
	}
	if got := doc.testIDText("error-paid_amount"); got != h.en().T("error.dispute.paid_amount") {
		t.Errorf("paid_amount error %q", got)
	}
	if v := attrOf(doc.byID("paid_reference"), "value"); v != "Ref 77" {
		t.Errorf("reference kept as %q", v)
	}
	if v := attrOf(doc.byID("paid_amount"), "value"); v != "12x" {
		t.Errorf("amount kept as %q", v)
	}
}

// A refused file refuses the whole submission: nothing is stored, every
// refused file is named with its reason (HTML and SVG renamed to .pdf
// among them), and the reason, the lines and the message come back as
// typed.
func TestDisputeRefusedFilesKeepInput(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	message := "Ich habe das Fachbuch nie bestellt.\nSiehe Anhang."
	big := append(testPDF("big"), make([]byte, ar.MaxDisputeFileBytes)...)
	res := c.postFiles("/account/invoices/R-1001/disputes", url.Values{
		"reason": {ar.ReasonNotReceived}, "line": {"3", "1"}, "message": {message},
	}, []upFile{
		{"foto.jpg", "image/jpeg", testPhoto(t, 16, 16)},
		{"rechnung.pdf", "application/pdf", []byte("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>")},
		{"logo.pdf", "application/pdf", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>`)},
		{"scan.pdf", "application/pdf", big},
		{"kaputt.png", "image/png", []byte("\x89PNG\r\n\x1a\nnot really")},
	})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("POST with bad files = %d, want 422", res.StatusCode)
	}
	doc := res.html(t)
	de := h.de()
	refused := doc.testID("refused-file")
	want := []string{
		de.T("error.dispute.file.type", "Name", "rechnung.pdf"),
		de.T("error.dispute.file.type", "Name", "logo.pdf"),
		de.T("error.dispute.file.size", "Name", "scan.pdf", "MaxMB", 10),
		de.T("error.dispute.file.broken", "Name", "kaputt.png"),
	}
	if len(refused) != len(want) {
		t.Fatalf("%d files named as refused, want %d: %q", len(refused), len(want), doc.testIDText("refused-files"))
	}
	for i, w := range want {
		if got := textOf(refused[i]); got != norm(w) {
			t.Errorf("refused file %d: %q, want %q", i, got, w)
		}
	}
	// The photo passed: it is kept (staged), not to be chosen again.
	if !strings.Contains(doc.testIDText("refused-files"), norm(de.T("page.dispute.kept.notice"))) {
		t.Error("the page does not say that the other files are kept")
	}
	if got := doc.testIDText("kept-name"); got != "foto.jpg" {
		t.Errorf("kept files %q, want foto.jpg", got)
	}
	if got := textOf(doc.byID("message")); got != norm(message) {
		t.Errorf("message kept as %q", got)
	}
	if !strings.Contains(res.body, "Ich habe das Fachbuch nie bestellt.\nSiehe Anhang.") {
		t.Error("the message's line break is lost")
	}
	checked := map[string]bool{}
	for _, in := range doc.tag("input") {
		if _, ok := attr(in, "checked"); ok {
			checked[attrOf(in, "name")+"="+attrOf(in, "value")] = true
		}
	}
	for _, w := range []string{"reason=not_received", "line=1", "line=3"} {
		if !checked[w] {
			t.Errorf("%s is not kept checked (checked: %v)", w, checked)
		}
	}
	if checked["line=2"] {
		t.Error("line 2 is checked")
	}
	// Only the fixtures' rows (three of each).
	for table, want := range map[string]int{"disputes": 3, "dispute_messages": 3, "dispute_attachments": 3} {
		if n := h.queryInt(`SELECT count(*) FROM ` + table); n != want {
			t.Errorf("%d rows in %s after a refused submission, want %d", n, table, want)
		}
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'dispute'`); n != 0 {
		t.Errorf("%d dispute tasks after a refused submission", n)
	}
	if n := h.interactions(h.alice, "dispute.opened"); n != 0 {
		t.Error("a refused submission is on the timeline")
	}

	// In English, too.
	res = c.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {ar.ReasonOther}},
		[]upFile{{"x.pdf", "", []byte("<html>")}}, "Accept-Language", "en")
	doc = res.html(t)
	if got := doc.testIDText("refused-file"); got != norm(h.en().T("error.dispute.file.type", "Name", "x.pdf")) {
		t.Errorf("English refusal %q", got)
	}
	if !strings.Contains(doc.testIDText("refused-files"), norm(h.en().T("page.dispute.choose_again"))) {
		t.Error("nothing kept, and the page does not say to choose the files again")
	}
	if got := doc.testIDText("error-message"); got != h.en().T("error.dispute.message_needed") {
		t.Errorf("“other” without a message: %q", got)
	}
}

// The form's own checks: a reason is needed, lines must be the
// invoice's, the message has a limit, at most 20 files go at once.
func TestDisputeFormChecks(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	for _, tc := range []struct {
		name   string
		fields url.Values
		files  int
		field  string
		key    string
		args   []any
	}{
		{"no reason", url.Values{"message": {"x"}}, 0, "reason", "error.dispute.reason", nil},
		{"a reason not offered", url.Values{"reason": {"made_up"}}, 0, "reason", "error.dispute.reason", nil},
		{"a line not on the invoice", url.Values{"reason": {"wrong_amount"}, "line": {"9"}}, 0, "lines", "error.dispute.lines", nil},
		{"a line that is no number", url.Values{"reason": {"wrong_amount"}, "line": {"zwei"}}, 0, "lines", "error.dispute.lines", nil},
		{"too long", url.Values{"reason": {"wrong_amount"}, "message": {strings.Repeat("ä", ar.MaxDisputeMessage+1)}}, 0,
			"message", "error.dispute.message_too_long", []any{"Max", ar.MaxDisputeMessage, "Count", ar.MaxDisputeMessage + 1}},
		{"21 files", url.Values{"reason": {"wrong_amount"}}, ar.MaxDisputeFiles + 1, "files", "error.dispute.too_many_files", []any{"Max", ar.MaxDisputeFiles}},
	} {
		var files []upFile
		for i := 0; i < tc.files; i++ {
			files = append(files, upFile{"beleg.pdf", "application/pdf", testPDF("n")})
		}
		res := c.postFiles("/account/invoices/R-1001/disputes", tc.fields, files)
		if res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tc.name, res.StatusCode)
			continue
		}
		if got := res.html(t).testIDText("error-" + tc.field); got != norm(h.de().T(tc.key, tc.args...)) {
			t.Errorf("%s: %q, want %q", tc.name, got, h.de().T(tc.key, tc.args...))
		}
	}
	// 20 files are fine; an urlencoded form (no files) too.
	var files []upFile
	for i := 0; i < ar.MaxDisputeFiles; i++ {
		files = append(files, upFile{"beleg.pdf", "", testPDF("n")})
	}
	disputeOf(t, c.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {"wrong_amount"}}, files))
	disputeOf(t, c.post("/account/invoices/R-1002/disputes", url.Values{"reason": {"not_received"}, "message": {"?"}}))
	// The dispute has its 20 files: one more is refused, and the text stays.
	id := h.queryString(`SELECT public_id FROM disputes d JOIN invoices i ON i.id = d.invoice_id WHERE i.number = 'R-1001' AND d.status = 'open'`)
	res := c.postFiles(disputePath(id, "/messages"), url.Values{"message": {"Noch ein Beleg"}},
		[]upFile{{"mehr.pdf", "", testPDF("more")}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("the 21st file = %d", res.StatusCode)
	}
	doc := res.html(t)
	if got := doc.testIDText("error-files"); got != norm(h.de().T("error.dispute.files_left", "Max", 20, "Left", 0)) {
		t.Errorf("21st file: %q", got)
	}
	if textOf(doc.byID("message")) != "Noch ein Beleg" {
		t.Error("the message is lost")
	}
}

func (h *harness) queryString(q string, args ...any) string {
	h.t.Helper()
	var s string
	if err := h.db.Get(&s, q, args...); err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	return s
}

// One live dispute per invoice: a second submission (also many at once)
// keeps the typed text and points to the first.
func TestDisputeOnePerInvoice(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	clients := []*tclient{h.steppedUp(h.alice), h.steppedUp(h.alice)}
	var wg sync.WaitGroup
	results := make([]*tresp, 8)
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body, ct := multipartBody(url.Values{"reason": {"wrong_amount"}, "message": {"Zu hoch"}}, nil)
			res, err := clients[i%2].postRaw("/account/invoices/R-1001/disputes", ct, body)
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = res
		}(i)
	}
	wg.Wait()
	opened, refused := 0, 0
	for _, res := range results {
		switch {
		case res == nil:
		case res.StatusCode == http.StatusSeeOther:
			opened++
		case res.StatusCode == http.StatusConflict:
			refused++
			if !strings.Contains(res.body, "Zu hoch") {
				t.Error("a refused second dispute lost the text")
			}
		default:
			t.Errorf("simultaneous dispute = %d", res.StatusCode)
		}
	}
	if opened != 1 || refused != len(results)-1 {
		t.Errorf("%d opened, %d refused; want 1 and %d", opened, refused, len(results)-1)
	}
	if n := h.queryInt(`SELECT count(*) FROM disputes WHERE status = 'open'`); n != 1 {
		t.Errorf("%d open disputes", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM staff_tasks WHERE kind = 'dispute'`); n != 1 {
		t.Errorf("%d dispute tasks", n)
	}
	res := clients[0].postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {"other"}, "message": {"Nochmal"}}, nil)
	doc := res.html(t)
	if res.StatusCode != http.StatusConflict || len(doc.testID("existing-dispute")) != 1 || textOf(doc.byID("message")) != "Nochmal" {
		t.Errorf("second dispute = %d, link %d, message %q", res.StatusCode, len(doc.testID("existing-dispute")), textOf(doc.byID("message")))
	}
}

// The conversation: the debtor writes with a file, AR staff reply, the
// debtor is told by email (with the reply) and sees it; agents may read
// but not reply; every step is audited and on the timeline.
func TestDisputeConversation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	id := disputeOf(t, c.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {"wrong_amount"},
		"message": {"Zu hoch."}}, nil))
	res := c.postFiles(disputePath(id, "/messages"), url.Values{"message": {"Hier der Zählerstand."}},
		[]upFile{{"zaehler.png", "image/png", pngOf(t, 5, 5)}})
	if res.StatusCode != http.StatusSeeOther || !strings.Contains(res.Header.Get("Location"), "done=sent") {
		t.Fatalf("message = %d to %q: %.500s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	empty := c.postFiles(disputePath(id, "/messages"), url.Values{"message": {"  "}}, nil)
	if empty.StatusCode != http.StatusUnprocessableEntity || empty.html(t).testIDText("error-message") != h.de().T("error.dispute.message_empty") {
		t.Errorf("an empty message = %d", empty.StatusCode)
	}

	dsp := h.disputeByPublicID(id)
	staffURL := staffDisputePath(dsp.ID, "")
	agent := h.staffClient("agent", h.a)
	page := agent.get(staffURL)
	if page.StatusCode != http.StatusOK {
		t.Fatalf("staff page = %d", page.StatusCode)
	}
	doc := page.html(t)
	if len(doc.testID("message-form")) != 0 || len(doc.testID("reply-not-allowed")) != 1 {
		t.Error("an agent is offered the reply form")
	}
	if msgs := doc.testID("message"); len(msgs) != 2 {
		t.Fatalf("%d messages on the staff page", len(msgs))
	}
	if got := doc.testIDText("dispute-held"); got != norm(h.de().Money(h.invoices[h.alice.ID]["R-1001"].OpenMinor, "EUR")) {
		t.Errorf("held %q", got)
	}
	att := doc.testID("attachment-link")
	if len(att) != 1 || !strings.HasPrefix(attrOf(att[0], "href"), staffURL+"/attachments/att_") {
		t.Fatalf("staff attachment links: %d", len(att))
	}
	if dl := agent.get(attrOf(att[0], "href")); dl.StatusCode != http.StatusOK {
		t.Errorf("agent downloads the file = %d", dl.StatusCode)
	} else {
		checkAttachmentHeaders(t, "staff download", dl, "image/png")
	}
	if res := agent.postFiles(staffURL+"/messages", url.Values{"message": {"Hallo"}}, nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("an agent replies = %d, want 403", res.StatusCode)
	}
	// The queue row opens the dispute.
	queue := agent.get("/staff/queues?kind=dispute").html(t)
	if links := queue.testID("task-subject"); len(links) != 1 || attrOf(links[0], "href") != staffURL {
		t.Errorf("the queue's dispute row does not link to %s", staffURL)
	}

	arc := h.staffClient("ar", h.a)
	reply := "Guten Tag Frau Amsel,\nwir prüfen den Zählerstand."
	res = arc.postFiles(staffURL+"/messages", url.Values{"message": {reply}}, []upFile{{"Korrektur.pdf", "", testPDF("fix")}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != staffURL+"?done=replied" {
		t.Fatalf("reply = %d to %q: %.800s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if n := h.queryInt(`SELECT count(*) FROM audit_log WHERE action = 'dispute.replied' AND subject = $1`, id); n != 1 {
		t.Errorf("%d audit entries", n)
	}
	if n := h.queryInt(`SELECT count(*) FROM interactions WHERE kind = 'dispute.replied' AND visibility = 'customer' AND staff_id IS NOT NULL`); n != 1 {
		t.Errorf("%d reply timeline entries", n)
	}
	msgs, err := h.st.Messages(h.ctx, h.a.ID, h.alice.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	var mail *struct{ subject, body string }
	for _, m := range msgs {
		if m.Purpose == "dispute" {
			mail = &struct{ subject, body string }{m.Subject, m.Body}
		}
	}
	if mail == nil || mail.subject != h.de().T("message.dispute.reply.subject", "Number", "R-1001") ||
		!strings.Contains(mail.body, reply) || !strings.Contains(mail.body, testBase+"/l/") {
		t.Errorf("the debtor's email: %+v", mail)
	}

	doc = c.get(disputePath(id, "")).html(t)
	msgNodes := doc.testID("message")
	if len(msgNodes) != 3 {
		t.Fatalf("%d messages on the debtor's page", len(msgNodes))
	}
	last := &htmlDoc{root: msgNodes[2]}
	if !strings.Contains(last.text(), h.de().T("page.dispute.by_staff")) || !strings.Contains(last.text(), norm(reply)) ||
		len(last.testID("attachment-link")) != 1 {
		t.Errorf("staff's reply reads %q", last.text())
	}
	if strings.Contains(doc.text(), "@"+slugA) {
		t.Error("the debtor sees the staff member's address")
	}
	hist := c.get("/account/history").html(t)
	if !strings.Contains(hist.text(), h.de().T("history.dispute.replied", "Number", "R-1001")) ||
		!strings.Contains(hist.text(), h.de().T("history.dispute.message", "Number", "R-1001")) {
		t.Error("the history lacks the messages")
	}
	// The debtor's answer to a question reopens the dispute for staff.
	if _, err := h.db.Exec(`UPDATE disputes SET status = 'info_requested' WHERE public_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if res := c.postFiles(disputePath(id, "/messages"), url.Values{"message": {"Der Zähler hat die Nummer 4711."}}, nil); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer = %d", res.StatusCode)
	}
	if st := h.queryString(`SELECT status FROM disputes WHERE public_id = $1`, id); st != "open" {
		t.Errorf("after the debtor's answer the dispute is %s", st)
	}
	// A decided dispute takes no more messages: both sides are told.
	if _, err := h.db.Exec(`UPDATE disputes SET status = 'rejected' WHERE public_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if res := c.postFiles(disputePath(id, "/messages"), url.Values{"message": {"Und?"}}, nil); res.Header.Get("Location") != disputePath(id, "?done=closed") {
		t.Errorf("message to a closed dispute = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if res := arc.post(staffURL+"/messages", url.Values{"message": {"Und?"}}); res.Header.Get("Location") != staffURL+"?done=closed" {
		t.Errorf("reply to a closed dispute = %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	if n := h.queryInt(`SELECT count(*) FROM dispute_messages m JOIN disputes d ON d.id = m.dispute_id WHERE d.public_id = $1`, id); n != 4 {
		t.Errorf("%d messages stored, want 4", n)
	}
}

func (h *harness) disputeByPublicID(id string) *store.Dispute {
	h.t.Helper()
	var dbID int64
	if err := h.db.Get(&dbID, `SELECT id FROM disputes WHERE public_id = $1`, id); err != nil {
		h.t.Fatal(err)
	}
	var cid int64
	if err := h.db.Get(&cid, `SELECT creditor_id FROM disputes WHERE id = $1`, dbID); err != nil {
		h.t.Fatal(err)
	}
	d, err := h.st.Dispute(h.ctx, cid, dbID, false)
	if err != nil {
		h.t.Fatal(err)
	}
	return d
}

// Files of a few megabytes arrive whole (they go through a temporary
// file); a body larger than all files together may be stops there, and
// what came before it (the text) is kept with a message.
func TestDisputeLargeUploads(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	big := append(testPDF("big"), bytes.Repeat([]byte("0123456789abcdef"), 200_000)...) // 3.2 MB
	id := disputeOf(t, c.postFiles("/account/invoices/R-1001/disputes", url.Values{"reason": {"wrong_amount"}},
		[]upFile{{"gross.pdf", "", big}}))
	doc := c.get(disputePath(id, "")).html(t)
	if dl := c.get(attrOf(doc.testID("attachment-link")[0], "href")); dl.body != string(big) {
		t.Errorf("the 3 MB file came back with %d bytes", len(dl.body))
	}

	small := h.newServer(h.st, h.keys, false)
	small.disputeBodyLimit = 64 << 10
	c.handler = small.Handler()
	res := c.postFiles("/account/invoices/R-1002/disputes", url.Values{"reason": {"other"}, "message": {"Bitte prüfen"}},
		[]upFile{{"a.pdf", "", testPDF("a")}, {"b.pdf", "", append(testPDF("b"), make([]byte, 100<<10)...)}})
	if res.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("an oversized body = %d", res.StatusCode)
	}
	doc = res.html(t)
	if got := doc.testIDText("error-files"); got != norm(h.de().T("error.dispute.upload_too_large", "Max", 20, "MaxMB", 10)) {
		t.Errorf("oversized body: %q", got)
	}
	if textOf(doc.byID("message")) != "Bitte prüfen" {
		t.Error("the text before the limit is lost")
	}
	if n := h.queryInt(`SELECT count(*) FROM disputes WHERE status = 'open'`); n != 1 {
		t.Errorf("%d open disputes, want 1", n)
	}
}
