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

// TestBrowserMoreTime walks "I need more time" on a phone and on a
// desktop: link → continue → step-up → dashboard → the form → the
// schedule → confirm → the plan's page → the dashboard's notice → the
// history. axe-core checks every page; on the phone nothing scrolls
// sideways.
func TestBrowserMoreTime(t *testing.T) {
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
						os.WriteFile(filepath.Join(shots, "plan-"+vp.name+"-"+page+".png"), png, 0o644)
					}
				}
			}
			text := func(sel string) string {
				s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
				return s
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
			step("I need more time",
				chromedp.Click(chromedp.CSS(`[data-testid=more-time-link]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=more-time-form]`)))
			// Without script, the form shows only what applies to the
			// choice: instalments (the default) hide the deferral's date.
			hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('.part-deferral')).display === 'none'`))
			if !hidden {
				t.Error("the deferral's date shows while instalments are chosen")
			}
			check("form")
			step("deferral instead",
				chromedp.Click(chromedp.CSS(`#kind-deferral`)),
				chromedp.WaitVisible(chromedp.CSS(`#defer_to`)),
				chromedp.Click(chromedp.CSS(`#kind-instalments`)),
				chromedp.WaitVisible(chromedp.CSS(`#instalments`)))
			step("show the schedule",
				chromedp.Click(chromedp.CSS(`[data-testid=show-schedule]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan-preview]`)))
			if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=schedule-line]').length`)); n != 3 {
				t.Errorf("%d schedule lines, want 3", n)
			}
			check("schedule")
			step("confirm",
				chromedp.Click(chromedp.CSS(`[data-testid=confirm]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan]`)))
			if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/account/plans/plan_") {
				t.Errorf("after confirming the address is %q", loc)
			}
			check("plan")
			step("back to the dashboard",
				chromedp.Navigate(a.base+"/account"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan-notice]`)))
			if badge := text(`[data-testid=in-plan]`); badge == "" {
				t.Error("no invoice says it is in the plan")
			}
			check("dashboard")
			step("history",
				chromedp.Navigate(a.base+"/account/history"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=history]`)))
			if h := text(`[data-testid=history]`); !strings.Contains(h, "Ratenzahlung") {
				t.Errorf("history does not show the plan: %.300s", h)
			}
			step("the list of plans",
				chromedp.Navigate(a.base+"/account/plans"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan-item]`)))
			check("plans")
		})
	}
}
