package docs

import (
	"fmt"
	"io"
)

// StatementDoc is an account statement, every text already in the
// debtor's language and every amount formatted.
type StatementDoc struct {
	Letterhead
	DebtorLines []string
	Period      string    // "01.01.2026 – 23.11.2026"
	Header      [5]string // date, entry, reference, amount, balance
	Opening     [2]string // label, amount
	Rows        [][5]string
	Closing     [2]string
}

// RenderStatementPDF writes the statement as an A4 PDF (no file or
// network access: fonts embedded).
func RenderStatementPDF(w io.Writer, d StatementDoc) error {
	pdf := letterhead(d.Letterhead)
	pdf.SetTextColor(20, 20, 20)
	pdf.SetFont("dejavu", "", 10.5)
	for _, l := range d.DebtorLines {
		pdf.CellFormat(0, 5.2, l, "", 1, "L", false, 0, "")
	}
	pdf.Ln(8)
	pdf.SetFont("dejavu", "B", 15)
	pdf.CellFormat(0, 8, d.Title, "", 1, "L", false, 0, "")
	pdf.SetFont("dejavu", "", 9.5)
	pdf.CellFormat(0, 6, d.Period, "", 1, "L", false, 0, "")
	pdf.Ln(3)
	widths := []float64{22, 52, 40, 30, 30}
	aligns := []string{"L", "L", "L", "R", "R"}
	row := func(cells [5]string, style string, fill bool) {
		pdf.SetFont("dejavu", style, 9)
		for i, c := range cells {
			pdf.CellFormat(widths[i], 6, c, "B", 0, aligns[i], fill, 0, "")
		}
		pdf.Ln(-1)
	}
	pdf.SetFillColor(240, 242, 245)
	pdf.SetDrawColor(220, 222, 226)
	row(d.Header, "B", true)
	row([5]string{"", d.Opening[0], "", "", d.Opening[1]}, "B", false)
	for _, r := range d.Rows {
		row(r, "", false)
	}
	row([5]string{"", d.Closing[0], "", "", d.Closing[1]}, "B", false)
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("docs: statement pdf: %w", err)
	}
	return pdf.Output(w)
}
