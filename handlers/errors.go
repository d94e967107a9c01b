package handlers

import (
	"context"
	"errors"
	"github.com/a-h/templ"
	"net/http"
	"slices"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/views"
)

// appHandler is a handler that may fail; handle renders its error.
type appHandler func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(h appHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.renderError(w, r, err)
		}
	})
}

// statusOf maps a domain error code to an HTTP status.
func statusOf(code ar.Code) int {
	switch code {
	case ar.Invalid:
		return http.StatusBadRequest
	case ar.NotFound:
		return http.StatusNotFound
	case ar.Conflict:
		return http.StatusConflict
	case ar.Forbidden:
		return http.StatusForbidden
	case ar.Gone:
		return http.StatusGone
	case ar.TooMany:
		return http.StatusTooManyRequests
	case ar.Unauthorized:
		return http.StatusUnauthorized
	case ar.Unprocessable:
		return http.StatusUnprocessableEntity
	}
	return http.StatusInternalServerError
}

// renderError shows a friendly, translated page for err. Domain errors say
// what happened; anything else is logged with the request id and shown
// only as "something went wrong" with that id. SQL, stack traces and
// error strings never reach the page.
func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	vm := views.MessageVM{TitleKey: "page.error.title", BodyKey: "page.error.body"}
	status := http.StatusInternalServerError
	down := dbUnavailable(err)
	if down {
		// The database is down or restarting: say so, and when to retry.
		status = http.StatusServiceUnavailable
		vm.TitleKey, vm.BodyKey = "page.error.unavailable.title", "page.error.unavailable.body"
		vm.RequestID = RequestID(r.Context())
		unavailable(w)
		s.Log.WarnContext(r.Context(), "request failed: database unavailable", "id", vm.RequestID,
			"method", r.Method, "path", logPath(r.URL.Path), "err", err)
	} else if e, ok := ar.AsError(err); ok && e.Code != ar.Internal {
		status = statusOf(e.Code)
		vm.TitleKey = "page.error." + string(e.Code) + ".title"
		vm.BodyKey = e.Key
		vm.ShowHelp = true
	} else {
		vm.RequestID = RequestID(r.Context())
		s.Log.ErrorContext(r.Context(), "request failed", "id", vm.RequestID,
			"method", r.Method, "path", logPath(r.URL.Path), "err", err)
	}
	var c templ.Component
	p := page{}
	if strings.HasPrefix(r.URL.Path, "/staff") {
		c = views.StaffMessage(vm)
	} else {
		if !down { // the session lives in the database too
			if ds, _ := s.loadSession(r); ds != nil {
				p = s.sessionPage(r.Context(), ds)
			}
		}
		c = views.MessagePage(vm)
	}
	if rerr := s.render(w, r, status, p, c); rerr != nil {
		s.Log.ErrorContext(r.Context(), "render error page", "id", RequestID(r.Context()), "err", rerr)
		http.Error(w, http.StatusText(status), status)
	}
}

// renderStatus shows a plain status page with translated texts.
func (s *Server) renderStatus(w http.ResponseWriter, r *http.Request, status int, titleKey, bodyKey string) {
	if err := s.render(w, r, status, page{}, views.MessagePage(views.MessageVM{TitleKey: titleKey, BodyKey: bodyKey})); err != nil {
		http.Error(w, http.StatusText(status), status)
	}
}

// sessionPage is the page context for a debtor session: their creditor's
// brand and their language. If the creditor cannot be loaded the page is
// neutral.
func (s *Server) sessionPage(ctx context.Context, ds *debtorSession) page {
	p, err := s.debtorPage(ctx, ds)
	if err != nil {
		return page{signedIn: true, debtorLang: ds.Lang}
	}
	return p
}

// debtorPage is the page context for a debtor session, failing if the
// creditor cannot be loaded.
func (s *Server) debtorPage(ctx context.Context, ds *debtorSession) (page, error) {
	c, err := s.sessionCreditor(ctx, ds)
	if err != nil {
		return page{}, err
	}
	return page{creditor: c, debtorLang: ds.Lang, signedIn: true, assisted: ds.AssistedBy != 0}, nil
}

// sessionCreditor is the session's creditor: the one the session check
// loaded, else (a handler called without the guard) from the store.
func (s *Server) sessionCreditor(ctx context.Context, ds *debtorSession) (*ar.Creditor, error) {
	if ds.creditor != nil && ds.creditor.ID == ds.CreditorID {
		return ds.creditor, nil
	}
	return s.Store.Creditor(ctx, ds.CreditorID)
}

// account is the session debtor's account (Portal.AccountOf) with the
// session's creditor.
func (s *Server) account(ctx context.Context, ds *debtorSession) (*portal.Account, error) {
	c, err := s.sessionCreditor(ctx, ds)
	if err != nil {
		return nil, err
	}
	return s.Portal.AccountOf(ctx, c, ds.DebtorID)
}

// notFound answers what no route matched. A path that exists for other
// methods gets 405 with Allow (a GET of a POST-only route changes
// nothing and says so), anything else 404.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) error {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := s.mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		if slices.Contains(allow, http.MethodGet) {
			allow = append(allow, http.MethodHead)
		}
		w.Header().Set("Allow", strings.Join(allow, ", "))
		s.renderStatus(w, r, http.StatusMethodNotAllowed, "page.error.method.title", "page.error.method.body")
		return nil
	}
	return ar.Errorf(ar.NotFound, "page.error.not_found.body")
}
