package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/csvimport"
	"github.com/settle/settle/views"
)

// staffImportShow is Settings → Import: the upload form and the columns
// a file may have.
func (s *Server) staffImportShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffImportPage(importVM()))
}

func importVM() views.StaffImportVM {
	return views.StaffImportVM{MaxMB: csvimport.MaxBytes >> 20, MaxRows: csvimport.MaxRows}
}
