package handlers

import (
	"net/http"
	"strconv"

	"github.com/settle/settle/internal/ar"
)

// staffTaskAssign takes a task for the signed-in staff member. A task
// someone else holds moves only with take_over=1 (the "take over"
// button); the role must allow the task's kind (staff.TaskPermission).
func (s *Server) staffTaskAssign(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, back, err := taskForm(w, r)
	if err != nil {
		return err
	}
	if err := s.Staff.AssignTask(r.Context(), sc.creditorID(), sc.sess.User, id, r.PostFormValue("take_over") == "1"); err != nil {
		return err
	}
	return redirect(w, r, back)
}

// taskForm reads a task form: the task's id from the path and where to
// go back to (a back-office page; the queues by default).
func taskForm(w http.ResponseWriter, r *http.Request) (id int64, back string, err error) {
	if err := parseForm(w, r); err != nil {
		return 0, "", ar.Errorf(ar.Invalid, "error.form")
	}
	id, err = strconv.ParseInt(r.PathValue("task"), 10, 64)
	if err != nil || id <= 0 {
		return 0, "", ar.Errorf(ar.NotFound, "error.not_found")
	}
	back = "/staff/queues"
	if b := r.PostFormValue("back"); b != "" {
		back = safeStaffNext(b)
	}
	return id, back, nil
}
