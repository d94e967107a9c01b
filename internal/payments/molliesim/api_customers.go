package molliesim

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

func (s *Simulator) handleCreateCustomer(w http.ResponseWriter, r *http.Request) {
	f, e := readFields(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	c := &customer{}
	if c.name, e = f.str("name"); e == nil {
		if c.email, e = f.str("email"); e == nil && c.email != "" && !validEmail(c.email) {
			e = unprocessable("email", "The email address is invalid")
		}
	}
	if e == nil {
		if c.locale, e = f.str("locale"); e == nil {
			e = checkLocale("locale", c.locale)
		}
	}
	if e == nil {
		c.metadata, e = f.metadata()
	}
	if e != nil {
		writeErr(w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c.id, c.createdAt = newID("cst_"), s.now().Truncate(time.Second)
	s.customers[c.id] = c
	s.customerList = append(s.customerList, c)
	writeJSON(w, http.StatusCreated, s.customerOut(c))
}

func (s *Simulator) handleGetCustomer(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	c := s.customers[id]
	if c == nil {
		writeErr(w, notFound("customer", id))
		return
	}
	writeJSON(w, http.StatusOK, s.customerOut(c))
}

func (s *Simulator) handleListCustomers(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := slices.Clone(s.customerList)
	slices.Reverse(cs)
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.id
	}
	out, e := s.page(r, "customers", ids, func(i int) any { return s.customerOut(cs[i]) }, "list-customers")
	if e != nil {
		writeErr(w, e)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Simulator) handleListCustomerPayments(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireDueLocked(s.now())
	id := r.PathValue("id")
	if s.customers[id] == nil {
		writeErr(w, notFound("customer", id))
		return
	}
	var list []*payment
	for _, p := range s.paymentList {
		if p.customerID == id {
			list = append(list, p)
		}
	}
	s.writePaymentList(w, r, list, "list-customer-payments")
}

func (s *Simulator) handleListMandates(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	c := s.customers[id]
	if c == nil {
		writeErr(w, notFound("customer", id))
		return
	}
	ms := slices.Clone(c.mandates)
	slices.Reverse(ms)
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.id
	}
	out, e := s.page(r, "mandates", ids, func(i int) any { return s.mandateOut(ms[i]) }, "list-mandates")
	if e != nil {
		writeErr(w, e)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Simulator) customerMandate(r *http.Request) (*mandate, *apiErr) {
	id, mid := r.PathValue("id"), r.PathValue("mid")
	if s.customers[id] == nil {
		return nil, notFound("customer", id)
	}
	m := s.mandates[mid]
	if m == nil || m.customerID != id {
		return nil, notFound("mandate", mid)
	}
	return m, nil
}

func (s *Simulator) handleGetMandate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.customerMandate(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	writeJSON(w, http.StatusOK, s.mandateOut(m))
}

// handleRevokeMandate serves DELETE …/mandates/{mid}: the mandate
// becomes invalid and can no longer be charged.
func (s *Simulator) handleRevokeMandate(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, e := s.customerMandate(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	m.status = "invalid"
	writeBody(w, http.StatusNoContent, "", nil)
}

// handleCreateMandate serves POST /v2/customers/{id}/mandates for SEPA
// Direct Debit mandates the merchant collected itself.
func (s *Simulator) handleCreateMandate(w http.ResponseWriter, r *http.Request) {
	f, e := readFields(r)
	if e != nil {
		writeErr(w, e)
		return
	}
	var meth, name, account, bic, ref, sig string
	for _, x := range []struct {
		field string
		dst   *string
	}{{"method", &meth}, {"consumerName", &name}, {"consumerAccount", &account}, {"consumerBic", &bic}, {"mandateReference", &ref}, {"signatureDate", &sig}} {
		if e == nil {
			*x.dst, e = f.str(x.field)
		}
	}
	account = strings.ToUpper(strings.ReplaceAll(account, " ", ""))
	var sigDate time.Time
	switch {
	case e != nil:
	case meth != "directdebit":
		e = unprocessable("method", "The simulator creates directdebit mandates only")
	case name == "":
		e = unprocessable("consumerName", "The consumer name is required")
	case !validIBAN(account):
		e = unprocessable("consumerAccount", "The consumer account is not a valid IBAN")
	case sig != "":
		var err error
		if sigDate, err = time.Parse(time.DateOnly, sig); err != nil {
			e = unprocessable("signatureDate", "The signature date must be YYYY-MM-DD")
		}
	}
	if e != nil {
		writeErr(w, e)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id := r.PathValue("id")
	c := s.customers[id]
	if c == nil {
		writeErr(w, notFound("customer", id))
		return
	}
	now := s.now().Truncate(time.Second)
	if sigDate.IsZero() {
		sigDate = now
	}
	if sigDate.After(now) {
		writeErr(w, unprocessable("signatureDate", "The signature date cannot be in the future"))
		return
	}
	details := map[string]any{"consumerName": name, "consumerAccount": account}
	if bic != "" {
		details["consumerBic"] = bic
	}
	m := &mandate{id: newID("mdt_"), customerID: id, method: "directdebit", status: "valid",
		details: details, reference: ref, signatureDate: sigDate, createdAt: now}
	c.mandates = append(c.mandates, m)
	s.mandates[m.id] = m
	writeJSON(w, http.StatusCreated, s.mandateOut(m))
}

// validIBAN checks an IBAN's shape and ISO 7064 mod-97 check digits.
func validIBAN(v string) bool {
	if len(v) < 15 || len(v) > 34 {
		return false
	}
	rearranged := v[4:] + v[:4]
	rem := 0
	for i, c := range rearranged {
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			if i >= len(rearranged)-2 {
				return false // check digits
			}
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
	}
	return rem == 1
}
