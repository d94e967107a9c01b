package i18n

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/settle/settle/locales"
)

// messages reads a language's message files (<area>.<lang>.json) as key
// → value (string or plural map). Every area must have a file for every
// language, and a key may live in one area only.
func messages(t *testing.T, lang string) map[string]any {
	t.Helper()
	areas := map[string]bool{}
	all, err := fs.Glob(locales.FS, "*.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		parts := strings.Split(f, ".")
		areas[parts[0]] = true
	}
	m := map[string]any{}
	for area := range areas {
		name := area + "." + lang + ".json"
		data, err := fs.ReadFile(locales.FS, name)
		if err != nil {
			t.Fatalf("language %s has no message file for %s: %v", lang, area, err)
		}
		var part map[string]any
		if err := json.Unmarshal(data, &part); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for k, v := range part {
			if _, dup := m[k]; dup {
				t.Errorf("%s: key %q is defined in another file too", name, k)
			}
			m[k] = v
		}
	}
	return m
}

// TestCatalogComplete fails when a language misses a key, has a key the
// others lack, or misses a plural form its rules need.
func TestCatalogComplete(t *testing.T) {
	all := map[string]map[string]any{}
	for _, l := range Languages {
		all[l] = messages(t, l)
	}
	for _, a := range Languages {
		for _, b := range Languages {
			for key := range all[a] {
				if _, ok := all[b][key]; !ok {
					t.Errorf("%s has %q but %s does not", a, key, b)
				}
			}
		}
	}
	// Plural forms: localize every plural message with counts that hit
	// each CLDR category of each language; go-i18n fails on a form the
	// message lacks.
	c := MustLoad()
	for _, l := range Languages {
		for key, v := range all[l] {
			if _, ok := v.(map[string]any); !ok {
				continue
			}
			for _, n := range []int{0, 1, 2, 3, 5, 11, 21, 101} {
				_, err := c.Locale(l).loc.Localize(&i18n.LocalizeConfig{MessageID: key, PluralCount: n,
					TemplateData: map[string]any{"Count": n}})
				if err != nil {
					t.Errorf("%s: %q with count %d: %v", l, key, n, err)
				}
			}
		}
	}
}

var keyRE = regexp.MustCompile(`"((?:page|error|form|layout|status|action|message|month|lang|doc|csv|ledger|staff|audit)\.[a-z0-9_.]*[a-z0-9_])"`)

// TestKeysUsedExist scans the source for message keys and fails on any
// that the catalog lacks, so a typo never shows a raw key to a debtor.
func TestKeysUsedExist(t *testing.T) {
	en := messages(t, "en")
	root := filepath.Join("..", "..")
	var missing []string
	for _, dir := range []string{"views", "handlers", "internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if !(strings.HasSuffix(p, ".templ") || strings.HasSuffix(p, ".go")) || strings.HasSuffix(p, "_templ.go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			for _, m := range keyRE.FindAllStringSubmatch(string(src), -1) {
				if _, ok := en[m[1]]; !ok {
					missing = append(missing, m[1]+" ("+p+")")
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("key used but not in locales: %s", m)
	}
}

func TestFormatting(t *testing.T) {
	c := MustLoad()
	de, en := c.Locale("de"), c.Locale("en")
	day := time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	cases := []struct{ got, want string }{
		{de.Money(123450, "EUR"), "1.234,50\u00a0€"},
		{en.Money(123450, "EUR"), "€1,234.50"},
		{de.Money(-500, "EUR"), "-5,00\u00a0€"},
		{de.Date(day), "03.11.2026"},
		{en.Date(day), "3 Nov 2026"},
		{de.DateLong(day), "3. November 2026"},
		{en.DateLong(day), "3 November 2026"},
		{de.Percent(1900), "19\u00a0%"},
		{en.Percent(1950), "19.5%"},
		{de.Quantity(1500), "1,5"},
		{en.Quantity(12000), "12"},
		{de.N("page.account.overdue", 1, "Amount", "5,00 €"), "Davon sind 5,00 € überfällig (1 Rechnung)."},
		{en.N("page.account.overdue", 3, "Amount", "€5.00"), "€5.00 of it is overdue (3 invoices)."},
		{en.T("no.such.key"), "no.such.key"},
	}
	for _, tc := range cases {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

func TestMatchAcceptLanguage(t *testing.T) {
	c := MustLoad()
	for header, want := range map[string]string{
		"en-GB,en;q=0.9":     "en",
		"de-AT":              "de",
		"fr-FR,en;q=0.5":     "en",
		"fr-FR":              "",
		"":                   "",
		"x-garbage;;;q=zzz!": "",
	} {
		if got := c.MatchAcceptLanguage(header); got != want {
			t.Errorf("MatchAcceptLanguage(%q) = %q, want %q", header, got, want)
		}
	}
}
