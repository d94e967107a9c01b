package handlers

import "net/http"

// staffTaskRelease puts the signed-in staff member's task back into the
// queue.
func (s *Server) staffTaskRelease(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, back, err := taskForm(w, r)
	if err != nil {
		return err
	}
	if err := s.Staff.ReleaseTask(r.Context(), sc.creditorID(), sc.sess.User, id); err != nil {
		return err
	}
	return redirect(w, r, back)
}
