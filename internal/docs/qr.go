package docs

import (
	"encoding/base64"
	"fmt"

	qrcode "github.com/skip2/go-qrcode"
)

// QRPNG renders text as a QR code PNG of size×size pixels, with error
// correction level M (what the EPC standard asks for GiroCodes).
func QRPNG(text string, size int) ([]byte, error) {
	png, err := qrcode.Encode(text, qrcode.Medium, size)
	if err != nil {
		return nil, fmt.Errorf("docs: qr: %w", err)
	}
	return png, nil
}

// QRDataURL is QRPNG as a data: URL for an <img> (the CSP allows data:
// images, and the page needs no second request).
func QRDataURL(text string, size int) (string, error) {
	png, err := QRPNG(text, size)
	if err != nil {
		return "", err
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(png), nil
}
