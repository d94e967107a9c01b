package demo

import (
	"fmt"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// energyCustomer is a Lumen Energie debtor and what they were billed.
type energyCustomer struct {
	ar.Debtor
	power int64 // monthly electricity instalment (Abschlag), net
	gas   int64 // monthly gas instalment, net; 0 for none
	cycle cycle
	// annualPaid > 0 adds an overdue annual statement with an additional
	// payment due (Nachzahlung), of which annualPaid is paid.
	annualPaid int64
	// wallboxAgo > 0 adds a wallbox order issued that many days ago (at
	// most termDays, so it is not yet due).
	wallboxAgo int
}

// energyCustomers is the Lumen Energie customer base: the same customer
// numbers as Nordwind Mobil's first five, other people. Keep doc.go in
// step.
func energyCustomers() []energyCustomer {
	return []energyCustomer{
		{
			Debtor: ar.Debtor{CustomerNumber: "10001", Name: "Stefan Meier",
				Email: "stefan.meier@example.de", Phone: "+49 151 40404040",
				Street: "Aachener Straße 340", Postcode: "50933", City: "Köln", Language: "de"},
			power:      6723, // 80,00 € gross
			cycle:      cycle{day: 2, months: 5, overdue: 1, latestOpen: true, payBy: "SEPA-Lastschrift"},
			wallboxAgo: 5,
		},
		{
			Debtor: ar.Debtor{CustomerNumber: "10002", Name: "Elif Demir",
				Phone:  "+49 176 30303030",
				Street: "Neusser Straße 250", Postcode: "50733", City: "Köln", Language: "de",
				PreferredChannel: "sms"},
			power: 5378, gas: 7983, // 64 € and 95 € gross
			cycle: cycle{day: 1, months: 5, latestOpen: true, payBy: "SEPA-Lastschrift"},
		},
		{
			Debtor: ar.Debtor{CustomerNumber: "10003", Name: "Claudia Weber",
				Email:  "claudia.weber@example.de",
				Street: "Bonner Straße 180", Postcode: "50968", City: "Köln", Language: "de"},
			power: 7983,
			cycle: cycle{day: 3, months: 5, payBy: "SEPA-Lastschrift"},
		},
		{
			Debtor: ar.Debtor{CustomerNumber: "10004", Name: "Michael Schröder",
				Email: "michael.schroeder@example.de", Phone: "+49 160 20202020",
				Street: "Dürener Straße 145", Postcode: "50931", City: "Köln", Language: "de"},
			power:      6723,
			cycle:      cycle{day: 2, months: 4, overdue: 2, latestOpen: true, payBy: "Überweisung"},
			annualPaid: 5000,
		},
		{
			Debtor: ar.Debtor{CustomerNumber: "10005", Name: "Grace Thompson",
				Email: "grace.thompson@example.com", Phone: "+49 152 10101010",
				Street: "Zülpicher Straße 58", Postcode: "50674", City: "Köln", Language: "en"},
			power: 5378,
			cycle: cycle{day: 3, months: 2, latestOpen: true, payBy: "Überweisung"},
		},
	}
}

// lumen is the second creditor, a fictional municipal energy utility.
func lumen(today time.Time) *tenant {
	t := &tenant{
		creditor: store.NewCreditor{
			Creditor: ar.Creditor{
				Slug:         SecondSlug,
				Name:         "Lumen Energie",
				LegalName:    "Lumen Energie GmbH",
				Address:      "Rheinauhafen 9, 50678 Köln",
				SupportPhone: "+49 221 9876 5430",
				SupportEmail: "kundenservice@lumen-energie.example",
				SupportHours: "Mo–Fr 7–19 Uhr, Sa 9–14 Uhr",
				LegalFooter: "Lumen Energie GmbH · Rheinauhafen 9, 50678 Köln · Amtsgericht Köln HRB 000000 · " +
					"USt-IdNr. DE000000000 · Geschäftsführung: Dr. Petra Sonnenberg, Jan-Ole Feld · " +
					"Fiktives Unternehmen für Demozwecke",
				PrimaryColor:    "#b3470b",
				AccentColor:     "#2e7d32",
				DefaultLanguage: "de",
				Timezone:        "Europe/Berlin",
				Currency:        currency,
				StepUp:          ar.StepUpOTP,
				StepUpKnowledge: ar.KnowPostcode, // unused with OTP, but must be valid
				LinkTTL:         30 * 24 * time.Hour,
				BankHolder:      "Lumen Energie GmbH",
				BankIBAN:        "DE02120300000000202051", // a published example IBAN: fictional
				BankBIC:         "BYLADEM1001",
			},
			Logo:      lumenLogo,
			LogoPrint: lumenPrintLogo,
			LogoType:  "image/svg+xml",
		},
		number: func(year, n int) string { return fmt.Sprintf("LE-%d-%05d", year, n) },
		first:  12,
	}
	for seed, c := range energyCustomers() {
		t.debtors = append(t.debtors, c.account(today, seed))
	}
	return t
}

func (c *energyCustomer) account(today time.Time, seed int) account {
	d := c.Debtor
	d.Segment = "strom"
	if c.gas > 0 {
		d.Segment = "strom-gas"
	}
	a := account{debtor: d}
	var monthly []*bill
	for _, issue := range cycleDates(today, c.cycle.day, c.cycle.months) {
		monthly = append(monthly, c.monthly(issue))
	}
	c.cycle.apply(today, seed, monthly)
	a.invoices = append(a.invoices, monthly...)
	if c.annualPaid > 0 {
		a.invoices = append(a.invoices, c.annual(today))
	}
	if c.wallboxAgo > 0 {
		issue := daysAgo(today, c.wallboxAgo)
		a.invoices = append(a.invoices, newBill(issue, "Wallbox Lumen Charge 11 kW · "+monthYear(issue),
			line("Wallbox Lumen Charge 11 kW", 1000, 54538),
			line("Installation und Inbetriebnahme", 1000, 33529)))
	}
	return a
}

// monthly is an instalment bill (Abschlagsrechnung).
func (c *energyCustomer) monthly(issue time.Time) *bill {
	month := monthYear(issue)
	if c.gas > 0 {
		return newBill(issue, "Strom Tarif Lumen Öko & Gas Lumen Wärme · "+month,
			line("Abschlag Strom "+month, 1000, c.power),
			line("Abschlag Erdgas "+month, 1000, c.gas),
			line("Messstellenbetrieb (moderne Messeinrichtung)", 1000, 168))
	}
	return newBill(issue, "Strom Tarif Lumen Öko · "+month,
		line("Abschlag Strom "+month, 1000, c.power),
		line("Messstellenbetrieb (moderne Messeinrichtung)", 1000, 168))
}

// annual is the yearly statement: consumption and base price for twelve
// months less the instalments invoiced, leaving an additional payment. It
// was issued 40 days ago, so it is overdue on any day.
func (c *energyCustomer) annual(today time.Time) *bill {
	issue := daysAgo(today, 40)
	end := time.Date(issue.Year(), issue.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	start := end.AddDate(0, -11, 0)
	b := newBill(issue, fmt.Sprintf("Jahresabrechnung Strom Tarif Lumen Öko · %s – %s", monthYear(start), monthYear(end)),
		line("Arbeitspreis Strom (kWh)", 2940*1000, 27),
		line("Grundpreis (Monate)", 12*1000, 1092),
		line("Abzüglich in Rechnung gestellte Abschläge", 12*1000, -c.power))
	b.pay(c.annualPaid, daysAgo(today, 12), "Überweisung (Teilzahlung)")
	return b
}
