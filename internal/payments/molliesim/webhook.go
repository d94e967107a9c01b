package molliesim

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// webhookTimeout is how long Mollie waits for a webhook answer.
const webhookTimeout = 15 * time.Second

// webhookLocked schedules the webhook call for p, as Mollie does after a
// status change, a refund or a chargeback. It never blocks.
func (s *Simulator) webhookLocked(p *payment) {
	if p.webhookURL == "" || s.closed {
		return
	}
	if s.dropHooks {
		s.hookDropped++
		s.log.Info("molliesim: webhook dropped", "payment", p.id)
		return
	}
	s.wg.Add(1)
	go s.deliver(p.webhookURL, p.id)
}

// deliver calls the webhook until it answers 2xx, with
// Options.WebhookRetries between attempts, or until Close.
func (s *Simulator) deliver(hookURL, paymentID string) {
	defer s.wg.Done()
	for attempt := 1; ; attempt++ {
		if s.post(hookURL, paymentID, attempt) {
			return
		}
		if attempt > len(s.retries) {
			s.log.Warn("molliesim: webhook given up", "payment", paymentID, "attempts", attempt)
			return
		}
		t := time.NewTimer(s.retries[attempt-1])
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (s *Simulator) post(hookURL, paymentID string, attempt int) bool {
	ctx, cancel := context.WithTimeout(s.ctx, webhookTimeout)
	defer cancel()
	call := WebhookCall{At: s.now(), PaymentID: paymentID, URL: hookURL, Attempt: attempt}
	body := url.Values{"id": {paymentID}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hookURL, strings.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "*/*")
		req.Header.Set("User-Agent", "Mollie-Simulator/1 (webhook)")
		var resp *http.Response
		resp, err = s.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			call.Status = resp.StatusCode
		}
	}
	if err != nil {
		if s.ctx.Err() != nil {
			return true // closing: not a failure to retry
		}
		call.Err = err.Error()
	}
	s.mu.Lock()
	s.hookLog = append(s.hookLog, call)
	s.mu.Unlock()
	ok := call.Status >= 200 && call.Status < 300
	if !ok {
		s.log.Info("molliesim: webhook failed", "payment", paymentID, "attempt", attempt, "status", call.Status, "err", call.Err)
	}
	return ok
}
