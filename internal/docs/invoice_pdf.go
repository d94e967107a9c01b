package docs

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	_ "image/jpeg" // logos
	_ "image/png"
	"io"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

//go:embed fonts/DejaVuSansCondensed.ttf
var fontRegular []byte

//go:embed fonts/DejaVuSansCondensed-Bold.ttf
var fontBold []byte

// InvoiceDoc is an invoice copy, every text already in the debtor's
// language and every amount formatted: the renderer only lays out.
type InvoiceDoc struct {
	BrandColor      string // #rrggbb
	CreditorName    string
	CreditorAddress string // one line
	CreditorContact string // phone · email
	LegalFooter     string
	DebtorLines     []string // name and address, one line each
	Title           string   // "Rechnung 2026-001243"
	Facts           [][2]string
	LineHeader      [4]string // description, quantity, unit price, amount
	Lines           [][4]string
	Totals          [][2]string // the last one is printed bold (what is still open)
	PaymentText     string
	PortalQR        string // URL for the QR code to the portal, "" for none
	PortalCaption   string
	TransferQR      string // EPC payload, "" for none
	TransferCaption string
	Created         time.Time // the PDF's creation date (fixed for tests)
	Logo            []byte    // PNG or JPEG; see Letterhead
	LogoType        string
}

// RenderInvoicePDF writes the invoice copy as an A4 PDF. It reads no file
// and fetches nothing: fonts are embedded, QR codes are drawn from the
// texts given.
func RenderInvoicePDF(w io.Writer, d InvoiceDoc) error {
	pdf := letterhead(Letterhead{BrandColor: d.BrandColor, CreditorName: d.CreditorName, CreditorAddress: d.CreditorAddress,
		CreditorContact: d.CreditorContact, LegalFooter: d.LegalFooter, Title: d.Title, Created: d.Created,
		Logo: d.Logo, LogoType: d.LogoType})

	recipientAndFacts(pdf, d.DebtorLines, d.Facts)

	pdf.SetFont("dejavu", "B", 15)
	pdf.CellFormat(0, 8, d.Title, "", 1, "L", false, 0, "")
	pdf.Ln(2)

	// Lines.
	widths := []float64{92, 20, 30, 32}
	aligns := []string{"L", "R", "R", "R"}
	pdf.SetFont("dejavu", "B", 9)
	pdf.SetFillColor(240, 242, 245)
	for i, h := range d.LineHeader {
		pdf.CellFormat(widths[i], 7, h, "B", 0, aligns[i], true, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("dejavu", "", 9.5)
	for _, l := range d.Lines {
		y := pdf.GetY()
		pdf.MultiCell(widths[0], 5.5, l[0], "", "L", false)
		h := pdf.GetY() - y
		pdf.SetXY(18+widths[0], y)
		for i := 1; i < 4; i++ {
			pdf.CellFormat(widths[i], 5.5, l[i], "", 0, aligns[i], false, 0, "")
		}
		pdf.SetY(y + max(h, 5.5))
		pdf.SetDrawColor(220, 222, 226)
		pdf.Line(18, pdf.GetY(), 192, pdf.GetY())
	}
	pdf.Ln(3)

	// Totals, right-aligned; the last (still open) in bold.
	for i, t := range d.Totals {
		last := i == len(d.Totals)-1
		style := ""
		if last {
			style = "B"
		}
		pdf.SetFont("dejavu", style, 10)
		pdf.SetX(100)
		pdf.CellFormat(60, 6, t[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(32, 6, t[1], "", 1, "R", false, 0, "")
	}
	pdf.Ln(6)

	if d.PaymentText != "" {
		pdf.SetFont("dejavu", "", 9.5)
		pdf.MultiCell(0, 5, d.PaymentText, "", "L", false)
		pdf.Ln(4)
	}

	// QR codes: the portal and a GiroCode, with captions.
	x := 18.0
	y := pdf.GetY()
	if y > 230 {
		pdf.AddPage()
		y = pdf.GetY()
	}
	for i, q := range []struct{ text, caption string }{{d.PortalQR, d.PortalCaption}, {d.TransferQR, d.TransferCaption}} {
		if q.text == "" {
			continue
		}
		png, err := QRPNG(q.text, 512)
		if err != nil {
			return err
		}
		name := "qr" + strconv.Itoa(i)
		pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
		pdf.ImageOptions(name, x, y, 32, 32, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
		pdf.SetXY(x+35, y+4)
		pdf.SetFont("dejavu", "", 8.5)
		pdf.MultiCell(48, 4.2, q.caption, "", "L", false)
		x += 88
	}
	if err := pdf.Error(); err != nil {
		return fmt.Errorf("docs: invoice pdf: %w", err)
	}
	return pdf.Output(w)
}

// Letterhead is what every document of a creditor starts with.
type Letterhead struct {
	BrandColor, CreditorName, CreditorAddress, CreditorContact, LegalFooter, Title string
	Created                                                                        time.Time
	// Logo is the creditor's logo as PNG or JPEG (LogoType image/png or
	// image/jpeg); SVG logos are left out of PDFs.
	Logo     []byte
	LogoType string
}

// letterhead starts an A4 document with the embedded fonts, the brand
// band, the sender and the legal footer on every page.
func letterhead(h Letterhead) *fpdf.Fpdf {
	pdf := newDocument(h)
	pdf.SetFooterFunc(func() { legalFooter(pdf, h.LegalFooter) })
	startLetter(pdf, h)
	return pdf
}

// newDocument is an empty A4 document with the embedded fonts, the
// margins and the metadata of h (no page yet).
func newDocument(h Letterhead) *fpdf.Fpdf {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.AddUTF8FontFromBytes("dejavu", "", fontRegular)
	pdf.AddUTF8FontFromBytes("dejavu", "B", fontBold)
	pdf.SetTitle(h.Title, true)
	pdf.SetCreator("Settle", true)
	if !h.Created.IsZero() {
		pdf.SetCreationDate(h.Created)
	}
	pdf.SetMargins(18, 16, 18)
	pdf.SetAutoPageBreak(true, 22)
	return pdf
}

// legalFooter prints the creditor's legal footer at the bottom of a page.
func legalFooter(pdf *fpdf.Fpdf, text string) {
	pdf.SetY(-18)
	pdf.SetFont("dejavu", "", 7.5)
	pdf.SetTextColor(90, 90, 90)
	pdf.MultiCell(0, 3.5, text, "", "C", false)
}

// startLetter adds a page with the brand band, the logo and the sender.
func startLetter(pdf *fpdf.Fpdf, h Letterhead) {
	pdf.AddPage()
	r, g, b := hexColor(h.BrandColor)
	pdf.SetFillColor(r, g, b)
	pdf.Rect(0, 0, 210, 6, "F")
	drawLogo(pdf, h.Logo, h.LogoType)
	pdf.SetTextColor(r, g, b)
	pdf.SetFont("dejavu", "B", 16)
	pdf.CellFormat(0, 9, h.CreditorName, "", 1, "L", false, 0, "")
	pdf.SetTextColor(60, 60, 60)
	pdf.SetFont("dejavu", "", 8.5)
	pdf.CellFormat(0, 4.5, h.CreditorAddress, "", 1, "L", false, 0, "")
	pdf.CellFormat(0, 4.5, h.CreditorContact, "", 1, "L", false, 0, "")
	pdf.Ln(8)
}

// drawLogo puts a PNG or JPEG logo at the top right. A logo that does not
// decode is left out: a broken logo must never cost the debtor the
// document (the PDF library panics on some truncated images, so the image
// is decoded by Go first).
func drawLogo(pdf *fpdf.Fpdf, logo []byte, mediaType string) {
	kind := map[string]string{"image/png": "PNG", "image/jpeg": "JPG"}[mediaType]
	if kind == "" || len(logo) == 0 {
		return
	}
	if _, _, err := image.Decode(bytes.NewReader(logo)); err != nil {
		return
	}
	defer func() {
		if recover() != nil {
			pdf.ClearError()
		}
	}()
	opts := fpdf.ImageOptions{ImageType: kind}
	info := pdf.RegisterImageOptionsReader("logo", opts, bytes.NewReader(logo))
	if !pdf.Ok() || info == nil || info.Height() <= 0 {
		pdf.ClearError()
		return
	}
	const height = 10.0
	width := min(height*info.Width()/info.Height(), 60)
	pdf.ImageOptions("logo", 192-width, 9, width, 0, false, opts, 0, "")
}

// hexColor reads #rrggbb (anything else is a calm dark blue).
func hexColor(s string) (int, int, int) {
	if len(s) != 7 || s[0] != '#' {
		return 31, 79, 143
	}
	v, err := strconv.ParseUint(s[1:], 16, 32)
	if err != nil {
		return 31, 79, 143
	}
	return int(v >> 16), int(v >> 8 & 0xff), int(v & 0xff)
}

// recipientAndFacts writes the recipient's address on the left and the
// document's facts (number, dates, customer number …) on the right,
// then moves below both.
func recipientAndFacts(pdf *fpdf.Fpdf, recipient []string, facts [][2]string) {
	top := pdf.GetY()
	pdf.SetTextColor(20, 20, 20)
	pdf.SetFont("dejavu", "", 10.5)
	for _, l := range recipient {
		pdf.CellFormat(95, 5.2, l, "", 2, "L", false, 0, "")
	}
	bottomLeft := pdf.GetY()
	pdf.SetXY(120, top)
	pdf.SetFont("dejavu", "", 9)
	for _, f := range facts {
		pdf.SetX(120)
		pdf.CellFormat(34, 5.2, f[0], "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5.2, f[1], "", 1, "R", false, 0, "")
	}
	pdf.SetY(max(bottomLeft, pdf.GetY()) + 10)
}
