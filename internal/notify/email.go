package notify

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/settle/settle/internal/jobs"
	"github.com/settle/settle/views/email"
)

// HTMLFor renders the HTML alternative of an email whose plain text is
// body, in the creditor's name and brand colour (#rrggbb; anything else
// falls back to the default). Store it as the message's html_body when
// enqueueing; without one the email goes as plain text only.
func HTMLFor(ctx context.Context, creditorName, brandColor, lang, body string) (string, error) {
	return email.RenderHTML(ctx, email.EmailVM{
		Lang: lang, CreditorName: creditorName, BrandColor: brandColor, Body: body,
	})
}

// smtpTimeout bounds connecting and each SMTP command.
const smtpTimeout = 30 * time.Second

// sendEmail delivers one email and returns its Message-ID.
func (s *Sender) sendEmail(ctx context.Context, cfg *smtpSettings, m *message) (string, error) {
	to, err := mail.ParseAddress(m.Recipient)
	if err != nil {
		return "", jobs.Permanent(errors.New("the recipient is not an email address"))
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	from := cfg.from
	if from.Name == "" {
		from.Name = m.CreditorName
	}
	msg.FromMailAddress(&from)
	msg.ToMailAddress(to)
	if reply, err := mail.ParseAddress(m.SupportEmail); err == nil && m.SupportEmail != "" {
		msg.ReplyToMailAddress(&mail.Address{Name: m.CreditorName, Address: reply.Address})
	}
	msg.Subject(strings.Join(strings.Fields(m.Subject), " "))
	msg.SetDate()
	id := fmt.Sprintf("settle.%d.%s@%s", m.ID, randomHex(8), domainOf(from.Address))
	msg.SetMessageIDWithValue(id)
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	if m.HTMLBody != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTMLBody)
	}

	opts := []gomail.Option{gomail.WithPort(cfg.port), gomail.WithTimeout(smtpTimeout)}
	switch cfg.tls {
	case "tls":
		opts = append(opts, gomail.WithSSL())
	case "starttls":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case "none":
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if cfg.user != "" {
		opts = append(opts, gomail.WithUsername(cfg.user), gomail.WithPassword(cfg.pass))
		if cfg.tls == "none" {
			// The operator chose no TLS: PLAIN or LOGIN in the clear.
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc))
		} else {
			opts = append(opts, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin))
		}
	}
	client, err := gomail.NewClient(cfg.host, opts...)
	if err != nil {
		return "", fmt.Errorf("smtp: %w", err)
	}
	if err := client.DialAndSendWithContext(ctx, msg); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
			// 5xx: the server refuses this message for good (unknown
			// mailbox, rejected content).
			return "", jobs.Permanent(fmt.Errorf("smtp: %w", err))
		}
		// Connection trouble, 4xx, authentication: try again later.
		return "", fmt.Errorf("smtp: %w", err)
	}
	return "<" + id + ">", nil
}

func domainOf(addr string) string {
	if at := strings.LastIndexByte(addr, '@'); at >= 0 && at < len(addr)-1 {
		return addr[at+1:]
	}
	return "settle.invalid"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
