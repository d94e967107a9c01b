package handlers

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/backoffice"
	"github.com/settle/settle/views"
)

// localTime reads a datetime-local input in the creditor's zone.
func localTime(v string, zone *time.Location) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.ParseInLocation("2006-01-02T15:04", v, zone)
	return t, err == nil
}

// staffCallLog records a call and what came of it. Invalid input shows
// the debtor view again with everything typed and the errors.
func (s *Server) staffCallLog(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	f := views.CallForm{Open: true, Direction: r.PostFormValue("direction"), Outcome: r.PostFormValue("outcome"),
		Number: strings.TrimSpace(r.PostFormValue("number")), Note: r.PostFormValue("note"),
		PromiseDate: r.PostFormValue("promise_date"), PromiseAmount: r.PostFormValue("promise_amount"),
		CallbackAt: r.PostFormValue("callback_at"), Errors: map[string]string{}}
	call := backoffice.Call{Direction: f.Direction, Outcome: f.Outcome, Number: f.Number, Note: f.Note}
	zone := sc.creditor.Location()
	if f.Outcome == "promise" {
		if n, ok := parseAmountInput(f.PromiseAmount); ok {
			call.PromiseMinor = n
		} else {
			f.Errors["promise_amount"] = "error.staff.promise.amount"
		}
		if d, err := time.Parse(time.DateOnly, f.PromiseDate); err == nil {
			call.PromiseDate = d
		} else {
			f.Errors["promise_date"] = "error.staff.promise.date"
		}
	}
	if f.Outcome == "callback" {
		t, ok := localTime(f.CallbackAt, zone)
		if !ok {
			f.Errors["callback_at"] = "error.staff.callback.when"
		}
		call.CallbackAt = t
	}
	if len(f.Errors) == 0 {
		err = s.office.LogCall(r.Context(), sc.actor(), id, call)
		if err == nil {
			return redirect(w, r, debtorURL(id, "?done=call"))
		}
		errs, ok := formErrors(err)
		if !ok {
			return err
		}
		f.Errors = errs
	}
	return s.renderDebtor(w, r, sc, http.StatusUnprocessableEntity, views.StaffDebtorVM{Call: f})
}

func debtorURL(id int64, rest string) string {
	return "/staff/debtors/" + strconv.FormatInt(id, 10) + rest
}

// staffCallbackAdd schedules a callback.
func (s *Server) staffCallbackAdd(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	f := views.CallbackForm{At: r.PostFormValue("at"), Note: r.PostFormValue("note"), Errors: map[string]string{}}
	at, ok := localTime(f.At, sc.creditor.Location())
	if !ok || at.IsZero() {
		f.Errors["callback_at"] = "error.staff.callback.when"
	} else {
		err := s.office.ScheduleCallback(r.Context(), sc.actor(), id, at, f.Note)
		if err == nil {
			return redirect(w, r, debtorURL(id, "?done=callback"))
		}
		errs, ok := formErrors(err)
		if !ok {
			return err
		}
		f.Errors = errs
	}
	return s.renderDebtor(w, r, sc, http.StatusUnprocessableEntity, views.StaffDebtorVM{Callback: f})
}

// staffNoteAdd writes an internal note.
func (s *Server) staffNoteAdd(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := debtorParam(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return ar.Errorf(ar.Invalid, "error.form")
	}
	text := r.PostFormValue("text")
	err = s.office.AddNote(r.Context(), sc.actor(), id, text)
	if err == nil {
		return redirect(w, r, debtorURL(id, "?done=note"))
	}
	errs, ok := formErrors(err)
	if !ok {
		return err
	}
	return s.renderDebtor(w, r, sc, http.StatusUnprocessableEntity, views.StaffDebtorVM{Note: views.NoteForm{Text: text, Errors: errs}})
}
