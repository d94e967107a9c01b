package handlers

import "net/http"

// staffTaskDone finishes a task (with an optional note): who and when
// are recorded, the debtor's timeline gets an internal entry.
func (s *Server) staffTaskDone(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, back, err := taskForm(w, r)
	if err != nil {
		return err
	}
	if err := s.Staff.CompleteTask(r.Context(), sc.creditorID(), sc.sess.User, id, r.PostFormValue("note")); err != nil {
		return err
	}
	return redirect(w, r, back)
}
