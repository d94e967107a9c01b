package handlers

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// maxQuery caps what the search box takes.
const maxQuery = 200

// staffSearch is the one search box: customer or invoice number, name,
// email, phone, postcode. One exact hit on a number opens the debtor.
func (s *Server) staffSearch(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if len(q) > maxQuery {
		q = q[:maxQuery]
	}
	vm := views.StaffSearchVM{Query: q}
	if q != "" {
		hits, err := s.Store.SearchDebtors(r.Context(), sc.creditorID(), q, 50)
		if err != nil {
			return err
		}
		if len(hits) == 1 && (hits[0].MatchedOn == store.MatchCustomerNumber || hits[0].MatchedOn == store.MatchInvoice) {
			return redirect(w, r, debtorURL(hits[0].ID, ""))
		}
		vm.Searched = true
		vm.TooShort = len([]rune(q)) < 2
		vm.Hits = searchRows(hits)
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffSearchPage(vm))
}

func searchRows(hits []store.DebtorHit) []views.SearchHit {
	out := make([]views.SearchHit, len(hits))
	for i, h := range hits {
		out[i] = views.SearchHit{ID: h.ID, CustomerNumber: h.CustomerNumber, Name: h.Name, Email: h.Email,
			Phone: h.Phone, Place: strings.TrimSpace(h.Postcode + " " + h.City), OpenMinor: h.OpenMinor,
			Currency: h.Currency, MatchedOn: h.MatchedOn}
	}
	return out
}

// staffCallPop is what a softphone or CTI system opens when a call comes
// in: the debtors with that number (one: straight to their view with the
// call log pre-filled).
func (s *Server) staffCallPop(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	number := strings.TrimSpace(r.URL.Query().Get("number"))
	if len(number) > 40 {
		number = number[:40]
	}
	hits, err := s.Store.DebtorsByPhone(r.Context(), sc.creditorID(), number)
	if err != nil {
		return err
	}
	if len(hits) == 1 {
		return redirect(w, r, debtorURL(hits[0].ID, "?call=inbound&number="+url.QueryEscape(number)))
	}
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffCallPopPage(views.CallPopVM{Number: number, Hits: searchRows(hits)}))
}
