package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserPayment walks the payment on a phone: link → continue →
// pay part of what is due with iDEAL → the simulator's checkout → paid →
// the return page → a smaller balance on the dashboard; the creditor's
// endpoint receives a signed payment.paid. axe-core checks the pages.
func TestBrowserPayment(t *testing.T) {
	chromium, axePath := browserDeps(t)
	axeSrc, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	rc := newReceiver(t)
	a, _, _ := startWithWebhook(t, rc)
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
	shots := os.Getenv("SETTLE_SCREENSHOTS")
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%s: %v\npage: %.2000s", what, err, html)
		}
	}
	check := func(name string) {
		t.Helper()
		violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](string(axeSrc)+`;
			axe.run(document, {resultTypes: ['violations']}).then(r => r.violations
				.filter(v => v.impact === 'serious' || v.impact === 'critical')
				.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))})))`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: axe: %v", name, err)
		}
		for _, v := range violations {
			t.Errorf("%s: accessibility violation: %+v", name, v)
		}
		if shots != "" {
			if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
				os.WriteFile(filepath.Join(shots, "pay-"+name+".png"), png, 0o644)
			}
		}
	}
	text := func(sel string) string {
		s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		return s
	}
	start := time.Now()
	step("open the link and continue",
		chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(a.link),
		chromedp.Click(chromedp.CSS(`[data-testid=continue]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=total-due]`)))
	before := text(`[data-testid=total-due] .amount`)
	step("to the payment form",
		chromedp.Click(chromedp.CSS(`[data-testid=pay]`)),
		chromedp.WaitVisible(chromedp.CSS(`#amount`)))
	check("form")
	step("pay 20,00 with iDEAL",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[string](`document.querySelector('#amount').value = ''`)(ctx, tg)
			return err
		}),
		chromedp.SendKeys(chromedp.CSS(`#amount`), "20,00"),
		chromedp.Click(chromedp.CSS(`[data-testid=method-ideal] input`)),
		chromedp.Click(chromedp.CSS(`[data-testid=pay-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value=paid]`)))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/_mollie/checkout/") {
		t.Fatalf("not at the checkout: %s", loc)
	}
	step("pay at the checkout",
		chromedp.Click(chromedp.CSS(`button[value=paid]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=payment-status][data-status=paid]`)))
	t.Logf("from opening the link to the paid page: %v", time.Since(start).Round(10*time.Millisecond))
	check("paid")
	step("back to the account",
		chromedp.Navigate(a.base+"/account"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=total-due]`)))
	if after := text(`[data-testid=total-due] .amount`); after == before {
		t.Errorf("the balance did not change: %s", after)
	}
	h := rc.wait(t, "payment.paid", 15*time.Second)
	if h.Err != nil || h.Data["amount_minor"].(float64) != 2000 {
		t.Errorf("creditor webhook: %v %v", h.Err, h.Data)
	}

	// After the postcode: pick two invoices and pay part of them.
	step("confirm with the postcode",
		chromedp.Navigate(a.base+"/account/verify"),
		chromedp.SendKeys(chromedp.CSS(`#answer`), "10115"),
		chromedp.Click(chromedp.CSS(`[data-testid=verify]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=invoices]`)),
		chromedp.Navigate(a.base+"/account/pay"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=invoice]`)))
	picked, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
		const boxes = [...document.querySelectorAll('input[name=invoice]')].slice(0, 2);
		boxes.forEach(b => b.click());
		return boxes.map(b => b.value);
	})()`))
	if err != nil || len(picked) != 2 {
		t.Fatalf("picking two invoices: %v %v", picked, err)
	}
	check("form-invoices")
	step("pay 30,00 of the two",
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[string](`document.querySelector('#amount').value = '30,00'`)(ctx, tg)
			return err
		}),
		chromedp.Click(chromedp.CSS(`[data-testid=pay-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value=paid]`)),
		chromedp.Click(chromedp.CSS(`button[value=paid]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=payment-status][data-status=paid]`)))
	step("the history shows the payments",
		chromedp.Navigate(a.base+"/account/history"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=history]`)))
	if hist := text(`[data-testid=history]`); strings.Count(hist, "Zahlung erhalten") < 2 || !strings.Contains(hist, "20,00") {
		t.Errorf("history after two payments: %q", hist)
	}
	check("history")
	h2 := rc.wait(t, "payment.paid", 15*time.Second)
	allocs, _ := h2.Data["allocations"].([]any)
	if h2.Err != nil || len(allocs) == 0 || allocs[0].(map[string]any)["invoice_number"] != picked[0] {
		t.Errorf("the payment was not allocated to the picked invoices %v: %v", picked, h2.Data)
	}
}
