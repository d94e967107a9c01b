package handlers

import (
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/csvimport"
	"github.com/settle/settle/views"
)

// maxImportBody is a CSV file at its limit plus room for the form.
const maxImportBody = csvimport.MaxBytes + 64<<10

// How long an import request may take to arrive and to be answered.
const (
	importReadTime  = 2 * time.Minute
	importWriteTime = 5 * time.Minute
)

// staffImportRun imports an uploaded CSV file (all rows or none,
// billing.Import; audited as import.completed) or, with dry_run, only
// says what it would do. It answers with the page itself rather than a
// redirect: the counts or the problems are the answer, and sending the
// same file again changes nothing. A file with problems is 422 with
// every problem by row and column.
func (s *Server) staffImportRun(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	// A file at the limits takes longer to send and to import (about
	// 2 ms a new invoice) than the server's timeouts allow other pages.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(importReadTime))
	_ = rc.SetWriteDeadline(time.Now().Add(importWriteTime))
	vm := importVM()
	fail := func(errs billing.RowErrors) error {
		for i, e := range errs {
			if i == views.MaxProblemsShown {
				vm.Hidden = len(errs) - i
				break
			}
			p := views.ImportProblemVM{Row: e.Row, Column: e.Field, Key: e.Key}
			for k, v := range e.Args {
				p.Args = append(p.Args, k, v)
			}
			vm.Problems = append(vm.Problems, p)
		}
		return s.renderStaff(w, r, http.StatusUnprocessableEntity, sc, views.StaffImportPage(vm))
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		_ = parseForm(w, r)
		return fail(billing.RowErrors{{Key: "error.csvimport.no_file"}})
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxImportBody)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(billing.RowErrors{{Key: "error.csvimport.too_large", Args: map[string]any{"Max": vm.MaxMB}}})
		}
		return fail(billing.RowErrors{{Key: "error.csvimport.unreadable"}})
	}
	defer r.MultipartForm.RemoveAll()
	vm.DryRun = r.PostFormValue("dry_run") != ""
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return fail(billing.RowErrors{{Key: "error.csvimport.no_file"}})
	}
	defer file.Close()
	vm.FileName = filepath.Base(hdr.Filename)
	c := sc.creditor
	f, err := csvimport.Parse(file, csvimport.Options{Currency: c.Currency, Today: c.Today(s.Now())})
	var errs billing.RowErrors
	if errors.As(err, &errs) {
		return fail(errs)
	} else if err != nil {
		return err
	}
	staffID := sc.sess.User.ID
	res, err := s.Billing.Import(r.Context(), c, f.Rows, billing.ImportOptions{Given: f.Given, DryRun: vm.DryRun,
		StaffID: &staffID, Source: vm.FileName})
	if errors.As(err, &errs) {
		return fail(f.Rename(errs))
	} else if err != nil {
		return err
	}
	vm.Result = &views.ImportResultVM{Rows: res.Rows, DebtorsCreated: res.DebtorsCreated, DebtorsUpdated: res.DebtorsUpdated,
		DebtorsUnchanged: res.DebtorsUnchanged, InvoicesCreated: res.InvoicesCreated, InvoicesUpdated: res.InvoicesUpdated,
		InvoicesSame: res.InvoicesSame, DryRun: res.DryRun}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffImportPage(vm))
}
