package checkout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/sealbox"
	"github.com/settle/settle/internal/store"
)

// Service starts portal payments and applies the provider's reports.
type Service struct {
	Store   *store.Store
	Billing *billing.Service
	Mollie  *payments.Client
	Box     *sealbox.Box // opens creditors' sealed Mollie keys
	// FallbackKey is used for creditors without a key of their own:
	// MOLLIE_API_KEY, or the simulator's test key.
	FallbackKey   string
	BaseURL       string   // Settle's public URL, for redirect and webhook URLs
	CheckoutHosts []string // where debtors may be sent
	Log           *slog.Logger
	Now           func() time.Time
	// Autopay is told about payments toward payment plans (autopay's first
	// payments and recurring charges) in apply's transaction; nil: none.
	Autopay PlanPayments
}

// PlanPayments follows payments that belong to a payment plan. apply
// calls it, in its transaction and under the payment's and the debtor's
// row locks, after writing the provider's state to p (from is the status
// before): a paid first payment makes the mandate usable, a failed
// recurring charge goes on the timeline, money taken back (reversed, by
// kind: refund, chargeback) reopens instalments. md is the payment's
// mandate as the provider has it now (nil when it has none).
type PlanPayments interface {
	PlanPaymentApplied(ctx context.Context, tx *store.Store, c *ar.Creditor, d *ar.Debtor, p *store.Payment,
		from string, mp *payments.Payment, md *payments.Mandate, reversed map[string]int64) error
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// KeyFor returns the Mollie key of a creditor.
func (s *Service) KeyFor(ctx context.Context, c *ar.Creditor) (string, error) {
	sealed, err := s.Store.CreditorMollieKey(ctx, c.ID)
	if err != nil {
		return "", err
	}
	if sealed != nil && s.Box != nil {
		key, err := s.Box.Open(sealed, KeyContext(c.ID))
		if err != nil {
			return "", fmt.Errorf("checkout: creditor %s: %w", c.Slug, err)
		}
		return string(key), nil
	}
	if s.FallbackKey != "" {
		return s.FallbackKey, nil
	}
	return "", payments.ErrNoKey
}

// KeyContext binds a sealed Mollie key to its creditor.
func KeyContext(creditorID int64) string { return fmt.Sprintf("mollie-key:creditor:%d", creditorID) }

// Methods lists the methods the creditor offers for an amount.
func (s *Service) Methods(ctx context.Context, c *ar.Creditor, amountMinor int64, lang, country string) ([]payments.Method, error) {
	key, err := s.KeyFor(ctx, c)
	if err != nil {
		return nil, err
	}
	return s.Mollie.Methods(ctx, key, amountMinor, c.Currency, mollieLocale(lang), country)
}

func mollieLocale(lang string) string {
	if lang == "en" {
		return "en_US"
	}
	return "de_DE"
}

// Request is what the debtor asks to pay.
type Request struct {
	AmountMinor    int64
	InvoiceNumbers []string // chosen invoices, in order; empty: oldest due first
	Method         string   // "" lets the checkout offer all
	Lang           string
}

// Start begins a payment and returns it with the checkout URL to send
// the debtor to. A second start of the same payment within 15 minutes
// (a double click, a reload) returns the payment already open.
func (s *Service) Start(ctx context.Context, c *ar.Creditor, d *ar.Debtor, req Request) (*store.Payment, error) {
	key, err := s.KeyFor(ctx, c)
	if err != nil {
		return nil, ar.Errorf(ar.Conflict, "error.pay.unavailable")
	}
	invs, err := s.Store.Invoices(ctx, c.ID, d.ID)
	if err != nil {
		return nil, err
	}
	sum := ar.Summarize(c.Currency, invs, c.Today(s.now()))
	if err := validate(req, invs, sum); err != nil {
		return nil, err
	}
	requested, _ := json.Marshal(nonNil(req.InvoiceNumbers))
	if p, err := s.Store.ReusablePayment(ctx, c.ID, d.ID, req.AmountMinor, requested, s.now().Add(-15*time.Minute)); err == nil && p.CheckoutURL != "" {
		return p, nil
	} else if err != nil && !ar.IsNotFound(err) {
		return nil, err
	}
	provider := "mollie"
	check := s.now().Add(time.Minute) // an orphan (crash before Mollie answered) is retried
	p := &store.Payment{PublicID: ar.NewPublicID("pay"), CreditorID: c.ID, DebtorID: d.ID, Method: "online",
		Status: "open", AmountMinor: req.AmountMinor, Currency: c.Currency, ValueDate: c.Today(s.now()),
		Reference: "", CreatedAt: s.now(), Provider: &provider, Requested: requested, NextCheckAt: &check}
	if err := s.Store.CreatePayment(ctx, p); err != nil {
		return nil, err
	}
	if err := s.create(ctx, c, d, p, key, req.Method, req.Lang); err != nil {
		s.Log.WarnContext(ctx, "payment: provider create failed", "payment", p.PublicID, "err", err)
		return nil, ar.Errorf(ar.Conflict, "error.pay.provider")
	}
	return p, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// validate checks the amount against what is open and the chosen
// invoices against the debtor's open ones.
func validate(req Request, invs []ar.Invoice, sum ar.Summary) error {
	if sum.OpenMinor <= 0 {
		return ar.FieldError("amount", "error.pay.nothing_open", nil)
	}
	limit := sum.OpenMinor
	if len(req.InvoiceNumbers) > 0 {
		open := map[string]int64{}
		for _, inv := range invs {
			open[inv.Number] = inv.OpenMinor
		}
		limit = 0
		for _, n := range req.InvoiceNumbers {
			o, ok := open[n]
			if !ok || o <= 0 {
				return ar.FieldError("invoices", "error.pay.invoice_not_open", map[string]any{"Number": n})
			}
			limit += o
		}
	}
	switch {
	case req.AmountMinor < 100 && req.AmountMinor != limit:
		return ar.FieldError("amount", "error.pay.amount_min", nil)
	case req.AmountMinor > limit:
		return ar.FieldError("amount", "error.pay.amount_max", nil)
	case req.AmountMinor <= 0:
		return ar.FieldError("amount", "error.pay.amount_min", nil)
	}
	return nil
}

// create asks Mollie for the payment with our id as Idempotency-Key and
// records its id and checkout.
func (s *Service) create(ctx context.Context, c *ar.Creditor, d *ar.Debtor, p *store.Payment, key, method, lang string) error {
	mp, err := s.Mollie.Create(ctx, payments.CreateRequest{
		APIKey: key, IdempotencyKey: p.PublicID, AmountMinor: p.AmountMinor, Currency: p.Currency,
		Description: fmt.Sprintf("%s %s", c.Name, d.CustomerNumber),
		RedirectURL: s.BaseURL + "/account/payments/" + p.PublicID,
		WebhookURL:  s.BaseURL + "/webhooks/mollie",
		Locale:      mollieLocale(lang), Method: method,
		Metadata: map[string]any{"settle_payment": p.PublicID, "customer_number": d.CustomerNumber},
	})
	if err != nil {
		return err
	}
	if mp.AmountMinor != p.AmountMinor || mp.Currency != p.Currency {
		return fmt.Errorf("provider payment %s is %d %s, ours %d %s", mp.ID, mp.AmountMinor, mp.Currency, p.AmountMinor, p.Currency)
	}
	if !payments.CheckoutAllowed(mp.CheckoutURL, s.CheckoutHosts) {
		return fmt.Errorf("checkout URL of %s is on a host we do not send debtors to", mp.ID)
	}
	next := s.now().Add(5 * time.Minute)
	if err := s.Store.SetProviderPayment(ctx, p.ID, mp.ID, mp.CheckoutURL, mp.ExpiresAt, &next); err != nil {
		return err
	}
	p.ProviderID, p.CheckoutURL, p.ExpiresAt, p.NextCheckAt = &mp.ID, mp.CheckoutURL, mp.ExpiresAt, &next
	return nil
}

// ErrUnknown means no payment of ours has that provider id.
var ErrUnknown = errors.New("checkout: unknown provider payment")

// SyncProviderID applies the provider's state of the payment with that
// provider id (the webhook's job).
func (s *Service) SyncProviderID(ctx context.Context, providerID string) error {
	p, err := s.Store.PaymentByProviderID(ctx, "mollie", providerID)
	if ar.IsNotFound(err) {
		return ErrUnknown
	} else if err != nil {
		return err
	}
	return s.Sync(ctx, p.ID)
}

// Sync fetches a payment from the provider and applies its state.
func (s *Service) Sync(ctx context.Context, paymentID int64) error {
	p, err := s.Store.PaymentByID(ctx, paymentID) // apply locks it again inside its transaction
	if err != nil {
		return err
	}
	c, err := s.Store.Creditor(ctx, p.CreditorID)
	if err != nil {
		return err
	}
	key, err := s.KeyFor(ctx, c)
	if err != nil {
		return err
	}
	if p.ProviderID == nil && p.SequenceType != "" && p.SequenceType != "oneoff" {
		return nil // autopay places its payments itself (internal/autopay)
	}
	if p.ProviderID == nil {
		// Our row exists but Mollie's answer was lost: ask again with the
		// same Idempotency-Key (Mollie keeps keys an hour), or give up.
		if s.now().Sub(p.CreatedAt) > 50*time.Minute {
			return s.Store.InTx(ctx, func(tx *store.Store) error {
				lp, err := tx.LockPayment(ctx, p.ID)
				if err != nil || lp.ProviderID != nil {
					return err
				}
				lp.Status, lp.NextCheckAt = "failed", nil
				return tx.UpdatePaymentState(ctx, lp)
			})
		}
		d, err := s.Store.Debtor(ctx, c.ID, p.DebtorID)
		if err != nil {
			return err
		}
		return s.create(ctx, c, d, p, key, "", c.DefaultLanguage)
	}
	mp, err := s.Mollie.Get(ctx, key, *p.ProviderID)
	if err != nil {
		return err
	}
	var md *payments.Mandate
	if s.Autopay != nil && p.PlanID != nil && mp.Final() && mp.CustomerID != "" && mp.MandateID != "" {
		// A paid first payment made this mandate; a failed charge may have
		// made it invalid. Fetched before the transaction.
		if md, err = s.Mollie.GetMandate(ctx, key, mp.CustomerID, mp.MandateID); err != nil {
			return err
		}
	}
	return s.applyWith(ctx, c, p.ID, mp, md)
}

// apply writes the provider's state under the payment's row lock.
func (s *Service) apply(ctx context.Context, c *ar.Creditor, paymentID int64, mp *payments.Payment) error {
	return s.applyWith(ctx, c, paymentID, mp, nil)
}

// applyWith is apply with the payment's mandate (autopay).
func (s *Service) applyWith(ctx context.Context, c *ar.Creditor, paymentID int64, mp *payments.Payment, md *payments.Mandate) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		p, err := tx.LockPayment(ctx, paymentID)
		if err != nil {
			return err
		}
		if mp.AmountMinor != p.AmountMinor || mp.Currency != p.Currency {
			s.Log.ErrorContext(ctx, "payment: provider amount differs from ours; not applied",
				"payment", p.PublicID, "provider_id", mp.ID)
			return nil
		}
		d, err := tx.Debtor(ctx, c.ID, p.DebtorID)
		if err != nil {
			return err
		}
		if _, err := tx.LockDebtor(ctx, c.ID, d.CustomerNumber); err != nil {
			return err
		}
		before := p.Status
		if mp.Method != "" {
			p.Method = mp.Method
		}
		switch {
		case p.Status == "paid" || p.Status == "reversed":
			// final for us; only refunds and chargebacks below
		case mp.Status == "paid":
			p.Status, p.PaidAt = "paid", mp.PaidAt
			if p.PaidAt == nil {
				now := s.now()
				p.PaidAt = &now
			}
			var numbers []string
			json.Unmarshal(p.Requested, &numbers)
			p.ValueDate = c.Today(*p.PaidAt)
			if _, err := s.Billing.ApplyPaid(ctx, tx, c, d, p, numbers); err != nil {
				return err
			}
		case mp.Status == "failed" || mp.Status == "canceled" || mp.Status == "expired":
			p.Status = mp.Status
			if _, err := tx.AddEvent(ctx, c.ID, &d.ID, "payment.failed", map[string]any{
				"payment_id": p.PublicID, "customer_number": d.CustomerNumber, "status": mp.Status,
				"amount_minor": p.AmountMinor, "currency": p.Currency}); err != nil {
				return err
			}
			// A failed direct debit of autopay is not the debtor's doing:
			// Autopay writes its own entry.
			if p.SequenceType != "recurring" || s.Autopay == nil {
				if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: "payment.failed",
					Actor: "debtor", Visibility: ar.VisibleToCustomer,
					Data: map[string]any{"status": mp.Status, "amount_minor": p.AmountMinor, "currency": p.Currency}}); err != nil {
					return err
				}
			}
		case mp.Status == "pending" || mp.Status == "authorized":
			p.Status = "pending"
		}
		// Money taken back after payment reopens what it paid.
		reversed := map[string]int64{}
		if p.Status == "paid" || p.Status == "reversed" {
			for _, r := range []struct {
				kind      string
				got, seen int64
			}{{"refund", mp.RefundedMinor, p.RefundedMinor}, {"chargeback", mp.ChargedBackMinor, p.ChargedBackMinor}} {
				if delta := r.got - r.seen; delta > 0 {
					reversed[r.kind] = delta
					if err := tx.BookReversal(ctx, p, r.kind, delta); err != nil {
						return err
					}
					// A refund is ours; a chargeback is the debtor's bank
					// taking money back: staff must follow it up.
					if r.kind == "chargeback" {
						if err := tx.AddChargebackTask(ctx, p, delta); err != nil {
							return err
						}
					}
					if _, err := tx.AddEvent(ctx, c.ID, &d.ID, "payment.reversed", map[string]any{
						"payment_id": p.PublicID, "customer_number": d.CustomerNumber, "reason": r.kind,
						"amount_minor": delta, "currency": p.Currency}); err != nil {
						return err
					}
					if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: "payment.reversed",
						Actor: "system", Visibility: ar.VisibleToCustomer,
						Data: map[string]any{"reason": r.kind, "amount_minor": delta, "currency": p.Currency}}); err != nil {
						return err
					}
				}
			}
			p.RefundedMinor, p.ChargedBackMinor = max(p.RefundedMinor, mp.RefundedMinor), max(p.ChargedBackMinor, mp.ChargedBackMinor)
			if p.RefundedMinor+p.ChargedBackMinor >= p.AmountMinor {
				p.Status = "reversed"
			}
		}
		if s.Autopay != nil && p.PlanID != nil {
			if err := s.Autopay.PlanPaymentApplied(ctx, tx, c, d, p, before, mp, md, reversed); err != nil {
				return err
			}
		}
		p.Checks++
		p.NextCheckAt = s.nextCheck(p, mp)
		if p.Status != before {
			s.Log.InfoContext(ctx, "payment state", "payment", p.PublicID, "from", before, "to", p.Status)
		}
		return tx.UpdatePaymentState(ctx, p)
	})
}

// nextCheck is the reconciler's schedule: Mollie sends no webhook for
// open or pending payments, and webhooks can be lost. Every 5 minutes in
// the first hour, then hourly until a day after expiry; final payments
// are not polled (refunds and chargebacks come by webhook).
func (s *Service) nextCheck(p *store.Payment, mp *payments.Payment) *time.Time {
	if p.Status != "open" && p.Status != "pending" {
		return nil
	}
	now := s.now()
	if mp.ExpiresAt != nil && now.After(mp.ExpiresAt.Add(24*time.Hour)) {
		return nil
	}
	next := now.Add(time.Hour)
	if now.Sub(p.CreatedAt) < time.Hour {
		next = now.Add(5 * time.Minute)
	}
	return &next
}

// Reconcile syncs payments whose check is due; it returns how many.
func (s *Service) Reconcile(ctx context.Context, limit int) (int, error) {
	due, err := s.Store.PaymentsDue(ctx, s.now(), limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range due {
		if err := s.Sync(ctx, p.ID); err != nil {
			s.Log.WarnContext(ctx, "reconcile: payment", "payment", p.PublicID, "err", err)
			if derr := s.Store.DelayPaymentCheck(ctx, p.ID, s.now().Add(10*time.Minute)); derr != nil {
				return n, derr
			}
			continue
		}
		n++
	}
	return n, nil
}
