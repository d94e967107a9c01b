package handlers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
)

// apiHandler serves an authenticated API request of a creditor. body is
// the request body, already read (bounded) so that idempotency can hash
// it; decode it with decodeJSON.
type apiHandler func(w http.ResponseWriter, r *http.Request, c *ar.Creditor, body []byte) error

// API body limits: ordinary requests and batch loads.
const (
	maxAPIBody   = 1 << 20
	maxBatchBody = 32 << 20
)

// api authenticates the bearer key, reads the body, applies
// Idempotency-Key on POST and PUT, and renders errors as RFC 9457
// problem+json.
func (s *Server) api(h apiHandler) http.Handler { return s.apiLimit(h, maxAPIBody) }

func (s *Server) apiLimit(h apiHandler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := s.apiCreditor(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="settle"`)
			s.problem(w, r, err)
			return
		}
		var body []byte
		if r.Body != nil {
			body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
			if err != nil {
				var mbe *http.MaxBytesError
				if errors.As(err, &mbe) {
					s.problem(w, r, &ar.Error{Code: ar.Invalid, Key: "error.api.body_too_large", Args: map[string]any{"Max": limit}})
				} else {
					s.problem(w, r, &ar.Error{Code: ar.Invalid, Key: "error.api.body_unreadable"})
				}
				return
			}
		}
		key := r.Header.Get("Idempotency-Key")
		if key == "" || (r.Method != http.MethodPost && r.Method != http.MethodPut) {
			if err := h(w, r, c, body); err != nil {
				s.problem(w, r, err)
			}
			return
		}
		s.idempotent(w, r, c, key, body, h)
	})
}

// apiCreditor resolves the bearer key to its creditor.
func (s *Server) apiCreditor(r *http.Request) (*ar.Creditor, error) {
	auth := r.Header.Get("Authorization")
	key, ok := strings.CutPrefix(auth, "Bearer ")
	if !ok || !ar.PlausibleAPIKey(strings.TrimSpace(key)) {
		return nil, &ar.Error{Code: ar.Unauthorized, Key: "error.api.unauthorized"}
	}
	k, err := s.Store.APIKeyByHash(r.Context(), ar.HashAPIKey(strings.TrimSpace(key)), s.Now())
	if ar.IsNotFound(err) {
		s.Log.WarnContext(r.Context(), "api: unknown or revoked key", "id", RequestID(r.Context()), "ip", clientIP(r))
		return nil, &ar.Error{Code: ar.Unauthorized, Key: "error.api.unauthorized"}
	} else if err != nil {
		return nil, err
	}
	return s.Store.Creditor(r.Context(), k.CreditorID)
}

// Idempotency-Key claims: a request in flight renews its claim every
// idempotencyRenew; a claim not renewed for idempotencyStale belongs to a
// process that died mid-request, and a retry with the same key takes it
// over and runs the request again (handlers that book money also dedupe
// by their own key, e.g. a payment's external_id, for the crash between
// their commit and the key's completion).
const (
	idempotencyRenew = 2 * time.Second
	idempotencyStale = 10 * time.Second
)

// idempotent runs h at most once per Idempotency-Key (Stripe's
// semantics): the same key and request replay the stored response; the
// same key with another request is 422; a duplicate while the first is
// still running is 409. Server errors release the key so a retry runs,
// and so does a crash: a claim its process stopped renewing is taken over
// after idempotencyStale.
func (s *Server) idempotent(w http.ResponseWriter, r *http.Request, c *ar.Creditor, key string, body []byte, h apiHandler) {
	if len(key) > 255 {
		s.problem(w, r, ar.FieldError("Idempotency-Key", "error.api.idempotency_key", nil))
		return
	}
	sum := sha256.Sum256(body)
	rec, claim, err := s.Store.BeginIdempotent(r.Context(), c.ID, key, r.Method, r.URL.Path, sum[:], idempotencyStale)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	if rec != nil {
		switch {
		case !rec.Same(r.Method, r.URL.Path, sum[:]):
			s.problem(w, r, &ar.Error{Code: ar.Unprocessable, Key: "error.api.idempotency_mismatch"})
		case rec.CompletedAt == nil:
			w.Header().Set("Retry-After", "1")
			s.problem(w, r, ar.Errorf(ar.Conflict, "error.api.idempotency_in_flight"))
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(*rec.Status)
			w.Write(rec.Response)
		}
		return
	}
	ctx := context.WithoutCancel(r.Context()) // the outcome is recorded even if the client left
	stopRenewing := s.renewIdempotent(ctx, c.ID, key, claim)
	rw := &recorder{header: http.Header{}, status: http.StatusOK}
	if err := h(rw, r, c, body); err != nil {
		s.problem(rw, r, err)
	}
	claim = stopRenewing()
	if rw.status >= 500 {
		if err := s.Store.ReleaseIdempotent(ctx, c.ID, key, claim); err != nil {
			s.Log.ErrorContext(ctx, "api: release idempotency key", "id", RequestID(ctx), "err", err)
		}
	} else if err := s.Store.CompleteIdempotent(ctx, c.ID, key, claim, rw.status, rw.body.Bytes()); err != nil {
		s.Log.ErrorContext(ctx, "api: store idempotent response", "id", RequestID(ctx), "err", err)
	}
	for k, v := range rw.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rw.status)
	w.Write(rw.body.Bytes())
}

// renewIdempotent renews the claim every idempotencyRenew until the
// returned func is called, which gives the latest claim.
func (s *Server) renewIdempotent(ctx context.Context, creditorID int64, key string, claim time.Time) (stop func() time.Time) {
	done := make(chan struct{})
	latest := make(chan time.Time)
	go func() {
		t := time.NewTicker(idempotencyRenew)
		defer t.Stop()
		for {
			select {
			case <-done:
				latest <- claim
				return
			case <-t.C:
				renewed, err := s.Store.RenewIdempotent(ctx, creditorID, key, claim)
				if err != nil {
					s.Log.WarnContext(ctx, "api: renew idempotency key", "id", RequestID(ctx), "err", err)
					continue
				}
				claim = renewed
			}
		}
	}()
	return func() time.Time {
		close(done)
		return <-latest
	}
}

// recorder buffers a response.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(code int)        { r.status = code }

// decodeJSON decodes body into v strictly: unknown fields, trailing data
// and wrong types are field errors.
func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te):
			return ar.FieldError(te.Field, "error.api.type", map[string]any{"Type": te.Type.String()})
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return ar.FieldError(field, "error.api.unknown_field", nil)
		case errors.Is(err, io.EOF):
			return ar.Errorf(ar.Invalid, "error.api.body_empty")
		}
		return ar.Errorf(ar.Invalid, "error.api.json")
	}
	if dec.More() {
		return ar.Errorf(ar.Invalid, "error.api.json")
	}
	return nil
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// problemField is one field error in a problem document.
type problemField struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// problem renders err as application/problem+json (RFC 9457). Messages
// are English (the API's readers are developers); codes are the stable
// translation keys.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	en := s.Catalog.Locale("en")
	status := http.StatusInternalServerError
	doc := map[string]any{"type": "about:blank", "request_id": RequestID(r.Context())}
	if dbUnavailable(err) {
		status = http.StatusServiceUnavailable
		doc["type"] = "urn:settle:problem:unavailable"
		doc["code"] = "error.api.unavailable"
		doc["detail"] = en.T("error.api.unavailable")
		unavailable(w)
		s.Log.WarnContext(r.Context(), "api request failed: database unavailable", "id", RequestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "err", err)
	} else if e, ok := ar.AsError(err); ok && e.Code != ar.Internal {
		status = statusOf(e.Code)
		doc["type"] = "urn:settle:problem:" + string(e.Code)
		doc["code"] = e.Key
		fields := fieldErrors(err, en)
		doc["detail"] = en.T(e.Key, argsKV(e.Args)...)
		var list ar.Invalids
		if errors.As(err, &list) {
			doc["detail"] = en.T("error.api.invalid")
		}
		if fields != nil {
			doc["errors"] = fields
		}
	} else {
		s.Log.ErrorContext(r.Context(), "api request failed", "id", RequestID(r.Context()),
			"method", r.Method, "path", r.URL.Path, "err", err)
		doc["detail"] = en.T("page.error.body")
	}
	doc["status"] = status
	doc["title"] = http.StatusText(status)
	b, _ := json.Marshal(doc)
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// fieldErrors lists the field errors in err for a problem document.
func fieldErrors(err error, en *i18n.Locale) []problemField {
	var fields []problemField
	var list ar.Invalids
	if errors.As(err, &list) {
		for _, fe := range list {
			fields = append(fields, problemField{fe.Field, fe.Key, en.T(fe.Key, argsKV(fe.Args)...)})
		}
	} else if e, ok := ar.AsError(err); ok && e.Field != "" {
		fields = append(fields, problemField{e.Field, e.Key, en.T(e.Key, argsKV(e.Args)...)})
	}
	return fields
}

// localArgs is argsKV for a page: amounts (ar.Money) formatted in the
// page's language.
func localArgs(loc *i18n.Locale, args map[string]any) []any {
	kv := make([]any, 0, 2*len(args))
	for k, v := range args {
		if m, ok := v.(ar.Money); ok {
			v = loc.Money(m.Minor, m.Currency)
		}
		kv = append(kv, k, v)
	}
	return kv
}

func argsKV(args map[string]any) []any {
	kv := make([]any, 0, 2*len(args))
	for k, v := range args {
		kv = append(kv, k, v)
	}
	return kv
}
