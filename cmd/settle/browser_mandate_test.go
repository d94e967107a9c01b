package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/internal/testdb"
)

// TestBrowserMandate: the demo debtor has autopay on a payment plan (set
// up through the simulator's checkout); on a phone they open the mandate
// page, see the masked account and the plan, and revoke it. axe-core
// checks both states; the page never scrolls sideways.
func TestBrowserMandate(t *testing.T) {
	chromium, axePath := browserDeps(t)
	axeSrc, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	a := startApp(t, Config{DatabaseURL: testdb.NewURL(t), DataDir: t.TempDir(), Demo: true, LogFormat: "json", Workers: true})
	m, bg := a.main, context.Background()
	c, err := m.Store.CreditorBySlug(bg, "demo")
	if err != nil {
		t.Fatal(err)
	}
	d, err := m.Store.DebtorByNumber(bg, c.ID, "10001")
	if err != nil {
		t.Fatal(err)
	}
	invs, _ := m.Store.Invoices(bg, c.ID, d.ID)
	held, total := map[int64]int64{}, int64(0)
	for _, inv := range invs {
		if inv.OpenMinor > 0 {
			held[inv.ID], total = inv.OpenMinor, total+inv.OpenMinor
		}
	}
	if total < 300 {
		t.Fatalf("the demo debtor owes %d", total)
	}
	today := c.Today(time.Now())
	plan := &store.Plan{PublicID: ar.NewPublicID("plan"), CreditorID: c.ID, DebtorID: d.ID, Kind: ar.PlanInstalments,
		Status: ar.PlanActive, PrincipalMinor: total, TotalMinor: total, Currency: c.Currency}
	if err := m.Store.CreatePlan(bg, plan, held, []ar.Instalment{
		{Seq: 1, DueDate: today, AmountMinor: total - 2*(total/3)},
		{Seq: 2, DueDate: today.AddDate(0, 1, 0), AmountMinor: total / 3},
		{Seq: 3, DueDate: today.AddDate(0, 2, 0), AmountMinor: total / 3}}); err != nil {
		t.Fatal(err)
	}
	started, err := m.Autopay.SetUp(bg, c, d, plan.PublicID, "de")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.sim.SetStatus(*started.Payment.ProviderID, "paid"); err != nil {
		t.Fatal(err)
	}
	if err := m.Checkout.SyncProviderID(bg, *started.Payment.ProviderID); err != nil {
		t.Fatal(err)
	}

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.UserDataDir(t.TempDir()), chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.Flag("no-first-run", true))
	actx, cancelA := chromedp.NewExecAllocator(bg, opts...)
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
		if fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`)); err != nil || !fits {
			t.Errorf("%s: the page scrolls sideways at 375 px (%v)", name, err)
		}
		if shots != "" {
			if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
				os.WriteFile(filepath.Join(shots, "mandate-"+name+".png"), png, 0o644)
			}
		}
	}
	text := func(sel string) string {
		s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		return s
	}
	step("open the link, continue, confirm with the postcode",
		chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(a.link),
		chromedp.Click(chromedp.CSS(`[data-testid=continue]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=total-due]`)),
		chromedp.Navigate(a.base+"/account/verify?next=/account/mandate"),
		chromedp.SendKeys(chromedp.CSS(`#answer`), "10115"),
		chromedp.Click(chromedp.CSS(`[data-testid=verify]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=mandate]`)))
	if got := text(`[data-testid=mandate-status]`); got != "Aktiv" {
		t.Errorf("status %q", got)
	}
	if got := text(`[data-testid=mandate-account]`); got != "NL55 •••• 0000" {
		t.Errorf("account %q", got)
	}
	if !strings.Contains(text(`[data-testid=mandate-plans]`), "Wird automatisch abgebucht") {
		t.Errorf("plans: %q", text(`[data-testid=mandate-plans]`))
	}
	check("valid")
	step("revoke",
		chromedp.Click(chromedp.CSS(`[data-testid=mandate-revoke]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=mandate-revoked]`)))
	if got := text(`[data-testid=mandate-status]`); got != "Widerrufen" {
		t.Errorf("status after revoking %q", got)
	}
	check("revoked")
	if p, _ := m.Store.Plan(bg, c.ID, d.ID, plan.ID, false); p.Autopay {
		t.Error("autopay still on")
	}
}
