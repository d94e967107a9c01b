package handlers

import (
	"net/http"
	"strconv"
)

// staffUserTOTPReset removes an account's second factor and ends its
// sessions; it sets up a new one at its next sign-in.
func (s *Server) staffUserTOTPReset(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := s.Staff.ResetTOTP(r.Context(), sc.sess.User, sc.creditorID(), id); err != nil {
		return err
	}
	return redirect(w, r, "/staff/users/"+strconv.FormatInt(id, 10)+"?notice=totp_reset")
}
