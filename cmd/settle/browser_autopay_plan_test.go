package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/settle/settle/internal/testdb"
)

// movableClock is the program's clock in a test: real time until the
// test moves it on.
type movableClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *movableClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// Set moves the clock to t (from then on it runs on from there).
func (c *movableClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = time.Until(t)
}

// TestBrowserPlanWithAutopay is issue 7's walk on a phone: the debtor
// asks for six instalments (inside the policy, so approved at once),
// pays the first by setting up autopay at the Mollie simulator, and
// the second is charged by the charge job on its due date — the
// program's clock is moved there, nothing sleeps. axe-core checks each
// page.
func TestBrowserPlanWithAutopay(t *testing.T) {
	chromium, axePath := browserDeps(t)
	axeSrc, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	clock := &movableClock{}
	a := startAppWith(t, Config{DatabaseURL: testdb.NewURL(t), DataDir: t.TempDir(), Demo: true, LogFormat: "json"},
		func(m *Main) { m.Now = clock.Now })

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
	ctx, cancelT := context.WithTimeout(ctx, 120*time.Second)
	defer cancelT()
	shots := os.Getenv("SETTLE_SCREENSHOTS")
	step := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%s: %v\npage: %.3000s", what, err, html)
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
			t.Errorf("%s: the page scrolls sideways on the phone (%v)", name, err)
		}
		if shots != "" {
			if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
				os.WriteFile(filepath.Join(shots, "autopay-plan-"+name+".png"), png, 0o644)
			}
		}
	}
	setValue := func(sel, v string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+jsString(sel)+`); e.value = `+jsString(v)+`; return true })()`)(ctx, tg)
			return err
		})
	}
	state := func(seq int) string {
		s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelectorAll('[data-testid=instalment]')[`+
			string(rune('0'+seq-1))+`] || {dataset: {}}).dataset.state || ''`))
		return s
	}

	step("open the link, confirm the postcode, ask for more time",
		chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(a.link),
		chromedp.Click(chromedp.CSS(`[data-testid=continue]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=total-due]`)),
		chromedp.Navigate(a.base+"/account/verify?next=/account/more-time"),
		chromedp.SendKeys(chromedp.CSS(`#answer`), "10115"),
		chromedp.Click(chromedp.CSS(`[data-testid=verify]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=more-time-form]`)))
	check("more-time")
	step("six instalments on the 1st",
		chromedp.Click(chromedp.CSS(`#kind-instalments`)),
		chromedp.Click(chromedp.CSS(`#split-count`)),
		setValue(`[name=instalments]`, "6"),
		setValue(`[name=day]`, "1"),
		chromedp.Click(chromedp.CSS(`[data-testid=show-schedule]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan-preview]`)))
	check("schedule")
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=schedule-line]').length`)); n != 6 {
		t.Fatalf("the schedule shows %d instalments, want 6", n)
	}
	if d, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid=decision]').dataset.decision`)); d != "approve" {
		t.Fatalf("six instalments inside the demo policy: decision %q, want approve", d)
	}
	step("confirm: approved at once",
		chromedp.Click(chromedp.CSS(`[data-testid=confirm]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan][data-status=active]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=autopay-start]`)))
	check("plan-active")

	step("set up autopay: the first instalment at the checkout",
		chromedp.Click(chromedp.CSS(`[data-testid=autopay-start]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[value=paid]`)))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.Contains(loc, "/_mollie/checkout/") {
		t.Fatalf("not at the checkout: %s", loc)
	}
	step("pay at the checkout",
		chromedp.Click(chromedp.CSS(`button[value=paid]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=payment-status][data-status=paid]`)))

	var plan struct {
		ID       int64  `db:"id"`
		PublicID string `db:"public_id"`
		Autopay  bool   `db:"autopay"`
	}
	if err := a.main.DB.Get(&plan, `SELECT id, public_id, autopay FROM payment_plans WHERE status = 'active'`); err != nil {
		t.Fatal(err)
	}
	if !plan.Autopay {
		t.Fatal("after the first payment the plan is not on autopay")
	}
	step("the plan page: instalment 1 paid, autopay on",
		chromedp.Navigate(a.base+"/account/plans/"+plan.PublicID),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=autopay-on]`)))
	check("autopay-on")
	if s1, s2 := state(1), state(2); s1 != "paid" || s2 == "paid" {
		t.Fatalf("after the first payment: instalment 1 %q, 2 %q", s1, s2)
	}

	// The second instalment's due date: the job charges it then, and not
	// a day before.
	var due2 time.Time
	if err := a.main.DB.Get(&due2, `SELECT due_date FROM plan_instalments WHERE plan_id = $1 AND seq = 2`, plan.ID); err != nil {
		t.Fatal(err)
	}
	bctx := context.Background()
	clock.Set(due2.Add(-14 * time.Hour)) // the evening before, in Berlin
	if n, err := a.main.Autopay.ChargeDue(bctx); err != nil || n != 0 {
		t.Fatalf("the day before the due date the job placed %d charges (%v)", n, err)
	}
	clock.Set(due2.Add(8 * time.Hour))
	if n, err := a.main.Autopay.ChargeDue(bctx); err != nil || n != 1 {
		t.Fatalf("on the due date the job placed %d charges (%v), want 1", n, err)
	}
	var charge struct {
		ID int64 `db:"id"`
	}
	if err := a.main.DB.Get(&charge, `SELECT id FROM payments WHERE plan_id = $1 AND instalment_seq = 2 AND sequence_type = 'recurring'`, plan.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.main.Autopay.Charge(bctx, charge.ID, false); err != nil {
		t.Fatal(err)
	}
	var providerID string
	if err := a.main.DB.Get(&providerID, `SELECT provider_id FROM payments WHERE id = $1`, charge.ID); err != nil {
		t.Fatal(err)
	}
	// The bank collects the debit; Mollie reports it.
	if err := a.main.sim.SetStatus(providerID, "paid"); err != nil {
		t.Fatal(err)
	}
	if err := a.main.Checkout.SyncProviderID(bctx, providerID); err != nil {
		t.Fatal(err)
	}
	// A month on, the debtor's session has long ended: they come back
	// through a new link.
	link, _, err := a.main.Portal.IssueLinkByNumber(bctx, "demo", "10001", "email")
	if err != nil {
		t.Fatal(err)
	}
	step("the plan page a month later: instalment 2 paid by direct debit",
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`[data-testid=continue]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=total-due]`)),
		chromedp.Navigate(a.base+"/account/verify?next=/account/plans/"+plan.PublicID),
		chromedp.SendKeys(chromedp.CSS(`#answer`), "10115"),
		chromedp.Click(chromedp.CSS(`[data-testid=verify]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=instalments]`)))
	if s2, s3 := state(2), state(3); s2 != "paid" || s3 == "paid" {
		t.Errorf("after the charge: instalment 2 %q, 3 %q", s2, s3)
	}
	check("second-paid")
	recurring := 0
	for _, p := range a.main.sim.Payments() {
		if p.SequenceType == "recurring" {
			recurring++
		}
	}
	if recurring != 1 {
		t.Errorf("%d recurring payments at Mollie, want 1", recurring)
	}
}
