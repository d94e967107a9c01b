// Package handlers is Settle's HTTP layer: routing (routes.go lists every
// route), middleware, request parsing and validation, and rendering views.
// Handlers return errors; one adapter (errors.go) turns them into pages.
// There is no SQL here: handlers call the services in internal/.
package handlers

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	"github.com/settle/settle/internal/autopay"
	"github.com/settle/settle/internal/backoffice"
	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/checkout"
	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/internal/dunning"
	"github.com/settle/settle/internal/hooks"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/plans"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/promises"
	"github.com/settle/settle/internal/settings"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/internal/store"
)

// Config is what the HTTP layer needs.
type Config struct {
	Store    *store.Store
	Portal   *portal.Service
	Billing  *billing.Service
	Checkout *checkout.Service // nil: no online payment
	Staff    *staff.Service    // the back office's sign-in; nil: no back office
	Plans    *plans.Service    // payment plans and deferrals; nil: none offered
	Disputes *disputes.Service // disputes and their conversation; nil: none taken
	Hooks    *hooks.Service    // webhook endpoints for the settings pages; nil: not available
	Autopay  *autopay.Service  // instalments by direct debit; nil: not offered
	Promises *promises.Service // promises to pay; nil: one on Store, Portal and Now
	Catalog  *i18n.Catalog
	Log      *slog.Logger
	// SessionKeys are securecookie key pairs (hash key of 32 or 64 bytes,
	// then block key of 32 bytes), newest pair first; older pairs still
	// decode, so keys can rotate without signing everyone out.
	SessionKeys [][]byte
	// Secure means Settle is reached over HTTPS: cookies get Secure and the
	// __Host- prefix, and HSTS is sent. Only plain-HTTP local development
	// turns it off.
	Secure bool
	Now    func() time.Time
	// CheckoutOrigins are added to the CSP's form-action (the payment form
	// redirects there) and img-src (method icons): Mollie's, e.g.
	// https://www.mollie.com. The simulator is served from our origin.
	CheckoutOrigins []string

	// dunning admin (issue 9): the engine for the settings page's message
	// preview and dry run; nil: neither is offered.
	Dunning *dunning.Engine
}

// Server holds the dependencies of every handler.
type Server struct {
	Config
	sessions   *sessions.CookieStore
	cookieName string
	mux        *http.ServeMux
	office     *backoffice.Service
	settings   *settings.Service
	// disputeBodyLimit replaces maxDisputeBody when set (tests).
	disputeBodyLimit int64
}

// Session lifetimes for debtors (ASVS 7.3): 30 minutes idle, 12 hours in
// all.
const (
	debtorIdleTimeout     = 30 * time.Minute
	debtorAbsoluteTimeout = 12 * time.Hour
)

// New returns the HTTP handler for the whole product.
func New(cfg Config) http.Handler {
	return NewServer(cfg).Handler()
}

// NewServer builds a Server; Handler wires its routes and middleware.
func NewServer(cfg Config) *Server {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Promises == nil {
		cfg.Promises = &promises.Service{Store: cfg.Store, Portal: cfg.Portal, Now: cfg.Now}
	}
	s := &Server{Config: cfg}
	s.office = &backoffice.Service{Store: cfg.Store, Portal: cfg.Portal, Now: cfg.Now}
	s.settings = &settings.Service{Store: cfg.Store, Hooks: cfg.Hooks, Now: cfg.Now}
	s.sessions = sessions.NewCookieStore(cfg.SessionKeys...)
	for _, c := range s.sessions.Codecs {
		if sc, ok := c.(*securecookie.SecureCookie); ok {
			sc.SetSerializer(sessionSerializer{})
		}
	}
	s.sessions.Options = &sessions.Options{
		Path:     "/",
		MaxAge:   int(debtorAbsoluteTimeout.Seconds()),
		HttpOnly: true,
		Secure:   cfg.Secure,
		SameSite: http.SameSiteLaxMode,
	}
	s.sessions.MaxAge(int(debtorAbsoluteTimeout.Seconds()))
	s.cookieName = "settle_session"
	if cfg.Secure {
		s.cookieName = "__Host-settle_session"
	}
	return s
}

// Handler returns the routed, wrapped handler.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.Routes() {
		mux.Handle(rt.Pattern, rt.handler)
	}
	s.mux = mux
	cop := http.NewCrossOriginProtection()
	// Mollie posts webhooks from its servers (no cookies, no CSRF risk).
	cop.AddInsecureBypassPattern("POST /webhooks/")
	cop.SetDenyHandler(http.HandlerFunc(s.crossOriginDenied))
	var h http.Handler = mux
	h = cop.Handler(h)
	h = s.recoverer(h)
	h = s.securityHeaders(h) // outside recoverer: the panic page gets the nonce too
	h = compress(h)          // inside the access log: it logs the bytes sent
	h = s.accessLog(h)
	h = requestID(h)
	return h
}
