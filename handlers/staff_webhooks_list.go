package handlers

import (
	"context"
	"net/http"

	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/views"
)

// staffWebhooksList lists the creditor's webhook endpoints, with counts
// of their latest deliveries, and the form for a new one.
func (s *Server) staffWebhooksList(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	vm, err := s.webhooksVM(r.Context(), sc)
	if err != nil {
		return err
	}
	vm.Notice = settingsNotice(r)
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffWebhooksPage(vm))
}

// webhooksVM is the webhooks page with the creditor's endpoints.
func (s *Server) webhooksVM(ctx context.Context, sc *staffCtx) (views.StaffWebhooksVM, error) {
	vm := views.StaffWebhooksVM{Available: s.Hooks != nil, AllTypes: hooks.EventTypes, StatsOf: hooks.StatsWindow}
	if s.Hooks == nil {
		return vm, nil
	}
	eps, err := s.Hooks.Endpoints(ctx, sc.creditorID())
	if err != nil {
		return vm, err
	}
	stats, err := s.Hooks.RecentStats(ctx, sc.creditorID())
	if err != nil {
		return vm, err
	}
	for _, e := range eps {
		vm.Endpoints = append(vm.Endpoints, sc.webhookRow(e, stats[e.ID]))
	}
	return vm, nil
}
