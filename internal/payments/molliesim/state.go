package molliesim

import (
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

type payment struct {
	id              string
	createdAt       time.Time
	amount          money
	description     string
	redirectURL     string
	cancelURL       string
	webhookURL      string
	metadata        json.RawMessage // nil: null
	locale          string
	restrictCountry string
	method          string   // "": not chosen yet (JSON null)
	allowed         []string // methods the merchant allowed; nil: all
	status          string
	sequenceType    string
	customerID      string
	mandateID       string
	billingEmail    string
	idemKey         string
	expiresAt       time.Time
	paidAt          time.Time
	canceledAt      time.Time
	expiredAt       time.Time
	failedAt        time.Time
	refunded        int64
	chargedBack     int64
	details         map[string]any
	refunds         []*refund
	chargebacks     []*chargeback
}

type refund struct {
	id          string
	paymentID   string
	amount      money
	status      string
	description string
	metadata    json.RawMessage
	createdAt   time.Time
}

type chargeback struct {
	id        string
	paymentID string
	amount    money
	createdAt time.Time
}

type customer struct {
	id        string
	name      string
	email     string
	locale    string
	metadata  json.RawMessage
	createdAt time.Time
	mandates  []*mandate // creation order
}

type mandate struct {
	id            string
	customerID    string
	method        string // directdebit, creditcard, paypal
	status        string // valid, pending, invalid
	details       map[string]any
	reference     string
	signatureDate time.Time
	createdAt     time.Time
}

func isFinal(status string) bool {
	switch status {
	case "paid", "failed", "canceled", "expired":
		return true
	}
	return false
}

func (s *Simulator) method(id string) *method {
	for _, m := range s.methods {
		if m.ID == id {
			return m
		}
	}
	return nil
}

// eligible returns the methods the payment can still be paid with.
func (s *Simulator) eligible(p *payment) []*method {
	var out []*method
	for _, m := range s.methods {
		if !m.acceptsSequence(p.sequenceType) || m.amountCheck(p.amount) != "" {
			continue
		}
		if p.allowed != nil && !slices.Contains(p.allowed, m.ID) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// expiryFor returns when a payment with method m, created or switched to
// m at t, expires. Bank transfers get 12 days, plus one or two when the
// 12th is a Saturday or Sunday.
func expiryFor(m *method, t time.Time) time.Time {
	e := t.Add(m.Expiry)
	if m.ID == "banktransfer" {
		switch e.Weekday() {
		case time.Saturday:
			e = e.AddDate(0, 0, 2)
		case time.Sunday:
			e = e.AddDate(0, 0, 1)
		}
	}
	return e
}

// applyMethodLocked fixes the payment's method, as the checkout does when
// the customer picks one.
func (s *Simulator) applyMethodLocked(p *payment, m *method, now time.Time) {
	p.method = m.ID
	if m.ID == "banktransfer" {
		p.details = map[string]any{
			"bankName":          "Stichting Mollie Payments",
			"bankAccount":       "NL53ABNA0627535577",
			"bankBic":           "ABNANL2A",
			"transferReference": newCreditorReference(),
		}
		if p.billingEmail != "" {
			p.details["billingEmail"] = p.billingEmail
		}
		p.expiresAt = expiryFor(m, now)
	}
}

// setStatusLocked moves a payment as the hosted checkout (or Mollie's
// processing) would. methodID chooses the method if none is fixed yet
// ("" = the first eligible one).
func (s *Simulator) setStatusLocked(p *payment, status, methodID string, now time.Time) error {
	switch status {
	case "open", "pending", "paid", "failed", "canceled", "expired":
	default:
		return fmt.Errorf("%w: status %q (want open, pending, paid, failed, canceled or expired)", ErrInvalid, status)
	}
	if isFinal(p.status) {
		return fmt.Errorf("%w: %s is %s", ErrFinal, p.id, p.status)
	}
	if p.status == "pending" && status == "open" {
		return fmt.Errorf("%w: %s is pending and cannot return to open", ErrInvalid, p.id)
	}
	if p.method == "" && status != "canceled" && status != "expired" {
		var m *method
		el := s.eligible(p)
		for _, c := range el {
			if methodID == "" || c.ID == methodID {
				m = c
				break
			}
		}
		if m == nil {
			return fmt.Errorf("%w: method %q is not available for %s", ErrInvalid, methodID, p.id)
		}
		s.applyMethodLocked(p, m, now)
	}
	switch status {
	case "open":
		return nil
	case "pending":
		if p.method == "banktransfer" {
			return nil // waits, open, for the customer's transfer
		}
		p.status = "pending"
		return nil
	case "paid":
		p.status, p.paidAt = "paid", now
		s.paidDetailsLocked(p)
		if p.sequenceType == "first" {
			s.createMandateFromLocked(p, now)
		}
	case "failed":
		p.status, p.failedAt = "failed", now
		s.failedDetailsLocked(p)
	case "canceled":
		p.status, p.canceledAt = "canceled", now
	case "expired":
		p.status, p.expiredAt = "expired", now
	}
	s.webhookLocked(p)
	return nil
}

// expireDueLocked expires open and pending payments whose expiresAt has
// passed (Mollie expires them; the simulator does it when anyone looks).
func (s *Simulator) expireDueLocked(now time.Time) {
	for _, p := range s.paymentList {
		if (p.status == "open" || p.status == "pending") && !p.expiresAt.IsZero() && !now.Before(p.expiresAt) {
			p.status, p.expiredAt = "expired", p.expiresAt
			s.webhookLocked(p)
		}
	}
}

const testIBAN, testBIC, testName = "NL55INGB0000000000", "INGBNL2A", "T. TEST"

func (s *Simulator) paidDetailsLocked(p *payment) {
	if p.details == nil {
		p.details = map[string]any{}
	}
	d := p.details
	switch p.method {
	case "creditcard":
		d["cardHolder"], d["cardNumber"], d["cardLabel"] = testName, "6787", "Mastercard"
		d["cardAudience"], d["cardCountryCode"], d["cardSecurity"] = "consumer", "NL", "3dsecure"
		d["cardFingerprint"], d["feeRegion"] = randString(idAlphabet, 22), "intra-eu"
	case "paypal":
		d["consumerName"], d["consumerAccount"] = testName, "buyer@example.org"
		d["paypalReference"] = randString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 17)
		d["paypalPayerId"] = randString("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", 13)
		d["sellerProtection"] = "Eligible"
	case "directdebit":
		// set at creation from the mandate
	case "klarna":
	default:
		d["consumerName"], d["consumerAccount"], d["consumerBic"] = testName, testIBAN, testBIC
	}
	if len(d) == 0 {
		p.details = nil
	}
}

// cardFailures are Mollie's "magic amounts" that make a failed test card
// payment carry a failureReason.
var cardFailures = map[string]string{
	"1001.00": "invalid_card_number", "1002.00": "invalid_cvv", "1003.00": "invalid_card_holder_name",
	"1004.00": "card_expired", "1005.00": "invalid_card_type", "1006.00": "refused_by_issuer",
	"1007.00": "insufficient_funds", "1008.00": "inactive_card", "1009.00": "possible_fraud",
	"1010.00": "authentication_failed", "1011.00": "card_declined",
}

func (s *Simulator) failedDetailsLocked(p *payment) {
	switch p.method {
	case "creditcard":
		if reason, ok := cardFailures[p.amount.Value()]; ok {
			if p.details == nil {
				p.details = map[string]any{}
			}
			p.details["failureReason"] = reason
		}
	case "directdebit":
		if p.details == nil {
			p.details = map[string]any{}
		}
		p.details["bankReasonCode"], p.details["bankReason"] = "MS02", "Refused by debtor"
	}
}

// createMandateFromLocked creates the mandate a paid first payment
// leaves behind: a card payment gives a creditcard mandate, PayPal a
// paypal one, every other method a directdebit mandate.
func (s *Simulator) createMandateFromLocked(p *payment, now time.Time) {
	c := s.customers[p.customerID]
	if c == nil {
		return
	}
	md := &mandate{
		id: newID("mdt_"), customerID: c.id, status: "valid",
		signatureDate: now, createdAt: now,
	}
	switch p.method {
	case "creditcard":
		md.method = "creditcard"
		exp := time.Date(now.Year()+3, now.Month()+1, 0, 0, 0, 0, 0, time.UTC)
		md.details = map[string]any{"cardHolder": testName, "cardNumber": "6787", "cardLabel": "Mastercard",
			"cardFingerprint": randString(idAlphabet, 22), "cardExpiryDate": exp.Format(time.DateOnly)}
	case "paypal":
		md.method = "paypal"
		md.details = map[string]any{"consumerName": testName, "consumerAccount": "buyer@example.org"}
	default:
		md.method = "directdebit"
		md.details = map[string]any{"consumerName": testName, "consumerAccount": testIBAN, "consumerBic": testBIC}
	}
	c.mandates = append(c.mandates, md)
	s.mandates[md.id] = md
	p.mandateID = md.id
}

// newCreditorReference returns an ISO 11649 reference formatted as Mollie
// shows bank transfer references ("RF12-3456-7890-1234").
func newCreditorReference() string {
	ref := randString("0123456789", 12)
	n, _ := new(big.Int).SetString(ref+"271500", 10) // "RF00" → 27 15 00
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	s := fmt.Sprintf("RF%02d%s", check, ref)
	var b strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s[i:min(i+4, len(s))])
	}
	return b.String()
}

// ---- JSON ----

// mtime writes Mollie's timestamp format, "2018-03-20T13:13:37+00:00".
type mtime time.Time

func (t mtime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format("2006-01-02T15:04:05-07:00") + `"`), nil
}

func tp(t time.Time) *mtime {
	if t.IsZero() {
		return nil
	}
	m := mtime(t)
	return &m
}

type link struct {
	Href string `json:"href"`
	Type string `json:"type"`
}

const (
	halJSON  = "application/hal+json"
	textHTML = "text/html"
	docsBase = "https://docs.mollie.com/reference/"
)

func (s *Simulator) apiLink(path string) *link { return &link{s.base + path, halJSON} }
func docLink(page string) *link                { return &link{docsBase + page, textHTML} }

type paymentJSON struct {
	Resource                        string           `json:"resource"`
	ID                              string           `json:"id"`
	Mode                            string           `json:"mode"`
	CreatedAt                       mtime            `json:"createdAt"`
	Amount                          *amountJSON      `json:"amount"`
	Description                     string           `json:"description"`
	Method                          *string          `json:"method"`
	Metadata                        json.RawMessage  `json:"metadata"`
	Status                          string           `json:"status"`
	IsCancelable                    *bool            `json:"isCancelable,omitempty"`
	PaidAt                          *mtime           `json:"paidAt,omitempty"`
	CanceledAt                      *mtime           `json:"canceledAt,omitempty"`
	ExpiresAt                       *mtime           `json:"expiresAt,omitempty"`
	ExpiredAt                       *mtime           `json:"expiredAt,omitempty"`
	FailedAt                        *mtime           `json:"failedAt,omitempty"`
	AmountRefunded                  *amountJSON      `json:"amountRefunded,omitempty"`
	AmountRemaining                 *amountJSON      `json:"amountRemaining,omitempty"`
	AmountChargedBack               *amountJSON      `json:"amountChargedBack,omitempty"`
	SettlementAmount                *amountJSON      `json:"settlementAmount,omitempty"`
	Locale                          string           `json:"locale,omitempty"`
	RestrictPaymentMethodsToCountry string           `json:"restrictPaymentMethodsToCountry,omitempty"`
	Details                         map[string]any   `json:"details"`
	ProfileID                       string           `json:"profileId"`
	SequenceType                    string           `json:"sequenceType"`
	RedirectURL                     *string          `json:"redirectUrl"`
	CancelURL                       string           `json:"cancelUrl,omitempty"`
	WebhookURL                      string           `json:"webhookUrl,omitempty"`
	CustomerID                      string           `json:"customerId,omitempty"`
	MandateID                       string           `json:"mandateId,omitempty"`
	Links                           map[string]*link `json:"_links"`
}

func (s *Simulator) paymentOut(p *payment) *paymentJSON {
	out := &paymentJSON{
		Resource: "payment", ID: p.id, Mode: "test", CreatedAt: mtime(p.createdAt),
		Amount: p.amount.out(), Description: p.description, Metadata: p.metadata,
		Status: p.status, Locale: p.locale, RestrictPaymentMethodsToCountry: p.restrictCountry,
		Details: p.details, ProfileID: s.profileID, SequenceType: p.sequenceType,
		CancelURL: p.cancelURL, WebhookURL: p.webhookURL, CustomerID: p.customerID, MandateID: p.mandateID,
		PaidAt: tp(p.paidAt), CanceledAt: tp(p.canceledAt), ExpiredAt: tp(p.expiredAt), FailedAt: tp(p.failedAt),
	}
	if out.Metadata == nil {
		out.Metadata = json.RawMessage("null")
	}
	if p.method != "" {
		m := p.method
		out.Method = &m
	}
	if p.redirectURL != "" {
		r := p.redirectURL
		out.RedirectURL = &r
	}
	if !isFinal(p.status) {
		c := p.method == "banktransfer" || p.method == "directdebit"
		out.IsCancelable = &c
		out.ExpiresAt = tp(p.expiresAt)
	}
	if p.status == "paid" {
		out.AmountRefunded = money{p.amount.Currency, p.refunded}.out()
		out.AmountRemaining = money{p.amount.Currency, max(0, p.amount.Minor-p.refunded-p.chargedBack)}.out()
		out.SettlementAmount = p.amount.out()
	}
	if p.chargedBack > 0 {
		out.AmountChargedBack = money{p.amount.Currency, p.chargedBack}.out()
	}
	checkout := &link{s.CheckoutURL(p.id), textHTML}
	l := map[string]*link{
		"self":          s.apiLink("v2/payments/" + p.id),
		"dashboard":     checkout,
		"documentation": docLink("get-payment"),
	}
	if p.status == "open" && p.sequenceType != "recurring" {
		l["checkout"] = checkout
	}
	if (p.sequenceType == "recurring" && !isFinal(p.status)) || p.status == "paid" {
		l["changePaymentState"] = checkout
	}
	if p.method == "banktransfer" && !isFinal(p.status) {
		l["status"], l["payOnline"] = checkout, checkout
	}
	if len(p.refunds) > 0 {
		l["refunds"] = s.apiLink("v2/payments/" + p.id + "/refunds")
	}
	if len(p.chargebacks) > 0 {
		l["chargebacks"] = s.apiLink("v2/payments/" + p.id + "/chargebacks")
	}
	if p.customerID != "" {
		l["customer"] = s.apiLink("v2/customers/" + p.customerID)
		if p.mandateID != "" {
			l["mandate"] = s.apiLink("v2/customers/" + p.customerID + "/mandates/" + p.mandateID)
		}
	}
	out.Links = l
	return out
}

type refundJSON struct {
	Resource         string           `json:"resource"`
	ID               string           `json:"id"`
	Amount           *amountJSON      `json:"amount"`
	Status           string           `json:"status"`
	CreatedAt        mtime            `json:"createdAt"`
	Description      string           `json:"description"`
	Metadata         json.RawMessage  `json:"metadata"`
	PaymentID        string           `json:"paymentId"`
	SettlementAmount *amountJSON      `json:"settlementAmount"`
	Links            map[string]*link `json:"_links"`
}

func (s *Simulator) refundOut(r *refund) *refundJSON {
	md := r.metadata
	if md == nil {
		md = json.RawMessage("null")
	}
	return &refundJSON{
		Resource: "refund", ID: r.id, Amount: r.amount.out(), Status: r.status,
		CreatedAt: mtime(r.createdAt), Description: r.description, Metadata: md, PaymentID: r.paymentID,
		SettlementAmount: money{r.amount.Currency, -r.amount.Minor}.out(),
		Links: map[string]*link{
			"self":          s.apiLink("v2/payments/" + r.paymentID + "/refunds/" + r.id),
			"payment":       s.apiLink("v2/payments/" + r.paymentID),
			"documentation": docLink("get-refund"),
		},
	}
}

type chargebackJSON struct {
	Resource         string            `json:"resource"`
	ID               string            `json:"id"`
	Amount           *amountJSON       `json:"amount"`
	SettlementAmount *amountJSON       `json:"settlementAmount"`
	CreatedAt        mtime             `json:"createdAt"`
	Reason           map[string]string `json:"reason"`
	ReversedAt       *mtime            `json:"reversedAt"`
	PaymentID        string            `json:"paymentId"`
	Links            map[string]*link  `json:"_links"`
}

func (s *Simulator) chargebackOut(c *chargeback) *chargebackJSON {
	return &chargebackJSON{
		Resource: "chargeback", ID: c.id, Amount: c.amount.out(),
		SettlementAmount: money{c.amount.Currency, -c.amount.Minor}.out(),
		CreatedAt:        mtime(c.createdAt),
		Reason:           map[string]string{"code": "MD06", "description": "Return of funds requested by end customer"},
		PaymentID:        c.paymentID,
		Links: map[string]*link{
			"self":          s.apiLink("v2/payments/" + c.paymentID + "/chargebacks/" + c.id),
			"payment":       s.apiLink("v2/payments/" + c.paymentID),
			"documentation": docLink("get-chargeback"),
		},
	}
}

type customerJSON struct {
	Resource  string           `json:"resource"`
	ID        string           `json:"id"`
	Mode      string           `json:"mode"`
	Name      *string          `json:"name"`
	Email     *string          `json:"email"`
	Locale    *string          `json:"locale"`
	Metadata  json.RawMessage  `json:"metadata"`
	CreatedAt mtime            `json:"createdAt"`
	Links     map[string]*link `json:"_links"`
}

func strOrNil(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

func (s *Simulator) customerOut(c *customer) *customerJSON {
	md := c.metadata
	if md == nil {
		md = json.RawMessage("null")
	}
	l := map[string]*link{
		"self":          s.apiLink("v2/customers/" + c.id),
		"dashboard":     {s.base + "checkout/", textHTML},
		"payments":      s.apiLink("v2/customers/" + c.id + "/payments"),
		"documentation": docLink("get-customer"),
	}
	if len(c.mandates) > 0 {
		l["mandates"] = s.apiLink("v2/customers/" + c.id + "/mandates")
	}
	return &customerJSON{
		Resource: "customer", ID: c.id, Mode: "test", Name: strOrNil(c.name), Email: strOrNil(c.email),
		Locale: strOrNil(c.locale), Metadata: md, CreatedAt: mtime(c.createdAt), Links: l,
	}
}

type mandateJSON struct {
	Resource         string           `json:"resource"`
	ID               string           `json:"id"`
	Mode             string           `json:"mode"`
	Status           string           `json:"status"`
	Method           string           `json:"method"`
	Details          map[string]any   `json:"details"`
	MandateReference *string          `json:"mandateReference"`
	SignatureDate    *string          `json:"signatureDate"`
	CreatedAt        mtime            `json:"createdAt"`
	Links            map[string]*link `json:"_links"`
}

func (s *Simulator) mandateOut(m *mandate) *mandateJSON {
	out := &mandateJSON{
		Resource: "mandate", ID: m.id, Mode: "test", Status: m.status, Method: m.method,
		Details: m.details, MandateReference: strOrNil(m.reference), CreatedAt: mtime(m.createdAt),
		Links: map[string]*link{
			"self":          s.apiLink("v2/customers/" + m.customerID + "/mandates/" + m.id),
			"customer":      s.apiLink("v2/customers/" + m.customerID),
			"documentation": docLink("get-mandate"),
		},
	}
	if !m.signatureDate.IsZero() {
		d := m.signatureDate.Format(time.DateOnly)
		out.SignatureDate = &d
	}
	return out
}
