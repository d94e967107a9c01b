package ar

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
)

// APIKeyPrefix starts every API key, so that a leaked key is easy to
// recognise (and to search for in code and logs).
const APIKeyPrefix = "stl_"

// APIKey is a creditor's key for the JSON API. Only the SHA-256 of the
// secret is stored.
type APIKey struct {
	ID         int64      `db:"id"`
	CreditorID int64      `db:"creditor_id"`
	Name       string     `db:"name"`
	Prefix     string     `db:"prefix"`
	KeyHash    []byte     `db:"key_hash"`
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
	RevokedAt  *time.Time `db:"revoked_at"`
}

// NewAPIKey returns a fresh key (stl_ and 43 base64url characters, 256
// random bits), the prefix shown in lists, and the stored hash.
func NewAPIKey() (key, prefix string, hash []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("ar: crypto/rand failed: " + err.Error())
	}
	key = APIKeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return key, key[:len(APIKeyPrefix)+6], HashToken("apikey:" + key)
}

// HashAPIKey is the stored form of a key; the purpose prefix keeps a key
// from ever matching a link token's hash.
func HashAPIKey(key string) []byte { return HashToken("apikey:" + key) }

// PlausibleAPIKey reports whether s has the shape of a key.
func PlausibleAPIKey(s string) bool {
	rest, ok := strings.CutPrefix(s, APIKeyPrefix)
	return ok && PlausibleToken(rest)
}
