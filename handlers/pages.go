package handlers

import (
	"context"
	"net/http"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

func (s *Server) homeShow(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, r, http.StatusOK, page{}, views.HomePage())
}

func (s *Server) helpShow(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	p, err := s.debtorPage(r.Context(), ds)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, p, views.HelpPage())
}

// logout ends the debtor session and says goodbye in the creditor's
// colours.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	to := "/signed-out"
	if ds, _ := s.loadSession(r); ds != nil {
		if err := s.Portal.EndSession(r.Context(), ds.ID); err != nil {
			s.Log.ErrorContext(r.Context(), "logout: end session", "id", RequestID(r.Context()), "err", err)
		}
		if c, err := s.Store.Creditor(r.Context(), ds.CreditorID); err == nil {
			to += "?c=" + c.Slug
		}
		if ds.AssistedBy != 0 {
			to = debtorURL(ds.DebtorID, "") // the agent goes back to the debtor view
		}
	}
	s.clearSession(w)
	return redirect(w, r, to)
}

func (s *Server) signedOut(w http.ResponseWriter, r *http.Request) error {
	p := page{}
	if slug := r.URL.Query().Get("c"); ar.ValidSlug(slug) {
		if c, err := s.Store.CreditorBySlug(r.Context(), slug); err == nil {
			p.creditor = c
		}
	}
	return s.render(w, r, http.StatusOK, p, views.MessagePage(views.MessageVM{
		TitleKey: "page.signed_out.title", BodyKey: "page.signed_out.body"}))
}

// brandLogo serves a creditor's logo. SVG is served under a CSP that runs
// no script, even if someone opens it directly.
func (s *Server) brandLogo(w http.ResponseWriter, r *http.Request) error {
	slug := r.PathValue("slug")
	if !ar.ValidSlug(slug) {
		return ar.Errorf(ar.NotFound, "page.error.not_found.body")
	}
	c, err := s.Store.CreditorBySlug(r.Context(), slug)
	if err != nil {
		return err
	}
	logo, mediaType, err := s.Store.CreditorLogo(r.Context(), c.ID)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'; sandbox")
	_, err = w.Write(logo)
	return err
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 when the database answers within two seconds.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.Store.Ping(ctx); err != nil {
		s.Log.WarnContext(r.Context(), "not ready: database", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return
	}
	w.Write([]byte("ready\n"))
}
