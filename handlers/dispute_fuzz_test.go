package handlers

// Fuzz targets for the dispute forms, driven through the whole handler
// (routing, session, multipart reading, the service, PostgreSQL, the
// page): whatever arrives, the answer is never a 500 (a panic is one:
// the recoverer answers it with 500). `go test` runs the seeds in
// testdata/fuzz; CI fuzzes each target for a few seconds:
//
//	go test -run '^$' -fuzz '^FuzzDisputeUpload$' -fuzztime 10s ./handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// fuzzWorld is a harness with a stepped-up debtor, shared by every input
// of one fuzzing process.
type fuzzWorld struct {
	h    *harness
	c    *tclient
	live string // a dispute that stays open, for messages
}

func newFuzzWorld(f *testing.F) *fuzzWorld {
	h := newHarness(f)
	h.srv.Disputes.SubmitLimit = 1 << 30 // the fuzzer submits far more than a person
	w := &fuzzWorld{h: h, c: h.steppedUp(h.alice)}
	w.live = disputeOf(f, w.c.post("/account/invoices/R-1002/disputes", url.Values{"reason": {"wrong_amount"}}))
	return w
}

// check fails on a 500 (or a panic behind it) and on answers a form
// never gives.
func (w *fuzzWorld) check(t *testing.T, what string, res *tresp, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	t.Logf("%s = %d %s", what, res.StatusCode, res.Header.Get("Location"))
	switch res.StatusCode {
	case http.StatusSeeOther, http.StatusBadRequest, http.StatusConflict, http.StatusUnprocessableEntity,
		http.StatusTooManyRequests:
	default:
		t.Fatalf("%s = %d: %.1000s", what, res.StatusCode, res.body)
	}
	if res.StatusCode == http.StatusSeeOther && strings.Contains(res.Header.Get("Location"), "/account/disputes/dsp_") &&
		strings.Contains(res.Header.Get("Location"), "done=opened") {
		// Let the next input open a dispute on R-1001 again.
		if _, err := w.h.db.Exec(`UPDATE disputes SET status = 'withdrawn' WHERE status = 'open'
			AND invoice_id = (SELECT id FROM invoices WHERE number = 'R-1001' AND creditor_id = $1)`, w.h.a.ID); err != nil {
			t.Fatal(err)
		}
	}
}

// dropFiles takes the live dispute's files away, so that the next input
// does not run into the 20 files a dispute may have.
func (w *fuzzWorld) dropFiles(t *testing.T) {
	if _, err := w.h.db.Exec(`DELETE FROM dispute_attachments WHERE dispute_id =
		(SELECT id FROM disputes WHERE public_id = $1)`, w.live); err != nil {
		t.Fatal(err)
	}
}

// FuzzDisputeUpload posts what the fuzzer makes of a multipart body: the
// raw bytes under a fuzzed boundary (broken bodies, odd headers), and a
// well-formed form whose file (name, claimed type, content) is fuzzed,
// to a new dispute and as a message to a live one.
func FuzzDisputeUpload(f *testing.F) {
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"reason\"\r\n\r\nwrong_amount\r\n--b--\r\n"), "b",
		"scan.pdf", "application/pdf", []byte("%PDF-1.4\n%%EOF\n"))
	f.Add([]byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.pdf\"\r\n\r\n<html>"), "b",
		"x.pdf", "application/pdf", []byte("<!DOCTYPE html><script>alert(1)</script>"))
	f.Add([]byte{}, "", "", "", []byte{})
	w := newFuzzWorld(f)
	f.Fuzz(func(t *testing.T, raw []byte, boundary, fileName, fileType string, file []byte) {
		res, err := w.c.postRaw("/account/invoices/R-1001/disputes", "multipart/form-data; boundary="+boundary, raw)
		w.check(t, "raw body", res, err)

		files := []upFile{{fileName, fileType, file}}
		if len(file) > 1 {
			files = append(files, upFile{fileName + ".png", "image/png", file}) // the claimed type means nothing
		}
		body, ct := multipartBody(url.Values{"reason": {"wrong_amount"}, "line": {"2"}, "message": {string(raw)}}, files)
		res, err = w.c.postRaw("/account/invoices/R-1001/disputes", ct, body)
		w.check(t, "dispute with files", res, err)
		body, ct = multipartBody(url.Values{"message": {fileName}}, files)
		res, err = w.c.postRaw(disputePath(w.live, "/messages"), ct, body)
		w.check(t, "message with files", res, err)
		w.dropFiles(t)
	})
}

// FuzzDisputeForm posts fuzzed form fields (reason, lines, message,
// payment details, ids of kept files) as multipart and as urlencoded
// forms.
func FuzzDisputeForm(f *testing.F) {
	f.Add("wrong_amount", "2", "Die Anfahrt ist doppelt.", "", "", "", "")
	f.Add("already_paid", "", "", "20.11.2026", "12,50", "R-1001", "")
	f.Add("other", "1,3,99", "<scr<script>ipt>alert(1)</scr</script>ipt>", "2026-13-45", "-1", "\x00\xff", "upl_x,upl_x")
	w := newFuzzWorld(f)
	f.Fuzz(func(t *testing.T, reason, lines, message, paidOn, paidAmount, paidRef, staged string) {
		fields := url.Values{"reason": {reason}, "message": {message}, "paid_on": {paidOn}, "paid_amount": {paidAmount},
			"paid_reference": {paidRef}}
		for _, l := range strings.Split(lines, ",") {
			if l != "" {
				fields.Add("line", l)
			}
		}
		if staged != "" {
			fields["staged"] = strings.Split(staged, ",")
		}
		body, ct := multipartBody(fields, nil)
		res, err := w.c.postRaw("/account/invoices/R-1001/disputes", ct, body)
		w.check(t, "multipart form", res, err)
		res, err = w.c.postRaw("/account/invoices/R-1001/disputes", "application/x-www-form-urlencoded", []byte(fields.Encode()))
		w.check(t, "urlencoded form", res, err)
		res, err = w.c.postRaw(disputePath(w.live, "/messages"), "application/x-www-form-urlencoded",
			[]byte(url.Values{"message": {message + paidRef}, "staged": fields["staged"]}.Encode()))
		w.check(t, "message", res, err)
	})
}
