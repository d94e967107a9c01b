package molliesim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// refundable is what can still be refunded or charged back.
func (p *payment) refundable() int64 {
	return max(0, p.amount.Minor-p.refunded-p.chargedBack)
}

// createRefundLocked refunds part of a paid payment. The refund starts
// "pending" (the returned JSON shows it so) and is processed at once to
// "refunded", which calls the webhook.
func (s *Simulator) createRefundLocked(p *payment, amount money, desc string, md json.RawMessage, now time.Time) (*refundJSON, *apiErr) {
	if p.status != "paid" {
		return nil, unprocessable("", "The payment is "+p.status+" and cannot be refunded")
	}
	if amount.Currency != p.amount.Currency {
		return nil, unprocessable("amount.currency", "The refund currency must be the payment's currency "+p.amount.Currency)
	}
	if amount.Minor <= 0 {
		return nil, unprocessable("amount", "The amount is lower than the minimum")
	}
	if amount.Minor > p.refundable() {
		return nil, unprocessable("amount", "The amount is higher than the remaining amount "+money{p.amount.Currency, p.refundable()}.Value())
	}
	rf := &refund{id: newID("re_"), paymentID: p.id, amount: amount, status: "pending",
		description: desc, metadata: md, createdAt: now.Truncate(time.Second)}
	p.refunds = append(p.refunds, rf)
	s.refundList = append(s.refundList, rf)
	p.refunded += amount.Minor
	out := s.refundOut(rf)
	rf.status = "refunded"
	s.webhookLocked(p)
	return out, nil
}

func (s *Simulator) createChargebackLocked(p *payment, amount money, now time.Time) (*chargeback, error) {
	if p.status != "paid" {
		return nil, fmt.Errorf("%w: %s is %s, only paid payments are charged back", ErrInvalid, p.id, p.status)
	}
	if amount.Currency != p.amount.Currency || amount.Minor <= 0 || amount.Minor > p.refundable() {
		return nil, fmt.Errorf("%w: chargeback of %s %s on %s (remaining %s)", ErrInvalid,
			amount.Currency, amount.Value(), p.id, money{p.amount.Currency, p.refundable()}.Value())
	}
	cb := &chargeback{id: newID("chb_"), paymentID: p.id, amount: amount, createdAt: now.Truncate(time.Second)}
	p.chargebacks = append(p.chargebacks, cb)
	s.chargebacks = append(s.chargebacks, cb)
	p.chargedBack += amount.Minor
	s.webhookLocked(p)
	return cb, nil
}

func (s *Simulator) handleCreateRefund(w http.ResponseWriter, r *http.Request) {
	f, e := readFields(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	amount, ok, e := f.amount("amount")
	if e == nil && !ok {
		e = unprocessable("amount", "The amount is required for refunds")
	}
	var desc string
	if e == nil {
		desc, e = f.str("description")
	}
	var md json.RawMessage
	if e == nil {
		md, e = f.metadata()
	}
	if e != nil {
		writeErr(w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expireDueLocked(now)
	id := r.PathValue("id")
	p := s.payments[id]
	if p == nil {
		writeErr(w, notFound("payment", id))
		return
	}
	out, e := s.createRefundLocked(p, amount, desc, md, now)
	if e != nil {
		writeErr(w, e)
		return
	}
	writeJSON(w, http.StatusCreated, out)
}

func (s *Simulator) handleListPaymentRefunds(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	p := s.payments[id]
	if p == nil {
		writeErr(w, notFound("payment", id))
		return
	}
	s.writeRefundList(w, r, p.refunds)
}

func (s *Simulator) handleListRefunds(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeRefundList(w, r, s.refundList)
}

func (s *Simulator) writeRefundList(w http.ResponseWriter, r *http.Request, list []*refund) {
	rs := slices.Clone(list)
	slices.Reverse(rs)
	ids := make([]string, len(rs))
	for i, rf := range rs {
		ids[i] = rf.id
	}
	out, e := s.page(r, "refunds", ids, func(i int) any { return s.refundOut(rs[i]) }, "list-refunds")
	if e != nil {
		writeErr(w, e)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Simulator) handleGetRefund(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, rid := r.PathValue("id"), r.PathValue("rid")
	p := s.payments[id]
	if p == nil {
		writeErr(w, notFound("payment", id))
		return
	}
	for _, rf := range p.refunds {
		if rf.id == rid {
			writeJSON(w, http.StatusOK, s.refundOut(rf))
			return
		}
	}
	writeErr(w, notFound("refund", rid))
}

func (s *Simulator) handleListPaymentChargebacks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	p := s.payments[id]
	if p == nil {
		writeErr(w, notFound("payment", id))
		return
	}
	s.writeChargebackList(w, r, p.chargebacks)
}

func (s *Simulator) handleListChargebacks(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writeChargebackList(w, r, s.chargebacks)
}

func (s *Simulator) writeChargebackList(w http.ResponseWriter, r *http.Request, list []*chargeback) {
	cs := slices.Clone(list)
	slices.Reverse(cs)
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.id
	}
	out, e := s.page(r, "chargebacks", ids, func(i int) any { return s.chargebackOut(cs[i]) }, "list-chargebacks")
	if e != nil {
		writeErr(w, e)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Simulator) handleGetChargeback(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, cid := r.PathValue("id"), r.PathValue("cid")
	p := s.payments[id]
	if p == nil {
		writeErr(w, notFound("payment", id))
		return
	}
	for _, c := range p.chargebacks {
		if c.id == cid {
			writeJSON(w, http.StatusOK, s.chargebackOut(c))
			return
		}
	}
	writeErr(w, notFound("chargeback", cid))
}

// ---- test helpers ----

// SetStatus moves a payment as the hosted checkout (or, for pending and
// recurring payments, Mollie's processing) would, and calls the webhook
// for paid, failed, canceled and expired. status is one of open,
// pending, paid, failed, canceled, expired; a payment without a method
// gets the first one it may use ("open" just does that; "pending" leaves
// a bank transfer open). A paid first payment creates the customer's
// mandate.
func (s *Simulator) SetStatus(paymentID, status string) error {
	return s.SetStatusWithMethod(paymentID, status, "")
}

// SetStatusWithMethod is SetStatus choosing the method the customer paid
// with (ignored if the payment already has one).
func (s *Simulator) SetStatusWithMethod(paymentID, status, method string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expireDueLocked(now)
	p := s.payments[paymentID]
	if p == nil {
		return fmt.Errorf("%w: payment %s", ErrNotFound, paymentID)
	}
	return s.setStatusLocked(p, status, method, now)
}

// Refund refunds value (a Mollie value string in the payment's currency,
// "" for everything that remains) of a paid payment, like POST
// /v2/payments/{id}/refunds, and calls the webhook. It returns the
// refund's id.
func (s *Simulator) Refund(paymentID, value string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	p := s.payments[paymentID]
	if p == nil {
		return "", fmt.Errorf("%w: payment %s", ErrNotFound, paymentID)
	}
	amount, err := s.helperAmount(p, value)
	if err != nil {
		return "", err
	}
	out, e := s.createRefundLocked(p, amount, "Refund (simulator)", nil, now)
	if e != nil {
		return "", fmt.Errorf("%w: %s", ErrInvalid, e.detail)
	}
	return out.ID, nil
}

// Chargeback records a chargeback of value ("" for everything that
// remains) on a paid payment, which stays paid with amountChargedBack
// set, and calls the webhook. It returns the chargeback's id.
func (s *Simulator) Chargeback(paymentID, value string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	p := s.payments[paymentID]
	if p == nil {
		return "", fmt.Errorf("%w: payment %s", ErrNotFound, paymentID)
	}
	amount, err := s.helperAmount(p, value)
	if err != nil {
		return "", err
	}
	cb, err := s.createChargebackLocked(p, amount, now)
	if err != nil {
		return "", err
	}
	return cb.id, nil
}

func (s *Simulator) helperAmount(p *payment, value string) (money, error) {
	if value == "" {
		return money{p.amount.Currency, p.refundable()}, nil
	}
	m, err := parseMoney(p.amount.Currency, value)
	if err != nil {
		return money{}, fmt.Errorf("%w: amount %q in %s", ErrInvalid, value, p.amount.Currency)
	}
	return m, nil
}
