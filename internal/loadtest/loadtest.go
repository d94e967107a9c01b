package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
)

// Scenarios are the pages a run can measure, in the order they run.
var Scenarios = []string{"dashboard", "invoice", "statement", "pay"}

// Config is one load run.
type Config struct {
	BaseURL  string // the running Settle, e.g. http://127.0.0.1:8080
	Store    *store.Store
	Portal   *portal.Service // issues the sign-in links
	Creditor *ar.Creditor

	Sessions  int           // debtors signed in and picked at random
	Clients   int           // concurrent workers
	Warmup    time.Duration // per scenario, not counted
	Duration  time.Duration // per scenario, counted
	Scenarios []string      // subset of Scenarios
	Seed      uint64        // picks the debtors and the request order

	Progress io.Writer // set-up progress; nil: none
}

// Result is one scenario's figures.
type Result struct {
	Scenario  string
	Clients   int
	Requests  int           // counted requests that succeeded
	Errors    int           // counted requests that failed (status or transport)
	FirstErr  string        // the first failure, for the report
	Elapsed   time.Duration // the counted window
	P50, P90  time.Duration
	P99, Max  time.Duration
	BytesRead int64 // transferred body bytes (compressed), counted requests
}

// PerSecond is the throughput of successful requests.
func (r Result) PerSecond() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// session is one signed-in debtor.
type session struct {
	cookie  string // Cookie header value
	invoice string // one of the debtor's invoice numbers
	owes    bool   // at least payAmount is open
}

// payAmount is what the pay scenario pays (part of what is open).
const (
	payAmount      = "5,00"
	payAmountMinor = 500
)

// Runner holds the signed-in sessions between scenarios.
type Runner struct {
	cfg      Config
	sessions []session
	client   *http.Client
}

// New checks cfg and signs the sessions in.
func New(ctx context.Context, cfg Config) (*Runner, error) {
	if cfg.Sessions < 1 || cfg.Clients < 1 || cfg.Duration <= 0 {
		return nil, errors.New("loadtest: sessions, clients and duration must be positive")
	}
	for _, s := range cfg.Scenarios {
		if !slices.Contains(Scenarios, s) {
			return nil, fmt.Errorf("loadtest: unknown scenario %q (known: %s)", s, strings.Join(Scenarios, ", "))
		}
	}
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("loadtest: bad base URL %q", cfg.BaseURL)
	}
	tr := &http.Transport{
		MaxIdleConns:        cfg.Clients * 2,
		MaxIdleConnsPerHost: cfg.Clients * 2,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true, // we ask for gzip ourselves and do not unpack it
	}
	r := &Runner{cfg: cfg, client: &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if err := r.signIn(ctx, base); err != nil {
		return nil, err
	}
	return r, nil
}

// signIn samples debtors with an open invoice and signs each in through
// its link and the step-up.
func (r *Runner) signIn(ctx context.Context, base *url.URL) error {
	c := r.cfg.Creditor
	picks, err := r.cfg.Store.SampleDebtors(ctx, c.ID, r.cfg.Sessions)
	if err != nil {
		return fmt.Errorf("loadtest: sampling debtors: %w", err)
	}
	if len(picks) < r.cfg.Sessions {
		return fmt.Errorf("loadtest: creditor %q has only %d debtors with a postcode and an invoice in the sample, want %d (settle seed makes them)",
			c.Slug, len(picks), r.cfg.Sessions)
	}
	loopback := false
	if ip := net.ParseIP(base.Hostname()); ip != nil && ip.IsLoopback() && ip.To4() != nil {
		loopback = true
	}
	r.sessions = make([]session, len(picks))
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	begin := time.Now()
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(picks) {
					return
				}
				var addr *net.TCPAddr
				if loopback {
					// 127.0.0.1 is the server's own; each sign-in gets
					// 127.1.x.y so the per-address limits see a crowd.
					addr = &net.TCPAddr{IP: net.IPv4(127, 1, byte(i/250), byte(1+i%250))}
				}
				s, err := r.signInOne(ctx, base, picks[i], addr)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					return
				}
				r.sessions[i] = s
				if n := i + 1; r.cfg.Progress != nil && n%500 == 0 {
					fmt.Fprintf(r.cfg.Progress, "  signed in %d of %d debtors after %s\n", n, len(picks), time.Since(begin).Round(time.Millisecond))
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
	}
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "  %d debtors signed in (link, entry, step-up) in %s\n", len(picks), time.Since(begin).Round(time.Millisecond))
	}
	return nil
}

func (r *Runner) signInOne(ctx context.Context, base *url.URL, p store.SampledDebtor, addr *net.TCPAddr) (session, error) {
	token, _, err := r.cfg.Portal.IssueLink(ctx, r.cfg.Creditor, p.ID, "loadtest")
	if err != nil {
		return session{}, fmt.Errorf("loadtest: issuing a link: %w", err)
	}
	tr := &http.Transport{DisableKeepAlives: true}
	if addr != nil {
		tr.DialContext = (&net.Dialer{LocalAddr: addr, Timeout: 10 * time.Second}).DialContext
	}
	cl := &http.Client{Transport: tr, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.PostForm(base.JoinPath("/l/", token).String(), nil)
	if err != nil {
		return session{}, fmt.Errorf("loadtest: entering through a link: %w", err)
	}
	drain(res)
	if res.StatusCode != http.StatusSeeOther {
		return session{}, fmt.Errorf("loadtest: entering through a link: status %d, want 303", res.StatusCode)
	}
	cookie := cookieHeader(res)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base.JoinPath("/account/verify").String(),
		strings.NewReader(url.Values{"answer": {p.Postcode}, "next": {"/account"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Cookie", cookie)
	res, err = cl.Do(req)
	if err != nil {
		return session{}, fmt.Errorf("loadtest: step-up: %w", err)
	}
	drain(res)
	if res.StatusCode != http.StatusSeeOther {
		return session{}, fmt.Errorf("loadtest: step-up: status %d, want 303", res.StatusCode)
	}
	if c := cookieHeader(res); c != "" {
		cookie = c // the step-up rotates the session
	}
	return session{cookie: cookie, invoice: p.Invoice, owes: p.Open >= payAmountMinor}, nil
}

// cookieHeader turns a response's Set-Cookie headers into a Cookie header.
func cookieHeader(res *http.Response) string {
	var parts []string
	for _, c := range res.Cookies() {
		if c.MaxAge >= 0 && c.Value != "" {
			parts = append(parts, c.Name+"="+c.Value)
		}
	}
	return strings.Join(parts, "; ")
}

func drain(res *http.Response) int64 {
	n, _ := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return n
}

// Sessions is how many debtors are signed in.
func (r *Runner) Sessions() int { return len(r.sessions) }

// Run measures one scenario.
func (r *Runner) Run(ctx context.Context, scenario string) (Result, error) {
	base := strings.TrimSuffix(r.cfg.BaseURL, "/")
	build := func(s *session) (*http.Request, error) {
		var req *http.Request
		var err error
		switch scenario {
		case "dashboard":
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/account", nil)
		case "invoice":
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/account/invoices/"+url.PathEscape(s.invoice), nil)
		case "statement":
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/account/statement", nil)
		case "pay":
			req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/account/payments",
				strings.NewReader(url.Values{"amount": {payAmount}}.Encode()))
			if req != nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
		default:
			err = fmt.Errorf("loadtest: unknown scenario %q", scenario)
		}
		if err != nil {
			return nil, err
		}
		req.Header.Set("Cookie", s.cookie)
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("Accept-Language", "de-DE,de;q=0.9")
		return req, nil
	}
	want := http.StatusOK
	if scenario == "pay" {
		want = http.StatusSeeOther // to the checkout
	}
	pool := r.sessions
	if scenario == "pay" {
		pool = nil
		for _, s := range r.sessions {
			if s.owes {
				pool = append(pool, s)
			}
		}
		if len(pool) == 0 {
			return Result{}, errors.New("loadtest: no signed-in debtor owes anything to pay")
		}
	}
	if _, err := build(&pool[0]); err != nil {
		return Result{}, err
	}

	type worker struct {
		lat      []time.Duration
		errs     int
		firstErr string
		bytes    int64
	}
	workers := make([]worker, r.cfg.Clients)
	var counting atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func(wk *worker, seed uint64) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(r.cfg.Seed, seed))
			for {
				select {
				case <-stop:
					return
				default:
				}
				s := &pool[rng.IntN(len(pool))]
				req, _ := build(s)
				t0 := time.Now()
				res, err := r.client.Do(req)
				var n int64
				status := 0
				if err == nil {
					n = drain(res)
					status = res.StatusCode
				}
				d := time.Since(t0)
				if !counting.Load() {
					continue
				}
				if err != nil || status != want {
					wk.errs++
					if wk.firstErr == "" {
						if err != nil {
							wk.firstErr = err.Error()
						} else {
							wk.firstErr = fmt.Sprintf("%s: status %d, want %d", req.URL.Path, status, want)
						}
					}
					continue
				}
				wk.lat = append(wk.lat, d)
				wk.bytes += n
			}
		}(&workers[w], uint64(w)+1)
	}
	sleep(ctx, r.cfg.Warmup)
	counting.Store(true)
	begin := time.Now()
	sleep(ctx, r.cfg.Duration)
	counting.Store(false)
	elapsed := time.Since(begin)
	close(stop)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}

	res := Result{Scenario: scenario, Clients: r.cfg.Clients, Elapsed: elapsed}
	var all []time.Duration
	for _, wk := range workers {
		all = append(all, wk.lat...)
		res.Errors += wk.errs
		res.BytesRead += wk.bytes
		if res.FirstErr == "" {
			res.FirstErr = wk.firstErr
		}
	}
	res.Requests = len(all)
	slices.Sort(all)
	res.P50, res.P90, res.P99 = quantile(all, 0.50), quantile(all, 0.90), quantile(all, 0.99)
	if len(all) > 0 {
		res.Max = all[len(all)-1]
	}
	return res, nil
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// quantile is the nearest-rank quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*q+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}
