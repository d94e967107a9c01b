package demo

import (
	"fmt"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// tariff is a mobile plan: a base fee per SIM card, net.
type tariff struct {
	name string
	fee  int64
}

var (
	tarifS   = tariff{"Nordwind S", 1259}   // 14,98 € gross
	tarifM   = tariff{"Nordwind M", 2520}   // 29,99 €
	tarifL   = tariff{"Nordwind L", 3352}   // 39,89 €
	tarifPro = tariff{"Business Pro", 2940} // 34,99 € per SIM
)

// extra is a one-off invoice besides the monthly bills, issued some days
// before today, so that it is not yet due on any day the data is seeded.
type extra struct {
	kind    extraKind
	daysAgo int   // issued today minus daysAgo (at most termDays)
	paid    int64 // paid on it, 0 for nothing
	paidAgo int   // paid today minus paidAgo (at most daysAgo)
}

type extraKind int

const (
	roaming     extraKind = iota // usage abroad outside the EU
	accessories                  // an order of accessories
	smartphone                   // a smartphone bought outright
	firstBill                    // a new customer's first bill
)

// mobileCustomer is a Nordwind Mobil debtor and what they were billed.
type mobileCustomer struct {
	ar.Debtor
	birth      string // YYYY-MM-DD or ""
	tariff     tariff
	sims       int  // SIM cards (business plans), 0 means 1
	dataPack   bool // a data add-on each month
	instalment int  // smartphone instalment number on the oldest bill, 0 for none
	cycle      cycle
	extras     []extra
}

// mobileCustomers is the Nordwind Mobil customer base. Keep doc.go in step.
func mobileCustomers() []mobileCustomer {
	return []mobileCustomer{
		{ // The demo customer: a bit of everything.
			Debtor: ar.Debtor{CustomerNumber: "10001", Name: "Jana Schulz",
				Email: "jana.schulz@example.de", Phone: "+49 151 23456701",
				Street: "Chausseestraße 38", Postcode: "10115", City: "Berlin", Language: "de"},
			tariff: tarifM, dataPack: true, instalment: 4,
			cycle: cycle{day: 3, months: 6, overdue: 2, latestOpen: true, payBy: "SEPA-Lastschrift"},
			extras: []extra{
				{kind: accessories, daysAgo: 9, paid: 5000, paidAgo: 3},
				{kind: roaming, daysAgo: 2},
			},
		},
		{ // Paid everything.
			Debtor: ar.Debtor{CustomerNumber: "10002", Name: "Lukas Becker",
				Email: "lukas.becker@example.de", Phone: "+49 160 98765412",
				Street: "Eppendorfer Weg 211", Postcode: "20253", City: "Hamburg", Language: "de"},
			tariff: tarifS, dataPack: true,
			cycle: cycle{day: 1, months: 6, payBy: "SEPA-Lastschrift"},
		},
		{ // One overdue bill; birth date on file.
			Debtor: ar.Debtor{CustomerNumber: "10003", Name: "Sophie Wagner",
				Email: "sophie.wagner@example.de", Phone: "+49 170 3344556",
				Street: "Belgradstraße 54", Postcode: "80796", City: "München", Language: "de"},
			birth:  "1991-06-14",
			tariff: tarifM,
			cycle:  cycle{day: 3, months: 6, overdue: 1, payBy: "Überweisung"},
		},
		{ // Several overdue bills, one of them partly paid.
			Debtor: ar.Debtor{CustomerNumber: "10004", Name: "Murat Yılmaz",
				Email: "murat.yilmaz@example.de", Phone: "+49 176 55512340",
				Street: "Venloer Straße 389", Postcode: "50825", City: "Köln", Language: "de"},
			tariff: tarifL, instalment: 10,
			cycle: cycle{day: 2, months: 6, overdue: 3, latestOpen: true, partial: 2000, payBy: "SEPA-Lastschrift"},
		},
		{ // Bills paid; a smartphone purchase partly paid, not yet due.
			Debtor: ar.Debtor{CustomerNumber: "10005", Name: "Anna Hoffmann",
				Email: "anna.hoffmann@example.de", Phone: "+49 152 09876543",
				Street: "Karl-Heine-Straße 27", Postcode: "04229", City: "Leipzig", Language: "de"},
			tariff: tarifM,
			cycle:  cycle{day: 4, months: 5, payBy: "Überweisung"},
			extras: []extra{{kind: smartphone, daysAgo: 6, paid: 15000, paidAgo: 1}},
		},
		{ // A new customer: only the first bill, not yet due.
			Debtor: ar.Debtor{CustomerNumber: "10006", Name: "Felix Neumann",
				Email: "felix.neumann@example.de", Phone: "+49 157 31415926",
				Street: "Alaunstraße 68", Postcode: "01099", City: "Dresden", Language: "de"},
			tariff: tarifS,
			extras: []extra{{kind: firstBill, daysAgo: 4}},
		},
		{ // A business with five SIM cards.
			Debtor: ar.Debtor{CustomerNumber: "10007", Kind: "business", Name: "Kranich Logistik GmbH",
				Email: "buchhaltung.kranich@example.de", Phone: "+49 421 55501200",
				Street: "Hafenstraße 12", Postcode: "28217", City: "Bremen", Language: "de"},
			tariff: tarifPro, sims: 5, dataPack: true,
			cycle: cycle{day: 1, months: 6, overdue: 1, latestOpen: true, payBy: "Überweisung"},
		},
		{ // English-speaking, one overdue bill.
			Debtor: ar.Debtor{CustomerNumber: "10008", Name: "Emily Carter",
				Email: "emily.carter@example.com", Phone: "+49 151 70012345",
				Street: "Weserstraße 165", Postcode: "12045", City: "Berlin", Language: "en"},
			tariff: tarifM, dataPack: true,
			cycle: cycle{day: 5, months: 4, overdue: 1, latestOpen: true, payBy: "Überweisung"},
		},
		{ // English-speaking, pays by direct debit, latest bill open.
			Debtor: ar.Debtor{CustomerNumber: "10009", Name: "James O'Connor",
				Email: "james.oconnor@example.com", Phone: "+49 162 4455667",
				Street: "Kastanienallee 12", Postcode: "10435", City: "Berlin", Language: "en"},
			tariff: tarifL,
			cycle:  cycle{day: 2, months: 6, latestOpen: true, payBy: "SEPA-Lastschrift"},
		},
		{ // Pensioner who prefers letters; birth date on file; two overdue.
			Debtor: ar.Debtor{CustomerNumber: "10010", Name: "Ingrid Fischer",
				Email: "ingrid.fischer@example.de", Phone: "+49 228 9876543",
				Street: "Poppelsdorfer Allee 84", Postcode: "53115", City: "Bonn", Language: "de",
				PreferredChannel: "letter"},
			birth:  "1948-03-17",
			tariff: tarifS,
			cycle:  cycle{day: 3, months: 6, overdue: 2, latestOpen: true, payBy: "Überweisung"},
		},
		{ // In hardship: four overdue bills, a small part paid.
			Debtor: ar.Debtor{CustomerNumber: "10011", Name: "Thomas Richter",
				Email: "thomas.richter@example.de", Phone: "+49 173 2223334",
				Street: "Bahnhofstraße 7", Postcode: "45879", City: "Gelsenkirchen", Language: "de",
				Hardship: true},
			tariff: tarifM, instalment: 15,
			cycle: cycle{day: 1, months: 6, overdue: 4, latestOpen: true, partial: 1000, payBy: "SEPA-Lastschrift"},
		},
		{ // Language unknown (""): the portal falls back to the creditor's.
			Debtor: ar.Debtor{CustomerNumber: "10012", Name: "Katarzyna Nowak",
				Email: "katarzyna.nowak@example.de", Phone: "+49 159 01234567",
				Street: "Berger Straße 175", Postcode: "60385", City: "Frankfurt am Main"},
			tariff: tarifM,
			cycle:  cycle{day: 4, months: 6, overdue: 1, payBy: "Überweisung"},
		},
		{ // No email: phone only, prefers SMS; paid everything.
			Debtor: ar.Debtor{CustomerNumber: "10013", Name: "Dieter Krause",
				Phone:  "+49 171 8765432",
				Street: "Lister Meile 33", Postcode: "30161", City: "Hannover", Language: "de",
				PreferredChannel: "sms"},
			tariff: tarifS,
			cycle:  cycle{day: 2, months: 6, payBy: "SEPA-Lastschrift"},
		},
		{ // Regular customer, latest bill open.
			Debtor: ar.Debtor{CustomerNumber: "10014", Name: "Marie Schäfer",
				Email: "marie.schaefer@example.de", Phone: "+49 155 66778899",
				Street: "Hauptstätter Straße 66", Postcode: "70178", City: "Stuttgart", Language: "de"},
			tariff: tarifL, dataPack: true,
			cycle: cycle{day: 5, months: 6, latestOpen: true, payBy: "SEPA-Lastschrift"},
		},
		{ // English-speaking, an overdue bill partly paid.
			Debtor: ar.Debtor{CustomerNumber: "10015", Name: "Oliver Bennett",
				Email: "oliver.bennett@example.com", Phone: "+49 151 99887766",
				Street: "Schellingstraße 48", Postcode: "80799", City: "München", Language: "en"},
			tariff: tarifM, instalment: 20,
			cycle: cycle{day: 3, months: 5, overdue: 1, latestOpen: true, partial: 1500, payBy: "Überweisung"},
		},
		{ // Paid everything.
			Debtor: ar.Debtor{CustomerNumber: "10016", Name: "Paul Zimmermann",
				Email: "paul.zimmermann@example.de", Phone: "+49 160 1122334",
				Street: "Pirckheimerstraße 20", Postcode: "90408", City: "Nürnberg", Language: "de"},
			tariff: tarifM,
			cycle:  cycle{day: 4, months: 6, payBy: "SEPA-Lastschrift"},
		},
		{ // A small business, two overdue bills.
			Debtor: ar.Debtor{CustomerNumber: "10017", Kind: "business",
				Name:  "Café Brot & Bohne UG (haftungsbeschränkt)",
				Email: "kontakt.brotundbohne@example.de", Phone: "+49 211 4445566",
				Street: "Lorettostraße 22", Postcode: "40219", City: "Düsseldorf", Language: "de"},
			tariff: tarifPro, sims: 2,
			cycle: cycle{day: 2, months: 6, overdue: 2, latestOpen: true, payBy: "Überweisung"},
		},
		{ // Bills paid; an accessories order open, not yet due.
			Debtor: ar.Debtor{CustomerNumber: "10018", Name: "Hannah Wolf",
				Email: "hannah.wolf@example.de", Phone: "+49 176 24681357",
				Street: "Günterstalstraße 41", Postcode: "79102", City: "Freiburg im Breisgau", Language: "de"},
			tariff: tarifS, dataPack: true,
			cycle:  cycle{day: 5, months: 4, payBy: "Überweisung"},
			extras: []extra{{kind: accessories, daysAgo: 5}},
		},
		{ // Back from Switzerland: a roaming bill besides the monthly one.
			Debtor: ar.Debtor{CustomerNumber: "10019", Name: "Jonas Braun",
				Email: "jonas.braun@example.de", Phone: "+49 157 97531864",
				Street: "Hammer Straße 95", Postcode: "48153", City: "Münster", Language: "de"},
			tariff: tarifM,
			cycle:  cycle{day: 1, months: 6, latestOpen: true, payBy: "SEPA-Lastschrift"},
			extras: []extra{{kind: roaming, daysAgo: 3}},
		},
		{ // Young customer with a smartphone on instalments; birth date on file.
			Debtor: ar.Debtor{CustomerNumber: "10020", Name: "Lea Krüger",
				Email: "lea.krueger@example.de", Phone: "+49 162 86420975",
				Street: "Holtenauer Straße 120", Postcode: "24105", City: "Kiel", Language: "de"},
			birth:  "1999-11-02",
			tariff: tarifS, instalment: 1,
			cycle: cycle{day: 3, months: 3, overdue: 1, latestOpen: true, payBy: "Überweisung"},
		},
	}
}

// nordwind is the main demo creditor, a fictional German mobile operator.
func nordwind(today time.Time) *tenant {
	t := &tenant{
		creditor: store.NewCreditor{
			Creditor: ar.Creditor{
				Slug:         CreditorSlug,
				Name:         "Nordwind Mobil",
				LegalName:    "Nordwind Mobil GmbH",
				Address:      "Am Sandtorkai 50, 20457 Hamburg",
				SupportPhone: "+49 40 1234 5670",
				SupportEmail: "service@nordwind-mobil.example",
				SupportHours: "Mo–Fr 8–20 Uhr",
				LegalFooter: "Nordwind Mobil GmbH · Am Sandtorkai 50, 20457 Hamburg · Amtsgericht Hamburg HRB 000000 · " +
					"USt-IdNr. DE000000000 · Geschäftsführung: Marlene Ostermann, Henrik Brodersen · " +
					"Fiktives Unternehmen für Demozwecke",
				PrimaryColor:    "#00626f",
				AccentColor:     "#e07a1f",
				DefaultLanguage: "de",
				Timezone:        "Europe/Berlin",
				Currency:        currency,
				StepUp:          ar.StepUpKnowledge,
				StepUpKnowledge: ar.KnowPostcode,
				LinkTTL:         30 * 24 * time.Hour,
				BankHolder:      "Nordwind Mobil GmbH",
				BankIBAN:        "DE89370400440532013000", // the textbook example IBAN: fictional
				BankBIC:         "COBADEFFXXX",
			},
			Logo:      nordwindLogo,
			LogoPrint: nordwindPrintLogo,
			LogoType:  "image/svg+xml",
		},
		number: func(year, n int) string { return fmt.Sprintf("%d-%06d", year, n) },
		first:  1187,
	}
	for seed, c := range mobileCustomers() {
		t.debtors = append(t.debtors, c.account(today, seed))
	}
	return t
}

// account builds the debtor with their bills; seed (the debtor's index)
// varies usage from one customer to the next.
func (c *mobileCustomer) account(today time.Time, seed int) account {
	d := c.Debtor
	d.Segment = "privat"
	if d.Kind == "business" {
		d.Segment = "gewerbe"
	}
	if c.birth != "" {
		b, _ := time.Parse(time.DateOnly, c.birth)
		d.BirthDate = &b
	}
	a := account{debtor: d}
	var monthly []*bill
	for i, issue := range cycleDates(today, c.cycle.day, c.cycle.months) {
		monthly = append(monthly, c.monthly(seed, i, issue))
	}
	c.cycle.apply(today, seed, monthly)
	a.invoices = append(a.invoices, monthly...)
	for _, e := range c.extras {
		a.invoices = append(a.invoices, c.oneOff(today, seed, e))
	}
	return a
}

// monthly is the i-th monthly bill (0 the oldest), issued on issue.
func (c *mobileCustomer) monthly(seed, i int, issue time.Time) *bill {
	var lines []ar.InvoiceLine
	sims := max(c.sims, 1)
	if sims > 1 {
		lines = append(lines, line(fmt.Sprintf("Grundgebühr Tarif %s (%d SIM-Karten)", c.tariff.name, sims),
			int64(sims)*1000, c.tariff.fee))
	} else {
		lines = append(lines, line("Grundgebühr Tarif "+c.tariff.name, 1000, c.tariff.fee))
	}
	switch {
	case c.dataPack && sims > 1:
		lines = append(lines, line("Datenpool 50 GB", 1000, 2479))
	case c.dataPack:
		lines = append(lines, line("Datenpaket 5 GB", 1000, 840))
	}
	if c.instalment > 0 {
		lines = append(lines, line(fmt.Sprintf("Ratenzahlung Smartphone (Rate %d von 24)", c.instalment+i), 1000, 1672))
	}
	// Usage differs by customer and month, and is the same for a month
	// whenever the data is seeded.
	key := seed*31 + issue.Year()*12 + int(issue.Month())
	qty := int64(3 + key*7%29)
	kind := key % 4
	if kind == 0 && len(lines) < 2 {
		kind = 1
	}
	switch kind {
	case 1:
		lines = append(lines, line("Verbindungen ins Ausland (Minuten)", qty*1000, 19))
	case 2:
		lines = append(lines, line("SMS in alle deutschen Netze", qty*1000, 9))
	case 3:
		lines = append(lines, line("Service-Rufnummern 0180 (Minuten)", qty*1000, 14))
	}
	return newBill(issue, fmt.Sprintf("Mobilfunk Tarif %s · %s", c.tariff.name, monthYear(issue)), lines...)
}

// oneOff builds an extra invoice.
func (c *mobileCustomer) oneOff(today time.Time, seed int, e extra) *bill {
	issue := daysAgo(today, e.daysAgo)
	var b *bill
	switch e.kind {
	case roaming:
		b = newBill(issue, "Auslandsnutzung Schweiz · "+monthYear(issue),
			line("Datennutzung Schweiz (je 100 MB)", int64(6+seed%5)*1000, 420),
			line("Telefonate in der Schweiz (Minuten)", int64(17+seed%11)*1000, 59),
			line("SMS aus der Schweiz", int64(4+seed%6)*1000, 19))
	case accessories:
		b = newBill(issue, "Zubehör-Bestellung · "+monthYear(issue),
			line("Kopfhörer Nordwind Buds", 1000, 6714),
			line("Schutzhülle Smartphone", 1000, 1679),
			line("Versandkosten", 1000, 419))
	case smartphone:
		b = newBill(issue, "Smartphone-Kauf Aurora 5G 128 GB · "+monthYear(issue),
			line("Smartphone Aurora 5G 128 GB", 1000, 33605),
			line("Displayschutz Panzerglas", 1000, 1259),
			line("Versandkosten", 1000, 419))
	case firstBill:
		days := int64(12 + seed%15)
		b = newBill(issue, fmt.Sprintf("Mobilfunk Tarif %s · Erstrechnung %s", c.tariff.name, monthYear(issue)),
			line("Anschlusspreis (einmalig)", 1000, 2512),
			line(fmt.Sprintf("Grundgebühr Tarif %s anteilig (Tage)", c.tariff.name), days*1000, (c.tariff.fee+15)/30),
			line("SIM-Karte (Triple-SIM)", 1000, 839))
	}
	if e.paid > 0 {
		b.pay(e.paid, daysAgo(today, e.paidAgo), "Überweisung (Teilzahlung)")
	}
	return b
}
