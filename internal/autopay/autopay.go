package autopay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/checkout"
	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/internal/payments"
	"github.com/settle/settle/internal/store"
)

// Service sets autopay up, charges instalments and follows what Mollie
// reports about them.
type Service struct {
	Store *store.Store
	// Checkout has the creditors' Mollie keys, the client, Settle's base
	// URL and the checkout hosts, and applies payments (Sync).
	Checkout *checkout.Service
	Log      *slog.Logger
	Now      func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Timeline kinds (customer-visible).
const (
	KindEnabled    = "autopay.enabled"          // autopay is on for a plan (data: plan, account)
	KindRevoked    = "autopay.revoked"          // the debtor revoked the mandate (data: account)
	KindInvalid    = "autopay.invalid"          // Mollie or the bank ended the mandate; autopay is off
	KindCharged    = "plan.instalment_charged"  // a direct debit was placed (data: plan, number, amount)
	KindFailed     = "plan.instalment_failed"   // a direct debit did not go through (data: … status)
	KindReopened   = "plan.instalment_reopened" // money of an instalment was taken back (data: … reason)
	providerMollie = "mollie"
)

// Kinds are the timeline kinds autopay writes.
var Kinds = []string{KindEnabled, KindRevoked, KindInvalid, KindCharged, KindFailed, KindReopened}

// Started is the outcome of SetUp: either a checkout to pay the first
// instalment at (which makes the mandate), or autopay on at once with
// the mandate the debtor gave already.
type Started struct {
	CheckoutURL string
	Enabled     bool
	Payment     *store.Payment // the first payment, with CheckoutURL
}

// SetUp turns autopay on for one of the debtor's active instalment plans
// (by public id). Errors: NotFound for a plan that is not the debtor's;
// Conflict with error.autopay.* keys otherwise (not_active, nothing_open,
// unavailable, provider, busy).
func (s *Service) SetUp(ctx context.Context, c *ar.Creditor, d *ar.Debtor, planPublicID, lang string) (*Started, error) {
	plan, err := s.Store.PlanByPublicID(ctx, c.ID, d.ID, planPublicID)
	if err != nil {
		return nil, err
	}
	if plan.Status != ar.PlanActive || plan.Kind != ar.PlanInstalments {
		return nil, ar.Errorf(ar.Conflict, "error.autopay.not_active")
	}
	if plan.Autopay {
		return &Started{Enabled: true}, nil
	}
	ins, err := s.Store.PlanInstalments(ctx, plan.ID)
	if err != nil {
		return nil, err
	}
	var next *store.PlanInstalment
	for i := range ins {
		if ins[i].Open() > 0 {
			next = &ins[i]
			break
		}
	}
	if next == nil {
		return nil, ar.Errorf(ar.Conflict, "error.autopay.nothing_open")
	}
	key, err := s.Checkout.KeyFor(ctx, c)
	if err != nil {
		return nil, ar.Errorf(ar.Conflict, "error.autopay.unavailable")
	}
	m, err := s.Store.LiveMandate(ctx, c.ID, d.ID, false)
	switch {
	case err == nil && m.Status == "valid":
		on, err := s.attach(ctx, c, d, plan.ID)
		if err != nil {
			return nil, err
		}
		if !on {
			return nil, ar.Errorf(ar.Conflict, "error.autopay.not_active")
		}
		return &Started{Enabled: true}, nil
	case ar.IsNotFound(err):
		if m, err = s.newCustomer(ctx, c, d, key); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	}
	// A double click, or back from the checkout and again: the first
	// payment still open goes to the same checkout.
	firsts, err := s.Store.PlanPayments(ctx, plan.ID, "first")
	if err != nil {
		return nil, err
	}
	for _, p := range firsts {
		if p.Status == "open" && p.CheckoutURL != "" && p.AmountMinor == next.Open() &&
			s.now().Sub(p.CreatedAt) < 15*time.Minute && (p.ExpiresAt == nil || p.ExpiresAt.After(s.now())) {
			return &Started{CheckoutURL: p.CheckoutURL, Payment: &p}, nil
		}
	}
	methods, err := s.Checkout.Mollie.SEPAFirstMethods(ctx, key, next.Open(), plan.Currency, mollieLocale(lang))
	if err != nil {
		s.log().WarnContext(ctx, "autopay: first-payment methods", "plan", plan.PublicID, "err", err)
		return nil, ar.Errorf(ar.Conflict, "error.autopay.provider")
	}
	if len(methods) == 0 {
		return nil, ar.Errorf(ar.Conflict, "error.autopay.unavailable")
	}
	requested, err := s.planInvoiceNumbers(ctx, s.Store, plan.ID)
	if err != nil {
		return nil, err
	}
	seq := next.Seq
	p := &store.Payment{PublicID: ar.NewPublicID("pay"), CreditorID: c.ID, DebtorID: d.ID, Method: "online",
		Status: "open", AmountMinor: next.Open(), Currency: plan.Currency, ValueDate: c.Today(s.now()),
		CreatedAt: s.now(), Provider: ptr(providerMollie), Requested: requested,
		PlanID: &plan.ID, InstalmentSeq: &seq, SequenceType: "first"}
	if err := s.Store.CreatePayment(ctx, p); err != nil {
		return nil, err
	}
	mp, err := s.Checkout.Mollie.Create(ctx, payments.CreateRequest{
		APIKey: key, IdempotencyKey: p.PublicID, AmountMinor: p.AmountMinor, Currency: p.Currency,
		Description: description(c, d, seq),
		RedirectURL: s.Checkout.BaseURL + "/account/payments/" + p.PublicID,
		WebhookURL:  s.Checkout.BaseURL + "/webhooks/mollie",
		Locale:      mollieLocale(lang), Methods: methods, SequenceType: "first", CustomerID: m.CustomerID,
		Metadata: map[string]any{"settle_payment": p.PublicID, "customer_number": d.CustomerNumber,
			"plan": plan.PublicID, "instalment": seq},
	})
	if err == nil && (mp.AmountMinor != p.AmountMinor || mp.Currency != p.Currency) {
		err = fmt.Errorf("provider payment %s is %d %s, ours %d %s", mp.ID, mp.AmountMinor, mp.Currency, p.AmountMinor, p.Currency)
	}
	if err == nil && !payments.CheckoutAllowed(mp.CheckoutURL, s.Checkout.CheckoutHosts) {
		err = fmt.Errorf("checkout URL of %s is on a host we do not send debtors to", mp.ID)
	}
	if err != nil {
		s.log().WarnContext(ctx, "autopay: first payment", "payment", p.PublicID, "err", err)
		return nil, ar.Errorf(ar.Conflict, "error.autopay.provider")
	}
	next5 := s.now().Add(5 * time.Minute) // the reconciler polls it like any checkout payment
	if err := s.Store.SetProviderPayment(ctx, p.ID, mp.ID, mp.CheckoutURL, mp.ExpiresAt, &next5); err != nil {
		return nil, err
	}
	p.ProviderID, p.CheckoutURL, p.ExpiresAt, p.NextCheckAt = &mp.ID, mp.CheckoutURL, mp.ExpiresAt, &next5
	s.log().InfoContext(ctx, "autopay: first payment started", "payment", p.PublicID, "plan", plan.PublicID)
	return &Started{CheckoutURL: mp.CheckoutURL, Payment: p}, nil
}

// newCustomer makes the debtor's Mollie customer and the pending mandate
// row that remembers it. Two requests at once make one row (the second
// finds the first's).
func (s *Service) newCustomer(ctx context.Context, c *ar.Creditor, d *ar.Debtor, key string) (*store.Mandate, error) {
	lang := d.Language
	if lang == "" {
		lang = c.DefaultLanguage
	}
	// The key is the debtor's: a retry (or a race) within Mollie's hour
	// finds the same customer. The body must then be the same, so it
	// holds nothing that depends on the request.
	id, err := s.Checkout.Mollie.CreateCustomer(ctx, key, fmt.Sprintf("settle-customer-%d-%d", c.ID, d.ID),
		d.Name, d.Email, mollieLocale(lang), map[string]any{"customer_number": d.CustomerNumber})
	if err != nil {
		s.log().WarnContext(ctx, "autopay: create customer", "err", err)
		return nil, ar.Errorf(ar.Conflict, "error.autopay.provider")
	}
	m := &store.Mandate{CreditorID: c.ID, DebtorID: d.ID, CustomerID: id, CreatedAt: s.now()}
	if err := s.Store.CreateMandate(ctx, m); err != nil {
		if e, ok := ar.AsError(err); ok && e.Code == ar.Conflict {
			return s.Store.LiveMandate(ctx, c.ID, d.ID, false)
		}
		return nil, err
	}
	return m, nil
}

// attach turns autopay on for a plan with the debtor's valid mandate; it
// reports whether autopay is on.
func (s *Service) attach(ctx context.Context, c *ar.Creditor, d *ar.Debtor, planID int64) (on bool, err error) {
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if _, err := tx.LockDebtor(ctx, c.ID, d.CustomerNumber); err != nil {
			return err
		}
		m, err := tx.LiveMandate(ctx, c.ID, d.ID, true)
		if ar.IsNotFound(err) {
			return nil
		} else if err != nil {
			return err
		}
		plan, err := tx.Plan(ctx, c.ID, d.ID, planID, true)
		if err != nil {
			return err
		}
		if plan.Autopay {
			on = true
			return nil
		}
		if m.Status != "valid" || plan.Status != ar.PlanActive {
			return nil
		}
		on = true
		return s.enable(ctx, tx, plan, m)
	})
	return on, err
}

// enable turns autopay on for a plan, with the timeline entry.
func (s *Service) enable(ctx context.Context, tx *store.Store, plan *store.Plan, m *store.Mandate) error {
	if err := tx.SetPlanAutopay(ctx, plan, true, &m.ID); err != nil {
		return err
	}
	return tx.AddInteraction(ctx, &ar.Interaction{CreditorID: plan.CreditorID, DebtorID: plan.DebtorID, Kind: KindEnabled,
		Actor: "debtor", Visibility: ar.VisibleToCustomer,
		Data: map[string]any{"plan": plan.PublicID, "to": m.Details}})
}

// PlanPaymentApplied follows a plan's payment after checkout applied
// Mollie's state (see checkout.PlanPayments).
func (s *Service) PlanPaymentApplied(ctx context.Context, tx *store.Store, c *ar.Creditor, d *ar.Debtor, p *store.Payment,
	from string, mp *payments.Payment, md *payments.Mandate, reversed map[string]int64) error {
	if p.SequenceType == "first" && p.Status == "paid" {
		if err := s.activate(ctx, tx, c, d, p, mp, md); err != nil {
			return err
		}
	}
	if p.SequenceType == "recurring" && (from == "open" || from == "pending") &&
		(p.Status == "failed" || p.Status == "canceled" || p.Status == "expired") {
		if err := s.recordFailed(ctx, tx, p, p.Status); err != nil {
			return err
		}
	}
	if md != nil && md.Status == "invalid" {
		if err := s.invalidate(ctx, tx, c, d, md.ID); err != nil {
			return err
		}
	}
	var back int64
	for _, v := range reversed {
		back += v
	}
	if back > 0 {
		reason := "refund"
		if reversed["chargeback"] > 0 {
			reason = "chargeback"
		}
		return s.reopen(ctx, tx, c, d, p, back, reason)
	}
	return nil
}

// activate records the mandate a paid first payment made and turns
// autopay on for its plan (once: later reports change nothing).
func (s *Service) activate(ctx context.Context, tx *store.Store, c *ar.Creditor, d *ar.Debtor, p *store.Payment, mp *payments.Payment, md *payments.Mandate) error {
	if mp.MandateID == "" {
		s.log().WarnContext(ctx, "autopay: a paid first payment without a mandate", "payment", p.PublicID)
		return nil
	}
	m, err := tx.LiveMandate(ctx, c.ID, d.ID, true)
	if ar.IsNotFound(err) {
		return s.revokedMeanwhile(ctx, tx, c, d, p, mp)
	} else if err != nil {
		return err
	}
	if m.CustomerID != mp.CustomerID || m.Status != "pending" {
		return nil
	}
	status, details := "valid", ""
	if md != nil {
		status, details = md.Status, MaskAccount(md.ConsumerAccount)
	}
	if status != "valid" && status != "pending" {
		status = "invalid"
	}
	if err := tx.SetMandateState(ctx, m.ID, &mp.MandateID, status, details); err != nil {
		return err
	}
	m.Status, m.MandateID = status, &mp.MandateID
	if details != "" {
		m.Details = details
	}
	if status == "invalid" || p.PlanID == nil {
		return nil
	}
	plan, err := tx.Plan(ctx, c.ID, d.ID, *p.PlanID, true)
	if err != nil {
		return err
	}
	if plan.Status != ar.PlanActive || plan.Autopay {
		return nil
	}
	return s.enable(ctx, tx, plan, m)
}

// revokedMeanwhile handles a first payment paid after the debtor revoked
// the set-up (at the checkout in another tab, say): the payment counts,
// but the mandate Mollie made from it is revoked too (by the revoke job,
// which now knows its id).
func (s *Service) revokedMeanwhile(ctx context.Context, tx *store.Store, c *ar.Creditor, d *ar.Debtor, p *store.Payment, mp *payments.Payment) error {
	s.log().InfoContext(ctx, "autopay: first payment paid after the mandate was revoked", "payment", p.PublicID)
	last, err := tx.LatestMandate(ctx, c.ID, d.ID)
	if ar.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if last.Status != "revoked" || last.CustomerID != mp.CustomerID || last.MandateID != nil {
		return nil
	}
	if err := tx.SetMandateState(ctx, last.ID, &mp.MandateID, "revoked", ""); err != nil {
		return err
	}
	return tx.EnqueueJob(ctx, KindRevokeJob, revokeJob{CreditorID: c.ID, MandateID: last.ID},
		jobs.UniqueKey(KindRevokeJob+":"+mp.MandateID), jobs.MaxAttempts(ChargeAttempts))
}

// recordFailed writes a charge that did not go through on the timeline.
func (s *Service) recordFailed(ctx context.Context, tx *store.Store, p *store.Payment, status string) error {
	return tx.AddInteraction(ctx, &ar.Interaction{CreditorID: p.CreditorID, DebtorID: p.DebtorID, Kind: KindFailed,
		Actor: "system", Visibility: ar.VisibleToCustomer, Data: chargeData(ctx, tx, p, map[string]any{"status": status})})
}

// invalidate records that Mollie no longer accepts the debtor's mandate
// (the bank refused it, the debtor revoked it at the bank): autopay is
// off for its plans.
func (s *Service) invalidate(ctx context.Context, tx *store.Store, c *ar.Creditor, d *ar.Debtor, mollieMandateID string) error {
	m, err := tx.LiveMandate(ctx, c.ID, d.ID, true)
	if ar.IsNotFound(err) {
		return nil
	} else if err != nil {
		return err
	}
	if m.MandateID == nil || *m.MandateID != mollieMandateID {
		return nil
	}
	if err := tx.SetMandateState(ctx, m.ID, nil, "invalid", ""); err != nil {
		return err
	}
	if err := s.autopayOff(ctx, tx, c.ID, m.ID); err != nil {
		return err
	}
	return tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: KindInvalid,
		Actor: "system", Visibility: ar.VisibleToCustomer, Data: map[string]any{"to": m.Details}})
}

// autopayOff turns autopay off for every plan on a mandate.
func (s *Service) autopayOff(ctx context.Context, tx *store.Store, creditorID, mandateRowID int64) error {
	plans, err := tx.MandatePlans(ctx, creditorID, mandateRowID, true)
	if err != nil {
		return err
	}
	for i := range plans {
		if plans[i].Autopay {
			if err := tx.SetPlanAutopay(ctx, &plans[i], false, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// reopen takes money that went back to the debtor off the plan's
// instalments, while the plan runs. (A plan that ended meanwhile keeps
// its state; the reversal reopened the invoices, which are no longer
// held, so they go on as normal.)
func (s *Service) reopen(ctx context.Context, tx *store.Store, c *ar.Creditor, d *ar.Debtor, p *store.Payment, amount int64, reason string) error {
	plan, err := tx.Plan(ctx, c.ID, d.ID, *p.PlanID, true)
	if err != nil {
		return err
	}
	if plan.Status != ar.PlanActive {
		return nil
	}
	seq := 0
	if p.InstalmentSeq != nil {
		seq = *p.InstalmentSeq
	}
	reopened, err := tx.ReopenInstalments(ctx, plan.ID, seq, amount)
	if err != nil {
		return err
	}
	seqs := make([]int, 0, len(reopened))
	for k := range reopened {
		seqs = append(seqs, k)
	}
	slices.Sort(seqs)
	for _, k := range seqs {
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: KindReopened,
			Actor: "system", Visibility: ar.VisibleToCustomer,
			Data: map[string]any{"plan": plan.PublicID, "number": strconv.Itoa(k), "amount_minor": reopened[k],
				"currency": p.Currency, "reason": reason}}); err != nil {
			return err
		}
	}
	return nil
}

// chargeData is the timeline data of a charge: its plan, instalment and
// amount, plus extra.
func chargeData(ctx context.Context, tx *store.Store, p *store.Payment, extra map[string]any) map[string]any {
	data := map[string]any{"amount_minor": p.AmountMinor, "currency": p.Currency, "payment_id": p.PublicID}
	if p.InstalmentSeq != nil {
		data["number"] = strconv.Itoa(*p.InstalmentSeq)
	}
	if p.PlanID != nil {
		if plan, err := tx.Plan(ctx, p.CreditorID, p.DebtorID, *p.PlanID, false); err == nil {
			data["plan"] = plan.PublicID
		}
	}
	for k, v := range extra {
		data[k] = v
	}
	return data
}

// planInvoiceNumbers is the JSON list of a plan's invoice numbers: what a
// payment toward the plan is allocated to.
func (s *Service) planInvoiceNumbers(ctx context.Context, st *store.Store, planID int64) ([]byte, error) {
	invs, err := st.PlanInvoices(ctx, planID)
	if err != nil {
		return nil, err
	}
	numbers := make([]string, 0, len(invs))
	for _, in := range invs {
		numbers = append(numbers, in.Number)
	}
	return json.Marshal(numbers)
}

// MaskAccount shows enough of an account for its owner to recognise it:
// "NL55INGB0000000000" → "NL55 •••• 0000", a card's "6787" → "•••• 6787".
func MaskAccount(acct string) string {
	acct = strings.ToUpper(strings.ReplaceAll(acct, " ", ""))
	switch {
	case len(acct) >= 12:
		return acct[:4] + " •••• " + acct[len(acct)-4:]
	case len(acct) >= 4:
		return "•••• " + acct[len(acct)-4:]
	case acct == "":
		return ""
	}
	return "••••"
}

func description(c *ar.Creditor, d *ar.Debtor, seq int) string {
	return fmt.Sprintf("%s %s #%d", c.Name, d.CustomerNumber, seq)
}

func mollieLocale(lang string) string {
	if lang == "en" {
		return "en_US"
	}
	return "de_DE"
}

func ptr[T any](v T) *T { return &v }

// errStop ends a transaction early without an error for the caller.
var errStop = errors.New("autopay: nothing to do")
