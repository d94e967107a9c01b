package handlers

import (
	"github.com/settle/settle/internal/ar"

	"crypto/rand"
	"encoding/base64"
	"net/http"
	"time"

	"github.com/gorilla/sessions"
)

// debtorSession is what the signed, encrypted session cookie holds. The
// cookie is the whole session (no server-side state), so any instance can
// serve any request.
type debtorSession struct {
	ID         string // random, renewed at entry and at step-up
	CreditorID int64
	DebtorID   int64
	LinkID     int64
	Started    time.Time
	Seen       time.Time
	SteppedUp  bool
	Lang       string // the debtor's stored language, cached
	// AssistedBy is the staff member who opened this session with the
	// debtor on the phone (assist mode); 0 for the debtor's own.
	AssistedBy int64

	// creditor is the session's creditor, loaded with the check that the
	// session is live (not part of the cookie).
	creditor *ar.Creditor
}

func newSessionID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// loadSession reads the debtor session. It returns nil when there is none
// or it is broken, and expired=true when it has run out (idle or absolute).
func (s *Server) loadSession(r *http.Request) (ds *debtorSession, expired bool) {
	c, err := r.Cookie(s.cookieName)
	if err != nil || c.Value == "" {
		return nil, false
	}
	sess, err := s.sessions.New(r, s.cookieName)
	if err != nil || sess.IsNew {
		return nil, false
	}
	v := sess.Values
	ds = &debtorSession{}
	var ok [7]bool
	ds.ID, ok[0] = v["sid"].(string)
	ds.CreditorID, ok[1] = v["c"].(int64)
	ds.DebtorID, ok[2] = v["d"].(int64)
	ds.LinkID, ok[3] = v["l"].(int64)
	var started, seen int64
	started, ok[4] = v["t0"].(int64)
	seen, ok[5] = v["ts"].(int64)
	ds.SteppedUp, ok[6] = v["su"].(bool)
	ds.Lang, _ = v["lang"].(string)
	ds.AssistedBy, _ = v["as"].(int64)
	for _, o := range ok {
		if !o {
			return nil, false
		}
	}
	ds.Started, ds.Seen = time.Unix(started, 0), time.Unix(seen, 0)
	now := s.Now()
	if now.Sub(ds.Seen) > debtorIdleTimeout || now.Sub(ds.Started) > debtorAbsoluteTimeout {
		return nil, true
	}
	return ds, false
}

// saveSession writes the session cookie.
func (s *Server) saveSession(w http.ResponseWriter, r *http.Request, ds *debtorSession) error {
	sess := sessions.NewSession(s.sessions, s.cookieName)
	sess.Options = s.cookieOptions(int(debtorAbsoluteTimeout.Seconds()))
	sess.Values["sid"] = ds.ID
	sess.Values["c"] = ds.CreditorID
	sess.Values["d"] = ds.DebtorID
	sess.Values["l"] = ds.LinkID
	sess.Values["t0"] = ds.Started.Unix()
	sess.Values["ts"] = ds.Seen.Unix()
	sess.Values["su"] = ds.SteppedUp
	sess.Values["lang"] = ds.Lang
	if ds.AssistedBy != 0 {
		sess.Values["as"] = ds.AssistedBy
	}
	return s.sessions.Save(r, w, sess)
}

// clearSession deletes the session cookie.
func (s *Server) clearSession(w http.ResponseWriter) {
	o := s.cookieOptions(-1)
	http.SetCookie(w, sessions.NewCookie(s.cookieName, "", o))
}

func (s *Server) cookieOptions(maxAge int) *sessions.Options {
	o := *s.sessions.Options
	o.MaxAge = maxAge
	return &o
}

// touch keeps an active session alive: the idle clock restarts at most
// once a minute, so most requests write no cookie.
func (s *Server) touch(w http.ResponseWriter, r *http.Request, ds *debtorSession) {
	if now := s.Now(); now.Sub(ds.Seen) > time.Minute {
		ds.Seen = now
		if err := s.saveSession(w, r, ds); err != nil {
			s.Log.ErrorContext(r.Context(), "session: save", "id", RequestID(r.Context()), "err", err)
		}
	}
}

// actor is who a timeline entry of this session names: the debtor, or
// in assist mode the agent who has the account open with them.
func (ds *debtorSession) actor() (actor string, staffID *int64) {
	if ds.AssistedBy != 0 {
		id := ds.AssistedBy
		return "staff", &id
	}
	return "debtor", nil
}
