package settings

import (
	"context"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/store"
)

// Webhook endpoints: the changes go through package hooks (the one place
// that knows the webhook tables), in a transaction of the store so that
// the audit log commits with them. Signing secrets are returned to be
// shown once and never recorded.

// errNoHooks is the answer when the server has no webhook service.
func errNoHooks() error { return ar.Errorf(ar.Conflict, "error.staff.settings.webhooks_unavailable") }

// DisabledByStaff is the reason recorded when an admin disables an
// endpoint.
const DisabledByStaff = "disabled in the back office"

// AddWebhook registers a receiver for the creditor's events (eventTypes
// empty: every type) and returns it with its signing secret.
func (s *Service) AddWebhook(ctx context.Context, a Actor, rawURL string, eventTypes []string) (ep *hooks.Endpoint, secret string, err error) {
	if s.Hooks == nil {
		return nil, "", errNoHooks()
	}
	// Both fields' errors at once, before the transaction (the URL's
	// host is looked up in DNS).
	var v ar.Invalids
	if _, err := hooks.ValidateURL(ctx, rawURL, s.Hooks.AllowPrivate); err != nil {
		if e, ok := ar.AsError(err); ok && e.Field != "" {
			v.Add(e.Field, e.Key, nil)
		} else {
			return nil, "", err
		}
	}
	if _, err := hooks.ValidateEventTypes(eventTypes); err != nil {
		v.Add("event_types", "error.webhook.event_type", nil)
	}
	if err := v.Err(); err != nil {
		return nil, "", err
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		var err error
		if ep, secret, err = s.Hooks.WithTx(tx.Tx()).AddEndpoint(ctx, a.CreditorID, rawURL, eventTypes); err != nil {
			return err
		}
		return a.audit(ctx, tx, "webhook.added", ep.URL, nil,
			map[string]any{"endpoint": ep.ID, "url": ep.URL, "event_types": ep.EventTypes})
	})
	if err != nil {
		return nil, "", err
	}
	return ep, secret, nil
}

// endpointChange runs change on one of the creditor's endpoints in a
// transaction with its audit entry (subject: the endpoint's URL).
func (s *Service) endpointChange(ctx context.Context, a Actor, id int64, action string,
	change func(h *hooks.Service, ep *hooks.Endpoint) (before, after map[string]any, err error)) (ep *hooks.Endpoint, err error) {
	if s.Hooks == nil {
		return nil, errNoHooks()
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		h := s.Hooks.WithTx(tx.Tx())
		var err error
		if ep, err = h.Endpoint(ctx, a.CreditorID, id); err != nil {
			return err
		}
		before, after, err := change(h, ep)
		if err != nil || after == nil {
			return err
		}
		after["endpoint"] = ep.ID
		return a.audit(ctx, tx, action, ep.URL, before, after)
	})
	return ep, err
}

// RotateWebhookSecret gives an endpoint a new signing secret, returned
// to be shown once; the old one keeps signing for hooks.SecretOverlap.
func (s *Service) RotateWebhookSecret(ctx context.Context, a Actor, id int64) (ep *hooks.Endpoint, secret string, err error) {
	ep, err = s.endpointChange(ctx, a, id, "webhook.secret_rotated", func(h *hooks.Service, ep *hooks.Endpoint) (map[string]any, map[string]any, error) {
		var err error
		secret, err = h.RotateSecret(ctx, a.CreditorID, ep.ID)
		return nil, map[string]any{}, err
	})
	return ep, secret, err
}

// DisableWebhook stops deliveries to an endpoint until it is enabled
// again; deliveries due meanwhile are dropped (replay them later).
func (s *Service) DisableWebhook(ctx context.Context, a Actor, id int64) (*hooks.Endpoint, error) {
	return s.endpointChange(ctx, a, id, "webhook.disabled", func(h *hooks.Service, ep *hooks.Endpoint) (map[string]any, map[string]any, error) {
		if !ep.Active() {
			return nil, nil, nil
		}
		err := h.DisableEndpoint(ctx, a.CreditorID, ep.ID, DisabledByStaff)
		return map[string]any{"active": true}, map[string]any{"active": false}, err
	})
}

// EnableWebhook sends deliveries to a disabled endpoint again.
func (s *Service) EnableWebhook(ctx context.Context, a Actor, id int64) (*hooks.Endpoint, error) {
	return s.endpointChange(ctx, a, id, "webhook.enabled", func(h *hooks.Service, ep *hooks.Endpoint) (map[string]any, map[string]any, error) {
		if ep.Active() {
			return nil, nil, nil
		}
		err := h.EnableEndpoint(ctx, a.CreditorID, ep.ID)
		return map[string]any{"active": false, "disabled_reason": ep.DisabledReason}, map[string]any{"active": true}, err
	})
}

// RemoveWebhook deletes an endpoint with its delivery history.
func (s *Service) RemoveWebhook(ctx context.Context, a Actor, id int64) (*hooks.Endpoint, error) {
	return s.endpointChange(ctx, a, id, "webhook.removed", func(h *hooks.Service, ep *hooks.Endpoint) (map[string]any, map[string]any, error) {
		err := h.RemoveEndpoint(ctx, a.CreditorID, ep.ID)
		return map[string]any{"url": ep.URL, "event_types": ep.EventTypes, "active": ep.Active()}, map[string]any{}, err
	})
}

// ReplayDelivery sends one of the creditor's deliveries again in a new
// round, and returns it (as it was before).
func (s *Service) ReplayDelivery(ctx context.Context, a Actor, deliveryID int64) (d *hooks.Delivery, err error) {
	if s.Hooks == nil {
		return nil, errNoHooks()
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		h := s.Hooks.WithTx(tx.Tx())
		var err error
		if d, err = h.Delivery(ctx, a.CreditorID, deliveryID); err != nil {
			return err
		}
		ep, err := h.Endpoint(ctx, a.CreditorID, d.EndpointID)
		if err != nil {
			return err
		}
		if err := h.Replay(ctx, a.CreditorID, deliveryID); err != nil {
			return err
		}
		return a.audit(ctx, tx, "webhook.replayed", ep.URL, map[string]any{"state": d.State},
			map[string]any{"endpoint": ep.ID, "delivery": d.ID, "event": d.EventPublicID, "event_type": d.EventType,
				"state": hooks.StatePending})
	})
	return d, err
}
