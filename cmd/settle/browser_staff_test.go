package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/demo"
	"github.com/settle/settle/internal/disputes"
	"github.com/settle/settle/internal/testdb"
)

// TestBrowserCallCentre walks an agent's call at tablet width: sign in
// with password and TOTP (set up on the spot) → find the caller by the
// phone number as they say it → send a new link by SMS after seeing the
// message → log the call with a promise to pay. Then the debtor opens
// the link from that SMS and their history shows the call, the promise
// and the link — and not the agent's internal note. axe-core checks
// every page.
func TestBrowserCallCentre(t *testing.T) {
	chromium, axePath := browserDeps(t)
	axeSrc, err := os.ReadFile(axePath)
	if err != nil {
		t.Fatal(err)
	}
	a := startApp(t, Config{DatabaseURL: testdb.NewURL(t), DataDir: t.TempDir(), Demo: true, LogFormat: "json"})
	key, err := a.main.Config.secretKey()
	if err != nil {
		t.Fatal(err)
	}
	var agent, admin demo.StaffUser
	for _, u := range demo.StaffUsers(key) {
		switch u.Role {
		case "agent":
			agent = u
		case "admin":
			admin = u
		}
	}
	if out := a.out.String(); !strings.Contains(out, agent.Email) || !strings.Contains(out, agent.Password) {
		t.Fatalf("the banner does not print the agent's sign-in:\n%s", out)
	}
	// This call centre asks agents for a second factor too.
	if _, err := a.main.DB.Exec(`UPDATE staff_users SET totp_required = true WHERE email = $1`, agent.Email); err != nil {
		t.Fatal(err)
	}

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
		fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
		if err != nil || !fits {
			wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('body *')]
				.filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
				.slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))`))
			t.Errorf("%s: the page scrolls sideways at tablet width (%v); too wide: %v", name, err, wide)
		}
		if shots != "" {
			if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
				os.WriteFile(filepath.Join(shots, "staff-"+name+".png"), png, 0o644)
			}
		}
	}
	text := func(sel string) string {
		s, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		return s
	}
	setValue := func(sel, v string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](`(() => { const e = document.querySelector(`+jsString(sel)+`); e.value = `+jsString(v)+`; return true })()`)(ctx, tg)
			return err
		})
	}

	step("sign in with the password",
		chromedp.EmulateViewport(768, 1024),
		chromedp.Navigate(a.base+"/staff/login?lang=de"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)))
	check("login")
	step("password",
		chromedp.SendKeys(chromedp.CSS(`#email`), agent.Email),
		chromedp.SendKeys(chromedp.CSS(`#password`), agent.Password),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=totp-secret]`)))
	check("totp-enrol")
	if h := text("h1"); h != "Authenticator-App einrichten" {
		t.Errorf("the enrolment page is not in German: %q", h)
	}
	// The agent's authenticator app reads the key.
	secret := strings.ReplaceAll(text(`[data-testid=totp-secret]`), " ", "")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("TOTP from %q: %v", secret, err)
	}
	step("enter the code",
		chromedp.SendKeys(chromedp.CSS(`#code`), code),
		chromedp.Click(chromedp.CSS(`[data-testid=totp-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=search-q]`)))
	check("home")

	step("search by the number the caller gives",
		chromedp.SendKeys(chromedp.CSS(`[data-testid=search-q]`), "0151 234 567 01\n"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=hit]`)))
	check("search")
	if hit := text(`[data-testid=hits]`); !strings.Contains(hit, "Jana Schulz") {
		t.Fatalf("the search by phone did not find Jana Schulz: %q", hit)
	}
	step("open the customer",
		chromedp.Click(chromedp.CSS(`[data-testid=hit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=debtor-name]`)))
	check("debtor")
	debtorPath, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	if err != nil {
		t.Fatal(err)
	}

	step("preview a new link by SMS",
		chromedp.Click(chromedp.CSS(`[data-testid=link-preview]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=link-message]`)))
	if to := text(`[data-testid=link-recipient]`); to != "+49 151 23456701" {
		t.Errorf("the SMS goes to %q", to)
	}
	check("link-preview")
	step("send it",
		chromedp.Click(chromedp.CSS(`[data-testid=link-send]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-notice="staff.link.sent"]`)))

	promiseDate := time.Now().AddDate(0, 0, 10).Format(time.DateOnly)
	step("log the call with a promise to pay",
		chromedp.Click(chromedp.CSS(`[data-testid=call-form] summary`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=outcome-promise]`)),
		chromedp.Click(chromedp.CSS(`input[name=direction][value=inbound]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=outcome-promise]`)),
		chromedp.SendKeys(chromedp.CSS(`#promise_amount`), "45,00"),
		setValue(`#promise_date`, promiseDate),
		chromedp.SendKeys(chromedp.CSS(`#call-note`), "Ruft nach Gehaltseingang an"),
		chromedp.Click(chromedp.CSS(`[data-testid=call-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-notice="staff.call.logged"]`)))
	check("debtor-after-call")
	if tl := text(`[data-testid=timeline]`); !strings.Contains(tl, "Zahlungszusage über 45,00") || !strings.Contains(tl, "Ruft nach Gehaltseingang an") {
		t.Errorf("the staff timeline lacks the promise or the note: %q", tl)
	}

	// The other pages an agent works with pass axe too.
	for _, p := range []struct{ name, path, sel string }{
		{"queues", "/staff/queues", `main h1`},
		{"dashboard", "/staff/dashboard", `main h1`},
		{"outbox", "/staff/outbox", `main h1`},
		{"account", "/staff/account", `[data-testid=logout-everywhere]`},
	} {
		step("open "+p.name, chromedp.Navigate(a.base+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)))
		check(p.name)
	}

	// The customer opens the link from the SMS.
	var body string
	if err := a.main.DB.Get(&body, `SELECT body FROM messages WHERE channel = 'sms' AND purpose = 'link' ORDER BY id DESC LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(body, a.base+"/l/")
	if i < 0 {
		t.Fatalf("no link in the SMS: %q", body)
	}
	link := strings.Fields(body[i:])[0]
	step("the customer opens the new link",
		chromedp.EmulateViewport(375, 812, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(link),
		chromedp.Click(chromedp.CSS(`[data-testid=continue]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=total-due]`)),
		chromedp.Navigate(a.base+"/account/verify?next=/account/history"),
		chromedp.SendKeys(chromedp.CSS(`#answer`), "10115"),
		chromedp.Click(chromedp.CSS(`[data-testid=verify]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=history]`)))
	check("debtor-history")
	hist := text(`[data-testid=history]`)
	for _, want := range []string{"Wir haben telefoniert", "Sie haben zugesagt, 45,00", "Ein neuer Link zu Ihrem Konto wurde an"} {
		if !strings.Contains(hist, want) {
			t.Errorf("the customer's history lacks %q: %q", want, hist)
		}
	}
	if strings.Contains(hist, "Gehaltseingang") {
		t.Error("the customer sees the agent's internal note")
	}

	// The admin's pages: sign the agent out, the admin in (TOTP set up on
	// the spot), and check the account management and the audit log.
	step("agent signs out",
		chromedp.EmulateViewport(768, 1024),
		chromedp.Navigate(a.base+"/staff/account"),
		chromedp.Click(chromedp.CSS(`[data-testid=staff-logout]`)),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), admin.Email),
		chromedp.SendKeys(chromedp.CSS(`#password`), admin.Password),
		chromedp.Click(chromedp.CSS(`[data-testid=login-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=totp-secret]`)))
	code, err = totp.GenerateCode(strings.ReplaceAll(text(`[data-testid=totp-secret]`), " ", ""), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	step("admin's code",
		chromedp.SendKeys(chromedp.CSS(`#code`), code),
		chromedp.Click(chromedp.CSS(`[data-testid=totp-submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=search-q]`)))
	for _, p := range []struct{ name, path string }{
		{"users", "/staff/users"}, {"user-new", "/staff/users/new"}, {"audit", "/staff/audit"},
	} {
		step("open "+p.name, chromedp.Navigate(a.base+p.path), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		check(p.name)
	}
	if audit := text(`main`); !strings.Contains(audit, "Anruf erfasst") || !strings.Contains(audit, agent.Email) {
		t.Errorf("the audit log lacks the agent's call: %.500q", audit)
	}

	// The settings: an API key and a webhook endpoint with a failed
	// delivery to list, the brand form with its preview.
	var demoID int64
	if err := a.main.DB.Get(&demoID, `SELECT id FROM creditors WHERE slug = 'demo'`); err != nil {
		t.Fatal(err)
	}
	_, prefix, hash := ar.NewAPIKey()
	if err := a.main.Store.CreateAPIKey(ctx, &ar.APIKey{CreditorID: demoID, Name: "Abrechnung", Prefix: prefix, KeyHash: hash}); err != nil {
		t.Fatal(err)
	}
	// The event first, so that no delivery job is made: the delivery and
	// its failed attempts are written by hand.
	ev, err := a.main.Store.AddEvent(ctx, demoID, nil, "payment.paid", map[string]any{"amount_minor": 4500})
	if err != nil {
		t.Fatal(err)
	}
	var endpoint int64
	if err := a.main.DB.Get(&endpoint, `INSERT INTO webhook_endpoints (creditor_id, url, secret, event_types)
		VALUES ($1, 'https://billing.example/hooks/settle', 'whsec_dGVzdA==', '{payment.paid}') RETURNING id`, demoID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.main.DB.Exec(`WITH d AS (INSERT INTO webhook_deliveries (creditor_id, endpoint_id, event_id, state, attempts, last_status)
		VALUES ($1, $2, $3, 'dead', 2, 503) RETURNING id)
		INSERT INTO webhook_attempts (delivery_id, status, error, duration_ms)
		SELECT id, 503, 'Service Unavailable', 120 FROM d UNION ALL SELECT id, NULL, 'dial tcp: connection refused', 4 FROM d`,
		demoID, endpoint, ev.ID); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct{ name, path string }{
		{"settings", "/staff/settings"}, {"api-keys", "/staff/settings/api-keys"}, {"webhooks", "/staff/settings/webhooks"},
		{"webhook", "/staff/settings/webhooks/" + strconv.FormatInt(endpoint, 10)}, {"brand", "/staff/settings/brand"},
	} {
		step("open "+p.name, chromedp.Navigate(a.base+p.path), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
		check(p.name)
	}
	step("brand preview",
		setValue(`#primary_color`, "#ffd700"),
		chromedp.Click(chromedp.CSS(`[data-testid=brand-preview-button]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=preview-notice]`)))
	if w := text(`[data-testid=contrast-warnings]`); !strings.Contains(w, "#ffd700") {
		t.Errorf("the preview of a pale colour has no contrast warning: %q", w)
	}
	bg, err := chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector('.pv-button')).backgroundColor`))
	if err != nil || bg != "rgb(255, 215, 0)" {
		t.Errorf("the preview button's colour = %q, %v", bg, err)
	}
	// Payment plans: the admin makes one for the caller (preview, then
	// make), sees it on its page and in the debtor view, and opens the
	// plan policy.
	step("new plan",
		chromedp.Navigate(a.base+debtorPath+"/plans/new"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=new-plan-form]`)))
	check("plan-new")
	step("preview the plan",
		chromedp.SendKeys(chromedp.CSS(`#instalments`), "2"),
		chromedp.SendKeys(chromedp.CSS(`#day`), "5"),
		chromedp.Click(chromedp.CSS(`[data-testid=new-preview]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=plan-preview]`)))
	check("plan-preview")
	step("make it",
		chromedp.Click(chromedp.CSS(`[data-testid=new-create]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-notice="staff.plans.done.created"]`)))
	check("plan")
	if st := text(`[data-testid=plan-status]`); st != "Läuft" {
		t.Errorf("the plan made on the phone is %q", st)
	}
	for _, p := range []struct{ name, path, sel string }{
		{"debtor-plans", debtorPath, `[data-testid=debtor-plan]`},
		{"plan-policy", "/staff/settings/plans", `[data-testid=policy-form]`},
	} {
		step("open "+p.name, chromedp.Navigate(a.base+p.path), chromedp.WaitVisible(chromedp.CSS(p.sel)))
		check(p.name)
	}

	// Disputes: the caller disputes an invoice with a document; the admin
	// opens it from the dispute queue and replies.
	debtorID, err := strconv.ParseInt(strings.TrimPrefix(debtorPath, "/staff/debtors/"), 10, 64)
	if err != nil {
		t.Fatalf("debtor path %q: %v", debtorPath, err)
	}
	demo, err := a.main.Store.Creditor(ctx, demoID)
	if err != nil {
		t.Fatal(err)
	}
	invs, err := a.main.Store.Invoices(ctx, demoID, debtorID)
	if err != nil || len(invs) == 0 || invs[0].OpenMinor <= 0 {
		t.Fatalf("no open invoice to dispute: %v", err)
	}
	pdf := []byte("%PDF-1.4\n% Kontoauszug\n%%EOF\n")
	if _, err := a.main.Disputes.Open(ctx, demo, debtorID, disputes.OpenInput{Number: invs[0].Number,
		Reason: ar.ReasonAlreadyPaid, Message: "Ich habe am Montag überwiesen.", Paid: disputes.Payment{Reference: invs[0].Number},
		Files: []disputes.File{{Name: "Kontoauszug.pdf", Open: func() (io.ReadCloser, error) {
			return io.NopCloser(bytes.NewReader(pdf)), nil
		}}}}); err != nil {
		t.Fatal(err)
	}
	step("the dispute queue",
		chromedp.Navigate(a.base+"/staff/disputes"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=task-subject]`)),
		chromedp.Click(chromedp.CSS(`[data-testid=task-subject]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=dispute-title]`)))
	if got := text(`[data-testid=attachment-link]`); got != "Kontoauszug.pdf" {
		t.Errorf("the dispute's file is listed as %q", got)
	}
	check("dispute")
	step("reply",
		chromedp.SendKeys(chromedp.CSS(`#message`), "Danke, wir suchen Ihre Zahlung."),
		chromedp.Click(chromedp.CSS(`[data-testid=send-message]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid=notice]`)))
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-testid=message]').length`)); n != 2 {
		t.Errorf("%d messages after the reply, want 2", n)
	}
	check("dispute-replied")
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
