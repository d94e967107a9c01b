package molliesim

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// methodList parses "method": null, "ideal" or ["ideal", "creditcard"].
func (f fields) methodList() ([]string, *apiErr) {
	if !f.present("method") {
		return nil, nil
	}
	var one string
	if json.Unmarshal(f["method"], &one) == nil {
		if one == "" {
			return nil, nil
		}
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(f["method"], &many); err != nil {
		return nil, unprocessable("method", "The method must be a string or an array of strings")
	}
	out := many[:0:0]
	for _, m := range many {
		if m != "" && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

// handleCreatePayment serves POST /v2/payments and
// POST /v2/customers/{id}/payments.
func (s *Simulator) handleCreatePayment(w http.ResponseWriter, r *http.Request) {
	f, e := readFields(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	s.expireDueLocked(now)
	p, e := s.newPaymentLocked(f, r.PathValue("id"), now)
	if e != nil {
		writeErr(w, e)
		return
	}
	p.idemKey = r.Header.Get("Idempotency-Key")
	s.payments[p.id] = p
	s.paymentList = append(s.paymentList, p)
	writeJSON(w, http.StatusCreated, s.paymentOut(p))
}

// newPaymentLocked validates a create-payment body like Mollie and builds
// the payment.
func (s *Simulator) newPaymentLocked(f fields, pathCustomer string, now time.Time) (*payment, *apiErr) {
	if pathCustomer != "" && s.customers[pathCustomer] == nil {
		return nil, notFound("customer", pathCustomer)
	}
	amount, ok, e := f.amount("amount")
	if e != nil {
		return nil, e
	}
	if !ok {
		return nil, unprocessable("amount", "The amount is required for payments")
	}
	if amount.Minor <= 0 {
		return nil, unprocessable("amount", "The amount is lower than the minimum")
	}
	desc, e := f.str("description")
	if e != nil {
		return nil, e
	}
	if desc == "" {
		return nil, unprocessable("description", "The description is required for payments")
	}
	for utf8.RuneCountInString(desc) > 255 {
		_, size := utf8.DecodeLastRuneInString(desc)
		desc = desc[:len(desc)-size]
	}
	seq, e := f.str("sequenceType")
	if e != nil {
		return nil, e
	}
	switch seq {
	case "":
		seq = "oneoff"
	case "oneoff", "first", "recurring":
	default:
		return nil, unprocessable("sequenceType", "The sequence type is invalid; use oneoff, first or recurring")
	}
	p := &payment{
		id: newID("tr_"), createdAt: now.Truncate(time.Second), amount: amount,
		description: desc, status: "open", sequenceType: seq,
	}
	for _, u := range []struct {
		field, what string
		dst         *string
	}{{"redirectUrl", "redirect", &p.redirectURL}, {"cancelUrl", "cancel", &p.cancelURL}, {"webhookUrl", "webhook", &p.webhookURL}} {
		v, e := f.str(u.field)
		if e == nil {
			e = checkURL(u.field, v, u.what)
		}
		if e != nil {
			return nil, e
		}
		*u.dst = v
	}
	if p.redirectURL == "" && seq != "recurring" {
		return nil, unprocessable("redirectUrl", "The redirect URL is required for payments")
	}
	if p.locale, e = f.str("locale"); e != nil {
		return nil, e
	}
	if e = checkLocale("locale", p.locale); e != nil {
		return nil, e
	}
	if p.metadata, e = f.metadata(); e != nil {
		return nil, e
	}
	if p.restrictCountry, e = f.str("restrictPaymentMethodsToCountry"); e != nil {
		return nil, e
	}
	if c := p.restrictCountry; c != "" && (len(c) != 2 || strings.ToUpper(c) != c) {
		return nil, unprocessable("restrictPaymentMethodsToCountry", "The country code is invalid")
	}
	if p.billingEmail, e = f.str("billingEmail"); e != nil {
		return nil, e
	}
	if p.billingEmail != "" && !validEmail(p.billingEmail) {
		return nil, unprocessable("billingEmail", "The billing email address is invalid")
	}
	methods, e := f.methodList()
	if e != nil {
		return nil, e
	}
	for _, id := range methods {
		if s.method(id) == nil {
			return nil, unprocessable("method", "The payment method "+id+" is invalid or not activated on this profile")
		}
	}
	if p.customerID, e = f.str("customerId"); e != nil {
		return nil, e
	}
	if pathCustomer != "" {
		p.customerID = pathCustomer
	}
	if p.customerID != "" && s.customers[p.customerID] == nil {
		return nil, unprocessable("customerId", "The customer id is invalid")
	}
	if p.mandateID, e = f.str("mandateId"); e != nil {
		return nil, e
	}

	if seq == "recurring" {
		return s.recurringLocked(p, methods, now)
	}
	if p.mandateID != "" {
		return nil, unprocessable("mandateId", "A mandate can only be used for recurring payments")
	}
	if seq == "first" && p.customerID == "" {
		return nil, unprocessable("customerId", "A customer is required for a first payment")
	}
	// The amount must fit at least one method the customer may use.
	p.allowed = methods
	el := s.eligible(p)
	if len(el) == 0 {
		return nil, s.whyNoMethod(p, methods)
	}
	p.expiresAt = p.createdAt.Add(15 * time.Minute)
	if len(methods) == 1 {
		p.allowed = nil
		s.applyMethodLocked(p, el[0], p.createdAt)
		p.expiresAt = expiryFor(el[0], p.createdAt)
	}
	return p, nil
}

// whyNoMethod explains, as Mollie does, why no method takes the payment.
func (s *Simulator) whyNoMethod(p *payment, wanted []string) *apiErr {
	reasons := map[string]bool{}
	for _, m := range s.methods {
		if wanted != nil && !slices.Contains(wanted, m.ID) {
			continue
		}
		if !m.acceptsSequence(p.sequenceType) {
			reasons["sequence"] = true
			continue
		}
		reasons[m.amountCheck(p.amount)] = true
	}
	switch {
	case reasons["minimum"]:
		return unprocessable("amount", "The amount is lower than the minimum")
	case reasons["maximum"]:
		return unprocessable("amount", "The amount is higher than the maximum")
	case reasons["currency"]:
		return unprocessable("amount.currency", "The currency "+p.amount.Currency+" is not supported by the enabled payment methods")
	}
	return unprocessable("method", "No enabled payment method supports a "+p.sequenceType+" payment")
}

// recurringLocked charges a customer's mandate: the payment starts
// pending, without a checkout.
func (s *Simulator) recurringLocked(p *payment, methods []string, now time.Time) (*payment, *apiErr) {
	if p.customerID == "" {
		return nil, unprocessable("customerId", "A customer is required for a recurring payment")
	}
	c := s.customers[p.customerID]
	var md *mandate
	if p.mandateID != "" {
		md = s.mandates[p.mandateID]
		if md == nil || md.customerID != c.id {
			return nil, unprocessable("mandateId", "The mandate id is invalid")
		}
		if md.status != "valid" {
			return nil, unprocessable("mandateId", "The mandate is not valid")
		}
	} else {
		for i := len(c.mandates) - 1; i >= 0; i-- {
			m := c.mandates[i]
			if m.status == "valid" && (methods == nil || slices.Contains(methods, m.method)) {
				md = m
				break
			}
		}
		if md == nil {
			return nil, unprocessable("customerId", "No suitable mandates found for the customer")
		}
	}
	if methods != nil && !slices.Contains(methods, md.method) {
		return nil, unprocessable("method", "The method does not match the mandate's method "+md.method)
	}
	m := s.method(md.method)
	if m == nil || !m.Recurring {
		return nil, unprocessable("mandateId", "The mandate's method "+md.method+" is not activated for recurring payments")
	}
	switch m.amountCheck(p.amount) {
	case "minimum":
		return nil, unprocessable("amount", "The amount is lower than the minimum")
	case "maximum":
		return nil, unprocessable("amount", "The amount is higher than the maximum")
	case "currency":
		return nil, unprocessable("amount.currency", "The currency is not supported by "+md.method)
	}
	p.mandateID, p.method, p.status = md.id, md.method, "pending"
	p.details = map[string]any{}
	for k, v := range md.details {
		if k != "cardFingerprint" && k != "cardExpiryDate" {
			p.details[k] = v
		}
	}
	if md.method == "directdebit" {
		p.details["transferReference"] = "SD" + randString("0123456789", 2) + "-" + randString("0123456789", 4) + "-" + randString("0123456789", 4) + "-" + randString("0123456789", 4)
		p.details["creditorIdentifier"] = "NL08ZZZ502057730000"
		p.details["dueDate"] = now.AddDate(0, 0, 3).Format(time.DateOnly)
		p.details["signatureDate"] = md.signatureDate.Format(time.DateOnly)
	}
	return p, nil
}

func validEmail(v string) bool {
	local, domain, ok := strings.Cut(v, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(v, " \t\r\n<>")
}

func (s *Simulator) handleGetPayment(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireDueLocked(s.now())
	id := r.PathValue("id")
	p := s.payments[id]
	if p == nil {
		writeErr(w, notFound("payment", id))
		return
	}
	writeJSON(w, http.StatusOK, s.paymentOut(p))
}

func (s *Simulator) handleListPayments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireDueLocked(s.now())
	s.writePaymentList(w, r, s.paymentList, "list-payments")
}

func (s *Simulator) writePaymentList(w http.ResponseWriter, r *http.Request, list []*payment, doc string) {
	ps := slices.Clone(list)
	slices.Reverse(ps) // newest first
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.id
	}
	out, e := s.page(r, "payments", ids, func(i int) any { return s.paymentOut(ps[i]) }, doc)
	if e != nil {
		writeErr(w, e)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// handleUpdatePayment serves PATCH /v2/payments/{id} for open payments.
func (s *Simulator) handleUpdatePayment(w http.ResponseWriter, r *http.Request) {
	f, e := readFields(r)
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
	if p.status != "open" {
		writeErr(w, unprocessable("", "The payment cannot be updated because it is "+p.status))
		return
	}
	upd := *p
	if f.present("description") {
		if upd.description, e = f.str("description"); e == nil && upd.description == "" {
			e = unprocessable("description", "The description cannot be empty")
		}
	}
	for _, u := range []struct {
		field, what string
		dst         *string
	}{{"redirectUrl", "redirect", &upd.redirectURL}, {"cancelUrl", "cancel", &upd.cancelURL}, {"webhookUrl", "webhook", &upd.webhookURL}} {
		if e == nil && f.present(u.field) {
			var v string
			if v, e = f.str(u.field); e == nil {
				e = checkURL(u.field, v, u.what)
			}
			*u.dst = v
		}
	}
	if e == nil && f.present("locale") {
		if upd.locale, e = f.str("locale"); e == nil {
			e = checkLocale("locale", upd.locale)
		}
	}
	if e == nil && f.present("metadata") {
		upd.metadata, e = f.metadata()
	}
	var newMethod *method
	if e == nil && f.present("method") {
		var id string
		if id, e = f.str("method"); e == nil {
			for _, m := range s.eligible(&upd) {
				if m.ID == id {
					newMethod = m
				}
			}
			if newMethod == nil {
				e = unprocessable("method", "The payment method "+id+" is not available for this payment")
			}
		}
	}
	if e != nil {
		writeErr(w, e)
		return
	}
	*p = upd
	if newMethod != nil && newMethod.ID != p.method {
		p.details, p.allowed = nil, nil
		s.applyMethodLocked(p, newMethod, now)
	}
	writeJSON(w, http.StatusOK, s.paymentOut(p))
}

// handleCancelPayment serves DELETE /v2/payments/{id}: Mollie lets a
// merchant cancel open or pending bank transfer and direct debit
// payments (isCancelable).
func (s *Simulator) handleCancelPayment(w http.ResponseWriter, r *http.Request) {
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
	if isFinal(p.status) || (p.method != "banktransfer" && p.method != "directdebit") {
		writeErr(w, unprocessable("", "The payment cannot be canceled"))
		return
	}
	_ = s.setStatusLocked(p, "canceled", "", now)
	writeJSON(w, http.StatusOK, s.paymentOut(p))
}
