package docs

import (
	"fmt"
	"io"
)

// CreditNoteDoc is a credit note, every text already in the debtor's
// language and every amount formatted: the renderer only lays out.
type CreditNoteDoc struct {
	Letterhead              // Title: "Gutschrift GS-…"
	DebtorLines []string    // name and address, one line each
	Facts       [][2]string // number, issue date, customer number, invoice credited
	ReasonLabel string      // "Grund"
	Reason      string      // "" for none
	Amounts     [][2]string // the credit, then what is still open on the invoice (printed bold when last)
	Text        string      // what happens with the credit, one paragraph
}

// RenderCreditNotePDF writes the credit note as an A4 PDF (no file or
// network access: fonts embedded).
func RenderCreditNotePDF(w io.Writer, d CreditNoteDoc) error {
	pdf := letterhead(d.Letterhead)

	recipientAndFacts(pdf, d.DebtorLines, d.Facts)

	pdf.SetFont("dejavu", "B", 15)
	pdf.CellFormat(0, 8, d.Title, "", 1, "L", false, 0, "")
	pdf.Ln(3)

	if d.Reason != "" {
		pdf.SetFont("dejavu", "B", 9.5)
		pdf.CellFormat(0, 5.5, d.ReasonLabel, "", 1, "L", false, 0, "")
		pdf.SetFont("dejavu", "", 9.5)
		pdf.MultiCell(0, 5, d.Reason, "", "L", false)
		pdf.Ln(4)
	}

	pdf.SetDrawColor(220, 222, 226)
	for i, a := range d.Amounts {
		style := ""
		if i == len(d.Amounts)-1 {
			style = "B"
		}
		pdf.SetFont("dejavu", style, 10)
		pdf.SetX(80)
		pdf.CellFormat(80, 7, a[0], "B", 0, "L", false, 0, "")
		pdf.CellFormat(32, 7, a[1], "B", 1, "R", false, 0, "")
	}
	pdf.Ln(6)

	if d.Text != "" {
		pdf.SetFont("dejavu", "", 9.5)
		pdf.MultiCell(0, 5, d.Text, "", "L", false)
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("docs: credit note pdf: %w", err)
	}
	return pdf.Output(w)
}
