package molliesim

import (
	"net/http"
	"net/url"
	"strings"
)

type issuerJSON struct {
	Resource string            `json:"resource"`
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Image    map[string]string `json:"image"`
}

type methodJSON struct {
	Resource      string            `json:"resource"`
	ID            string            `json:"id"`
	Description   string            `json:"description"`
	MinimumAmount *amountJSON       `json:"minimumAmount"`
	MaximumAmount *amountJSON       `json:"maximumAmount"`
	Image         map[string]string `json:"image"`
	Status        string            `json:"status"`
	Issuers       []issuerJSON      `json:"issuers,omitempty"`
	Links         map[string]*link  `json:"_links"`
}

func (s *Simulator) images(id string) map[string]string {
	img := s.base + "img/" + url.PathEscape(id)
	return map[string]string{"size1x": img + ".png", "size2x": img + "%402x.png", "svg": img + ".svg"}
}

func (s *Simulator) methodOut(m *method, locale, currency string, includes map[string]bool) *methodJSON {
	out := &methodJSON{
		Resource: "method", ID: m.ID, Description: m.name(locale),
		MinimumAmount: money{currency, m.min}.out(),
		Image:         s.images(m.ID), Status: "activated",
		Links: map[string]*link{
			"self":          s.apiLink("v2/methods/" + m.ID),
			"documentation": docLink("get-method"),
		},
	}
	if m.max >= 0 {
		out.MaximumAmount = money{currency, m.max}.out()
	}
	if includes["issuers"] && m.ID == "ideal" {
		for _, is := range [][2]string{{"ideal_ABNANL2A", "ABN AMRO"}, {"ideal_INGBNL2A", "ING"}, {"ideal_RABONL2U", "Rabobank"}} {
			out.Issuers = append(out.Issuers, issuerJSON{Resource: "issuer", ID: is[0], Name: is[1], Image: s.images(m.ID)})
		}
	}
	return out
}

func includeSet(q url.Values) map[string]bool {
	inc := map[string]bool{}
	for _, v := range q["include"] {
		for _, part := range strings.Split(v, ",") {
			inc[strings.TrimSpace(part)] = true
		}
	}
	return inc
}

// handleListMethods serves GET /v2/methods (filtered by amount,
// sequenceType and billingCountry; names by locale) and GET
// /v2/methods/all (every enabled method).
func (s *Simulator) handleListMethods(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	all := strings.HasSuffix(r.URL.Path, "/all")
	locale := q.Get("locale")
	if e := checkLocale("locale", locale); e != nil {
		writeErr(w, e)
		return
	}
	seq := q.Get("sequenceType")
	switch seq {
	case "":
		seq = "oneoff"
	case "oneoff", "first", "recurring":
	default:
		writeErr(w, unprocessable("sequenceType", "The sequence type is invalid; use oneoff, first or recurring"))
		return
	}
	var amount *money
	if q.Has("amount[value]") || q.Has("amount[currency]") {
		m, err := parseMoney(strings.ToUpper(q.Get("amount[currency]")), q.Get("amount[value]"))
		if err != nil {
			writeErr(w, unprocessable("amount", "The amount is invalid; send amount[value]=10.00&amount[currency]=EUR"))
			return
		}
		amount = &m
	}
	currency := "EUR"
	if amount != nil {
		currency = amount.Currency
	}
	if c := strings.ToUpper(q.Get("currency")); c != "" {
		if _, ok := currencyDecimals[c]; !ok {
			writeErr(w, unprocessable("currency", "The currency is not supported"))
			return
		}
		currency = c
	}
	country := strings.ToUpper(q.Get("billingCountry"))
	includes := includeSet(q)
	items := []any{}
	for _, m := range s.methods {
		if !all {
			if !m.acceptsSequence(seq) || !m.acceptsCurrency(currency) {
				continue
			}
			if amount != nil && m.amountCheck(*amount) != "" {
				continue
			}
			if country != "" && m.Countries != nil && !contains(m.Countries, country) {
				continue
			}
		}
		items = append(items, s.methodOut(m, locale, currency, includes))
	}
	self := strings.TrimPrefix(r.URL.Path, "/")
	if r.URL.RawQuery != "" {
		self += "?" + r.URL.RawQuery
	}
	writeJSON(w, http.StatusOK, &listJSON{
		Count:    len(items),
		Embedded: map[string]any{"methods": items},
		Links:    map[string]*link{"self": s.apiLink(self), "documentation": docLink("list-methods")},
	})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// handleGetMethod serves GET /v2/methods/{id}.
func (s *Simulator) handleGetMethod(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	id := r.PathValue("id")
	m := s.method(id)
	if m == nil {
		writeErr(w, &apiErr{http.StatusNotFound, "No method exists with id " + id + " on this profile", ""})
		return
	}
	locale := q.Get("locale")
	if e := checkLocale("locale", locale); e != nil {
		writeErr(w, e)
		return
	}
	currency := "EUR"
	if c := strings.ToUpper(q.Get("currency")); c != "" {
		if !m.acceptsCurrency(c) {
			writeErr(w, unprocessable("currency", "The currency "+c+" is not supported by "+id))
			return
		}
		currency = c
	}
	writeJSON(w, http.StatusOK, s.methodOut(m, locale, currency, includeSet(q)))
}
