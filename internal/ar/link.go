package ar

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"strings"
	"time"
)

// LinkPurpose says what an access link may be used for; a link of one
// purpose is useless for another.
type LinkPurpose string

// Link purposes.
const (
	PurposePortal LinkPurpose = "portal" // the personal link sent by email, SMS, letter or API
	// PurposeDocument is the link behind the QR code printed on an
	// invoice copy or statement: it opens the portal too, but lives longer
	// (paper is kept) and is told apart in the timeline and in revocations.
	PurposeDocument LinkPurpose = "document"
)

// DocumentLinkTTL is how long a QR code on a document works.
const DocumentLinkTTL = 90 * 24 * time.Hour

// TokenBytes is the size of a link token: 256 bits from crypto/rand.
const TokenBytes = 32

// AccessLink is a personal link into one debtor's account at one creditor.
// Only the SHA-256 of its token is stored.
type AccessLink struct {
	ID         int64       `db:"id"`
	CreditorID int64       `db:"creditor_id"`
	DebtorID   int64       `db:"debtor_id"`
	TokenHash  []byte      `db:"token_hash"`
	Purpose    LinkPurpose `db:"purpose"`
	Channel    string      `db:"channel"`
	CreatedAt  time.Time   `db:"created_at"`
	ExpiresAt  time.Time   `db:"expires_at"`
	RevokedAt  *time.Time  `db:"revoked_at"`
}

// Usable reports why a link cannot be used at instant now for one of the
// purposes: nil if it can, NotFound for a link of another purpose (it is
// useless here), else a Gone error.
func (l *AccessLink) Usable(now time.Time, purposes ...LinkPurpose) error {
	ok := false
	for _, p := range purposes {
		ok = ok || l.Purpose == p
	}
	switch {
	case !ok:
		return Errorf(NotFound, "error.link.invalid")
	case l.RevokedAt != nil:
		return Errorf(Gone, "error.link.revoked")
	case !now.Before(l.ExpiresAt):
		return Errorf(Gone, "error.link.expired")
	}
	return nil
}

// NewToken returns a fresh random link token (base64url, no padding) and
// the SHA-256 hash under which it is stored.
func NewToken() (token string, hash []byte) {
	b := make([]byte, TokenBytes)
	if _, err := rand.Read(b); err != nil {
		panic("ar: crypto/rand failed: " + err.Error())
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token)
}

// NewPublicID returns a random public identifier such as "pay_…" or
// "evt_…": the prefix and 26 lower-case base32 characters (130 random
// bits). Unlike a token it is not a secret; it only must not be guessable
// or collide.
func NewPublicID(prefix string) string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic("ar: crypto/rand failed: " + err.Error())
	}
	return prefix + "_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))
}

// HashToken is the stored form of a token.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// PlausibleToken reports whether s has the shape of a token, so that
// junk is refused before any database work.
func PlausibleToken(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(TokenBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}
