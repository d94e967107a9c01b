package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/views"
)

// webhookDeliveries is how many of an endpoint's latest deliveries its
// page shows.
const webhookDeliveries = 25

// errNoHooks answers webhook pages of a server without webhooks.
func errNoHooks() error { return ar.Errorf(ar.Conflict, "error.staff.settings.webhooks_unavailable") }

// staffWebhookShow is one of the creditor's endpoints with its latest
// deliveries and their attempts.
func (s *Server) staffWebhookShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "endpoint")
	if err != nil {
		return err
	}
	if s.Hooks == nil {
		return errNoHooks()
	}
	ctx, cid := r.Context(), sc.creditorID()
	ep, err := s.Hooks.Endpoint(ctx, cid, id)
	if err != nil {
		return err
	}
	ds, err := s.Hooks.Deliveries(ctx, cid, id, webhookDeliveries)
	if err != nil {
		return err
	}
	ids := make([]int64, len(ds))
	var st hooks.Stats
	for i, d := range ds {
		ids[i] = d.ID
		if st.Last == nil {
			st.Last = &d.CreatedAt
		}
	}
	attempts, err := s.Hooks.AttemptsOf(ctx, cid, ids)
	if err != nil {
		return err
	}
	loc := sc.creditor.Location()
	vm := views.StaffWebhookVM{Available: true, Endpoint: sc.webhookRow(ep, st), Notice: settingsNotice(r)}
	for _, d := range ds {
		row := views.DeliveryRow{ID: d.ID, EventID: d.EventPublicID, EventType: d.EventType, State: d.State,
			Round: d.Round, Created: d.CreatedAt.In(loc), Delivered: inZone(d.DeliveredAt, sc),
			NextAttempt: inZone(d.NextAttemptAt, sc)}
		for _, a := range attempts[d.ID] {
			at := views.AttemptRow{At: a.AttemptedAt.In(loc), Error: a.Error, DurationMS: a.DurationMS}
			if a.Status != nil {
				at.Status = *a.Status
			}
			row.Attempts = append(row.Attempts, at)
		}
		vm.Deliveries = append(vm.Deliveries, row)
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffWebhookPage(vm))
}
