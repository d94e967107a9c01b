package handlers

import (
	"net/http"

	"github.com/settle/settle/views"
)

// staffSettingsShow is the settings overview: the brand, API keys and
// webhook endpoints, each with what is set now.
func (s *Server) staffSettingsShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	ctx, cid := r.Context(), sc.creditorID()
	b, err := s.Store.CreditorBrand(ctx, cid)
	if err != nil {
		return err
	}
	keys, err := s.Store.APIKeys(ctx, cid)
	if err != nil {
		return err
	}
	vm := views.StaffSettingsVM{Name: b.Name, PrimaryColor: b.PrimaryColor, AccentColor: b.AccentColor,
		LogoURL: sc.logoURL(b), HooksAvailable: s.Hooks != nil}
	for _, k := range keys {
		if k.RevokedAt == nil {
			vm.LiveKeys++
		} else {
			vm.RevokedKeys++
		}
	}
	if s.Hooks != nil {
		eps, err := s.Hooks.Endpoints(ctx, cid)
		if err != nil {
			return err
		}
		vm.Endpoints = len(eps)
		for _, e := range eps {
			if !e.Active() {
				vm.Disabled++
			}
		}
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffSettingsPage(vm))
}
