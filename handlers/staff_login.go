package handlers

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/docs"
	"github.com/settle/settle/internal/staff"
	"github.com/settle/settle/views"
)

// staffLoginShow is the sign-in form. Someone signed in already goes on.
func (s *Server) staffLoginShow(w http.ResponseWriter, r *http.Request) error {
	next := safeStaffNext(r.URL.Query().Get("next"))
	if sess, err := s.staffSession(r); err != nil {
		return err
	} else if sess != nil && !sess.MFAPending {
		return redirect(w, r, next)
	}
	// Make the unknown-email check ready before the form comes back, so
	// that even the first failed sign-in takes as long as the others.
	go staff.WarmUp()
	vm := views.StaffLoginVM{Next: next}
	switch r.URL.Query().Get("notice") {
	case "signed_out":
		vm.Notice = "staff.login.signed_out"
	}
	return s.renderStaff(w, r, http.StatusOK, nil, views.StaffLoginPage(vm))
}

// staffLoginSubmit checks email and password. The session id is new at
// every sign-in (and again after the second factor).
func (s *Server) staffLoginSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := safeStaffNext(r.PostFormValue("next"))
	vm := views.StaffLoginVM{Email: email, Next: next}
	if email == "" || r.PostFormValue("password") == "" || len(email) > 254 {
		vm.ErrorKey = "error.staff.login_missing"
		return s.renderStaff(w, r, http.StatusBadRequest, nil, views.StaffLoginPage(vm))
	}
	sess, err := s.Staff.Login(r.Context(), email, r.PostFormValue("password"), clientIP(r))
	if e, ok := ar.AsError(err); ok && (e.Code == ar.Unauthorized || e.Code == ar.TooMany) {
		vm.ErrorKey = e.Key
		return s.renderStaff(w, r, statusOf(e.Code), nil, views.StaffLoginPage(vm))
	} else if err != nil {
		return err
	}
	if err := s.setStaffCookie(w, r, sess.ID); err != nil {
		return err
	}
	if sess.MFAPending {
		return redirect(w, r, "/staff/login/totp?next="+url.QueryEscape(next))
	}
	return redirect(w, r, next)
}

// staffTOTPShow asks for the authenticator code, or (first time) shows
// the QR code to set one up.
func (s *Server) staffTOTPShow(w http.ResponseWriter, r *http.Request) error {
	return s.staffTOTPPage(w, r, http.StatusOK, safeStaffNext(r.URL.Query().Get("next")), "")
}

func (s *Server) staffTOTPPage(w http.ResponseWriter, r *http.Request, status int, next, errKey string) error {
	sess, err := s.staffSession(r)
	if err != nil {
		return err
	}
	if sess == nil {
		return redirect(w, r, "/staff/login?next="+url.QueryEscape(next))
	}
	if !sess.MFAPending {
		return redirect(w, r, next)
	}
	vm := views.StaffTOTPVM{Next: next, ErrorKey: errKey}
	if sess.NeedsEnrolment() {
		en, err := s.Staff.BeginEnrolment(r.Context(), sess)
		if err != nil {
			return err
		}
		if vm.QR, err = docs.QRDataURL(en.URL, 200); err != nil {
			return err
		}
		vm.Enrol, vm.Secret = true, groupSecret(en.Secret)
	}
	return s.renderStaff(w, r, status, nil, views.StaffTOTPPage(vm))
}

// groupSecret splits a base32 secret into groups of four for reading.
func groupSecret(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// staffTOTPSubmit checks the code and replaces the pending session with
// a full one.
func (s *Server) staffTOTPSubmit(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	next := safeStaffNext(r.PostFormValue("next"))
	sess, err := s.staffSession(r)
	if err != nil {
		return err
	}
	if sess == nil {
		return redirect(w, r, "/staff/login?next="+url.QueryEscape(next))
	}
	full, err := s.Staff.VerifyTOTP(r.Context(), sess, r.PostFormValue("code"), clientIP(r))
	if e, ok := ar.AsError(err); ok && e.Code != ar.Internal {
		return s.staffTOTPPage(w, r, statusOf(e.Code), next, e.Key)
	} else if err != nil {
		return err
	}
	if err := s.setStaffCookie(w, r, full.ID); err != nil {
		return err
	}
	return redirect(w, r, next)
}

// staffLogout ends this session.
func (s *Server) staffLogout(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.staffSession(r)
	if err != nil {
		return err
	}
	if sess != nil {
		if err := s.Staff.Logout(r.Context(), sess); err != nil {
			return err
		}
	}
	s.clearStaffCookie(w)
	return redirect(w, r, "/staff/login?notice=signed_out")
}

// staffLogoutEverywhere ends every session of the account.
func (s *Server) staffLogoutEverywhere(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := s.Staff.LogoutEverywhere(r.Context(), sc.sess); err != nil {
		return err
	}
	s.clearStaffCookie(w)
	return redirect(w, r, "/staff/login?notice=signed_out")
}

// staffAccountShow is the staff member's own page.
func (s *Server) staffAccountShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	u := sc.sess.User
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffAccountPage(views.StaffAccountVM{
		Email: u.Email, Role: u.Role, TOTPEnrolled: u.TOTPConfirmedAt != nil, TOTPRequired: u.TOTPRequired}))
}

// staffCreditorsShow lets an operator's admin pick the creditor to work on.
func (s *Server) staffCreditorsShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if sc.sess.User.CreditorID != nil {
		return redirect(w, r, "/staff")
	}
	list, err := s.Store.Creditors(r.Context())
	if err != nil {
		return err
	}
	vm := views.StaffCreditorsVM{}
	for _, c := range list {
		vm.Creditors = append(vm.Creditors, views.StaffCreditorItem{ID: c.ID, Name: c.Name, Slug: c.Slug})
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffCreditorsPage(vm))
}

// staffCreditorSet switches the creditor an operator's admin works on.
func (s *Server) staffCreditorSet(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	id, err := strconv.ParseInt(r.PostFormValue("creditor"), 10, 64)
	if err != nil {
		return ar.FieldError("creditor", "error.staff.no_creditor", nil)
	}
	if err := s.Staff.SwitchCreditor(r.Context(), sc.sess, id); err != nil {
		return err
	}
	return redirect(w, r, "/staff")
}
