package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/views"
)

// staffBrandShow is the brand form with the creditor's brand as stored.
func (s *Server) staffBrandShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	b, err := s.Store.CreditorBrand(r.Context(), sc.creditorID())
	if err != nil {
		return err
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffBrandPage(views.StaffBrandVM{
		Form: brandForm(b), LogoURL: sc.logoURL(b), LogoType: b.LogoType, LogoSize: b.LogoSize,
		Notice: settingsNotice(r), Languages: i18n.Languages}))
}
