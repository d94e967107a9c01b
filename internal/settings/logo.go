package settings

import (
	"bytes"
	"encoding/xml"
	"errors"
	"image"
	_ "image/jpeg" // DecodeConfig of JPEG logos
	_ "image/png"  // DecodeConfig of PNG logos
	"io"
	"strings"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
)

// Logos: what an admin may upload as the creditor's logo. The logo is
// shown on every debtor page (in an <img>, where an SVG runs no script)
// and served at /brand/{slug}/logo under a sandboxing CSP; still, an SVG
// is checked here to hold nothing that runs or loads anything, so that
// it is harmless wherever it ends up (an email, a browser opening it
// without our headers, a PDF tool).

// MaxLogoBytes is the largest logo accepted.
const MaxLogoBytes = 512 << 10

// Maximum pixel size of a PNG or JPEG logo (each side).
const maxLogoPixels = 4096

// Logo media types.
const (
	LogoPNG  = "image/png"
	LogoJPEG = "image/jpeg"
	LogoSVG  = "image/svg+xml"
)

const svgNS = "http://www.w3.org/2000/svg"

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8, 0xff}
)

// CheckLogo tells a logo's media type from its content (never its name
// or the browser's claim): PNG and JPEG by their signature and a header
// that decodes, SVG by parsing it (CheckSVG). Anything else, an empty or
// oversized file, is a field error on "logo".
func CheckLogo(data []byte) (mediaType string, err error) {
	switch {
	case len(data) == 0:
		return "", ar.FieldError("logo", "error.staff.settings.logo_type", nil)
	case len(data) > MaxLogoBytes:
		return "", ar.FieldError("logo", "error.staff.settings.logo_size", nil)
	case bytes.HasPrefix(data, pngMagic):
		return LogoPNG, checkRaster(data, "png")
	case bytes.HasPrefix(data, jpegMagic):
		return LogoJPEG, checkRaster(data, "jpeg")
	}
	if !looksLikeXML(data) {
		return "", ar.FieldError("logo", "error.staff.settings.logo_type", nil)
	}
	if err := CheckSVG(data); err != nil {
		return "", err
	}
	return LogoSVG, nil
}

// checkRaster decodes the image header: a file with the right signature
// but no readable image, or an absurd size, is refused.
func checkRaster(data []byte, format string) error {
	cfg, got, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || got != format {
		return ar.FieldError("logo", "error.staff.settings.logo_broken", nil)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > maxLogoPixels || cfg.Height > maxLogoPixels {
		return ar.FieldError("logo", "error.staff.settings.logo_pixels", nil)
	}
	return nil
}

// looksLikeXML reports whether data starts (after a byte order mark and
// white space) with "<", as an SVG file does.
func looksLikeXML(data []byte) bool {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	data = bytes.TrimLeft(data, " \t\r\n")
	return len(data) > 0 && data[0] == '<'
}

// errUnsafe is the field error for an SVG with active or external
// content.
func errUnsafe() error { return ar.FieldError("logo", "error.staff.settings.logo_svg", nil) }

// CheckSVG accepts an SVG document that cannot run or load anything:
//   - well-formed UTF-8 XML whose root is <svg> in the SVG namespace, with
//     no DOCTYPE (no entities) and no processing instruction but the XML
//     declaration (no xml-stylesheet);
//   - only elements of the SVG namespace (no XHTML smuggled in), and none
//     of <script>, <foreignObject>, or animations (<set>, <animate>…) that
//     target an href or an event handler;
//   - no on* attribute (event handlers), in any namespace;
//   - href and xlink:href only to "#fragment" or an embedded raster
//     image (data:image/png, jpeg, gif or webp);
//   - url(…) in attributes and <style> only to "#fragment" or such an
//     embedded image; no @import, @font-face, image-set() or src(), and
//     no backslash (CSS escapes could hide them); no "javascript:"
//     anywhere in an attribute.
func CheckSVG(data []byte) error {
	if !utf8.Valid(data) {
		return errUnsafe()
	}
	d := xml.NewDecoder(bytes.NewReader(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))))
	d.Strict = true
	depth, elements := 0, 0
	var style *strings.Builder // the text of the <style> element being read
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return ar.FieldError("logo", "error.staff.settings.logo_broken", nil)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			elements++
			if elements > 20000 || depth > 64 {
				return errUnsafe()
			}
			if depth == 0 && (elements > 1 || t.Name.Local != "svg" || t.Name.Space != svgNS) {
				return ar.FieldError("logo", "error.staff.settings.logo_type", nil)
			}
			if t.Name.Space != svgNS || style != nil {
				return errUnsafe()
			}
			if err := checkSVGElement(t); err != nil {
				return err
			}
			if t.Name.Local == "style" {
				style = new(strings.Builder)
			}
			depth++
		case xml.EndElement:
			depth--
			if style != nil {
				// The whole text at once: CDATA sections and comments
				// could split "url(" across tokens.
				if !safeCSS(style.String()) {
					return errUnsafe()
				}
				style = nil
			}
		case xml.CharData:
			if style != nil {
				style.Write(t)
			}
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return ar.FieldError("logo", "error.staff.settings.logo_broken", nil)
			}
		case xml.ProcInst:
			if t.Target != "xml" || elements > 0 {
				return errUnsafe()
			}
		case xml.Directive:
			return errUnsafe() // DOCTYPE, ENTITY
		}
	}
	if elements == 0 {
		return ar.FieldError("logo", "error.staff.settings.logo_type", nil)
	}
	return nil
}

// animations are the SVG elements that change another attribute over
// time (attributeName).
var animations = map[string]bool{"set": true, "animate": true, "animateMotion": true, "animateTransform": true,
	"animateColor": true}

func checkSVGElement(t xml.StartElement) error {
	switch t.Name.Local {
	case "script", "foreignObject", "handler", "listener":
		return errUnsafe()
	}
	for _, a := range t.Attr {
		name, value := strings.ToLower(a.Name.Local), a.Value
		if strings.HasPrefix(name, "on") {
			return errUnsafe()
		}
		if hasJavaScript(value) {
			return errUnsafe()
		}
		if name == "href" && !safeRef(value) {
			return errUnsafe()
		}
		if animations[t.Name.Local] && name == "attributename" {
			target := strings.ToLower(strings.TrimSpace(value))
			if i := strings.IndexByte(target, ':'); i >= 0 {
				target = target[i+1:]
			}
			if target == "href" || strings.HasPrefix(target, "on") {
				return errUnsafe()
			}
		}
		if !safeCSS(value) {
			return errUnsafe()
		}
	}
	return nil
}

// hasJavaScript reports whether s holds a javascript: URL, also with
// white space or control characters within the scheme.
func hasJavaScript(s string) bool {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r > ' ' {
			b.WriteRune(r)
		}
	}
	return strings.Contains(b.String(), "javascript:")
}

// safeRef reports whether a reference stays inside the document or is
// an embedded raster image.
func safeRef(ref string) bool {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "#") {
		return true
	}
	l := strings.ToLower(ref)
	for _, p := range []string{"data:image/png", "data:image/jpeg", "data:image/gif", "data:image/webp"} {
		if strings.HasPrefix(l, p) && len(l) > len(p) && (l[len(p)] == ';' || l[len(p)] == ',') {
			return true
		}
	}
	return false
}

// safeCSS reports whether CSS text (a <style> element, a style or
// presentation attribute) loads nothing: no @import, and every url(…)
// a safeRef.
func safeCSS(css string) bool {
	l := strings.ToLower(css)
	if strings.ContainsAny(l, `\`) {
		return false // escapes could hide "url(" or "@import"
	}
	for _, loads := range []string{"@import", "@font-face", "image-set(", "src("} {
		if strings.Contains(l, loads) {
			return false
		}
	}
	for {
		i := strings.Index(l, "url(")
		if i < 0 {
			return true
		}
		l, css = l[i+4:], css[i+4:]
		end := strings.IndexByte(css, ')')
		if end < 0 {
			return false
		}
		arg := strings.Trim(strings.TrimSpace(css[:end]), `"'`)
		if !safeRef(arg) {
			return false
		}
		l, css = l[end+1:], css[end+1:]
	}
}
