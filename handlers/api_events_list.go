package handlers

import (
	"net/http"
	"strconv"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

type apiEvent struct {
	store.Event
	Cursor int64 `json:"cursor"`
}

// apiEventsList is the creditor's event feed for systems that poll:
// GET /api/v1/events?after=<cursor>&limit=<1..1000>.
func (s *Server) apiEventsList(w http.ResponseWriter, r *http.Request, c *ar.Creditor, _ []byte) error {
	q := r.URL.Query()
	after, limit := int64(0), 100
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return ar.FieldError("after", "error.api.cursor", nil)
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return ar.FieldError("limit", "error.api.limit", map[string]any{"Max": 1000})
		}
		limit = n
	}
	events, err := s.Store.Events(r.Context(), c.ID, after, limit)
	if err != nil {
		return err
	}
	out := struct {
		Data      []apiEvent `json:"data"`
		NextAfter int64      `json:"next_after"`
	}{Data: []apiEvent{}, NextAfter: after}
	for _, e := range events {
		out.Data = append(out.Data, apiEvent{Event: e, Cursor: e.ID})
		out.NextAfter = e.ID
	}
	return writeJSON(w, http.StatusOK, out)
}
