package handlers

import (
	"context"
	"net/http"

	"github.com/settle/settle/views"
)

// staffAPIKeysList lists the creditor's API keys with the form for a
// new one.
func (s *Server) staffAPIKeysList(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	vm, err := s.apiKeysVM(r.Context(), sc)
	if err != nil {
		return err
	}
	vm.Notice = settingsNotice(r)
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffAPIKeysPage(vm))
}

// apiKeysVM is the API keys page with the creditor's keys, newest first.
func (s *Server) apiKeysVM(ctx context.Context, sc *staffCtx) (views.StaffAPIKeysVM, error) {
	keys, err := s.Store.APIKeys(ctx, sc.creditorID())
	if err != nil {
		return views.StaffAPIKeysVM{}, err
	}
	loc := sc.creditor.Location()
	var vm views.StaffAPIKeysVM
	for _, k := range keys {
		vm.Keys = append(vm.Keys, views.APIKeyRow{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Created: k.CreatedAt.In(loc),
			LastUsed: inZone(k.LastUsedAt, sc), Revoked: inZone(k.RevokedAt, sc)})
	}
	return vm, nil
}
