package molliesim

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const maxBody = 1 << 20

// apiErr is an error answer in Mollie's shape.
type apiErr struct {
	status int
	detail string
	field  string
}

func unprocessable(field, detail string) *apiErr { return &apiErr{422, detail, field} }

type errorJSON struct {
	Status int              `json:"status"`
	Title  string           `json:"title"`
	Detail string           `json:"detail"`
	Field  string           `json:"field,omitempty"`
	Links  map[string]*link `json:"_links"`
}

func errorBody(status int, detail, field string) []byte {
	title := http.StatusText(status)
	doc := "https://docs.mollie.com/errors"
	if status == http.StatusUnauthorized {
		title, doc = "Unauthorized Request", "https://docs.mollie.com/overview/authentication"
	}
	if detail == "" {
		detail = title
	}
	b, _ := marshal(errorJSON{Status: status, Title: title, Detail: detail, Field: field,
		Links: map[string]*link{"documentation": {doc, textHTML}}})
	return b
}

func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// writeBody writes a complete answer with an explicit Content-Length:
// the client library reads error bodies only when ContentLength > 0.
func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	if len(body) > 0 {
		h.Set("Content-Type", contentType)
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, errorBody(500, "", "")
	}
	writeBody(w, status, halJSON, b)
}

func writeErr(w http.ResponseWriter, e *apiErr) {
	writeBody(w, e.status, halJSON, errorBody(e.status, e.detail, e.field))
}

// recorder captures an answer so it can be cached, dropped or replayed.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func (r *recorder) writeTo(w http.ResponseWriter) {
	for k, v := range r.header {
		w.Header()[k] = v
	}
	w.WriteHeader(r.status)
	_, _ = w.Write(r.body.Bytes())
}

type idemScope struct{ apiKey, key string }

type idemEntry struct {
	fingerprint [32]byte
	created     time.Time
	done        bool
	rec         *recorder
}

func (s *Simulator) record(rr RequestRecord) {
	s.mu.Lock()
	s.requests = append(s.requests, rr)
	s.mu.Unlock()
}

// serveAPI runs one API request: faults, authentication, idempotency,
// then the endpoint.
func (s *Simulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	rr := RequestRecord{At: s.now(), Method: r.Method, Path: r.URL.Path, IdempotencyKey: r.Header.Get("Idempotency-Key")}
	f := s.takeFault(r)
	if f.delay > 0 {
		t := time.NewTimer(f.delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			rr.Fault = "delay"
			s.record(rr)
			return
		}
	}
	if f.status != 0 {
		rr.Status, rr.Fault = f.status, "status"
		s.record(rr)
		if f.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		writeBody(w, f.status, halJSON, errorBody(f.status, "", ""))
		s.log.Info("molliesim: injected failure", "method", r.Method, "path", r.URL.Path, "status", f.status)
		return
	}
	rec := s.authorizedAPI(r, &rr)
	if f.drop {
		rr.Fault = "drop"
		s.record(rr)
		s.log.Info("molliesim: answer dropped", "method", r.Method, "path", r.URL.Path, "status", rec.status)
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			_ = c.Close()
			return
		}
		panic(http.ErrAbortHandler)
	}
	rr.Status = rec.status
	s.record(rr)
	rec.writeTo(w)
}

func (s *Simulator) authorizedAPI(r *http.Request, rr *RequestRecord) *recorder {
	rec := newRecorder()
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	key = strings.TrimSpace(key)
	if !ok || !strings.HasPrefix(key, "test_") || len(key) <= len("test_") {
		writeErr(rec, &apiErr{http.StatusUnauthorized, "Missing authentication, or failed to authenticate", ""})
		return rec
	}
	idemKey := r.Header.Get("Idempotency-Key")
	if r.Method != http.MethodPost || idemKey == "" {
		s.route(rec, r)
		return rec
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		writeErr(rec, &apiErr{http.StatusBadRequest, "Unable to read the request body", ""})
		return rec
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	fp := fingerprint(r.URL.Path, body)
	scope := idemScope{key, idemKey}

	s.mu.Lock()
	now := s.now()
	for k, e := range s.idem {
		if e.done && now.Sub(e.created) >= s.idemTTL {
			delete(s.idem, k)
		}
	}
	if e := s.idem[scope]; e != nil {
		same, done, cached := e.fingerprint == fp, e.done, e.rec
		s.mu.Unlock()
		switch {
		case !same:
			writeErr(rec, &apiErr{http.StatusBadRequest, "The Idempotency-Key was already used for a request to another endpoint or with other parameters", ""})
		case !done:
			writeErr(rec, &apiErr{http.StatusConflict, "A request with the same Idempotency-Key is still being processed", ""})
		default:
			rr.Replayed = true
			rec.status = cached.status
			for k, v := range cached.header {
				rec.header[k] = append([]string(nil), v...)
			}
			rec.header.Set("Idempotent-Replayed", "true")
			rec.body.Write(cached.body.Bytes())
		}
		return rec
	}
	entry := &idemEntry{fingerprint: fp, created: now}
	s.idem[scope] = entry
	s.mu.Unlock()

	s.route(rec, r)

	s.mu.Lock()
	entry.done, entry.rec = true, rec
	s.mu.Unlock()
	return rec
}

// fingerprint identifies a request by endpoint and (canonical) body.
func fingerprint(path string, body []byte) [32]byte {
	canon := body
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) == nil {
		if b, err := json.Marshal(v); err == nil {
			canon = b
		}
	}
	return sha256.Sum256(append([]byte(path+"\n"), canon...))
}

// route dispatches to the endpoint, turning the mux's plain-text 404 and
// 405 answers into Mollie's JSON errors.
func (s *Simulator) route(rec *recorder, r *http.Request) {
	s.api.ServeHTTP(rec, r)
	if (rec.status == http.StatusNotFound || rec.status == http.StatusMethodNotAllowed) &&
		!strings.HasPrefix(rec.header.Get("Content-Type"), halJSON) {
		allow := rec.header.Get("Allow")
		st := rec.status
		*rec = *newRecorder()
		if allow != "" {
			rec.header.Set("Allow", allow)
		}
		detail := "The requested resource does not exist"
		if st == http.StatusMethodNotAllowed {
			detail = "The method " + r.Method + " is not available on this resource"
		}
		writeErr(rec, &apiErr{st, detail, ""})
	}
}

func (s *Simulator) apiRoutes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("POST /v2/payments", s.handleCreatePayment)
	m.HandleFunc("GET /v2/payments", s.handleListPayments)
	m.HandleFunc("GET /v2/payments/{id}", s.handleGetPayment)
	m.HandleFunc("PATCH /v2/payments/{id}", s.handleUpdatePayment)
	m.HandleFunc("DELETE /v2/payments/{id}", s.handleCancelPayment)
	m.HandleFunc("POST /v2/payments/{id}/refunds", s.handleCreateRefund)
	m.HandleFunc("GET /v2/payments/{id}/refunds", s.handleListPaymentRefunds)
	m.HandleFunc("GET /v2/payments/{id}/refunds/{rid}", s.handleGetRefund)
	m.HandleFunc("GET /v2/refunds", s.handleListRefunds)
	m.HandleFunc("GET /v2/payments/{id}/chargebacks", s.handleListPaymentChargebacks)
	m.HandleFunc("GET /v2/payments/{id}/chargebacks/{cid}", s.handleGetChargeback)
	m.HandleFunc("GET /v2/chargebacks", s.handleListChargebacks)
	m.HandleFunc("GET /v2/methods", s.handleListMethods)
	m.HandleFunc("GET /v2/methods/all", s.handleListMethods)
	m.HandleFunc("GET /v2/methods/{id}", s.handleGetMethod)
	m.HandleFunc("POST /v2/customers", s.handleCreateCustomer)
	m.HandleFunc("GET /v2/customers", s.handleListCustomers)
	m.HandleFunc("GET /v2/customers/{id}", s.handleGetCustomer)
	m.HandleFunc("GET /v2/customers/{id}/payments", s.handleListCustomerPayments)
	m.HandleFunc("POST /v2/customers/{id}/payments", s.handleCreatePayment)
	m.HandleFunc("GET /v2/customers/{id}/mandates", s.handleListMandates)
	m.HandleFunc("POST /v2/customers/{id}/mandates", s.handleCreateMandate)
	m.HandleFunc("GET /v2/customers/{id}/mandates/{mid}", s.handleGetMandate)
	m.HandleFunc("DELETE /v2/customers/{id}/mandates/{mid}", s.handleRevokeMandate)
	return m
}

// ---- request parsing ----

// fields is a JSON request body by top-level key.
type fields map[string]json.RawMessage

func readFields(r *http.Request) (fields, *apiErr) {
	ct := r.Header.Get("Content-Type")
	if ct != "" && !strings.Contains(ct, "json") {
		return nil, &apiErr{http.StatusUnsupportedMediaType, "The simulator accepts JSON request bodies only", ""}
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil || len(b) > maxBody {
		return nil, &apiErr{http.StatusBadRequest, "The request body is too large or unreadable", ""}
	}
	f := fields{}
	if len(bytes.TrimSpace(b)) == 0 {
		return f, nil
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, &apiErr{http.StatusBadRequest, "The request body is not a valid JSON object", ""}
	}
	return f, nil
}

func (f fields) present(name string) bool {
	v, ok := f[name]
	return ok && string(v) != "null"
}

// str returns a string field; absent and null give "".
func (f fields) str(name string) (string, *apiErr) {
	if !f.present(name) {
		return "", nil
	}
	var v string
	if err := json.Unmarshal(f[name], &v); err != nil {
		return "", unprocessable(name, "The "+name+" must be a string")
	}
	return strings.TrimSpace(v), nil
}

// amount parses an amount object field.
func (f fields) amount(name string) (money, bool, *apiErr) {
	if !f.present(name) {
		return money{}, false, nil
	}
	var a struct {
		Currency any `json:"currency"`
		Value    any `json:"value"`
	}
	if err := json.Unmarshal(f[name], &a); err != nil {
		return money{}, true, unprocessable(name, "The amount must be an object with currency and value")
	}
	cur, ok1 := a.Currency.(string)
	val, ok2 := a.Value.(string)
	if !ok1 {
		return money{}, true, unprocessable(name+".currency", "The amount currency must be a string, e.g. \"EUR\"")
	}
	if !ok2 {
		return money{}, true, unprocessable(name+".value", "The amount value must be a string, e.g. \"10.00\"")
	}
	m, err := parseMoney(strings.ToUpper(cur), val)
	switch err {
	case errAmountCurrency:
		return money{}, true, unprocessable(name+".currency", "The currency "+strconv.Quote(cur)+" is not supported")
	case errAmountValue:
		return money{}, true, unprocessable(name+".value", "The amount contains an invalid value; send exactly the currency's number of decimals, e.g. \"10.00\"")
	}
	return m, true, nil
}

// metadata returns the metadata field as stored JSON (nil for absent).
func (f fields) metadata() (json.RawMessage, *apiErr) {
	if !f.present("metadata") {
		return nil, nil
	}
	var buf bytes.Buffer
	if err := json.Compact(&buf, f["metadata"]); err != nil {
		return nil, unprocessable("metadata", "The metadata is invalid")
	}
	if buf.Len() > 1024 {
		return nil, unprocessable("metadata", "The metadata is too large; it may be about 1 kB")
	}
	return json.RawMessage(buf.Bytes()), nil
}

var locales = map[string]bool{
	"en_US": true, "en_GB": true, "nl_NL": true, "nl_BE": true, "fr_FR": true, "fr_BE": true,
	"de_DE": true, "de_AT": true, "de_CH": true, "es_ES": true, "ca_ES": true, "pt_PT": true,
	"it_IT": true, "nb_NO": true, "sv_SE": true, "fi_FI": true, "da_DK": true, "is_IS": true,
	"hu_HU": true, "pl_PL": true, "lv_LV": true, "lt_LT": true,
}

func checkLocale(field, v string) *apiErr {
	if v != "" && !locales[v] {
		return unprocessable(field, "The locale "+strconv.Quote(v)+" is not supported")
	}
	return nil
}

func checkURL(field, v, what string) *apiErr {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return unprocessable(field, "The "+what+" URL is invalid")
	}
	return nil
}

// pageParams reads limit (1–250, default 50) and from.
func pageParams(q url.Values) (limit int, from string, e *apiErr) {
	limit = 50
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 250 {
			return 0, "", &apiErr{http.StatusBadRequest, "The limit must be a number from 1 to 250", "limit"}
		}
		limit = n
	}
	return limit, q.Get("from"), nil
}

type listJSON struct {
	Count    int              `json:"count"`
	Embedded map[string]any   `json:"_embedded"`
	Links    map[string]*link `json:"_links"`
}

// page cuts one page out of ids (newest first) and builds Mollie's list
// envelope around the rendered items.
func (s *Simulator) page(r *http.Request, kind string, ids []string, render func(i int) any, doc string) (*listJSON, *apiErr) {
	limit, from, e := pageParams(r.URL.Query())
	if e != nil {
		return nil, e
	}
	start := 0
	if from != "" {
		start = -1
		for i, id := range ids {
			if id == from {
				start = i
				break
			}
		}
		if start < 0 {
			return nil, &apiErr{http.StatusBadRequest, "The from parameter does not refer to an item of this list", "from"}
		}
	}
	end := min(start+limit, len(ids))
	items := make([]any, 0, end-start)
	for i := start; i < end; i++ {
		items = append(items, render(i))
	}
	path := strings.TrimPrefix(r.URL.Path, "/")
	pageLink := func(id string) *link {
		q := url.Values{"limit": {strconv.Itoa(limit)}}
		if id != "" {
			q.Set("from", id)
		}
		return s.apiLink(path + "?" + q.Encode())
	}
	l := map[string]*link{"self": pageLink(from), "previous": nil, "next": nil, "documentation": docLink(doc)}
	if end < len(ids) {
		l["next"] = pageLink(ids[end])
	}
	if start > 0 {
		l["previous"] = pageLink(ids[max(0, start-limit)])
	}
	return &listJSON{Count: len(items), Embedded: map[string]any{kind: items}, Links: l}, nil
}

func notFound(kind, id string) *apiErr {
	return &apiErr{http.StatusNotFound, fmt.Sprintf("No %s exists with token %s.", kind, id), ""}
}
