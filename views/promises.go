package views

import (
	"net/url"
	"time"

	"github.com/a-h/templ"
)

// PromiseVM is "I promise to pay by a date": the form with what was
// typed (kept when something must be corrected), the debtor's open
// promise, and after a promise the confirmation.
type PromiseVM struct {
	OpenMinor int64 // what is open on the account: the most one can promise
	Currency  string
	Amount    string // as typed
	Date      string // as typed (YYYY-MM-DD)
	MinDate   string // the date input's bounds (YYYY-MM-DD)
	MaxDate   string
	Last      time.Time           // the last date one may promise
	Errors    map[string]FieldErr // by field: amount, date
	ErrorKey  string              // a form-level error (nothing open any more)
	Current   *PromiseNoticeVM    // the open promise a new one replaces
	Done      *PromiseNoticeVM    // the promise just made: the confirmation
	PlansOn   bool                // "more time" is offered
}

// Err is the field's error, or nil.
func (vm PromiseVM) Err(field string) *FieldErr {
	if e, ok := vm.Errors[field]; ok {
		return &e
	}
	return nil
}

// PromiseNoticeVM is an open promise to pay.
type PromiseNoticeVM struct {
	AmountMinor int64
	Currency    string
	Date        time.Time
}

// historyFilterURL is the history page with one filter ("": all).
func historyFilterURL(key string) templ.SafeURL {
	if key == "" {
		return "/account/history"
	}
	return templ.SafeURL("/account/history?kind=" + url.QueryEscape(key))
}

// filterName is a history filter's name in keys and test ids.
func filterName(key string) string {
	if key == "" {
		return "all"
	}
	return key
}
