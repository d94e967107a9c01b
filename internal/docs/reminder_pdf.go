package docs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"

	"codeberg.org/go-pdf/fpdf"
)

// ReminderDoc is a dunning letter (Zahlungserinnerung, Mahnung, Letzte
// Mahnung) for print and mail, every text already in the debtor's
// language and every amount formatted: the renderer only lays out.
//
// The layout follows DIN 5008 (form B) closely enough for a window
// envelope (DL or C5/6): the creditor's return address as one small line
// above the recipient in the window (20 mm from the left, 45 mm from the
// top), the facts (date, customer number) to the right of it, fold marks
// at 105 and 210 mm and the hole mark at 148.5 mm.
type ReminderDoc struct {
	Letterhead             // Title: "Mahnung"
	SenderLine string      // the return address in the window: legal name · street · postcode city
	Recipient  []string    // name and address lines
	Facts      [][2]string // date, customer number, contact
	Salutation string      // "Guten Tag Jana Schulz,"
	Intro      string      // the letter's paragraph (the message body)
	Invoices   []ReminderInvoice
	Total      [2]string // "Zu zahlender Gesamtbetrag", amount
	Deadline   string    // "Bitte zahlen Sie … bis zum …" (printed bold)
	Payment    string    // bank details, reference
	// The QR codes: the portal (a link made for this letter) and the
	// GiroCode (EPC payload) for the total; "" leaves one out.
	PortalQR, PortalCaption     string
	TransferQR, TransferCaption string
	Closing                     []string // "Mit freundlichen Grüßen", the creditor's legal name
	Note                        string   // small print: "if you have paid meanwhile …"
}

// ReminderInvoice is one claim in a reminder: the claim's basis as its
// heading ("Rechnung Nr. … vom …, fällig am …"), the itemised amounts
// (original amount, paid or credited, open principal, fees, interest)
// and what is due for it.
type ReminderInvoice struct {
	Heading string
	Rows    [][2]string
	Total   [2]string
}

// RenderReminderPDF writes one reminder letter as an A4 PDF.
func RenderReminderPDF(w io.Writer, d ReminderDoc) error {
	_, err := RenderRemindersPDF(w, []ReminderDoc{d}, false)
	return err
}

// RenderRemindersPDF writes letters into one PDF for print and mail, each
// starting on a new page; with duplex, a letter of an odd number of pages
// is followed by a blank page so the next letter starts on a new sheet.
// It returns each letter's page count (without the blank page).
func RenderRemindersPDF(w io.Writer, letters []ReminderDoc, duplex bool) ([]int, error) {
	if len(letters) == 0 {
		return nil, errors.New("docs: reminders pdf: no letters")
	}
	pdf := newDocument(letters[0].Letterhead)
	footer, blank := "", false
	pdf.SetFooterFunc(func() {
		if !blank {
			legalFooter(pdf, footer)
		}
	})
	pages := make([]int, len(letters))
	for i, d := range letters {
		footer, blank = d.LegalFooter, false
		first := pdf.PageNo() + 1
		if err := reminderLetter(pdf, d, i); err != nil {
			return nil, err
		}
		pages[i] = pdf.PageNo() - first + 1
		if duplex && pages[i]%2 == 1 && i < len(letters)-1 {
			pdf.AddPage() // the back of the last sheet stays empty
			blank = true
		}
	}
	if duplex && pages[len(pages)-1]%2 == 1 && len(letters) > 1 {
		pdf.AddPage()
		blank = true
	}
	if err := pdf.Error(); err != nil {
		return nil, fmt.Errorf("docs: reminders pdf: %w", err)
	}
	return pages, pdf.Output(w)
}

// reminderLetter lays out one letter, starting on a new page.
func reminderLetter(pdf *fpdf.Fpdf, d ReminderDoc, n int) error {
	startLetter(pdf, d.Letterhead)
	// Fold marks and the hole mark (DIN 5008 form B).
	pdf.SetDrawColor(150, 150, 150)
	pdf.SetLineWidth(0.2)
	pdf.Line(4, 105, 8, 105)
	pdf.Line(4, 148.5, 9, 148.5)
	pdf.Line(4, 210, 8, 210)

	// The window: return address, then the recipient.
	pdf.SetXY(20, 47)
	pdf.SetTextColor(70, 70, 70)
	pdf.SetFont("dejavu", "", 7)
	pdf.CellFormat(85, 4, d.SenderLine, "B", 1, "L", false, 0, "")
	pdf.SetTextColor(20, 20, 20)
	pdf.SetFont("dejavu", "", 10.5)
	pdf.SetY(53)
	for _, l := range d.Recipient {
		pdf.SetX(20)
		pdf.CellFormat(85, 5.2, l, "", 1, "L", false, 0, "")
	}
	bottomLeft := pdf.GetY()
	pdf.SetY(50)
	pdf.SetFont("dejavu", "", 9)
	for _, f := range d.Facts {
		pdf.SetX(125)
		pdf.CellFormat(30, 5.2, f[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5.2, f[1], "", 1, "R", false, 0, "")
	}
	pdf.SetY(max(98, bottomLeft+8, pdf.GetY()+8))

	pdf.SetFont("dejavu", "B", 15)
	pdf.CellFormat(0, 8, d.Title, "", 1, "L", false, 0, "")
	pdf.Ln(3)
	pdf.SetFont("dejavu", "", 10)
	if d.Salutation != "" {
		pdf.MultiCell(0, 5, d.Salutation, "", "L", false)
		pdf.Ln(2)
	}
	pdf.MultiCell(0, 5, d.Intro, "", "L", false)
	pdf.Ln(4)

	// One block per claim; a block is not split across pages.
	pdf.SetDrawColor(220, 222, 226)
	for _, inv := range d.Invoices {
		if pdf.GetY()+float64(len(inv.Rows)+2)*6+4 > 275 {
			pdf.AddPage()
		}
		pdf.SetFont("dejavu", "B", 10)
		pdf.SetFillColor(240, 242, 245)
		pdf.CellFormat(0, 7, inv.Heading, "", 1, "L", true, 0, "")
		pdf.SetFont("dejavu", "", 9.5)
		for _, r := range inv.Rows {
			amountRow(pdf, r, "", "B")
		}
		pdf.SetFont("dejavu", "B", 9.5)
		amountRow(pdf, inv.Total, "B", "")
		pdf.Ln(3)
	}
	if pdf.GetY() > 250 {
		pdf.AddPage()
	}
	pdf.SetFont("dejavu", "B", 11)
	pdf.SetDrawColor(60, 60, 60)
	pdf.CellFormat(140, 8, d.Total[0], "TB", 0, "L", false, 0, "")
	pdf.CellFormat(34, 8, d.Total[1], "TB", 1, "R", false, 0, "")
	pdf.Ln(4)
	if d.Deadline != "" {
		pdf.SetFont("dejavu", "B", 10)
		pdf.MultiCell(0, 5, d.Deadline, "", "L", false)
		pdf.Ln(2)
	}
	if d.Payment != "" {
		pdf.SetFont("dejavu", "", 9.5)
		pdf.MultiCell(0, 5, d.Payment, "", "L", false)
		pdf.Ln(4)
	}

	// QR codes: the portal and the GiroCode, with captions.
	if d.PortalQR != "" || d.TransferQR != "" {
		if pdf.GetY() > 232 {
			pdf.AddPage()
		}
		x, y := 18.0, pdf.GetY()
		for i, q := range []struct{ text, caption string }{{d.PortalQR, d.PortalCaption}, {d.TransferQR, d.TransferCaption}} {
			if q.text == "" {
				continue
			}
			png, err := QRPNG(q.text, 512)
			if err != nil {
				return err
			}
			name := "reminder-qr-" + strconv.Itoa(n) + "-" + strconv.Itoa(i)
			opts := fpdf.ImageOptions{ImageType: "PNG"}
			pdf.RegisterImageOptionsReader(name, opts, bytes.NewReader(png))
			pdf.ImageOptions(name, x, y, 30, 30, false, opts, 0, "")
			pdf.SetXY(x+33, y+2)
			pdf.SetFont("dejavu", "", 8)
			pdf.MultiCell(52, 3.8, q.caption, "", "L", false)
			x += 88
		}
		pdf.SetY(y + 34)
	}
	if len(d.Closing) > 0 {
		if pdf.GetY() > 255 {
			pdf.AddPage()
		}
		pdf.SetFont("dejavu", "", 10)
		for _, l := range d.Closing {
			pdf.CellFormat(0, 5, l, "", 1, "L", false, 0, "")
		}
		pdf.Ln(3)
	}
	if d.Note != "" {
		pdf.SetFont("dejavu", "", 8)
		pdf.SetTextColor(70, 70, 70)
		pdf.MultiCell(0, 4, d.Note, "", "L", false)
	}
	return pdf.Error()
}

// amountRow prints a label and an amount across the text width.
func amountRow(pdf *fpdf.Fpdf, r [2]string, border, bottom string) {
	y := pdf.GetY()
	pdf.MultiCell(140, 5.5, r[0], border, "L", false)
	h := pdf.GetY() - y
	pdf.SetXY(158, y)
	pdf.CellFormat(34, max(h, 5.5), r[1], border, 1, "RB", false, 0, "")
	if bottom != "" {
		pdf.Line(18, pdf.GetY(), 192, pdf.GetY())
	}
}
