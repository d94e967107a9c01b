package autopay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/store"
)

// Job kinds.
const (
	KindDueJob    = "autopay.due"    // periodic: place the charges that are due
	KindChargeJob = "autopay.charge" // one charge: ask Mollie for it
	KindRevokeJob = "autopay.revoke" // a revoked mandate: tell Mollie, cancel what is not sent yet
)

// ChargeAttempts is how often the charge job tries to reach Mollie
// before it gives the charge up (with ChargeBackoff, about three hours).
const ChargeAttempts = 20

// ChargeBackoff spaces the charge job's attempts: 2^n seconds up to ten
// minutes.
func ChargeBackoff(attempt int) time.Duration {
	if attempt >= 10 {
		return 10 * time.Minute
	}
	return min(time.Duration(1<<max(attempt, 1))*time.Second, 10*time.Minute)
}

// ChargeDue places the charges that are due at Service.Now: for each
// instalment, our payment row and its charge job, in one transaction
// under the plan's lock (see the package documentation). Any number of
// runs at once place each charge once. It returns how many it placed.
func (s *Service) ChargeDue(ctx context.Context) (int, error) {
	s.refreshMandates(ctx)
	due, err := s.Store.DueCharges(ctx, s.now(), 500)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, dc := range due {
		placed, err := s.place(ctx, dc)
		if err != nil {
			return n, err
		}
		if placed {
			n++
		}
	}
	return n, nil
}

// chargeJob is the charge job's payload.
type chargeJob struct {
	PaymentID int64 `json:"payment_id"`
}

// place inserts the payment row of one charge and enqueues its job, if
// the instalment is (still) to be charged.
func (s *Service) place(ctx context.Context, dc store.DueCharge) (placed bool, err error) {
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		plan, err := tx.Plan(ctx, dc.CreditorID, dc.DebtorID, dc.PlanID, true)
		if err != nil {
			return err
		}
		// Under the lock, everything again: the plan active with autopay
		// on a valid mandate, the instalment open and never charged.
		now := s.now()
		due, err := tx.DueCharge(ctx, plan.ID, dc.Seq, now)
		if ar.IsNotFound(err) {
			return errStop
		} else if err != nil {
			return err
		}
		c, err := tx.Creditor(ctx, plan.CreditorID)
		if err != nil {
			return err
		}
		requested, err := s.planInvoiceNumbers(ctx, tx, plan.ID)
		if err != nil {
			return err
		}
		seq := due.Seq
		p := &store.Payment{PublicID: ar.NewPublicID("pay"), CreditorID: c.ID, DebtorID: plan.DebtorID,
			Method: "directdebit", Status: "open", AmountMinor: due.OpenMinor, Currency: due.Currency,
			ValueDate: c.Today(now), CreatedAt: now, Provider: ptr(providerMollie), Requested: requested,
			PlanID: &plan.ID, InstalmentSeq: &seq, SequenceType: "recurring"}
		created, err := tx.CreateCharge(ctx, p)
		if err != nil {
			return err
		}
		if !created {
			return errStop // another run placed it (the unique index)
		}
		placed = true
		return tx.EnqueueJob(ctx, KindChargeJob, chargeJob{PaymentID: p.ID},
			jobs.UniqueKey(KindChargeJob+":"+p.PublicID), jobs.MaxAttempts(ChargeAttempts))
	})
	if errors.Is(err, errStop) {
		return false, nil
	}
	return placed, err
}

// Charge asks Mollie for the recurring payment of one of our charge rows
// (the charge job), with the row's public id as Idempotency-Key, and
// stores Mollie's id. It does nothing for a row that has its Mollie id
// or is no longer open, and cancels the row instead when the plan or
// the mandate no longer allow the charge. last marks the job's last
// attempt: a charge that still cannot be placed then fails.
func (s *Service) Charge(ctx context.Context, paymentID int64, last bool) error {
	p, err := s.Store.PaymentByID(ctx, paymentID)
	if err != nil {
		return err
	}
	if p.SequenceType != "recurring" || p.PlanID == nil || p.ProviderID != nil || p.Status != "open" {
		return nil
	}
	c, err := s.Store.Creditor(ctx, p.CreditorID)
	if err != nil {
		return err
	}
	d, err := s.Store.Debtor(ctx, c.ID, p.DebtorID)
	if err != nil {
		return err
	}
	var m *store.Mandate
	ok := false
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		lp, err := tx.LockPayment(ctx, p.ID)
		if err != nil {
			return err
		}
		if lp.ProviderID != nil || lp.Status != "open" {
			return nil
		}
		if m, ok, err = s.allowed(ctx, tx, lp); err != nil || ok {
			return err
		}
		s.log().InfoContext(ctx, "autopay: charge not placed: the plan or the mandate no longer allow it", "payment", lp.PublicID)
		lp.Status, lp.NextCheckAt = "canceled", nil
		return tx.UpdatePaymentState(ctx, lp)
	})
	if err != nil || !ok {
		return err
	}
	key, err := s.Checkout.KeyFor(ctx, c)
	if err != nil {
		return err
	}
	var mp *payments.Payment
	if s.now().Sub(p.CreatedAt) > 30*time.Minute {
		// Mollie may have made it and we never heard (a crash, a lost
		// answer) longer ago than it keeps idempotency keys: look first.
		if mp, err = s.find(ctx, key, m.CustomerID, p.PublicID); err != nil {
			return err
		}
	}
	if mp == nil {
		mp, err = s.Checkout.Mollie.Create(ctx, payments.CreateRequest{
			APIKey: key, IdempotencyKey: p.PublicID, AmountMinor: p.AmountMinor, Currency: p.Currency,
			Description:  description(c, d, *p.InstalmentSeq),
			WebhookURL:   s.Checkout.BaseURL + "/webhooks/mollie",
			SequenceType: "recurring", CustomerID: m.CustomerID, MandateID: *m.MandateID,
			Metadata: map[string]any{"settle_payment": p.PublicID, "customer_number": d.CustomerNumber,
				"instalment": *p.InstalmentSeq},
		})
	}
	if err != nil {
		switch st := payments.StatusOf(err); {
		case st == http.StatusUnprocessableEntity || st == http.StatusNotFound:
			// Mollie refuses it (the mandate is not valid any more, the
			// customer is gone): nothing was charged.
			return s.refused(ctx, c, d, p, m, key, err)
		case last:
			// Give up only when Mollie can say it has no such payment: a
			// charge it made must not lose its row.
			found, ferr := s.find(ctx, key, m.CustomerID, p.PublicID)
			if ferr != nil {
				return fmt.Errorf("autopay: charge %s: %w (and Mollie's list: %v)", p.PublicID, err, ferr)
			}
			if found == nil {
				return s.refused(ctx, c, d, p, m, key, err)
			}
			mp = found
		default:
			return fmt.Errorf("autopay: charge %s: %w", p.PublicID, err)
		}
	}
	if mp.AmountMinor != p.AmountMinor || mp.Currency != p.Currency {
		return jobs.Permanent(fmt.Errorf("autopay: Mollie's %s is %d %s, our %s %d %s", mp.ID, mp.AmountMinor, mp.Currency,
			p.PublicID, p.AmountMinor, p.Currency))
	}
	stillOK := true
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		lp, err := tx.LockPayment(ctx, p.ID)
		if err != nil {
			return err
		}
		if lp.ProviderID != nil {
			return nil // another run stored it (the same Mollie payment)
		}
		next := s.now().Add(5 * time.Minute)
		if err := tx.SetProviderPayment(ctx, lp.ID, mp.ID, "", mp.ExpiresAt, &next); err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: KindCharged,
			Actor: "system", Visibility: ar.VisibleToCustomer,
			Data: chargeData(ctx, tx, lp, map[string]any{"to": m.Details})}); err != nil {
			return err
		}
		// Revoked or ended while we asked? Then the charge goes back.
		_, stillOK, err = s.allowed(ctx, tx, lp)
		return err
	})
	if err != nil {
		return err
	}
	if !stillOK {
		if _, err := s.Checkout.Mollie.Cancel(ctx, key, mp.ID); err != nil {
			s.log().WarnContext(ctx, "autopay: cancel a charge after revocation", "payment", p.PublicID, "err", err)
		}
	}
	s.log().InfoContext(ctx, "autopay: charge placed", "payment", p.PublicID, "provider_id", mp.ID)
	if err := s.Checkout.Sync(ctx, p.ID); err != nil {
		s.log().WarnContext(ctx, "autopay: sync after the charge", "payment", p.PublicID, "err", err) // the reconciler follows up
	}
	return nil
}

// allowed checks, under the plan's lock, that a charge may be made: the
// plan is active with autopay, its mandate is the debtor's and valid.
func (s *Service) allowed(ctx context.Context, tx *store.Store, p *store.Payment) (*store.Mandate, bool, error) {
	plan, err := tx.Plan(ctx, p.CreditorID, p.DebtorID, *p.PlanID, true)
	if err != nil {
		return nil, false, err
	}
	if plan.Status != ar.PlanActive || !plan.Autopay || plan.MandateID == nil {
		return nil, false, nil
	}
	m, err := tx.MandateByID(ctx, p.CreditorID, *plan.MandateID)
	if err != nil {
		return nil, false, err
	}
	ok := m.Status == "valid" && m.MandateID != nil && m.DebtorID == p.DebtorID
	return m, ok, nil
}

// find looks for the Mollie payment of one of our rows among the
// customer's payments (by its settle_payment metadata).
func (s *Service) find(ctx context.Context, key, customerID, publicID string) (*payments.Payment, error) {
	list, err := s.Checkout.Mollie.CustomerPayments(ctx, key, customerID, 250)
	if err != nil {
		return nil, err
	}
	for i := range list {
		if v, _ := list[i].Metadata["settle_payment"].(string); v == publicID {
			return &list[i], nil
		}
	}
	return nil, nil
}

// refused ends a charge Mollie did not make: the row fails, the timeline
// says so, and the mandate's state is asked again (it may be invalid).
func (s *Service) refused(ctx context.Context, c *ar.Creditor, d *ar.Debtor, p *store.Payment, m *store.Mandate, key string, cause error) error {
	s.log().WarnContext(ctx, "autopay: charge refused", "payment", p.PublicID, "err", cause)
	var md *payments.Mandate
	if m.MandateID != nil {
		var err error
		md, err = s.Checkout.Mollie.GetMandate(ctx, key, m.CustomerID, *m.MandateID)
		if payments.StatusOf(err) == http.StatusNotFound {
			md = &payments.Mandate{ID: *m.MandateID, Status: "invalid"}
		} else if err != nil {
			s.log().WarnContext(ctx, "autopay: mandate after a refused charge", "err", err)
		}
	}
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		if _, err := tx.LockDebtor(ctx, c.ID, d.CustomerNumber); err != nil {
			return err
		}
		lp, err := tx.LockPayment(ctx, p.ID)
		if err != nil {
			return err
		}
		if lp.ProviderID != nil || lp.Status != "open" {
			return nil
		}
		lp.Status, lp.NextCheckAt = "failed", nil
		if err := tx.UpdatePaymentState(ctx, lp); err != nil {
			return err
		}
		if err := s.recordFailed(ctx, tx, lp, "failed"); err != nil {
			return err
		}
		if md != nil && md.Status != "valid" {
			return s.invalidate(ctx, tx, c, d, md.ID)
		}
		return nil
	})
}

// refreshMandates asks Mollie again about mandates it made that were not
// valid yet (best effort, before each charge run).
func (s *Service) refreshMandates(ctx context.Context) {
	list, err := s.Store.PendingMandates(ctx, 50)
	if err != nil {
		s.log().WarnContext(ctx, "autopay: pending mandates", "err", err)
		return
	}
	for _, m := range list {
		c, err := s.Store.Creditor(ctx, m.CreditorID)
		if err != nil {
			continue
		}
		key, err := s.Checkout.KeyFor(ctx, c)
		if err != nil {
			continue
		}
		md, err := s.Checkout.Mollie.GetMandate(ctx, key, m.CustomerID, *m.MandateID)
		if err != nil || md.Status == "pending" {
			continue
		}
		d, err := s.Store.Debtor(ctx, c.ID, m.DebtorID)
		if err != nil {
			continue
		}
		err = s.Store.InTx(ctx, func(tx *store.Store) error {
			if _, err := tx.LockDebtor(ctx, c.ID, d.CustomerNumber); err != nil {
				return err
			}
			cur, err := tx.LiveMandate(ctx, c.ID, d.ID, true)
			if err != nil || cur.ID != m.ID || cur.Status != "pending" {
				return err
			}
			if md.Status == "valid" {
				return tx.SetMandateState(ctx, m.ID, nil, "valid", MaskAccount(md.ConsumerAccount))
			}
			return s.invalidate(ctx, tx, c, d, md.ID)
		})
		if err != nil && !ar.IsNotFound(err) {
			s.log().WarnContext(ctx, "autopay: refresh mandate", "mandate", m.ID, "err", err)
		}
	}
}
