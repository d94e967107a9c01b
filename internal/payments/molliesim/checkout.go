package molliesim

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"html/template"
	"net/http"
	"strconv"
	"strings"
)

type checkoutMethod struct {
	ID, Name, Icon string
	Checked        bool
}

type checkoutPage struct {
	Nonce       string
	Title       string
	Message     string
	Found       bool
	ID          string
	Description string
	Amount      string
	Status      string
	Sequence    string
	Method      string // name of the fixed method, if any
	MethodIcon  string
	Methods     []checkoutMethod // choice, if no method is fixed
	CanAct      bool
	ShowOpen    bool
	Paid        bool
	Refunded    string
	ChargedBack string
	Remaining   string
	CanReverse  bool
	ReturnURL   string
	BankAccount string
	BankBIC     string
	Reference   string
}

var checkoutTmpl = template.Must(template.New("checkout").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{{.Title}} – Mollie simulator (test mode)</title>
<style nonce="{{.Nonce}}">
:root{color-scheme:light dark;--fg:#1b1b1f;--bg:#f4f5f7;--card:#fff;--muted:#55575f;--line:#c9ccd3;--accent:#0b57d0}
@media (prefers-color-scheme:dark){:root{--fg:#eceef2;--bg:#15161a;--card:#1f2127;--muted:#b4b8c2;--line:#454955;--accent:#8ab4f8}}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
.banner{margin:0;padding:.75rem 1rem;background:#ffd54f;color:#1b1b1f;font-weight:700;text-align:center}
main{max-width:32rem;margin:0 auto;padding:1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:.75rem;padding:1.25rem;margin:1rem 0}
h1{font-size:1.25rem;margin:0 0 .25rem}
.amount{font-size:2rem;font-weight:700;margin:.25rem 0}
.muted{color:var(--muted)}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:.5rem 0}
dt{color:var(--muted)} dd{margin:0;overflow-wrap:anywhere}
fieldset{border:1px solid var(--line);border-radius:.5rem;margin:1rem 0;padding:.75rem}
legend{font-weight:700;padding:0 .25rem}
label.method{display:flex;align-items:center;gap:.75rem;min-height:44px;padding:.25rem 0;cursor:pointer}
label.method input{width:1.25rem;height:1.25rem}
.buttons{display:grid;grid-template-columns:1fr 1fr;gap:.5rem}
button{min-height:44px;font:inherit;font-weight:600;border-radius:.5rem;border:1px solid var(--line);background:var(--card);color:var(--fg);cursor:pointer;padding:.5rem}
button.primary{background:#1e7b34;border-color:#1e7b34;color:#fff;grid-column:1/-1}
button:focus-visible,input:focus-visible,a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}
.message{border-left:4px solid #b3261e;padding:.5rem .75rem;background:var(--card)}
a{color:var(--accent)}
</style>
</head>
<body>
<p class="banner" role="note">Mollie simulator — test mode, no real money</p>
<main>
{{if .Message}}<p class="message" role="alert">{{.Message}}</p>{{end}}
{{if .Found}}
<section class="card" aria-labelledby="desc">
<p class="muted">Payment {{.ID}}</p>
<h1 id="desc">{{.Description}}</h1>
<p class="amount">{{.Amount}}</p>
<dl>
<dt>Status</dt><dd data-testid="status">{{.Status}}</dd>
<dt>Type</dt><dd>{{.Sequence}}</dd>
{{if .Method}}<dt>Method</dt><dd><img src="{{.MethodIcon}}" alt="" width="32" height="24"> {{.Method}}</dd>{{end}}
{{if .Reference}}<dt>Transfer to</dt><dd>{{.BankAccount}} ({{.BankBIC}})</dd><dt>Reference</dt><dd>{{.Reference}}</dd>{{end}}
{{if .Paid}}<dt>Refunded</dt><dd>{{.Refunded}}</dd><dt>Charged back</dt><dd>{{.ChargedBack}}</dd><dt>Remaining</dt><dd>{{.Remaining}}</dd>{{end}}
</dl>
</section>
{{if .CanAct}}
<form method="post" class="card">
{{if .Methods}}
<fieldset>
<legend>Payment method</legend>
{{range .Methods}}<label class="method"><input type="radio" name="method" value="{{.ID}}"{{if .Checked}} checked{{end}}><img src="{{.Icon}}" alt="" width="32" height="24"> {{.Name}}</label>
{{end}}</fieldset>
{{end}}
<fieldset>
<legend>Simulate the result</legend>
<div class="buttons">
<button type="submit" name="status" value="paid" class="primary">Paid</button>
<button type="submit" name="status" value="failed">Failed</button>
<button type="submit" name="status" value="canceled">Canceled</button>
<button type="submit" name="status" value="expired">Expired</button>
{{if .ShowOpen}}<button type="submit" name="status" value="pending">Open (pending)</button>{{end}}
</div>
</fieldset>
<p class="muted">Paid, failed, canceled and expired call the merchant's webhook; open and pending do not. You then return to the merchant.</p>
</form>
{{else if .CanReverse}}
<form method="post" class="card">
<fieldset>
<legend>Simulate after payment</legend>
<div class="buttons">
<button type="submit" name="action" value="refund">Refund the rest</button>
<button type="submit" name="action" value="chargeback">Chargeback the rest</button>
</div>
</fieldset>
</form>
{{end}}
{{if .ReturnURL}}<p><a href="{{.ReturnURL}}">Return to the merchant</a></p>{{end}}
{{end}}
</main>
</body>
</html>
`))

func newNonce() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return base64.RawStdEncoding.EncodeToString(b)
}

func (s *Simulator) renderPage(w http.ResponseWriter, r *http.Request, status int, pg checkoutPage) {
	pg.Nonce = newNonce()
	if pg.Title == "" {
		pg.Title = "Checkout"
	}
	var buf bytes.Buffer
	if err := checkoutTmpl.Execute(&buf, pg); err != nil {
		http.Error(w, "molliesim: rendering failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'nonce-"+pg.Nonce+"'; base-uri 'none'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

func (m money) display() string { return m.Currency + " " + m.Value() }

// pageLocked describes a payment for the checkout page.
func (s *Simulator) pageLocked(p *payment) checkoutPage {
	pg := checkoutPage{
		Title: p.description, Found: true, ID: p.id, Description: p.description,
		Amount: p.amount.display(), Status: p.status, Sequence: p.sequenceType,
		CanAct:    !isFinal(p.status),
		ShowOpen:  p.status == "open",
		Paid:      p.status == "paid",
		ReturnURL: p.redirectURL,
	}
	if p.method != "" {
		pg.Method, pg.MethodIcon = p.method, "../img/"+p.method+".svg"
		if m := s.method(p.method); m != nil {
			pg.Method = m.name(p.locale)
		}
	} else if pg.CanAct {
		for i, m := range s.eligible(p) {
			pg.Methods = append(pg.Methods, checkoutMethod{ID: m.ID, Name: m.name(p.locale), Icon: "../img/" + m.ID + ".svg", Checked: i == 0})
		}
	}
	if p.method == "banktransfer" && p.details != nil && !isFinal(p.status) {
		pg.BankAccount, _ = p.details["bankAccount"].(string)
		pg.BankBIC, _ = p.details["bankBic"].(string)
		pg.Reference, _ = p.details["transferReference"].(string)
	}
	if pg.Paid {
		cur := p.amount.Currency
		pg.Refunded = money{cur, p.refunded}.display()
		pg.ChargedBack = money{cur, p.chargedBack}.display()
		pg.Remaining = money{cur, p.refundable()}.display()
		pg.CanReverse = p.refundable() > 0
	}
	return pg
}

// serveCheckout serves the hosted checkout page of one payment: GET
// shows it, POST applies the button pressed to that payment only.
func (s *Simulator) serveCheckout(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/checkout/")
	switch r.Method {
	case http.MethodGet, http.MethodHead:
	case http.MethodPost:
		if err := http.NewCrossOriginProtection().Check(r); err != nil {
			s.renderPage(w, r, http.StatusForbidden, checkoutPage{Title: "Forbidden", Message: "Cross-origin form posts are refused."})
			return
		}
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	s.mu.Lock()
	now := s.now()
	s.expireDueLocked(now)
	p := s.payments[id]
	if p == nil {
		s.mu.Unlock()
		s.renderPage(w, r, http.StatusNotFound, checkoutPage{Title: "Not found", Message: "There is no payment " + id + " in this simulator. (Its state is kept in memory and lost on restart.)"})
		return
	}
	if r.Method != http.MethodPost {
		pg := s.pageLocked(p)
		s.mu.Unlock()
		s.renderPage(w, r, http.StatusOK, pg)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		pg := s.pageLocked(p)
		s.mu.Unlock()
		pg.Message = "The form could not be read."
		s.renderPage(w, r, http.StatusBadRequest, pg)
		return
	}
	var err error
	target := p.redirectURL
	switch action := r.PostForm.Get("action"); action {
	case "refund", "chargeback":
		amount := money{p.amount.Currency, p.refundable()}
		if action == "refund" {
			if _, e := s.createRefundLocked(p, amount, "Refund (simulator checkout)", nil, now); e != nil {
				err = errorString(e.detail)
			}
		} else {
			_, err = s.createChargebackLocked(p, amount, now)
		}
		target = s.CheckoutURL(p.id)
	case "":
		status := r.PostForm.Get("status")
		err = s.setStatusLocked(p, status, r.PostForm.Get("method"), now)
		if status == "canceled" && p.cancelURL != "" {
			target = p.cancelURL
		}
	default:
		err = errorString("unknown action " + strconv.Quote(action))
	}
	if err != nil {
		pg := s.pageLocked(p)
		s.mu.Unlock()
		pg.Message = "Not possible: " + err.Error()
		s.renderPage(w, r, http.StatusConflict, pg)
		return
	}
	s.mu.Unlock()
	if target == "" {
		target = s.CheckoutURL(id)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

type errorString string

func (e errorString) Error() string { return string(e) }
