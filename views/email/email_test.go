package email

import (
	"context"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func render(t *testing.T, vm EmailVM) (string, *html.Node) {
	t.Helper()
	s, err := RenderHTML(context.Background(), vm)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return s, doc
}

// find returns the elements named tag below n.
func find(n *html.Node, tag string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func byTestID(n *html.Node, id string) *html.Node {
	var found *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if found != nil {
			return
		}
		if n.Type == html.ElementNode && attr(n, "data-testid") == id {
			found = n
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return found
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func TestEmailEscapesAndLinks(t *testing.T) {
	vm := EmailVM{
		Lang:         "de",
		Title:        "Ihr Kundenkonto bei Müller & Söhne",
		CreditorName: "Müller & Söhne <GmbH>",
		BrandColor:   "#0B7A4B",
		Body: "Guten Tag <script>alert(1)</script>,\n\nhier ist Ihr Link:\n" +
			"https://pay.example.com/l/abc_DEF-123?x=1&y=2.\n\n" +
			"Kein Link: javascript:alert(1) und http://\n\nFreundliche Grüße",
		Footer: "Hauptstraße 1\n10115 Berlin",
	}
	raw, doc := render(t, vm)
	if strings.Contains(raw, "<script") {
		t.Errorf("unescaped <script> in HTML:\n%s", raw)
	}
	if !strings.Contains(raw, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("script text not shown escaped:\n%s", raw)
	}
	if strings.Contains(raw, "&amp;#") {
		t.Errorf("double-escaped entity in HTML:\n%s", raw)
	}
	if got := attr(find(doc, "html")[0], "lang"); got != "de" {
		t.Errorf("lang = %q", got)
	}
	if got := text(find(doc, "title")[0]); got != vm.Title {
		t.Errorf("title = %q", got)
	}
	body := byTestID(doc, "email-body")
	if body == nil {
		t.Fatal("no email-body")
	}
	ps := find(body, "p")
	if len(ps) != 4 {
		t.Fatalf("%d paragraphs, want 4:\n%s", len(ps), raw)
	}
	links := find(body, "a")
	if len(links) != 1 {
		t.Fatalf("%d links, want 1:\n%s", len(links), raw)
	}
	const want = "https://pay.example.com/l/abc_DEF-123?x=1&y=2"
	if got := attr(links[0], "href"); got != want {
		t.Errorf("href = %q, want %q", got, want)
	}
	if got := text(links[0]); got != want {
		t.Errorf("link text = %q", got)
	}
	if !strings.HasSuffix(text(ps[1]), want+".") {
		t.Errorf("sentence full stop lost: %q", text(ps[1]))
	}
	if len(find(ps[1], "br")) != 1 {
		t.Errorf("line break inside a paragraph not kept")
	}
	header := byTestID(doc, "email-header")
	if st := attr(header, "style"); !strings.Contains(st, "background-color:#0b7a4b") || !strings.Contains(st, "color:#ffffff") {
		t.Errorf("header style = %q", st)
	}
	if got := text(header); got != vm.CreditorName {
		t.Errorf("header text = %q", got)
	}
	footer := text(byTestID(doc, "email-footer"))
	for _, w := range []string{"Müller & Söhne <GmbH>", "Hauptstraße 1", "10115 Berlin"} {
		if !strings.Contains(footer, w) {
			t.Errorf("footer %q lacks %q", footer, w)
		}
	}
}

func TestEmailBadInput(t *testing.T) {
	raw, doc := render(t, EmailVM{
		Lang: `de" onload="x`, CreditorName: "ACME", BrandColor: `red;background:url(http://evil)`,
		Body: "see https://example.com/\"><img src=x onerror=alert(1)>",
	})
	if strings.Contains(raw, "evil") || strings.Contains(raw, "<img") {
		t.Errorf("unsafe input rendered:\n%s", raw)
	}
	if got := attr(find(doc, "html")[0], "lang"); got != "de" {
		t.Errorf("lang = %q", got)
	}
	if st := attr(byTestID(doc, "email-header"), "style"); !strings.Contains(st, DefaultBrandColor) {
		t.Errorf("invalid brand colour not replaced: %q", st)
	}
	if got := attr(find(doc, "a")[0], "href"); got != "https://example.com/" {
		t.Errorf("href = %q", got)
	}
	if got := text(find(doc, "title")[0]); got != "ACME" {
		t.Errorf("title = %q, want the creditor's name", got)
	}
}

func TestParagraphs(t *testing.T) {
	got := Paragraphs("a\r\n\r\n\r\nb http://x.de/a), c\n  \nd")
	if len(got) != 3 {
		t.Fatalf("%d paragraphs: %#v", len(got), got)
	}
	line := got[1][0]
	if len(line) != 3 || line[0].Text != "b " || line[1].URL != "http://x.de/a" || line[2].Text != "), c" {
		t.Errorf("line = %#v", line)
	}
}

func TestInkOn(t *testing.T) {
	for _, c := range []string{"#ffffff", "#ffcc00", "#1f4f8f", "#000000"} {
		if contrast(1, luminance(inkOn(c))) < 4.5 {
			t.Errorf("inkOn(%s) = %s lacks contrast", c, inkOn(c))
		}
	}
	if onColor("#ffcc00") != "#111111" || onColor("#1f4f8f") != "#ffffff" {
		t.Error("onColor picks the wrong text colour")
	}
}
