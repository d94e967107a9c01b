package csvimport

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/billing"
)

// Limits of one file. Past MaxProblems problems parsing stops (the
// last problem says so): a broken file gets a useful list, not millions.
const (
	MaxBytes    = 10 << 20
	MaxRows     = 50_000
	MaxProblems = 1000
)

// maxColumnName caps a header name as errors repeat it.
const maxColumnName = 40

// columns are the columns a file may have; required ones must be there.
var columns = []struct {
	name     string
	required bool
	aliases  []string
}{
	{"customer_number", true, []string{"kundennummer", "kundennr", "kunden_nr"}},
	{"name", true, nil},
	{"kind", false, []string{"art"}},
	{"email", false, []string{"e_mail"}},
	{"phone", false, []string{"telefon"}},
	{"street", false, []string{"strasse", "straße"}},
	{"postcode", false, []string{"plz"}},
	{"city", false, []string{"ort"}},
	{"country", false, []string{"land"}},
	{"birth_date", false, []string{"geburtsdatum"}},
	{"language", false, []string{"sprache"}},
	{"preferred_channel", false, []string{"kanal"}},
	{"segment", false, nil},
	{"invoice_number", true, []string{"rechnungsnummer", "rechnungsnr", "rechnungs_nr"}},
	{"issue_date", true, []string{"rechnungsdatum"}},
	{"due_date", true, []string{"faellig_am", "fällig_am", "faelligkeit", "fälligkeit"}},
	{"amount", true, []string{"betrag"}},
	{"tax_amount", false, []string{"steuer"}},
	{"currency", false, []string{"waehrung", "währung"}},
	{"description", false, []string{"beschreibung"}},
}

// canonical maps a normalized header name to its column.
var canonical = func() map[string]string {
	m := map[string]string{}
	for _, c := range columns {
		m[c.name] = c.name
		for _, a := range c.aliases {
			m[a] = c.name
		}
	}
	return m
}()

// Options are what parsing needs to know about the creditor.
type Options struct {
	Currency string    // for rows without one (the creditor's)
	Today    time.Time // the creditor's today (birth dates lie before it)
}

// File is a file that parsed without a problem.
type File struct {
	Rows []billing.ImportRow
	// Given holds the debtor fields the file has a column for
	// (billing.ImportOptions.Given).
	Given map[string]bool
	// Columns maps a column to its name as the header writes it.
	Columns map[string]string
}

// Column is a column's name as the file's header writes it (for errors
// Import reports with the API's field names).
func (f *File) Column(field string) string {
	switch field {
	case "total_minor", "net_minor":
		field = "amount"
	case "tax_minor":
		field = "tax_amount"
	}
	if n, ok := f.Columns[field]; ok {
		return n
	}
	return field
}

// Rename gives errors Import reported the file's column names.
func (f *File) Rename(errs billing.RowErrors) billing.RowErrors {
	out := make(billing.RowErrors, len(errs))
	for i, e := range errs {
		e.Field = f.Column(e.Field)
		out[i] = e
	}
	return out
}

// Parse reads a file and checks every row. It returns the file, or
// billing.RowErrors with every problem found (each names a row ≥ 1,
// except a file over MaxBytes: row 0, the file as a whole).
func Parse(r io.Reader, opt Options) (*File, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, billing.RowErrors{{Row: 0, Key: "error.csvimport.unreadable"}}
	}
	if len(data) > MaxBytes {
		return nil, billing.RowErrors{{Row: 0, Key: "error.csvimport.too_large", Args: map[string]any{"Max": MaxBytes >> 20}}}
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		// Excel's "CSV (Trennzeichen-getrennt)": Windows-1252.
		if d, err := charmap.Windows1252.NewDecoder().Bytes(data); err == nil {
			data = d
		}
	}
	if opt.Today.IsZero() {
		opt.Today = time.Now()
	}
	sep := separator(data)
	// Excel's "sep=;" line names the separator and is not a row.
	if len(data) >= 5 && bytes.EqualFold(data[:4], []byte("sep=")) && strings.ContainsRune(",;\t", rune(data[4])) {
		sep = rune(data[4])
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		} else {
			data = nil
		}
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	p := &parser{f: &File{Given: map[string]bool{}, Columns: map[string]string{}}, seen: map[rowField]bool{}, opt: opt}
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, billing.RowErrors{{Row: 1, Key: "error.csvimport.empty"}}
		}
		return nil, billing.RowErrors{syntaxError(err, 1)}
	}
	if !p.header(header) {
		return nil, p.errs
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if e := syntaxError(err, 0); !p.full() {
				p.add(e.Row, "", e.Key, nil)
			}
			break
		}
		if p.full() {
			break
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue
		}
		if len(p.f.Rows) == MaxRows {
			p.add(line, "", "error.csvimport.too_many_rows", map[string]any{"Max": MaxRows})
			break
		}
		p.row(line, rec)
	}
	if len(p.f.Rows) == 0 && len(p.errs) == 0 {
		return nil, billing.RowErrors{{Row: 2, Key: "error.csvimport.no_rows"}}
	}
	// The billing rules, each problem once per cell: what parsing found
	// about a cell comes first.
	if err := billing.CheckRows(0, p.f.Rows, opt.Today); err != nil {
		var errs billing.RowErrors
		errors.As(err, &errs)
		for _, e := range errs {
			p.add(e.Row, apiField(e.Field), apiKey(e.Key), e.Args)
		}
	}
	if len(p.errs) > 0 {
		return nil, p.f.Rename(p.errs)
	}
	return p.f, nil
}

// apiField is the column of an API field.
func apiField(f string) string {
	switch f {
	case "total_minor", "net_minor":
		return "amount"
	case "tax_minor":
		return "tax_amount"
	}
	return f
}

// apiKey replaces API messages that speak of the API's formats.
func apiKey(k string) string {
	switch k {
	case "error.api.date":
		return "error.csvimport.date"
	}
	return k
}

type rowField struct {
	row   int
	field string
}

type parser struct {
	f    *File
	opt  Options
	idx  map[string]int // column → index in the record
	errs billing.RowErrors
	seen map[rowField]bool
}

// add records a problem unless its cell has one already, or there are
// MaxProblems already: then the last says where parsing stopped.
func (p *parser) add(row int, field, key string, args map[string]any) {
	k := rowField{row, field}
	if field != "" && p.seen[k] || p.full() {
		return
	}
	p.seen[k] = true
	if len(p.errs) == MaxProblems-1 {
		key, field, args = "error.csvimport.too_many_problems", "", map[string]any{"Max": MaxProblems}
	}
	p.errs = append(p.errs, billing.RowError{Row: row, Field: field, Key: key, Args: args})
}

// full reports whether there are as many problems as are reported.
func (p *parser) full() bool { return len(p.errs) >= MaxProblems }

// header reads the header row; false if it has problems.
func (p *parser) header(h []string) bool {
	p.idx = map[string]int{}
	for i, raw := range h {
		name := strings.TrimSpace(raw)
		if name == "" {
			continue // a column without a name: its cells must stay empty
		}
		norm := strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(name))
		col, ok := canonical[norm]
		if !ok {
			p.add(1, short(name), "error.csvimport.unknown_column", nil)
			continue
		}
		if _, dup := p.idx[col]; dup {
			p.add(1, short(name), "error.csvimport.duplicate_column", nil)
			continue
		}
		p.idx[col] = i
		p.f.Columns[col] = short(name)
	}
	for _, c := range columns {
		if _, ok := p.idx[c.name]; c.required && !ok {
			p.add(1, c.name, "error.csvimport.missing_column", nil)
		}
	}
	for _, f := range billing.DebtorFields {
		if _, ok := p.idx[f]; ok {
			p.f.Given[f] = true
		}
	}
	return len(p.errs) == 0
}

// short cuts a header name for messages.
func short(s string) string {
	if utf8.RuneCountInString(s) <= maxColumnName {
		return s
	}
	return string([]rune(s)[:maxColumnName]) + "…"
}

// row reads one invoice row.
func (p *parser) row(line int, rec []string) {
	used := make([]bool, len(rec))
	cell := func(col string) string {
		i, ok := p.idx[col]
		if !ok || i >= len(rec) {
			return "" // a short row: Excel leaves out trailing empty cells
		}
		used[i] = true
		return strings.TrimSpace(rec[i])
	}
	r := billing.ImportRow{Row: line, CustomerNumber: cell("customer_number"), InvoiceNumber: cell("invoice_number")}
	r.Debtor = billing.DebtorInput{Name: cell("name"), Kind: strings.ToLower(cell("kind")), Email: cell("email"),
		Phone: cell("phone"), Street: cell("street"), Postcode: cell("postcode"), City: cell("city"),
		Country: cell("country"), BirthDate: isoDate(cell("birth_date")),
		Language: strings.ToLower(cell("language")), PreferredChannel: strings.ToLower(cell("preferred_channel")),
		Segment: cell("segment")}
	cur := strings.ToUpper(cell("currency"))
	if cur == "" {
		cur = p.opt.Currency
	}
	r.Invoice = billing.InvoiceInput{CustomerNumber: r.CustomerNumber, IssueDate: isoDate(cell("issue_date")),
		DueDate: isoDate(cell("due_date")), Currency: cur, Description: cell("description")}
	total, okTotal := p.amount(line, "amount", stripCurrency(cell("amount"), cur), true)
	tax, okTax := p.amount(line, "tax_amount", stripCurrency(cell("tax_amount"), cur), false)
	if okTotal && okTax && (tax < 0 || tax > total && total > 0) {
		p.add(line, "tax_amount", "error.csvimport.tax_amount", nil)
		okTax = false
	}
	if okTotal && okTax {
		net := total - tax
		r.Invoice.TotalMinor, r.Invoice.TaxMinor, r.Invoice.NetMinor = &total, &tax, &net
	} else {
		// The amounts are missing for the billing rules: that is said.
		p.seen[rowField{line, "amount"}], p.seen[rowField{line, "tax_amount"}] = true, true
	}
	for i, v := range rec {
		if !used[i] && strings.TrimSpace(v) != "" {
			p.add(line, "", "error.csvimport.extra_cells", nil)
			break
		}
	}
	p.f.Rows = append(p.f.Rows, r)
}

// amount reads an amount cell; ok false if it is not one (reported).
func (p *parser) amount(line int, col, s string, required bool) (int64, bool) {
	if s == "" {
		if required {
			p.add(line, col, "error.api.required", nil)
			return 0, false
		}
		return 0, true
	}
	n, ok := ar.ParseAmount(s)
	if !ok {
		p.add(line, col, "error.csvimport.amount", nil)
	}
	return n, ok
}

// stripCurrency takes the row's currency off an amount as Excel writes
// a cell formatted as currency: "1.234,56 €", "EUR 12.50".
func stripCurrency(s, cur string) string {
	for _, sym := range []string{cur, map[string]string{"EUR": "€", "GBP": "£", "USD": "$"}[cur]} {
		if sym != "" {
			s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, sym), sym))
		}
	}
	return s
}

// isoDate turns 23.11.2026 (or 23.11.26) into 2026-11-23; anything else stays as it is
// for the billing rules to judge.
func isoDate(s string) string {
	d, m, ok := strings.Cut(s, ".")
	if !ok {
		return s
	}
	m, y, ok := strings.Cut(m, ".")
	if len(y) == 2 {
		y = "20" + y // 23.11.26, as Excel writes a short date
	}
	if !ok || len(y) != 4 || len(d) < 1 || len(d) > 2 || len(m) < 1 || len(m) > 2 {
		return s
	}
	if len(d) == 1 {
		d = "0" + d
	}
	if len(m) == 1 {
		m = "0" + m
	}
	return y + "-" + m + "-" + d
}

// separator is the one of , ; and tab the header line uses most (outside
// quotes); , if none.
func separator(data []byte) rune {
	counts := map[byte]int{}
	quoted := false
	for _, b := range data {
		if b == '\n' && !quoted {
			break
		}
		switch {
		case b == '"':
			quoted = !quoted
		case !quoted && (b == ',' || b == ';' || b == '\t'):
			counts[b]++
		}
	}
	best := byte(',')
	for _, b := range []byte{';', '\t'} {
		if counts[b] > counts[best] {
			best = b
		}
	}
	return rune(best)
}

// blank reports whether every cell of a record is empty (;;;; rows).
func blank(rec []string) bool {
	for _, v := range rec {
		if strings.TrimSpace(v) != "" {
			return false
		}
	}
	return true
}

// syntaxError reports a CSV syntax error (a stray quote) at its row.
func syntaxError(err error, row int) billing.RowError {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		row = pe.StartLine
	}
	if row < 1 {
		row = 1
	}
	return billing.RowError{Row: row, Key: "error.csvimport.syntax"}
}
