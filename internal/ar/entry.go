package ar

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Signed entry from the creditor's own customer area: the creditor's
// site, where the customer is already signed in, builds a URL that lands
// them in their Settle account with the step-up satisfied, without
// calling Settle first.
//
//	/e/{slug}?customer=NUMBER&expires=UNIX&nonce=RANDOM&signature=HEX
//
// signature is the hex HMAC-SHA256, keyed with the creditor's entry
// secret (hex-decoded), of
//
//	"settle-entry-v1\n" + slug + "\n" + customer + "\n" + expires + "\n" + nonce
//
// expires is at most EntryMaxAge ahead; nonce (16–128 characters of
// A–Z a–z 0–9 _ -) is single-use.
const (
	EntryMaxAge     = 5 * time.Minute
	entrySignPrefix = "settle-entry-v1\n"
)

// EntrySignature computes the signature of an entry URL.
func EntrySignature(secret []byte, slug, customer string, expires int64, nonce string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(entrySignPrefix + slug + "\n" + customer + "\n" + strconv.FormatInt(expires, 10) + "\n" + nonce))
	return hex.EncodeToString(m.Sum(nil))
}

// CheckEntry verifies an entry URL's parameters at instant now. It
// returns nil or an error that says only "invalid" or "expired".
func CheckEntry(secret []byte, slug, customer, expires, nonce, signature string, now time.Time) error {
	invalid := Errorf(NotFound, "error.link.invalid")
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || len(secret) == 0 || customer == "" || len(customer) > 64 || !validNonce(nonce) {
		return invalid
	}
	want := EntrySignature(secret, slug, customer, exp, nonce)
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return invalid
	}
	at := time.Unix(exp, 0)
	if !now.Before(at) {
		return Errorf(Gone, "error.link.expired")
	}
	if at.Sub(now) > EntryMaxAge+30*time.Second { // a little clock skew
		return invalid
	}
	return nil
}

func validNonce(n string) bool {
	if len(n) < 16 || len(n) > 128 {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}
