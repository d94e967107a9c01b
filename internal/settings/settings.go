package settings

import (
	"context"
	"time"

	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/store"
)

// Service changes a creditor's settings.
type Service struct {
	Store *store.Store
	Hooks *hooks.Service // nil: webhooks are not available
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Actor is the admin making a change, on a creditor's settings.
type Actor struct {
	StaffID    int64
	CreditorID int64
}

// audit writes an audit entry of the actor in tx.
func (a Actor) audit(ctx context.Context, tx *store.Store, action, subject string, before, after any) error {
	return tx.AddAudit(ctx, &a.StaffID, &a.CreditorID, action, subject, before, after)
}
