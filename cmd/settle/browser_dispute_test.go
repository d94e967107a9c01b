package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/settle/settle/internal/demo"
	"github.com/settle/settle/internal/testdb"
)

// TestBrowserDispute walks "something is wrong with this invoice" on a
// phone and on a desktop: link → continue → step-up → an invoice with
// several lines → the form (the payment fields show for "already paid"
// only) → a file that is no PDF refused with the text kept → one line
// disputed with a photo → the dispute's page with the photo listed →
// the dashboard's badge → the list. axe-core checks every page; on the
// phone nothing scrolls sideways.
func TestBrowserDispute(t *testing.T) {
	chromium, axePath := browserDeps(t)
	axeSrc, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	photo := filepath.Join(dir, "zaehler-foto.jpg")
	if err := os.WriteFile(photo, smallJPEG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	fake := filepath.Join(dir, "rechnung.pdf")
	if err := os.WriteFile(fake, []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), 0o644); err != nil {
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
						os.WriteFile(filepath.Join(shots, "dispute-"+vp.name+"-"+page+".png"), png, 0o644)
					}
				}
			}
			text := func(sel string) string {
				s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
				return s
			}
			count := func(sel string) int {
				n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('`+sel+`').length`))
				return n
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
			// An open invoice with several lines, opened from the dashboard.
			numbers, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('[data-testid=invoice]')].map(e => e.dataset.number)`))
			if err != nil || len(numbers) == 0 {
				t.Fatalf("no invoices on the dashboard: %v", err)
			}
			number := ""
			for _, n := range numbers {
				step("invoice "+n,
					chromedp.Navigate(a.base+"/account/invoices/"+n),
					chromedp.WaitVisible(chromedp.CSS(`[data-testid=invoice-detail]`)))
				if count(`[data-testid=lines] li`) >= 2 && count(`[data-testid=pay]`) == 1 {
					number = n
					break
				}
			}
			if number == "" {
				t.Fatalf("the demo customer has no open invoice with several lines (%v)", numbers)
			}
			step("something is wrong",
				chromedp.Click(chromedp.CSS(`[data-testid=something-wrong]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=dispute-form]`)))
			if count(`[data-testid=dispute-line]`) < 2 {
				t.Fatalf("the form offers %d lines", count(`[data-testid=dispute-line]`))
			}
			hidden, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('.part-paid')).display === 'none'`))
			if !hidden {
				t.Error("the payment fields show before “already paid” is chosen")
			}
			check("form")
			step("already paid shows the payment fields",
				chromedp.Click(chromedp.CSS(`#reason-already_paid`)),
				chromedp.WaitVisible(chromedp.CSS(`#paid_on`)))
			check("form-paid")
			step("a file that is no PDF, and a photo",
				chromedp.Click(chromedp.CSS(`#reason-wrong_amount`)),
				chromedp.WaitNotVisible(chromedp.CSS(`#paid_on`)),
				chromedp.Click(chromedp.CSS(`[data-testid=dispute-line] input`)),
				chromedp.SendKeys(chromedp.CSS(`#message`), "Dieser Posten ist doppelt berechnet."),
				chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{fake, photo}),
				chromedp.Click(chromedp.CSS(`[data-testid=send-dispute]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=refused-files]`)))
			if r := text(`[data-testid=refused-file]`); !strings.Contains(r, "rechnung.pdf") {
				t.Errorf("the refusal reads %q", r)
			}
			kept, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#message').value + '|' +
				document.querySelector('#reason-wrong_amount').checked + '|' + document.querySelector('[data-testid=dispute-line] input').checked`))
			if kept != "Dieser Posten ist doppelt berechnet.|true|true" {
				t.Errorf("after the refusal the form holds %q", kept)
			}
			// The photo passed: it is kept, and sending again sends it.
			if k := text(`[data-testid=kept-name]`); k != "zaehler-foto.jpg" {
				t.Errorf("kept files %q, want the photo", k)
			}
			check("form-refused")
			step("one line with the kept photo",
				chromedp.Click(chromedp.CSS(`[data-testid=send-dispute]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=dispute]`)))
			if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/account/disputes/dsp_") {
				t.Errorf("after sending the address is %q", loc)
			}
			if got := text(`[data-testid=attachment-link]`); got != "zaehler-foto.jpg" {
				t.Errorf("the photo is listed as %q", got)
			}
			if n := count(`[data-testid=dispute-line-item]`); n != 1 {
				t.Errorf("%d lines disputed, want 1", n)
			}
			if held := text(`[data-testid=dispute-held]`); !strings.Contains(held, "€") {
				t.Errorf("held reads %q", held)
			}
			check("dispute")
			step("the dashboard",
				chromedp.Navigate(a.base+"/account"),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=invoices]`)))
			badged, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('[data-testid=disputed]')||{closest:()=>({dataset:{}})}).closest('[data-testid=invoice]').dataset.number || ''`))
			if badged != number {
				t.Errorf("the disputed badge is on %q, want %q", badged, number)
			}
			check("dashboard")
			step("the list",
				chromedp.Click(chromedp.CSS(`[data-testid=disputes-link]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=dispute-item]`)))
			check("list")
			if vp.mobile {
				return // staff decide at a desk: the rest of the walk runs once
			}

			// AR staff accept with a partial credit note of 10,00 €; the
			// debtor sees the reduced balance, the credit note on the
			// statement, and the decision in the conversation.
			bctx := context.Background()
			c, err := a.main.Store.CreditorBySlug(bctx, "demo")
			if err != nil {
				t.Fatal(err)
			}
			before, err := a.main.Store.InvoiceByNumber(bctx, c.ID, number)
			if err != nil {
				t.Fatal(err)
			}
			var disputeID int64
			var disputePublic string
			if err := a.main.DB.QueryRow(`SELECT id, public_id FROM disputes ORDER BY id DESC LIMIT 1`).Scan(&disputeID, &disputePublic); err != nil {
				t.Fatal(err)
			}
			key, err := a.main.Config.secretKey()
			if err != nil {
				t.Fatal(err)
			}
			var arUser demo.StaffUser
			for _, u := range demo.StaffUsers(key) {
				if u.Role == "ar" {
					arUser = u
				}
			}
			step("AR staff sign in and open the dispute",
				chromedp.Navigate(a.base+"/staff/login?next="+fmt.Sprintf("/staff/disputes/%d", disputeID)),
				chromedp.SendKeys(chromedp.CSS(`#email`), arUser.Email),
				chromedp.SendKeys(chromedp.CSS(`#password`), arUser.Password),
				chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=accept-form]`)))
			check("staff-dispute")
			step("accept with a credit note of 10,00 €",
				chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
					_, err := chromedp.Evaluate[bool](`(() => { document.querySelector('#amount').value = '10,00'; return true })()`)(ctx, tg)
					return err
				}),
				chromedp.Click(chromedp.CSS(`[data-testid=accept]`)),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=credit-note]`)))
			check("staff-accepted")
			after, err := a.main.Store.InvoiceByNumber(bctx, c.ID, number)
			if err != nil {
				t.Fatal(err)
			}
			if before.OpenMinor-after.OpenMinor != 1000 {
				t.Errorf("invoice %s open %d → %d, want 10,00 € less", number, before.OpenMinor, after.OpenMinor)
			}
			step("the debtor reads the decision",
				chromedp.Navigate(a.base+"/account/disputes/"+disputePublic),
				chromedp.WaitVisible(chromedp.CSS(`[data-testid=credit-note]`)))
			if cn := text(`[data-testid=credit-note]`); !strings.Contains(cn, "GS-") || !strings.Contains(cn, "10,00") {
				t.Errorf("the debtor's dispute page shows the credit note as %q", cn)
			}
			check("debtor-decided")
			step("the statement lists the credit note",
				chromedp.Navigate(a.base+"/account/statement"),
				chromedp.WaitVisible(chromedp.CSS(`main`)))
			if st := text(`main`); !strings.Contains(st, "Gutschrift") || !strings.Contains(st, "10,00") {
				t.Errorf("the statement lacks the credit note: %.600q", st)
			}
			check("statement")
		})
	}
}

// smallJPEG is a photo-like 120×90 JPEG.
func smallJPEG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 120, 90))
	for y := 0; y < 90; y++ {
		for x := 0; x < 120; x++ {
			img.Set(x, y, color.RGBA{uint8(2 * x), uint8(2 * y), 160, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
