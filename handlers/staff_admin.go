package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// Helpers of the admin pages (staff accounts, audit log, outbox).

// pathID reads a numeric path parameter; anything else is NotFound.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, ar.Errorf(ar.NotFound, "error.not_found")
	}
	return id, nil
}

// formErrors returns the field errors in err as field → translation key;
// ok is false when err is not about form fields.
func formErrors(err error) (fields map[string]string, ok bool) {
	var list ar.Invalids
	if errors.As(err, &list) {
		fields = map[string]string{}
		for _, e := range list {
			fields[e.Field] = e.Key
		}
		return fields, true
	}
	if e, isErr := ar.AsError(err); isErr && e.Field != "" && e.Code != ar.Internal {
		return map[string]string{e.Field: e.Key}, true
	}
	return nil, false
}

// staffUserForm is the edit form of an account, filled from the store.
func (s *Server) staffUserForm(sc *staffCtx, u *store.StaffUser) views.StaffUserFormVM {
	loc := sc.creditor.Location()
	vm := views.StaffUserFormVM{ID: u.ID, Email: u.Email, Name: u.Name, Role: u.Role, TOTPRequired: u.TOTPRequired,
		Disabled: u.DisabledAt != nil, Self: u.ID == sc.sess.User.ID, TOTPEnrolled: u.TOTPConfirmedAt != nil,
		Created: u.CreatedAt.In(loc)}
	if u.LastLoginAt != nil {
		t := u.LastLoginAt.In(loc)
		vm.LastLogin = &t
	}
	return vm
}

// cursor reads an "older than" id from the query (0: the newest).
func cursor(r *http.Request) int64 {
	id, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// normEmail is an email as accounts store it.
func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
