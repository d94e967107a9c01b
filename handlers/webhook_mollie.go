package handlers

import (
	"net/http"
	"regexp"
)

var mollieIDRE = regexp.MustCompile(`^tr_[A-Za-z0-9]{4,60}$`)

// mollieWebhook takes Mollie's "look at tr_…": it stores the id (a job
// then fetches the payment from Mollie; nothing posted is trusted) and
// answers 200 at once, also for ids we do not know, so Mollie stops
// retrying and learns nothing. Malformed ids are dropped, still with 200.
func (s *Server) mollieWebhook(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	id := ""
	if err := r.ParseForm(); err == nil {
		id = r.PostForm.Get("id")
	}
	if !mollieIDRE.MatchString(id) {
		s.Log.WarnContext(r.Context(), "mollie webhook: malformed id dropped", "id", RequestID(r.Context()), "ip", clientIP(r))
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := s.Store.AddMollieWebhook(r.Context(), id); err != nil {
		// Mollie retries on non-2xx: this is the one case to ask for it.
		s.Log.ErrorContext(r.Context(), "mollie webhook: store", "id", RequestID(r.Context()), "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	w.WriteHeader(http.StatusOK)
}
