package handlers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/store"
)

// With the database unreachable (stopped, restarting), requests fail at
// once and cleanly: a translated "back in a minute" page or problem with
// 503 and Retry-After, never a 500 or SQL; /readyz says so; once the
// database answers again, so does Settle, without a restart.
func TestDatabaseUnavailable(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.steppedUp(h.alice)
	key := h.apiKey(h.a)
	dead, err := sqlx.Open("postgres", "postgres://settle@127.0.0.1:1/settle?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	live, livePortal := h.srv.Store, h.portal.Store
	h.srv.Store, h.portal.Store = store.New(dead), store.New(dead)

	res := c.get("/account")
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" ||
		res.html(t).h1() != norm(h.de().T("page.error.unavailable.title")) {
		t.Errorf("account with the database down: %d, Retry-After %q, h1 %q", res.StatusCode, res.Header.Get("Retry-After"), res.html(t).h1())
	}
	for _, leak := range []string{"dial", "127.0.0.1:1", "connection refused", "pq:"} {
		if strings.Contains(res.body, leak) {
			t.Errorf("the page shows %q", leak)
		}
	}
	if res := h.client().get("/readyz"); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz = %d", res.StatusCode)
	}
	api := h.call("GET", "/api/v1/events", key, "")
	var problem map[string]any
	_ = json.Unmarshal(api.body, &problem)
	if api.status != http.StatusServiceUnavailable || problem["code"] != "error.api.unavailable" || api.header.Get("Retry-After") == "" {
		t.Errorf("API with the database down: %d %s", api.status, api.body)
	}
	if !strings.Contains(h.logs.String(), "database unavailable") {
		t.Error("no log line says the database is unavailable")
	}

	h.srv.Store, h.portal.Store = live, livePortal
	if res := c.get("/account"); res.StatusCode != http.StatusOK {
		t.Errorf("account with the database back: %d", res.StatusCode)
	}
	if res := h.client().get("/readyz"); res.StatusCode != http.StatusOK {
		t.Errorf("readyz with the database back: %d", res.StatusCode)
	}
}
