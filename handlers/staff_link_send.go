package handlers

import (
	"net/http"
	"net/url"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// linkPlaceholder stands where the fresh link will go in the preview.
const linkPlaceholder = "https://…/l/••••••••"

// staffLinkPreview shows the message a new link would go out with, to
// whom, before anything is created or sent.
func (s *Server) staffLinkPreview(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	channel := r.URL.Query().Get("channel")
	if channel != "sms" && channel != "email" {
		channel = "sms"
	}
	d, err := s.Store.Debtor(r.Context(), sc.creditorID(), id)
	if err != nil {
		return err
	}
	vm := views.StaffLinkVM{Debtor: d, Channel: channel}
	p, err := s.office.PreviewLink(r.Context(), sc.actor(), id, channel, linkPlaceholder)
	if e, ok := ar.AsError(err); ok && e.Field != "" {
		vm.ErrorKey = e.Key // no address for this channel: say so, offer the other
	} else if err != nil {
		return err
	} else {
		vm.Recipient, vm.Subject, vm.Body, vm.Lang = p.Recipient, p.Subject, p.Body, p.Lang
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffLinkPage(vm))
}

// staffLinkSend creates a fresh link and sends it.
func (s *Server) staffLinkSend(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	channel := r.PostFormValue("channel")
	masked, err := s.office.SendLink(r.Context(), sc.actor(), id, channel, r.PostFormValue("revoke") == "yes")
	if err != nil {
		return err
	}
	return redirect(w, r, debtorURL(id, "?done=link&to="+url.QueryEscape(masked)))
}
