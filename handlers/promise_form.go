package handlers

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/i18n"
	"github.com/settle/settle/internal/promises"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// promiseContext is what the promise page is built from.
type promiseContext struct {
	creditor    *ar.Creditor
	openMinor   int64
	first, last time.Time // the window
	current     *store.Promise
	page        page
	loc         *i18n.Locale
}

func (s *Server) promiseContext(w http.ResponseWriter, r *http.Request, ds *debtorSession) (*promiseContext, error) {
	acc, err := s.account(r.Context(), ds)
	if err != nil {
		return nil, err
	}
	pc := &promiseContext{creditor: acc.Creditor, openMinor: acc.Summary.OpenMinor,
		page: page{creditor: acc.Creditor, debtorLang: ds.Lang, signedIn: true, assisted: ds.AssistedBy != 0}}
	if pc.first, pc.last, err = s.Promises.Window(r.Context(), acc.Creditor); err != nil {
		return nil, err
	}
	if pc.current, err = s.Store.OpenPromise(r.Context(), ds.CreditorID, ds.DebtorID); err != nil {
		return nil, err
	}
	pc.loc = s.Catalog.Locale(s.language(w, r, pc.page))
	return pc, nil
}

// promiseForm is the form as typed.
type promiseForm struct {
	Amount, Date string
}

func readPromiseForm(v url.Values) promiseForm {
	return promiseForm{Amount: strings.TrimSpace(v.Get("amount")), Date: strings.TrimSpace(v.Get("date"))}
}

// ask reads the form; what cannot be read becomes a zero value, which
// promises.Check refuses with the field's message.
func (f promiseForm) ask() promises.Ask {
	var a promises.Ask
	if len(f.Amount) <= 20 {
		if m, ok := parseAmountInput(f.Amount); ok {
			a.AmountMinor = m
		}
	}
	if d, err := time.Parse(time.DateOnly, f.Date); err == nil {
		a.Date = d
	}
	return a
}

// vm is the page with f's values.
func (pc *promiseContext) vm(f promiseForm, plansOn bool) views.PromiseVM {
	vm := views.PromiseVM{OpenMinor: pc.openMinor, Currency: pc.creditor.Currency, Amount: f.Amount, Date: f.Date,
		MinDate: pc.first.Format(time.DateOnly), MaxDate: pc.last.Format(time.DateOnly), Last: pc.last, PlansOn: plansOn}
	if p := pc.current; p != nil {
		vm.Current = promiseNotice(p)
	}
	return vm
}

// defaultForm is the form as first shown: the open promise's amount and
// date, else everything open in a week.
func (pc *promiseContext) defaultForm() promiseForm {
	if p := pc.current; p != nil {
		return promiseForm{Amount: formatAmountInput(p.AmountMinor, pc.loc.Lang), Date: p.DueDate.Format(time.DateOnly)}
	}
	date := pc.first.AddDate(0, 0, 7)
	if date.After(pc.last) {
		date = pc.last
	}
	return promiseForm{Amount: formatAmountInput(max(pc.openMinor, 0), pc.loc.Lang), Date: date.Format(time.DateOnly)}
}

// promiseError puts a refusal on the page: field errors beside their
// field (422), nothing open any more above the form (409). Anything
// else is returned.
func (pc *promiseContext) promiseError(vm *views.PromiseVM, err error) (int, error) {
	var list ar.Invalids
	if !errors.As(err, &list) {
		e, ok := ar.AsError(err)
		if !ok || e.Code == ar.Internal || e.Code == ar.NotFound {
			return 0, err
		}
		if e.Field == "" {
			vm.ErrorKey = e.Key
			return statusOf(e.Code), nil
		}
		list = ar.Invalids{e}
	}
	vm.Errors = map[string]views.FieldErr{}
	for _, e := range list {
		if _, dup := vm.Errors[e.Field]; !dup {
			vm.Errors[e.Field] = views.FieldErr{Key: e.Key, Args: localArgs(pc.loc, e.Args)}
		}
	}
	return http.StatusUnprocessableEntity, nil
}

// promiseNotice is an open promise as the pages show it.
func promiseNotice(p *store.Promise) *views.PromiseNoticeVM {
	return &views.PromiseNoticeVM{AmountMinor: p.AmountMinor, Currency: p.Currency, Date: p.DueDate}
}
