package ar

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// One-time code rules (OWASP ASVS 6.5/6.6): six digits, single use, valid
// ten minutes, bound to the session that asked for it, locked after five
// wrong tries.
const (
	OTPDigits      = 6
	OTPTTL         = 10 * time.Minute
	OTPMaxAttempts = 5
	// KnowledgeMaxAttempts wrong postcodes or birth dates per link in
	// KnowledgeWindow lock the knowledge step-up for that link.
	KnowledgeMaxAttempts = 5
	KnowledgeWindow      = 15 * time.Minute
)

// OTPChallenge is a one-time code sent to a debtor.
type OTPChallenge struct {
	ID          int64      `db:"id"`
	CreditorID  int64      `db:"creditor_id"`
	DebtorID    int64      `db:"debtor_id"`
	SessionHash []byte     `db:"session_hash"`
	Salt        []byte     `db:"salt"`
	CodeHash    []byte     `db:"code_hash"`
	Channel     string     `db:"channel"`
	Attempts    int        `db:"attempts"`
	CreatedAt   time.Time  `db:"created_at"`
	ExpiresAt   time.Time  `db:"expires_at"`
	UsedAt      *time.Time `db:"used_at"`
}

// NewOTP returns a fresh six-digit code with its salt and hash.
func NewOTP() (code string, salt, hash []byte) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic("ar: crypto/rand failed: " + err.Error())
	}
	code = fmt.Sprintf("%06d", n.Int64())
	salt = make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		panic("ar: crypto/rand failed: " + err.Error())
	}
	return code, salt, otpHash(salt, code)
}

func otpHash(salt []byte, code string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(code))
	return h.Sum(nil)
}

// Check verifies code against the challenge at instant now for the session
// with hash sessionHash. It returns nil on success, else a domain error
// saying why. The caller records the attempt.
func (c *OTPChallenge) Check(code string, sessionHash []byte, now time.Time) error {
	code = strings.TrimSpace(strings.ReplaceAll(code, " ", ""))
	switch {
	case c.UsedAt != nil:
		return FieldError("code", "error.stepup.code_used", nil)
	case c.Attempts >= OTPMaxAttempts:
		return &Error{Code: TooMany, Key: "error.stepup.code_locked", Field: "code"}
	case !now.Before(c.ExpiresAt):
		return FieldError("code", "error.stepup.code_expired", nil)
	case subtle.ConstantTimeCompare(c.SessionHash, sessionHash) != 1:
		return FieldError("code", "error.stepup.code_wrong", nil)
	case len(code) != OTPDigits:
		return FieldError("code", "error.stepup.code_format", nil)
	case subtle.ConstantTimeCompare(otpHash(c.Salt, code), c.CodeHash) != 1:
		return FieldError("code", "error.stepup.code_wrong", nil)
	}
	return nil
}

// CheckKnowledge compares a debtor's answer with what is on file.
func CheckKnowledge(kind Knowledge, d *Debtor, answer string) error {
	answer = strings.TrimSpace(answer)
	if answer == "" {
		return FieldError("answer", "error.stepup.answer_required", nil)
	}
	switch kind {
	case KnowPostcode:
		if d.Postcode != "" && subtle.ConstantTimeCompare([]byte(NormalizePostcode(answer)), []byte(NormalizePostcode(d.Postcode))) == 1 {
			return nil
		}
	case KnowBirthDate:
		t, ok := ParseDate(answer)
		if !ok {
			return FieldError("answer", "error.stepup.date_format", nil)
		}
		if d.BirthDate != nil && CivilDate(*d.BirthDate).Equal(t) {
			return nil
		}
	}
	return FieldError("answer", "error.stepup.wrong_answer", nil)
}

// ParseDate reads a civil date as typed by a person: ISO (2006-01-02, what
// <input type=date> sends) or German (02.01.2006).
func ParseDate(s string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", "02.01.2006", "2.1.2006"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
