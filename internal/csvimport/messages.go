package csvimport

import (
	"sort"

	"github.com/settle/settle/internal/billing"
	"github.com/settle/settle/internal/i18n"
)

// Problem is a row error in words, for a table or a terminal.
type Problem struct {
	Row     int    // 0: the file as a whole
	Column  string // "": the row as a whole
	Message string
}

// Problems translates row errors into loc's language, in the order of
// the rows.
func Problems(errs billing.RowErrors, loc *i18n.Locale) []Problem {
	out := make([]Problem, len(errs))
	for i, e := range errs {
		kv := make([]any, 0, 2*len(e.Args))
		for k, v := range e.Args {
			kv = append(kv, k, v)
		}
		out[i] = Problem{Row: e.Row, Column: e.Field, Message: loc.T(e.Key, kv...)}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Row < out[j].Row })
	return out
}

// Line is the problem as one line of text: "Row 3, column amount: …".
func (p Problem) Line(loc *i18n.Locale) string {
	switch {
	case p.Row == 0:
		return loc.T("error.csvimport.at_file", "Message", p.Message)
	case p.Column == "":
		return loc.T("error.csvimport.at_row", "Row", p.Row, "Message", p.Message)
	}
	return loc.T("error.csvimport.at", "Row", p.Row, "Column", p.Column, "Message", p.Message)
}
