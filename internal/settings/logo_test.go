package settings

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/settle/settle/internal/ar"
)

// PNG returns a small PNG logo.
func PNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegLogo(t testing.TB) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := jpeg.Encode(&b, image.NewGray(image.Rect(0, 0, 8, 4)), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const svgOpen = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">`

func svg(body string) []byte { return []byte(svgOpen + body + `</svg>`) }

func TestCheckLogoAccepts(t *testing.T) {
	t.Parallel()
	demo, err := filepath.Glob(filepath.Join("..", "demo", "logos", "*.svg"))
	if err != nil || len(demo) == 0 {
		t.Fatalf("no demo logos: %v", err)
	}
	cases := map[string]struct {
		data []byte
		want string
	}{
		"png":  {PNG(t, 160, 40), LogoPNG},
		"jpeg": {jpegLogo(t), LogoJPEG},
		"svg":  {svg(`<title>Logo</title><rect width="10" height="10" fill="#123456"/>`), LogoSVG},
		"svg with declaration, BOM and comment": {append([]byte("\xef\xbb\xbf<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- made by hand -->\n"),
			svg(`<rect width="1" height="1"/>`)...), LogoSVG},
		"internal references and embedded PNG": {svg(`<defs><linearGradient id="g"><stop offset="0"/></linearGradient>` +
			`<symbol id="s"><rect width="1" height="1"/></symbol></defs><rect fill="url(#g)" width="5" height="5"/>` +
			`<use href="#s"/><use xlink:href="#s"/><image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>` +
			`<style>rect { fill: url(#g); stroke: #000 }</style><a href="#s"><text>x</text></a>`), LogoSVG},
		"style attribute": {svg(`<rect style="fill:url('#g');opacity:.5" width="1" height="1"/>`), LogoSVG},
	}
	for _, p := range demo {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		cases["demo "+filepath.Base(p)] = struct {
			data []byte
			want string
		}{b, LogoSVG}
	}
	for name, c := range cases {
		got, err := CheckLogo(c.data)
		if err != nil || got != c.want {
			t.Errorf("%s: CheckLogo = %q, %v; want %q", name, got, err, c.want)
		}
	}
}

func TestCheckLogoRefuses(t *testing.T) {
	t.Parallel()
	unsafe, wrongType, broken := "error.staff.settings.logo_svg", "error.staff.settings.logo_type", "error.staff.settings.logo_broken"
	big := PNG(t, 4100, 10)
	cases := map[string]struct {
		data []byte
		key  string
	}{
		"empty":                {nil, wrongType},
		"text named .png":      {[]byte("hello, I am a PNG"), wrongType},
		"html":                 {[]byte(`<html><body><script>alert(1)</script></body></html>`), wrongType},
		"svg without xmlns":    {[]byte(`<svg><rect/></svg>`), wrongType},
		"PNG signature only":   {[]byte("\x89PNG\r\n\x1a\nnot really"), broken},
		"JPEG signature only":  {[]byte{0xff, 0xd8, 0xff, 0x00, 0x01}, broken},
		"too large":            {append(PNG(t, 10, 10), make([]byte, MaxLogoBytes)...), "error.staff.settings.logo_size"},
		"too many pixels":      {big, "error.staff.settings.logo_pixels"},
		"unclosed":             {[]byte(svgOpen + `<rect>`), broken},
		"two roots":            {append(svg(""), svg("")...), wrongType},
		"not UTF-8":            {svg("<text>\xff</text>"), unsafe},
		"script":               {svg(`<script>alert(1)</script>`), unsafe},
		"script in CDATA":      {svg(`<script><![CDATA[alert(1)]]></script>`), unsafe},
		"onload":               {[]byte(`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), unsafe},
		"onclick upper case":   {svg(`<rect ONCLICK="alert(1)"/>`), unsafe},
		"on* in a namespace":   {svg(`<rect xmlns:e="urn:x" e:onmouseover="alert(1)"/>`), unsafe},
		"javascript href":      {svg(`<a href="javascript:alert(1)"><text>x</text></a>`), unsafe},
		"javascript obfuscate": {svg(`<a xlink:href=" jav&#x09;ascript:alert(1)"><text>x</text></a>`), unsafe},
		"external image":       {svg(`<image href="https://evil.example/track.png"/>`), unsafe},
		"external xlink image": {svg(`<image xlink:href="//evil.example/x.png"/>`), unsafe},
		"relative use":         {svg(`<use href="other.svg#icon"/>`), unsafe},
		"data svg":             {svg(`<image href="data:image/svg+xml;base64,PHN2Zy8+"/>`), unsafe},
		"data html":            {svg(`<image href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"/>`), unsafe},
		"foreignObject":        {svg(`<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>`), unsafe},
		"xhtml element":        {svg(`<h:iframe xmlns:h="http://www.w3.org/1999/xhtml" src="https://evil.example"/>`), unsafe},
		"style url":            {svg(`<style>rect { fill: url(https://evil.example/a) }</style>`), unsafe},
		"style import":         {svg(`<style>@import "https://evil.example/a.css";</style>`), unsafe},
		"style split by CDATA": {svg(`<style>rect { fill: u<![CDATA[rl(https://evil.example/a)]]> }</style>`), unsafe},
		"style escape":         {svg(`<style>rect { fill: u\72l(https://evil.example/a) }</style>`), unsafe},
		"style attribute url":  {svg(`<rect style="fill:url(https://evil.example/a)"/>`), unsafe},
		"presentation url":     {svg(`<rect fill="url('https://evil.example/a#g')"/>`), unsafe},
		"font-face":            {svg(`<style>@font-face { font-family: x; src: local(x) }</style>`), unsafe},
		"doctype entity":       {[]byte(`<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + svgOpen + `<text>&x;</text></svg>`), unsafe},
		"stylesheet PI":        {append([]byte(`<?xml-stylesheet href="https://evil.example/a.css"?>`), svg("")...), unsafe},
		"set href":             {svg(`<a href="#a"><set attributeName="href" to="javascript:alert(1)"/></a>`), unsafe},
		"animate xlink:href":   {svg(`<a><animate attributeName="xlink:href" values="https://evil.example"/></a>`), unsafe},
		"set onclick":          {svg(`<set attributeName="onclick" to="alert(1)"/>`), unsafe},
		"handler element":      {svg(`<handler type="application/ecmascript">alert(1)</handler>`), unsafe},
	}
	for name, c := range cases {
		got, err := CheckLogo(c.data)
		e, ok := ar.AsError(err)
		if !ok || e.Field != "logo" || e.Key != c.key {
			t.Errorf("%s: CheckLogo = %q, %v; want the field error %s", name, got, err, c.key)
		}
	}
	if !strings.HasPrefix(string(svg("")), "<svg") {
		t.Fatal("bad fixture")
	}
}
