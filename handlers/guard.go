package handlers

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/views"
)

// debtorHandler serves a request of a debtor with a live session.
type debtorHandler func(w http.ResponseWriter, r *http.Request, ds *debtorSession) error

// debtor admits requests with a live debtor session. Without one it
// explains, in the visitor's language, how to get back in.
func (s *Server) debtor(h debtorHandler) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		ds, expired := s.loadSession(r)
		body := "page.session.none.body"
		if ds != nil {
			// The cookie is valid; the server must agree that the session
			// was not signed out, replaced or cut off by a revoked link.
			c, live, err := s.Portal.SessionLive(r.Context(), ds.CreditorID, ds.DebtorID, ds.ID)
			if err != nil {
				return err
			}
			ds.creditor = c
			if !live {
				ds, body = nil, "page.session.ended.body"
				s.clearSession(w)
			}
		} else if expired {
			s.clearSession(w)
			body = "page.session.expired.body"
		}
		if ds == nil {
			return s.render(w, r, http.StatusUnauthorized, page{},
				views.MessagePage(views.MessageVM{TitleKey: "page.session.title", BodyKey: body}))
		}
		s.touch(w, r, ds)
		return h(w, r, ds)
	})
}

// steppedUp admits debtors who passed the step-up; the others are sent
// to it and come back afterwards.
func (s *Server) steppedUp(h debtorHandler) http.Handler {
	return s.debtor(func(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
		if !ds.SteppedUp {
			return redirect(w, r, "/account/verify?next="+url.QueryEscape(r.URL.Path))
		}
		return h(w, r, ds)
	})
}

// safeNext keeps a return path inside the account pages, so that "next"
// can never send a debtor to another site.
func safeNext(next string) string {
	p, _ := localPath(next, "/account")
	return p
}

// localPath checks a return path: decoded and cleaned, it must be home
// or below it and hold no backslash or control character; anything else
// gives home. The query is returned apart (only pages that want it keep
// it).
func localPath(next, home string) (p, query string) {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return home, ""
	}
	bad := func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }
	if strings.IndexFunc(next, bad) >= 0 || strings.IndexFunc(u.Path, bad) >= 0 {
		return home, ""
	}
	p = path.Clean(u.Path)
	if p != home && !strings.HasPrefix(p, home+"/") {
		return home, ""
	}
	return p, u.RawQuery
}

// maxFormBytes caps form bodies: every debtor form is small.
const maxFormBytes = 64 << 10

func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		// A broken encoding, a ';' separator, a body over the limit: the
		// sender's fault (400 with a translated page), whichever handler
		// asked. FuzzForms found handlers that passed the raw error on
		// as a 500.
		return ar.Errorf(ar.Invalid, "error.form.unreadable")
	}
	return nil
}
