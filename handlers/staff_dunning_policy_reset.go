package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/dunning"
)

// staffDunningPolicyReset drops the creditor's version of a built-in
// policy so the built-in one applies again, audited
// (dunning.policy_reset). The creditor's own policies are not built in:
// not found.
func (s *Server) staffDunningPolicyReset(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	ctx := r.Context()
	cfg, err := s.dunningConfig(ctx, sc)
	if err != nil {
		return err
	}
	key, err := dunningPolicyParam(r, cfg)
	if err != nil {
		return err
	}
	if !dunning.IsBuiltIn(key) {
		return ar.Errorf(ar.NotFound, "error.not_found")
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	if _, err := dunning.ResetPolicy(ctx, s.Store, sc.creditor, sc.sess.User.ID, key); err != nil {
		return err
	}
	return redirect(w, r, "/staff/settings/dunning?notice=reset")
}
