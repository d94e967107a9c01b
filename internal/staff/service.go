package staff

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/sealbox"
	"github.com/settle/settle/internal/store"
)

// Session lifetimes for staff (ASVS 7.3): 15 minutes idle, 12 hours in
// all. The idle clock is kept in PostgreSQL, so every instance agrees.
const (
	IdleTimeout     = 15 * time.Minute
	AbsoluteTimeout = 12 * time.Hour
)

// Login throttling, per fixed window: a password guesser is slowed per
// account and per address, and the window says when to try again.
const (
	loginEmailLimit = 10
	loginIPLimit    = 50
	loginWindow     = 15 * time.Minute
	totpLimit       = 5
	totpWindow      = 5 * time.Minute
)

// Service signs staff in and out and keeps their sessions.
type Service struct {
	Store  *store.Store
	Box    *sealbox.Box // seals TOTP secrets at rest
	Now    func() time.Time
	Issuer string // shown in the authenticator app; "Settle" when empty
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Session is a live staff session with its account.
type Session struct {
	ID   string // the cookie's value; only its hash is stored
	User *store.StaffUser
	// CreditorID is the creditor being worked on: the account's own, or
	// for an operator's admin (no creditor) the one they picked.
	CreditorID *int64
	MFAPending bool // the password was right; the second factor is due
	Created    time.Time
}

// NeedsEnrolment reports whether the account must set up TOTP before
// its session becomes full.
func (s *Session) NeedsEnrolment() bool {
	return s.MFAPending && s.User.TOTPConfirmedAt == nil
}

// HashID is how a session id is stored.
func HashID(id string) []byte {
	h := sha256.Sum256([]byte("staff-session:" + id))
	return h[:]
}

func newID() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// dummyHash is verified when an email is unknown, so that a wrong email
// takes as long as a wrong password. It is made at the first such login,
// not when the program starts: argon2id takes 64 MB for a moment, which
// every command and every debtor-only instance would otherwise pay.
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not-a-real-password-ever")
	return h
})

// WarmUp makes dummyHash now (the login form calls it), so that the
// first sign-in with an unknown email is not slower than the others.
func WarmUp() { dummyHash() }

var errLogin = ar.Errorf(ar.Unauthorized, "error.staff.login_failed")

func (s *Service) limit(ctx context.Context, bucket string, max int, window time.Duration) error {
	n, err := s.Store.Hit(ctx, bucket, window, s.now())
	if err != nil {
		return err
	}
	if n > max {
		return ar.Errorf(ar.TooMany, "error.staff.too_many")
	}
	return nil
}

// Login checks an email and password and starts a session, pending the
// second factor when the account has or needs one. Unknown emails,
// wrong passwords and disabled accounts fail alike.
func (s *Service) Login(ctx context.Context, email, password, ip string) (*Session, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if err := s.limit(ctx, "staff-login-ip:"+ip, loginIPLimit, loginWindow); err != nil {
		return nil, err
	}
	if err := s.limit(ctx, "staff-login:"+email, loginEmailLimit, loginWindow); err != nil {
		return nil, err
	}
	u, err := s.Store.StaffUserByEmail(ctx, email)
	if ar.IsNotFound(err) {
		VerifyPassword(dummyHash(), password)
		s.audit(ctx, nil, nil, "session.login_failed", email, map[string]any{"ip": ip})
		return nil, errLogin
	} else if err != nil {
		return nil, err
	}
	if ok, err := VerifyPassword(u.PasswordHash, password); err != nil || !ok || u.DisabledAt != nil {
		s.audit(ctx, &u.ID, u.CreditorID, "session.login_failed", email, map[string]any{"ip": ip})
		return nil, errLogin
	}
	pending := u.TOTPRequired || u.TOTPConfirmedAt != nil
	sess, err := s.start(ctx, u, u.CreditorID, pending)
	if err != nil {
		return nil, err
	}
	if !pending {
		if err := s.signedIn(ctx, u, ip, "password"); err != nil {
			return nil, err
		}
	}
	return sess, nil
}

func (s *Service) start(ctx context.Context, u *store.StaffUser, creditorID *int64, pending bool) (*Session, error) {
	id, now := newID(), s.now()
	if err := s.Store.CreateStaffSession(ctx, HashID(id), u.ID, creditorID, pending, now); err != nil {
		return nil, err
	}
	return &Session{ID: id, User: u, CreditorID: creditorID, MFAPending: pending, Created: now}, nil
}

func (s *Service) signedIn(ctx context.Context, u *store.StaffUser, ip, how string) error {
	if err := s.Store.StaffLoggedIn(ctx, u.ID, s.now()); err != nil {
		return err
	}
	return s.audit(ctx, &u.ID, u.CreditorID, "session.login", u.Email, map[string]any{"ip": ip, "factor": how})
}

func (s *Service) audit(ctx context.Context, staffID, creditorID *int64, action, subject string, after any) error {
	return s.Store.AddAudit(ctx, staffID, creditorID, action, subject, nil, after)
}

// Session returns the live session with this id, moving its idle clock;
// NotFound when there is none (ended, expired, cut off, or disabled).
func (s *Service) Session(ctx context.Context, id string) (*Session, error) {
	if id == "" {
		return nil, ar.Errorf(ar.NotFound, "error.not_found")
	}
	now := s.now()
	ss, err := s.Store.LiveStaffSession(ctx, HashID(id), now, IdleTimeout, AbsoluteTimeout)
	if err != nil {
		return nil, err
	}
	u := &ss.User
	// Most requests write nothing: the idle clock moves once a minute.
	if now.Sub(ss.SeenAt) > time.Minute {
		if err := s.Store.TouchStaffSession(ctx, HashID(id), now); err != nil {
			return nil, err
		}
	}
	return &Session{ID: id, User: u, CreditorID: ss.CreditorID, MFAPending: ss.MFAPending, Created: ss.CreatedAt}, nil
}

// Logout ends one session.
func (s *Service) Logout(ctx context.Context, sess *Session) error {
	if err := s.Store.EndStaffSession(ctx, HashID(sess.ID), s.now()); err != nil {
		return err
	}
	return s.audit(ctx, &sess.User.ID, sess.User.CreditorID, "session.logout", sess.User.Email, nil)
}

// LogoutEverywhere ends every session of the account, this one too.
func (s *Service) LogoutEverywhere(ctx context.Context, sess *Session) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.EndAllStaffSessions(ctx, sess.User.ID, s.now()); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &sess.User.ID, sess.User.CreditorID, "session.logout_everywhere", sess.User.Email, nil, nil)
	})
}

// SwitchCreditor lets an operator's admin (an account of no creditor)
// work on a creditor.
func (s *Service) SwitchCreditor(ctx context.Context, sess *Session, creditorID int64) error {
	if sess.User.CreditorID != nil {
		return ar.Errorf(ar.Forbidden, "error.staff.forbidden")
	}
	if _, err := s.Store.Creditor(ctx, creditorID); err != nil {
		return err
	}
	return s.Store.SetStaffSessionCreditor(ctx, HashID(sess.ID), creditorID)
}

// TOTP settings: RFC 6238 defaults, which every authenticator app reads.
var totpOpts = totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Enrolment is a TOTP secret being set up.
type Enrolment struct {
	Secret string // base32, for typing in by hand
	URL    string // otpauth:// URL, for the QR code
}

// BeginEnrolment returns the account's pending TOTP secret, making one
// if there is none yet (a reload shows the same QR code).
func (s *Service) BeginEnrolment(ctx context.Context, sess *Session) (*Enrolment, error) {
	u := sess.User
	if u.TOTPConfirmedAt != nil {
		return nil, ar.Errorf(ar.Conflict, "error.staff.totp_enrolled")
	}
	issuer := s.Issuer
	if issuer == "" {
		issuer = "Settle"
	}
	if u.TOTPSealed != nil {
		secret, err := s.Box.Open(u.TOTPSealed, totpContext(u.ID))
		if err == nil {
			key, err := otp.NewKeyFromURL(keyURL(issuer, u.Email, string(secret)))
			if err == nil {
				return &Enrolment{Secret: key.Secret(), URL: key.URL()}, nil
			}
		}
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: u.Email})
	if err != nil {
		return nil, err
	}
	sealed := s.Box.Seal([]byte(key.Secret()), totpContext(u.ID))
	if err := s.Store.SetStaffTOTPSecret(ctx, u.ID, sealed); err != nil {
		return nil, err
	}
	u.TOTPSealed = sealed
	return &Enrolment{Secret: key.Secret(), URL: key.URL()}, nil
}

func keyURL(issuer, account, secret string) string {
	v := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + issuer + ":" + account, RawQuery: v.Encode()}
	return u.String()
}

func totpContext(staffID int64) string { return "staff-totp:" + itoa(staffID) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// VerifyTOTP checks a code for a session pending its second factor (or
// finishing enrolment). Each code works once; five wrong codes in five
// minutes lock the step. On success the session is replaced by a new,
// full one (a new id: ASVS 7.2.4).
func (s *Service) VerifyTOTP(ctx context.Context, sess *Session, code, ip string) (*Session, error) {
	if !sess.MFAPending {
		return sess, nil
	}
	u := sess.User
	if err := s.limit(ctx, "staff-totp:"+itoa(u.ID), totpLimit, totpWindow); err != nil {
		return nil, err
	}
	code = strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, code)
	if len(code) != 6 {
		return nil, ar.FieldError("code", "error.staff.totp_format", nil)
	}
	if u.TOTPSealed == nil {
		return nil, ar.Errorf(ar.Conflict, "error.staff.totp_not_enrolled")
	}
	secret, err := s.Box.Open(u.TOTPSealed, totpContext(u.ID))
	if err != nil {
		return nil, err
	}
	now := s.now()
	step := int64(-1)
	for skew := int64(-1); skew <= 1; skew++ {
		at := now.Add(time.Duration(skew) * 30 * time.Second)
		want, err := totp.GenerateCodeCustom(string(secret), at, totpOpts)
		if err != nil {
			return nil, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			step = at.Unix() / 30
			break
		}
	}
	enrolling := u.TOTPConfirmedAt == nil
	if step < 0 {
		s.audit(ctx, &u.ID, u.CreditorID, "session.totp_failed", u.Email, map[string]any{"ip": ip})
		return nil, ar.FieldError("code", "error.staff.totp_wrong", nil)
	}
	var next *Session
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		ok, err := tx.UseStaffTOTPStep(ctx, u.ID, step, enrolling, now)
		if err != nil {
			return err
		}
		if !ok {
			return ar.FieldError("code", "error.staff.totp_used", nil)
		}
		if err := tx.EndStaffSession(ctx, HashID(sess.ID), now); err != nil {
			return err
		}
		svc := *s
		svc.Store = tx
		if next, err = svc.start(ctx, u, sess.CreditorID, false); err != nil {
			return err
		}
		if enrolling {
			if err := tx.AddAudit(ctx, &u.ID, u.CreditorID, "user.totp_enrolled", u.Email, nil, nil); err != nil {
				return err
			}
		}
		return svc.signedIn(ctx, u, ip, "totp")
	})
	if err != nil {
		return nil, err
	}
	if enrolling {
		t := now
		next.User.TOTPConfirmedAt = &t
	}
	return next, nil
}
