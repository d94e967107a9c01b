package handlers

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/settle/settle/internal/staff"
)

// FuzzStaffImport uploads what the fuzzer makes of a CSV file to
// Settings → Import, as a dry run and for real, and a raw multipart
// body: the page answers 200 (imported) or 422 (the problems), never a
// 500.
//
//	go test -run '^$' -fuzz '^FuzzStaffImport$' -fuzztime 10s ./handlers
func FuzzStaffImport(f *testing.F) {
	f.Add([]byte(importGood), []byte("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nx;y\r\n--b--\r\n"))
	f.Add([]byte(importBad), []byte{})
	f.Add([]byte("\ufeffKundennummer;Name\r\n\"1;\x00\r\n"), []byte("--b\r\n"))
	h := newHarness(f)
	admin := h.staffClient(staff.RoleAdmin, h.a)
	f.Fuzz(func(t *testing.T, file, raw []byte) {
		for _, dry := range []string{"1", ""} {
			body, ct := multipartBody(url.Values{"dry_run": {dry}}, []upFile{{"f.csv", "text/csv", file}})
			res, err := admin.postRaw("/staff/settings/import", ct, body)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("upload (dry %q) = %d: %.1000s", dry, res.StatusCode, res.body)
			}
		}
		res, err := admin.postRaw("/staff/settings/import", "multipart/form-data; boundary=b", raw)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusUnprocessableEntity && res.StatusCode != http.StatusBadRequest {
			t.Fatalf("raw body = %d: %.1000s", res.StatusCode, res.body)
		}
	})
}
