package handlers

import (
	"net/http"
	"time"

	"github.com/settle/settle/internal/ar"
)

type apiLinkRequest struct {
	Send string `json:"send,omitempty"` // "", "email" or "sms"
}

type apiLinkResponse struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
	SentTo    string    `json:"sent_to,omitempty"` // masked address, when sent
}

// apiLinkCreate issues a fresh personal link for a debtor and optionally
// sends it.
func (s *Server) apiLinkCreate(w http.ResponseWriter, r *http.Request, c *ar.Creditor, body []byte) error {
	var in apiLinkRequest
	if len(body) > 0 {
		if err := decodeJSON(body, &in); err != nil {
			return err
		}
	}
	if in.Send != "" && in.Send != "email" && in.Send != "sms" {
		return ar.FieldError("send", "error.api.one_of", map[string]any{"Allowed": "email, sms"})
	}
	d, err := s.Store.DebtorByNumber(r.Context(), c.ID, r.PathValue("customer_number"))
	if err != nil {
		return err
	}
	channel := "api"
	if in.Send != "" {
		channel = in.Send
	}
	token, link, err := s.Portal.IssueLink(r.Context(), c, d.ID, channel)
	if err != nil {
		return err
	}
	resp := apiLinkResponse{URL: s.Portal.LinkURL(token), ExpiresAt: link.ExpiresAt.UTC()}
	if in.Send != "" {
		if resp.SentTo, err = s.Portal.SendLink(r.Context(), link, resp.URL, in.Send); err != nil {
			return err
		}
	}
	return writeJSON(w, http.StatusCreated, resp)
}
