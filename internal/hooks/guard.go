package hooks

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress is the SSRF guard's refusal: the address is
// loopback, private, link-local, a cloud metadata service or otherwise
// not a public unicast address.
var ErrForbiddenAddress = errors.New("address not allowed for webhooks")

// blockedPrefixes are the ranges netip's predicates do not already cover.
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),          // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),      // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),       // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),      // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),        // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),       // NAT64: would reach IPv4 inside
	netip.MustParsePrefix("64:ff9b:1::/48"),     // local-use NAT64
	netip.MustParsePrefix("2002::/16"),          // 6to4: embeds an IPv4 address
	netip.MustParsePrefix("100::/64"),           // discard
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS metadata (IPv6); also in fc00::/7
	netip.MustParsePrefix("169.254.169.254/32"), // cloud metadata; also link-local
}

// allowedAddr reports whether a webhook may connect to ip: public unicast
// only.
func allowedAddr(ip netip.Addr) bool {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if !ip.IsValid() || ip.Zone() != "" {
		return false
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// checkAddr returns ErrForbiddenAddress (wrapped, naming ip) unless
// allowedAddr(ip).
func checkAddr(ip netip.Addr) error {
	if allowedAddr(ip) {
		return nil
	}
	return fmt.Errorf("%w: %s", ErrForbiddenAddress, ip.Unmap())
}

// dialControl is the dialer's Control hook: it runs after name resolution,
// for every address the dialer actually connects to, so DNS rebinding
// between registration and delivery cannot reach an internal address.
func dialControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable address %q", ErrForbiddenAddress, address)
	}
	return checkAddr(ap.Addr())
}

// newClient builds the HTTP client deliveries use: 15 s overall timeout,
// redirects returned instead of followed, no proxy from the environment
// (a proxy would connect for us and bypass the guard), and the SSRF guard
// in the dialer unless allowPrivate.
func newClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		dialer.Control = dialControl
	}
	// MaxIdleConnsPerHost covers the deliveries that run at once (see
	// cmd/settle), so that a busy receiver's connections are reused rather
	// than closed and dialled again; a new connection still passes the
	// guard.
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   32,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 15 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{
		Timeout:   15 * time.Second,
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}
