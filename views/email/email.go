// Package email renders the HTML alternative of Settle's emails with templ.
//
// Email clients ignore style sheets and scripts, so the component uses
// layout tables and inline styles only. The text it shows is the plain
// text body of the message, escaped, split into paragraphs at blank lines,
// with http(s) URLs turned into links; the creditor's brand colour (a
// validated #rrggbb value, never free text) colours the header.
package email

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/a-h/templ"
)

// EmailVM is what an email shows.
type EmailVM struct {
	Lang         string // the language of the text, for <html lang>; "" is "de"
	Title        string // the document title (the subject); "" is CreditorName
	Preheader    string // optional preview line some clients show after the subject
	CreditorName string
	BrandColor   string // #rrggbb; anything else falls back to DefaultBrandColor
	Body         string // plain text: blank lines separate paragraphs
	Footer       string // optional lines under the creditor's name (address, legal footer)
}

// DefaultBrandColor is used when the creditor's colour is not a valid
// #rrggbb value.
const DefaultBrandColor = "#1f4f8f"

// RenderHTML renders the email into a string; an error leaves nothing
// half-rendered.
func RenderHTML(ctx context.Context, vm EmailVM) (string, error) {
	var buf bytes.Buffer
	if err := Email(vm).Render(ctx, &buf); err != nil {
		return "", fmt.Errorf("email.RenderHTML: %w", err)
	}
	return buf.String(), nil
}

var (
	colorRE = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)
	langRE  = regexp.MustCompile(`^[a-z]{2}$`)
	// urlRE finds http(s) URLs in plain text; trailing punctuation is
	// trimmed by splitURLs.
	urlRE = regexp.MustCompile(`https?://[^\s<>"']+`)
)

// ValidColor reports whether s is a #rrggbb colour.
func ValidColor(s string) bool { return colorRE.MatchString(s) }

func (vm EmailVM) lang() string {
	if langRE.MatchString(vm.Lang) {
		return vm.Lang
	}
	return "de"
}

func (vm EmailVM) title() string {
	if vm.Title != "" {
		return vm.Title
	}
	return vm.CreditorName
}

func (vm EmailVM) brand() string {
	if ValidColor(vm.BrandColor) {
		return strings.ToLower(vm.BrandColor)
	}
	return DefaultBrandColor
}

// Style sheets are not an option in email: these are the inline styles.
const fontStack = `-apple-system, BlinkMacSystemFont, Segoe UI, Roboto, Helvetica, Arial, sans-serif`

func (vm EmailVM) headerStyle() templ.SafeCSS {
	b := vm.brand()
	return templ.SafeCSS(fmt.Sprintf("background-color:%s;color:%s;padding:20px 24px;border-radius:6px 6px 0 0;", b, onColor(b)))
}

func headingStyle() templ.SafeCSS {
	return templ.SafeCSS("margin:0;font-family:" + fontStack + ";font-size:20px;line-height:1.3;font-weight:bold;color:inherit;")
}

func bodyCellStyle() templ.SafeCSS {
	return templ.SafeCSS("padding:24px;font-family:" + fontStack + ";font-size:16px;line-height:1.5;color:#1f2937;")
}

func paragraphStyle() templ.SafeCSS {
	return templ.SafeCSS("margin:0 0 16px 0;")
}

func (vm EmailVM) linkStyle() templ.SafeCSS {
	return templ.SafeCSS(fmt.Sprintf("color:%s;text-decoration:underline;word-break:break-all;", inkOn(vm.brand())))
}

func footerStyle() templ.SafeCSS {
	return templ.SafeCSS("padding:16px 24px 24px 24px;border-top:1px solid #e5e7eb;font-family:" + fontStack + ";font-size:13px;line-height:1.5;color:#4b5563;")
}

// Paragraph is a block of lines; Line is a run of text and links.
type (
	Paragraph []Line
	Line      []Segment
	// Segment is plain text or, when URL is set, a link showing Text.
	Segment struct {
		Text string
		URL  string
	}
)

// Paragraphs splits plain text at blank lines into paragraphs, each into
// lines, each into text and links.
func Paragraphs(body string) []Paragraph {
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
	var out []Paragraph
	var cur Paragraph
	flush := func() {
		if len(cur) > 0 {
			out = append(out, cur)
		}
		cur = nil
	}
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimRight(line, " \t")
		if strings.TrimSpace(line) == "" {
			flush()
			continue
		}
		cur = append(cur, splitURLs(line))
	}
	flush()
	return out
}

// splitURLs cuts a line into text and http(s) links. Punctuation that
// ends a sentence after a URL stays text.
func splitURLs(s string) Line {
	var line Line
	rest := s
	for {
		loc := urlRE.FindStringIndex(rest)
		if loc == nil {
			break
		}
		u := strings.TrimRight(rest[loc[0]:loc[1]], ".,;:!?)]}")
		if len(u) <= len("https://") {
			line = appendText(line, rest[:loc[1]])
			rest = rest[loc[1]:]
			continue
		}
		line = appendText(line, rest[:loc[0]])
		line = append(line, Segment{Text: u, URL: u})
		rest = rest[loc[0]+len(u):]
	}
	return appendText(line, rest)
}

func appendText(line Line, s string) Line {
	if s == "" {
		return line
	}
	if n := len(line); n > 0 && line[n-1].URL == "" {
		line[n-1].Text += s
		return line
	}
	return append(line, Segment{Text: s})
}

// footerLines are the non-empty lines of the footer.
func (vm EmailVM) footerLines() []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(vm.Footer, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// luminance is the WCAG relative luminance of #rrggbb.
func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[i:i+2], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(1) + 0.7152*ch(3) + 0.0722*ch(5)
}

func contrast(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	return (a + 0.05) / (b + 0.05)
}

// onColor picks white or near-black text, whichever reads better on bg.
func onColor(bg string) string {
	l := luminance(bg)
	if contrast(l, 1) >= contrast(l, luminance("#111111")) {
		return "#ffffff"
	}
	return "#111111"
}

// inkOn darkens c until it has 4.5:1 contrast on white, so that links in
// the brand colour pass WCAG AA.
func inkOn(c string) string {
	r, _ := strconv.ParseUint(c[1:3], 16, 8)
	g, _ := strconv.ParseUint(c[3:5], 16, 8)
	b, _ := strconv.ParseUint(c[5:7], 16, 8)
	for range 40 {
		hex := fmt.Sprintf("#%02x%02x%02x", r, g, b)
		if contrast(1, luminance(hex)) >= 4.6 {
			return hex
		}
		r, g, b = r*9/10, g*9/10, b*9/10
	}
	return "#111111"
}
