package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/a-h/templ"
	"github.com/gorilla/sessions"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/views"
)

// staffCtx is who is working and on which creditor's data.
type staffCtx struct {
	sess     *staff.Session
	creditor *ar.Creditor // nil only on pages that need none (the creditor picker)
}

// creditorID is the creditor being worked on, for store calls.
func (sc *staffCtx) creditorID() int64 { return sc.creditor.ID }

// can reports whether the signed-in staff member has a permission.
func (sc *staffCtx) can(p staff.Permission) bool { return staff.Can(sc.sess.User.Role, p) }

// staffHandler serves a request of a signed-in staff member.
type staffHandler func(w http.ResponseWriter, r *http.Request, sc *staffCtx) error

// staffCookie is the cookie that carries the staff session id (random;
// PostgreSQL holds its hash, expiry and the second-factor state).
func (s *Server) staffCookie() string {
	if s.Secure {
		return "__Host-settle_staff"
	}
	return "settle_staff"
}

// staffSession returns the live staff session of the request, or nil.
func (s *Server) staffSession(r *http.Request) (*staff.Session, error) {
	if s.Staff == nil {
		return nil, nil
	}
	c, err := r.Cookie(s.staffCookie())
	if err != nil || c.Value == "" {
		return nil, nil
	}
	sess, err := s.sessions.New(r, s.staffCookie())
	if err != nil || sess.IsNew {
		return nil, nil
	}
	id, _ := sess.Values["sid"].(string)
	ss, err := s.Staff.Session(r.Context(), id)
	if ar.IsNotFound(err) {
		return nil, nil
	}
	return ss, err
}

// setStaffCookie stores a (new) session id in the staff cookie.
func (s *Server) setStaffCookie(w http.ResponseWriter, r *http.Request, id string) error {
	sess := sessions.NewSession(s.sessions, s.staffCookie())
	sess.Options = s.cookieOptions(int(staff.AbsoluteTimeout.Seconds()))
	sess.Values["sid"] = id
	return s.sessions.Save(r, w, sess)
}

func (s *Server) clearStaffCookie(w http.ResponseWriter) {
	http.SetCookie(w, sessions.NewCookie(s.staffCookie(), "", s.cookieOptions(-1)))
}

// staff admits staff members whose role grants perm, working on a
// creditor. This, with staff.Can, is the one place roles are checked:
// no session sends a page request to the sign-in (and back afterwards),
// a pending second factor to its step, a missing permission gets 403.
func (s *Server) staff(perm staff.Permission, h staffHandler) http.Handler {
	return s.staffGuard(perm, true, h)
}

// staffAnyCreditor is staff for pages that work without a creditor
// chosen (the creditor picker, the own account page).
func (s *Server) staffAnyCreditor(perm staff.Permission, h staffHandler) http.Handler {
	return s.staffGuard(perm, false, h)
}

func (s *Server) staffGuard(perm staff.Permission, needCreditor bool, h staffHandler) http.Handler {
	return s.handle(func(w http.ResponseWriter, r *http.Request) error {
		sess, err := s.staffSession(r)
		if err != nil {
			return err
		}
		if sess == nil || sess.MFAPending {
			if sess == nil {
				s.clearStaffCookie(w)
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				to := "/staff/login"
				if sess != nil {
					to = "/staff/login/totp"
				}
				if r.URL.Path != "/staff" {
					to += "?next=" + url.QueryEscape(r.URL.RequestURI())
				}
				return redirect(w, r, to)
			}
			return s.renderStaff(w, r, http.StatusUnauthorized, nil,
				views.StaffMessage(views.MessageVM{TitleKey: "staff.signin_needed.title", BodyKey: "staff.signin_needed.body"}))
		}
		sc := &staffCtx{sess: sess}
		if !sc.can(perm) {
			s.Log.WarnContext(r.Context(), "staff: forbidden", "id", RequestID(r.Context()), "staff", sess.User.ID,
				"role", sess.User.Role, "need", string(perm), "path", logPath(r.URL.Path))
			return s.renderStaff(w, r, http.StatusForbidden, sc,
				views.StaffMessage(views.MessageVM{TitleKey: "page.error.forbidden.title", BodyKey: "error.staff.forbidden"}))
		}
		if sess.CreditorID != nil {
			if sc.creditor, err = s.Store.Creditor(r.Context(), *sess.CreditorID); err != nil {
				return err
			}
		} else if needCreditor {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				return redirect(w, r, "/staff/creditors")
			}
			return ar.Errorf(ar.Conflict, "error.staff.no_creditor")
		}
		return h(w, r, sc)
	})
}

// renderStaff renders a back-office page (Settle's look, the staff
// member's navigation).
func (s *Server) renderStaff(w http.ResponseWriter, r *http.Request, status int, sc *staffCtx, c templ.Component) error {
	return s.render(w, r, status, page{staff: sc}, c)
}

// staffEnv is what the back-office frame shows of the session.
func staffEnv(sc *staffCtx) *views.StaffEnv {
	if sc == nil || sc.sess == nil || sc.sess.MFAPending {
		return nil
	}
	e := &views.StaffEnv{Email: sc.sess.User.Email, Role: sc.sess.User.Role, Operator: sc.sess.User.CreditorID == nil,
		Can: func(p string) bool { return sc.can(staff.Permission(p)) }}
	if sc.creditor != nil {
		e.CreditorName = sc.creditor.Name
	}
	return e
}

// safeStaffNext keeps a return path inside the back office (never the
// sign-in itself), with its query.
func safeStaffNext(next string) string {
	p, q := localPath(next, "/staff")
	if strings.HasPrefix(p, "/staff/login") {
		return "/staff"
	}
	if q != "" {
		return p + "?" + q
	}
	return p
}
