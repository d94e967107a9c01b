package handlers

import (
	"net/http"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
)

// apiDebtor is a debtor in API responses.
type apiDebtor struct {
	CustomerNumber   string `json:"customer_number"`
	Name             string `json:"name"`
	Kind             string `json:"kind"`
	Email            string `json:"email,omitempty"`
	Phone            string `json:"phone,omitempty"`
	Street           string `json:"street,omitempty"`
	Postcode         string `json:"postcode,omitempty"`
	City             string `json:"city,omitempty"`
	Country          string `json:"country"`
	BirthDate        string `json:"birth_date,omitempty"`
	Language         string `json:"language,omitempty"`
	PreferredChannel string `json:"preferred_channel"`
	Segment          string `json:"segment,omitempty"`
	Hardship         bool   `json:"hardship"`
}

func apiDebtorOf(d *ar.Debtor) apiDebtor {
	a := apiDebtor{CustomerNumber: d.CustomerNumber, Name: d.Name, Kind: d.Kind, Email: d.Email,
		Phone: d.Phone, Street: d.Street, Postcode: d.Postcode, City: d.City, Country: d.Country,
		Language: d.Language, PreferredChannel: d.PreferredChannel, Segment: d.Segment, Hardship: d.Hardship}
	if d.BirthDate != nil {
		a.BirthDate = d.BirthDate.Format("2006-01-02")
	}
	return a
}

// apiDebtorPut creates (201) or replaces (200) a debtor.
func (s *Server) apiDebtorPut(w http.ResponseWriter, r *http.Request, c *ar.Creditor, body []byte) error {
	var in billing.DebtorInput
	if err := decodeJSON(body, &in); err != nil {
		return err
	}
	d, created, err := s.Billing.PutDebtor(r.Context(), c, r.PathValue("customer_number"), in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, apiDebtorOf(d))
}
