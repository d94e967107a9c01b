package hooks

import (
	"errors"
	"net/http"
	"net/netip"
	"testing"
	"time"
)

func TestAllowedAddr(t *testing.T) {
	for _, tc := range []struct {
		ip   string
		want bool
	}{
		{"93.184.216.34", true},
		{"8.8.8.8", true},
		{"2606:4700:4700::1111", true},
		{"127.0.0.1", false},
		{"127.9.9.9", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"172.31.255.255", false},
		{"192.168.0.1", false},
		{"169.254.169.254", false},
		{"169.254.1.1", false},
		{"fe80::1", false},
		{"fd00:ec2::254", false},
		{"fc00::1", false},
		{"100.64.0.1", false},
		{"100.127.255.255", false},
		{"0.0.0.0", false},
		{"0.1.2.3", false},
		{"::", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"255.255.255.255", false},
		{"::ffff:127.0.0.1", false},
		{"::ffff:10.0.0.1", false},
		{"64:ff9b::a00:1", false},
		{"2002:7f00:1::", false},
		{"198.18.0.1", false},
		{"100.128.0.1", true},
		{"172.32.0.1", true},
	} {
		if got := allowedAddr(netip.MustParseAddr(tc.ip)); got != tc.want {
			t.Errorf("allowedAddr(%s) = %v, want %v", tc.ip, got, tc.want)
		}
	}
}

func TestDialControl(t *testing.T) {
	if err := dialControl("tcp4", "127.0.0.1:80", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("loopback: %v", err)
	}
	if err := dialControl("tcp6", "[fd00:ec2::254]:80", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("metadata: %v", err)
	}
	if err := dialControl("tcp4", "93.184.216.34:443", nil); err != nil {
		t.Errorf("public: %v", err)
	}
}

func TestClient(t *testing.T) {
	c := newClient(false)
	if c.Timeout != 15*time.Second || c.CheckRedirect(nil, nil) != http.ErrUseLastResponse {
		t.Error("client must time out after 15 s and follow no redirects")
	}
	if tr := c.Transport.(*http.Transport); tr.Proxy != nil {
		t.Error("client must not use a proxy")
	}
}

func TestSchedule(t *testing.T) {
	if len(retrySchedule)+1 != MaxAttempts {
		t.Fatalf("%d waits for %d attempts", len(retrySchedule), MaxAttempts)
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for n, d := range retrySchedule {
		for range 50 {
			wait := nextAttempt(now, n+1, outcome{status: 500}).Sub(now)
			if wait < d*9/10 || wait > d*11/10 {
				t.Fatalf("after attempt %d: %v, want %v ± 10 %%", n+1, wait, d)
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"120", now.Add(2 * time.Minute), true},
		{" 0 ", now, true},
		{"Thu, 01 Jan 2026 13:00:00 GMT", now.Add(time.Hour), true},
		{"", time.Time{}, false},
		{"-5", time.Time{}, false},
		{"soon", time.Time{}, false},
	} {
		got, ok := parseRetryAfter(tc.in, now)
		if ok != tc.ok || !got.Equal(tc.want) {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
