package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/settle/settle/views"
)

// debtorHandler serves a request of a debtor with a live session.
type debtorHandler func(w http.ResponseWriter, r *http.Request, ds *debtorSession) error

// debtor admits requests with a live debtor session. Without one it
// explains, in the visitor's language, how to get back in.
func (s *Server) debtor(h debtorHandler) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		ds, expired := s.loadSession(r)
		if ds == nil {
			body := "page.session.none.body"
			if expired {
				s.clearSession(w)
				body = "page.session.expired.body"
			}
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
	if next == "" || !strings.HasPrefix(next, "/account") || strings.ContainsAny(next, "\\\r\n") || strings.Contains(next, "//") {
		return "/account"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" {
		return "/account"
	}
	return u.Path
}

// maxFormBytes caps form bodies: every debtor form is small.
const maxFormBytes = 64 << 10

func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	return r.ParseForm()
}
