package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/settle/settle/internal/testdb"
)

// browserDeps finds Chromium and axe-core. Missing tools skip the test on
// a developer's machine and fail it under CI.
func browserDeps(t *testing.T) (chromium, axe string) {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; CI must install it (see .ci/run)", what)
		}
		t.Skipf("%s is missing: browser tests skipped (CI runs them)", what)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			chromium = p
			break
		}
	}
	if chromium == "" {
		missing("Chromium (apt install chromium)")
	}
	axe = os.Getenv("AXE_CORE_JS")
	if axe == "" {
		home, _ := os.UserHomeDir()
		axe = filepath.Join(home, ".cache", "settle-ci", "axe", "node_modules", "axe-core", "axe.min.js")
	}
	if _, err := os.Stat(axe); err != nil {
		missing("axe-core (set AXE_CORE_JS to axe.min.js, or run .ci/run once)")
	}
	return chromium, axe
}

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// TestBrowserDebtorJourney walks link → continue → step-up → dashboard →
// invoice in Debian's Chromium, on a phone and a desktop viewport, and
// runs axe-core on every page: no serious or critical violations, and no
// sideways scrolling on the phone.
func TestBrowserDebtorJourney(t *testing.T) {
	chromium, axePath := browserDeps(t)
	axeSrc, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("SETTLE_SCREENSHOTS") // a directory to keep screenshots in, for people
	for _, vp := range []struct {
		name          string
		width, height int64
		mobile        bool
	}{
		{"phone", 375, 812, true},
		{"desktop", 1280, 900, false},
	} {
		t.Run(vp.name, func(t *testing.T) {
			a := startApp(t, Config{DatabaseURL: testdb.NewURL(t), DataDir: t.TempDir(), Demo: true, LogFormat: "json"})
			opts := append(chromedp.DefaultExecAllocatorOptions[:],
				chromedp.ExecPath(chromium),
				chromedp.UserDataDir(t.TempDir()),
				chromedp.DisableGPU,
				chromedp.Flag("disable-background-networking", true),
				chromedp.Flag("disable-component-update", true),
				chromedp.Flag("disable-sync", true),
				chromedp.Flag("disable-quic", true),
				chromedp.Flag("no-first-run", true),
			)
			actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
			defer cancelA()
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			if err := chromedp.Do(ctx); err != nil { // start the browser
				t.Fatalf("start Chromium: %v", err)
			}
			ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
			defer cancelT()

			var emu []chromedp.EmulateViewportOption
			if vp.mobile {
				emu = append(emu, chromedp.EmulateMobile, chromedp.EmulateScale(2))
			}
			step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				if err := chromedp.Do(ctx, actions...); err != nil {
					html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
					t.Fatalf("%s: %v\npage main: %s", what, err, html)
				}
			}
			check := func(page string) {
				t.Helper()
				violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](string(axeSrc)+`;
					axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
						.filter(v => v.impact === 'serious' || v.impact === 'critical')
						.map(v => ({id: v.id, impact: v.impact, help: v.help,
							nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))`, chromedp.EvalAwaitPromise))
				if err != nil {
					t.Fatalf("%s: axe: %v", page, err)
				}
				for _, v := range violations {
					b, _ := json.Marshal(v)
					t.Errorf("%s (%s): accessibility violation: %s", page, vp.name, b)
				}
				if vp.mobile {
					fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
					if err != nil || !fits {
						t.Errorf("%s: the page scrolls sideways at %d px (%v)", page, vp.width, err)
					}
				}
				if shots != "" {
					png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
					if err == nil {
						os.WriteFile(filepath.Join(shots, vp.name+"-"+page+".png"), png, 0o644)
					}
				}
			}
			text := func(sel string) string {
				t.Helper()
				s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
				if err != nil {
					t.Fatalf("text of %s: %v", sel, err)
				}
				return s
			}

			step("open the link",
				chromedp.EmulateViewport(vp.width, vp.height, emu...),
				chromedp.Navigate(a.link),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=continue]`)))
			check("link")
			step("continue",
				chromedp.Click(chromedp.CSS(`[data-testid=continue]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=summary]`)))
			if loc, _ := chromedp.Run(ctx, chromedp.Location()); strings.Contains(loc, "/l/") || !strings.HasSuffix(loc, "/account") {
				t.Errorf("after continue the address is %q, want /account without the token", loc)
			}
			if due := text(`[data-testid=total-due]`); !strings.Contains(due, "€") {
				t.Errorf("total due reads %q", due)
			}
			check("landing")

			step("ask for details, wrong postcode",
				chromedp.Click(chromedp.CSS(`[data-testid=show-details]`)),
				chromedp.WaitVisible(chromedp.CSS(`#answer`)),
				chromedp.SendKeys(chromedp.CSS(`#answer`), "99999"),
				chromedp.Click(chromedp.CSS(`[data-testid=verify]`)),
				chromedp.WaitVisible(chromedp.CSS(`#answer-error`)))
			kept, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#answer').value`))
			if kept != "99999" {
				t.Errorf("the typed postcode was lost: %q", kept)
			}
			check("stepup-error")

			step("right postcode",
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := chromedp.Evaluate[string](`document.querySelector('#answer').value = ''`)(ctx, tg)
					return err
				}),
				chromedp.SendKeys(chromedp.CSS(`#answer`), "10115"),
				chromedp.Click(chromedp.CSS(`[data-testid=verify]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=invoices]`)))
			n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=invoice]').length`))
			if n < 4 {
				t.Errorf("dashboard lists %d invoices, the demo customer has more", n)
			}
			check("dashboard")

			step("open an invoice",
				chromedp.Click(chromedp.CSS(`[data-testid=invoice] a`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=invoice-detail]`)))
			if open := text(`[data-testid=open-amount]`); !strings.Contains(open, "€") {
				t.Errorf("open amount reads %q", open)
			}
			check("invoice")

			step("switch to English",
				chromedp.Click(chromedp.CSS(`a[hreflang=en]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=invoice-detail]`)))
			if h := text("h1"); !strings.HasPrefix(h, "Invoice") {
				t.Errorf("after switching to English the heading is %q", h)
			}
			check("invoice-en")
		})
	}
}
