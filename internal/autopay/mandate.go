package autopay

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/store"
)

// MandateView is the debtor's mandate with the plans that use it.
type MandateView struct {
	store.Mandate
	Plans []store.Plan // autopay on or once on, newest first
}

// Live reports whether the mandate can still be used (pending or valid).
func (v *MandateView) Live() bool { return v.Status == "pending" || v.Status == "valid" }

// Mandate returns the debtor's mandate: the live one, else the newest
// (revoked or invalid); NotFound when there never was one.
func (s *Service) Mandate(ctx context.Context, creditorID, debtorID int64) (*MandateView, error) {
	m, err := s.Store.LatestMandate(ctx, creditorID, debtorID)
	if err != nil {
		return nil, err
	}
	plans, err := s.Store.MandatePlans(ctx, creditorID, m.ID, false)
	if err != nil {
		return nil, err
	}
	return &MandateView{Mandate: *m, Plans: plans}, nil
}

// revokeJob is the revoke job's payload.
type revokeJob struct {
	CreditorID int64 `json:"creditor_id"`
	MandateID  int64 `json:"mandate_id"` // our row
}

// Revoke revokes the debtor's mandate: at once for Settle (no charge is
// placed from now on; autopay is off for every plan), then at Mollie
// (Mollie refuses any later charge) with the charges not yet sent to the
// bank cancelled. The Mollie part is retried by the autopay.revoke job
// until it worked. Conflict error.autopay.no_mandate when there is none.
func (s *Service) Revoke(ctx context.Context, c *ar.Creditor, d *ar.Debtor) error {
	var mandateID int64
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		if _, err := tx.LockDebtor(ctx, c.ID, d.CustomerNumber); err != nil {
			return err
		}
		m, err := tx.LiveMandate(ctx, c.ID, d.ID, true)
		if ar.IsNotFound(err) {
			return ar.Errorf(ar.Conflict, "error.autopay.no_mandate")
		} else if err != nil {
			return err
		}
		mandateID = m.ID
		if err := tx.RevokeMandate(ctx, m.ID, s.now()); err != nil {
			return err
		}
		if err := s.autopayOff(ctx, tx, c.ID, m.ID); err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: KindRevoked,
			Actor: "debtor", Visibility: ar.VisibleToCustomer, Data: map[string]any{"to": m.Details}}); err != nil {
			return err
		}
		return tx.EnqueueJob(ctx, KindRevokeJob, revokeJob{CreditorID: c.ID, MandateID: m.ID},
			jobs.UniqueKey(KindRevokeJob+":"+strconv.FormatInt(m.ID, 10)), jobs.MaxAttempts(ChargeAttempts))
	})
	if err != nil {
		return err
	}
	if err := s.FinishRevoke(ctx, c.ID, mandateID); err != nil {
		s.log().WarnContext(ctx, "autopay: revoke at Mollie (the job retries)", "mandate", mandateID, "err", err)
	}
	return nil
}

// FinishRevoke tells Mollie about a mandate revoked here and cancels the
// debtor's charges Mollie has not sent to the bank yet. Repeating it is
// harmless.
func (s *Service) FinishRevoke(ctx context.Context, creditorID, mandateRowID int64) error {
	m, err := s.Store.MandateByID(ctx, creditorID, mandateRowID)
	if err != nil {
		return err
	}
	if m.Status != "revoked" {
		return nil
	}
	c, err := s.Store.Creditor(ctx, creditorID)
	if err != nil {
		return err
	}
	key, err := s.Checkout.KeyFor(ctx, c)
	if err != nil {
		return err
	}
	if m.MandateID != nil {
		if err := s.Checkout.Mollie.RevokeMandate(ctx, key, m.CustomerID, *m.MandateID); err != nil {
			return err
		}
	}
	charges, err := s.Store.LiveCharges(ctx, creditorID, m.DebtorID)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range charges {
		if _, err := s.Checkout.Mollie.Cancel(ctx, key, *p.ProviderID); err != nil &&
			payments.StatusOf(err) != http.StatusUnprocessableEntity { // already with the bank, or final
			errs = append(errs, err)
			continue
		}
		if err := s.Checkout.Sync(ctx, p.ID); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Handlers are the job handlers of autopay, by kind: the charge run, one
// charge, and a revocation's Mollie part.
func (s *Service) Handlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{
		KindDueJob: func(ctx context.Context, _ *jobs.Job) error {
			n, err := s.ChargeDue(ctx)
			if n > 0 {
				s.log().InfoContext(ctx, "autopay: charges placed", "charges", n)
			}
			return err
		},
		KindChargeJob: func(ctx context.Context, job *jobs.Job) error {
			var p chargeJob
			if err := json.Unmarshal(job.Payload, &p); err != nil {
				return jobs.Permanent(err)
			}
			return s.Charge(ctx, p.PaymentID, job.Attempt >= job.MaxAttempts)
		},
		KindRevokeJob: func(ctx context.Context, job *jobs.Job) error {
			var p revokeJob
			if err := json.Unmarshal(job.Payload, &p); err != nil {
				return jobs.Permanent(err)
			}
			return s.FinishRevoke(ctx, p.CreditorID, p.MandateID)
		},
	}
}
