package handlers

import (
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	"github.com/lib/pq"
)

// retryAfter is what a 503 asks the client to wait, in seconds.
const retryAfter = "30"

// dbUnavailable reports whether err means the database cannot be
// reached right now (down, restarting, refusing connections) rather
// than that the request went wrong: such a request gets 503 and a
// "try again shortly" page, and the pool reconnects by itself once
// PostgreSQL is back.
func dbUnavailable(err error) bool {
	var pqErr *pq.Error
	var netErr *net.OpError
	switch {
	case err == nil:
		return false
	case errors.As(err, &pqErr):
		// 08: connection exception; 57P01–57P03: shutting down,
		// crashed, not accepting connections yet.
		code := string(pqErr.Code)
		return strings.HasPrefix(code, "08") || code == "57P01" || code == "57P02" || code == "57P03"
	case errors.Is(err, driver.ErrBadConn), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, io.ErrUnexpectedEOF):
		return true
	case errors.As(err, &netErr):
		return true
	}
	return false
}

// unavailable answers 503 with Retry-After.
func unavailable(w http.ResponseWriter) {
	w.Header().Set("Retry-After", retryAfter)
}
