package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/settle/settle/internal/testdb"
)

// TestBrowserPromise walks "I promise to pay by a date" on a phone and
// on a desktop: the dashboard's action → the form → a refused amount
// (kept as typed, with its message) → the confirmation → the dashboard's
// notice → the history, all of it and filtered. axe-core checks every
// page; on the phone nothing scrolls sideways.
func TestBrowserPromise(t *testing.T) {
	chromium, axePath := browserDeps(t)
	axeSrc, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	shots := os.Getenv("SETTLE_SCREENSHOTS")
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
				chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()), chromedp.DisableGPU,
				chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
				chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true))
			actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
			defer cancelA()
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			if err := chromedp.Do(ctx); err != nil {
				t.Fatalf("start Chromium: %v", err)
			}
			ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
			defer cancelT()
			step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
				t.Helper()
				if err := chromedp.Do(ctx, actions...); err != nil {
					html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
					t.Fatalf("%s: %v\npage main: %.3000s", what, err, html)
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
					t.Errorf("%s (%s): accessibility violation: %+v", page, vp.name, v)
				}
				if vp.mobile {
					fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
					if err != nil || !fits {
						t.Errorf("%s: the page scrolls sideways at %d px (%v)", page, vp.width, err)
					}
				}
				if shots != "" {
					if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
						os.WriteFile(filepath.Join(shots, "promise-"+vp.name+"-"+page+".png"), png, 0o644)
					}
				}
			}
			text := func(sel string) string {
				s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
				return s
			}
			setValue := func(sel, v string) chromedp.Action[chromedp.Void] {
				return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := chromedp.Evaluate[string](`document.querySelector('`+sel+`').value = '`+v+`'`)(ctx, tg)
					return err
				})
			}
			var emu []chromedp.EmulateViewportOption
			if vp.mobile {
				emu = append(emu, chromedp.EmulateMobile, chromedp.EmulateScale(2))
			}

			step("link, continue, step-up",
				chromedp.EmulateViewport(vp.width, vp.height, emu...),
				chromedp.Navigate(a.link),
				chromedp.Click(chromedp.CSS(`[data-testid=continue]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=show-details]`)),
				chromedp.Click(chromedp.CSS(`[data-testid=show-details]`)),
				chromedp.WaitVisible(chromedp.CSS(`#answer`)),
				chromedp.SendKeys(chromedp.CSS(`#answer`), "10115"),
				chromedp.Click(chromedp.CSS(`[data-testid=verify]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=invoices]`)))
			step("I promise to pay by a date",
				chromedp.Click(chromedp.CSS(`[data-testid=promise-link]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=promise-form]`)))
			check("form")
			step("an amount of nothing",
				setValue("#amount", ""),
				chromedp.SendKeys(chromedp.CSS(`#amount`), "0"),
				chromedp.Click(chromedp.CSS(`[data-testid=promise-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#amount-error`)))
			if kept, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#amount').value`)); kept != "0" {
				t.Errorf("the typed amount was lost: %q", kept)
			}
			check("form-error")
			step("a real amount",
				setValue("#amount", ""),
				chromedp.SendKeys(chromedp.CSS(`#amount`), "10,00"),
				chromedp.Click(chromedp.CSS(`[data-testid=promise-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=promise-confirmation]`)))
			if c := text(`[data-testid=promise-confirmation]`); !strings.Contains(c, "10,00") {
				t.Errorf("the confirmation reads %q", c)
			}
			check("confirmation")
			step("the dashboard",
				chromedp.Navigate(a.base+"/account"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=promise-notice]`)))
			if n := text(`[data-testid=promise-notice]`); !strings.Contains(n, "10,00") {
				t.Errorf("the dashboard's notice reads %q", n)
			}
			check("dashboard")
			step("history",
				chromedp.Navigate(a.base+"/account/history"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=history]`)))
			if h := text(`[data-testid=history]`); !strings.Contains(h, "zugesagt") {
				t.Errorf("history does not show the promise: %.300s", h)
			}
			check("history")
			step("history: calls and promises",
				chromedp.Click(chromedp.CSS(`[data-testid=filter-calls]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=filter-calls][aria-current=page]`)))
			if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=history-entry]').length`)); n != 1 {
				t.Errorf("%d entries under calls and promises, want the promise", n)
			}
			check("history-calls")
			step("history: invoices and documents",
				chromedp.Click(chromedp.CSS(`[data-testid=filter-invoices]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=doc-invoice-pdf]`)))
			check("history-invoices")
		})
	}
}
