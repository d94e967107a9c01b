package portal

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// Translator renders a message key in a language.
type Translator interface {
	Text(lang, key string, kv ...any) string
	Money(lang string, minor int64, currency string) string
}

// Service is the debtor portal.
type Service struct {
	Store   *store.Store
	Text    Translator
	Log     *slog.Logger
	BaseURL string           // e.g. http://localhost:8080, no trailing slash
	Now     func() time.Time // for tests; time.Now when nil
	Demo    bool             // log outbox messages (one-time codes) for the demo
	// HTML renders an email's HTML alternative in the creditor's brand
	// (notify.HTMLFor); nil sends plain text only.
	HTML func(ctx context.Context, creditorName, brandColor, lang, body string) (string, error)
}

// enqueue puts a message in the outbox (within the caller's transaction
// when st is one), adding the HTML alternative of an email.
func (s *Service) enqueue(ctx context.Context, st *store.Store, c *ar.Creditor, lang string, m *ar.Message) error {
	if m.Channel == "email" && s.HTML != nil {
		html, err := s.HTML(ctx, c.Name, c.PrimaryColor, lang, m.Body)
		if err != nil {
			return err
		}
		m.HTMLBody = html
	}
	return st.EnqueueMessage(ctx, m)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Limits, per fixed window.
const (
	linkIPLimit      = 60
	linkIPWindow     = time.Minute
	linkEntryLimit   = 30
	linkEntryWindow  = 10 * time.Minute
	knowledgeIPLimit = 20
	otpSendSession   = 3
	otpSendDebtor    = 10
	otpSendWindow    = 10 * time.Minute
)

// limit counts a hit in bucket and fails with TooMany once it is over max.
func (s *Service) limit(ctx context.Context, bucket string, max int, window time.Duration) error {
	n, err := s.Store.Hit(ctx, bucket, window, s.now())
	if err != nil {
		return err
	}
	if n > max {
		s.Log.WarnContext(ctx, "rate limit reached", "bucket", bucketKind(bucket), "hits", n)
		return ar.Errorf(ar.TooMany, "error.rate_limited")
	}
	return nil
}

// bucketKind strips the identifying part of a bucket for logs.
func bucketKind(b string) string {
	for i := 0; i < len(b); i++ {
		if b[i] == ':' {
			return b[:i]
		}
	}
	return b
}

// LinkURL is the address of a link token.
func (s *Service) LinkURL(token string) string { return s.BaseURL + "/l/" + token }

// IssueLink creates a fresh personal link for a debtor, valid for the
// creditor's link lifetime, and returns its token. The token is shown
// once; only its hash is stored.
func (s *Service) IssueLink(ctx context.Context, creditor *ar.Creditor, debtorID int64, channel string) (token string, link *ar.AccessLink, err error) {
	ttl := creditor.LinkTTL
	if ttl <= 0 {
		ttl = 30 * 24 * time.Hour
	}
	return s.issue(ctx, creditor, debtorID, channel, ar.PurposePortal, ttl)
}

func (s *Service) issue(ctx context.Context, creditor *ar.Creditor, debtorID int64, channel string, purpose ar.LinkPurpose, ttl time.Duration) (token string, link *ar.AccessLink, err error) {
	token, hash := ar.NewToken()
	link = &ar.AccessLink{
		CreditorID: creditor.ID, DebtorID: debtorID, TokenHash: hash,
		Purpose: purpose, Channel: channel, ExpiresAt: s.now().Add(ttl),
	}
	if err := s.Store.CreateAccessLink(ctx, link); err != nil {
		return "", nil, err
	}
	return token, link, nil
}

// IssueDocumentLink creates the link behind a document's QR code
// (purpose document, DocumentLinkTTL) and returns its token.
func (s *Service) IssueDocumentLink(ctx context.Context, creditor *ar.Creditor, debtorID int64) (string, error) {
	token, _, err := s.issue(ctx, creditor, debtorID, "document", ar.PurposeDocument, ar.DocumentLinkTTL)
	return token, err
}

// IssueLinkByNumber finds a debtor by creditor slug and customer number
// and issues a link.
func (s *Service) IssueLinkByNumber(ctx context.Context, slug, customerNumber, channel string) (url string, link *ar.AccessLink, err error) {
	c, err := s.Store.CreditorBySlug(ctx, slug)
	if err != nil {
		if ar.IsNotFound(err) {
			return "", nil, fmt.Errorf("no creditor with slug %q", slug)
		}
		return "", nil, err
	}
	d, err := s.Store.DebtorByNumber(ctx, c.ID, customerNumber)
	if err != nil {
		if ar.IsNotFound(err) {
			return "", nil, fmt.Errorf("creditor %q has no customer %q", slug, customerNumber)
		}
		return "", nil, err
	}
	token, link, err := s.IssueLink(ctx, c, d.ID, channel)
	if err != nil {
		return "", nil, err
	}
	return s.LinkURL(token), link, nil
}

// Visit is what a link opens: one debtor at one creditor.
type Visit struct {
	Link     *ar.AccessLink
	Creditor *ar.Creditor
	Debtor   *ar.Debtor
}

// Resolve looks a token up without consuming or recording anything (a
// mail scanner's GET must change nothing). ip is rate-limited.
func (s *Service) Resolve(ctx context.Context, token, ip string) (*Visit, error) {
	if err := s.limit(ctx, "link-ip:"+ip, linkIPLimit, linkIPWindow); err != nil {
		return nil, err
	}
	if !ar.PlausibleToken(token) {
		return nil, ar.Errorf(ar.NotFound, "error.link.invalid")
	}
	link, err := s.Store.AccessLinkByHash(ctx, ar.HashToken(token))
	if err != nil {
		if ar.IsNotFound(err) {
			return nil, ar.Errorf(ar.NotFound, "error.link.invalid")
		}
		return nil, err
	}
	c, err := s.Store.Creditor(ctx, link.CreditorID)
	if err != nil {
		return nil, err
	}
	v := &Visit{Link: link, Creditor: c}
	if err := link.Usable(s.now(), ar.PurposePortal, ar.PurposeDocument); err != nil {
		return v, err // the creditor is known: the error page can wear its brand
	}
	if v.Debtor, err = s.Store.Debtor(ctx, link.CreditorID, link.DebtorID); err != nil {
		return nil, err
	}
	return v, nil
}

// Enter is the debtor's explicit step through the link: it counts the
// entry, records it on the timeline and records the new session with id
// sessionID, which the caller puts in the debtor's cookie.
func (s *Service) Enter(ctx context.Context, token, ip, sessionID string) (*Visit, error) {
	v, err := s.Resolve(ctx, token, ip)
	if err != nil {
		return v, err
	}
	if err := s.limit(ctx, fmt.Sprintf("link-entry:%d", v.Link.ID), linkEntryLimit, linkEntryWindow); err != nil {
		return nil, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.MarkLinkUsed(ctx, v.Creditor.ID, v.Debtor.ID, v.Link.ID, s.now()); err != nil {
			return err
		}
		if err := tx.CreateDebtorSession(ctx, SessionHash(sessionID), v.Creditor.ID, v.Debtor.ID, v.Link.ID, s.now()); err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{
			CreditorID: v.Creditor.ID, DebtorID: v.Debtor.ID, Kind: ar.KindLinkOpened,
			Channel: v.Link.Channel, Actor: "debtor", Visibility: ar.VisibleToCustomer,
			Data: map[string]any{"link_id": v.Link.ID},
		}); err != nil {
			return err
		}
		return s.linkOpenedEvent(ctx, tx, v)
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

// Account is the debtor's account at a glance.
type Account struct {
	Creditor *ar.Creditor
	Debtor   *ar.Debtor
	Summary  ar.Summary
	Invoices []ar.Invoice
	Today    time.Time
}

// Account loads a debtor's balance and invoices.
func (s *Service) Account(ctx context.Context, creditorID, debtorID int64) (*Account, error) {
	c, err := s.Store.Creditor(ctx, creditorID)
	if err != nil {
		return nil, err
	}
	return s.AccountOf(ctx, c, debtorID)
}

// Overview is the dashboard's account with what it shows beside the
// invoices (store.AccountOverview): two round trips for a debtor with
// nothing but invoices.
func (s *Service) Overview(ctx context.Context, c *ar.Creditor, debtorID int64) (*Account, *store.AccountOverview, error) {
	ov, err := s.Store.AccountOverview(ctx, c.ID, debtorID, c.Currency)
	if err != nil {
		return nil, nil, err
	}
	invs, err := s.Store.Invoices(ctx, c.ID, debtorID)
	if err != nil {
		return nil, nil, err
	}
	today := c.Today(s.now())
	return &Account{Creditor: c, Debtor: &ov.Debtor, Invoices: invs, Today: today,
		Summary: ar.SummarizeWithPlans(c.Currency, invs, today, ov.PlanInvoices())}, ov, nil
}

// AccountOf is Account for a creditor already loaded (the debtor pages
// have it from the session check).
func (s *Service) AccountOf(ctx context.Context, c *ar.Creditor, debtorID int64) (*Account, error) {
	d, err := s.Store.Debtor(ctx, c.ID, debtorID)
	if err != nil {
		return nil, err
	}
	invs, err := s.Store.Invoices(ctx, c.ID, debtorID)
	if err != nil {
		return nil, err
	}
	inPlan, err := s.Store.ActivePlanInvoiceIDs(ctx, c.ID, debtorID)
	if err != nil {
		return nil, err
	}
	today := c.Today(s.now())
	return &Account{Creditor: c, Debtor: d, Invoices: invs, Today: today,
		Summary: ar.SummarizeWithPlans(c.Currency, invs, today, inPlan)}, nil
}

// Invoice loads one of the debtor's invoices by number.
func (s *Service) Invoice(ctx context.Context, creditorID, debtorID int64, number string) (*ar.Invoice, error) {
	return s.Store.Invoice(ctx, creditorID, debtorID, number)
}

// SessionLive reports whether a debtor session still counts: not signed
// out, not replaced at step-up, and its link not revoked. It returns the
// session's creditor with the answer (one round trip), which the page
// then uses instead of loading it again.
func (s *Service) SessionLive(ctx context.Context, creditorID, debtorID int64, sessionID string) (*ar.Creditor, bool, error) {
	c, live, err := s.Store.DebtorSessionCreditor(ctx, SessionHash(sessionID), creditorID, debtorID)
	if ar.IsNotFound(err) {
		return nil, false, nil // no such creditor: no session either
	}
	return c, live, err
}

// RotateSession replaces a session id with a new one (at step-up), ending
// the old one so that a copy of the old cookie is worthless.
func (s *Service) RotateSession(ctx context.Context, creditorID, debtorID, linkID int64, oldID, newID string) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		ended, err := tx.EndDebtorSession(ctx, SessionHash(oldID), s.now())
		if err != nil {
			return err
		}
		if !ended {
			return ar.Errorf(ar.Forbidden, "page.session.ended.body")
		}
		return tx.CreateDebtorSession(ctx, SessionHash(newID), creditorID, debtorID, linkID, s.now())
	})
}

// EndSession signs a session out on the server.
func (s *Service) EndSession(ctx context.Context, sessionID string) error {
	_, err := s.Store.EndDebtorSession(ctx, SessionHash(sessionID), s.now())
	return err
}

// SessionHash is how a session id is referred to in the database.
func SessionHash(sessionID string) []byte {
	h := sha256.Sum256([]byte("session:" + sessionID))
	return h[:]
}

// SendLink queues a link to the debtor by email or SMS, in the debtor's
// language, and returns the masked address it goes to.
func (s *Service) SendLink(ctx context.Context, link *ar.AccessLink, url, channel string) (string, error) {
	c, err := s.Store.Creditor(ctx, link.CreditorID)
	if err != nil {
		return "", err
	}
	d, err := s.Store.Debtor(ctx, link.CreditorID, link.DebtorID)
	if err != nil {
		return "", err
	}
	msg, masked, lang, err := s.LinkMessage(c, d, url, channel)
	if err != nil {
		return "", err
	}
	if err := s.enqueue(ctx, s.Store, c, lang, msg); err != nil {
		return "", err
	}
	return masked, nil
}

// LinkMessage is the email or SMS that carries a link to the debtor, in
// their language (also what staff preview before sending), with the
// masked address and the language it is in.
func (s *Service) LinkMessage(c *ar.Creditor, d *ar.Debtor, url, channel string) (msg *ar.Message, masked, lang string, err error) {
	lang = d.Language
	if lang == "" {
		lang = c.DefaultLanguage
	}
	msg = &ar.Message{CreditorID: c.ID, DebtorID: &d.ID, Channel: channel, Purpose: "link"}
	switch channel {
	case "email":
		msg.Recipient, masked = d.Email, ar.MaskEmail(d.Email)
		msg.Subject = s.Text.Text(lang, "message.link.subject", "Creditor", c.Name)
		msg.Body = s.Text.Text(lang, "message.link.email", "Creditor", c.Name, "Name", d.Name, "URL", url)
	case "sms":
		msg.Recipient, masked = d.Phone, ar.MaskPhone(d.Phone)
		msg.Body = s.Text.Text(lang, "message.link.sms", "Creditor", c.Name, "URL", url)
	default:
		return nil, "", "", ar.FieldError("channel", "error.link.channel", nil)
	}
	if msg.Recipient == "" {
		return nil, "", "", ar.FieldError("channel", "error.stepup.no_destination", nil)
	}
	return msg, masked, lang, nil
}

// EntryParams are the query parameters of a signed entry URL.
type EntryParams struct {
	Slug, Customer, Expires, Nonce, Signature string
}

// EnterSigned admits a customer whom the creditor's own site signed in:
// it checks the signature, expiry and single-use nonce, then records a
// session (on a short-lived link of channel "entry") with the step-up
// satisfied. Every failure looks alike to the visitor.
func (s *Service) EnterSigned(ctx context.Context, p EntryParams, ip, sessionID string) (*Visit, error) {
	if err := s.limit(ctx, "entry-ip:"+ip, linkIPLimit, linkIPWindow); err != nil {
		return nil, err
	}
	invalid := ar.Errorf(ar.NotFound, "error.link.invalid")
	if !ar.ValidSlug(p.Slug) {
		return nil, invalid
	}
	c, err := s.Store.CreditorBySlug(ctx, p.Slug)
	if ar.IsNotFound(err) {
		return nil, invalid
	} else if err != nil {
		return nil, err
	}
	secret, err := s.Store.EntrySecret(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	if err := ar.CheckEntry(secret, p.Slug, p.Customer, p.Expires, p.Nonce, p.Signature, s.now()); err != nil {
		s.Log.WarnContext(ctx, "signed entry refused", "creditor", c.Slug, "reason", err.Error())
		return &Visit{Creditor: c}, err
	}
	d, err := s.Store.DebtorByNumber(ctx, c.ID, p.Customer)
	if ar.IsNotFound(err) {
		return &Visit{Creditor: c}, invalid
	} else if err != nil {
		return nil, err
	}
	v := &Visit{Creditor: c, Debtor: d}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		fresh, err := tx.UseEntryNonce(ctx, c.ID, p.Nonce, s.now().Add(ar.EntryMaxAge+time.Minute))
		if err != nil {
			return err
		}
		if !fresh {
			return ar.Errorf(ar.Gone, "error.link.used")
		}
		_, hash := ar.NewToken() // the session needs a link; this one's token is never shown
		v.Link = &ar.AccessLink{CreditorID: c.ID, DebtorID: d.ID, TokenHash: hash, Purpose: ar.PurposePortal,
			Channel: "entry", ExpiresAt: s.now().Add(12 * time.Hour)}
		if err := tx.CreateAccessLink(ctx, v.Link); err != nil {
			return err
		}
		if err := tx.CreateDebtorSession(ctx, SessionHash(sessionID), c.ID, d.ID, v.Link.ID, s.now()); err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: ar.KindLinkOpened,
			Channel: "entry", Actor: "debtor", Visibility: ar.VisibleToCustomer, Data: map[string]any{"link_id": v.Link.ID}}); err != nil {
			return err
		}
		return s.linkOpenedEvent(ctx, tx, v)
	})
	if err != nil {
		if ar.ErrorCode(err) == ar.Gone {
			s.Log.WarnContext(ctx, "signed entry replayed", "creditor", c.Slug)
			return &Visit{Creditor: c}, err
		}
		return nil, err
	}
	return v, nil
}

// linkOpenedEvent tells the creditor that a debtor came in (a signal for
// its own collection work: someone is engaging).
func (s *Service) linkOpenedEvent(ctx context.Context, tx *store.Store, v *Visit) error {
	_, err := tx.AddEvent(ctx, v.Creditor.ID, &v.Debtor.ID, "link.opened", map[string]any{
		"customer_number": v.Debtor.CustomerNumber, "channel": v.Link.Channel,
	})
	return err
}

// SendCheckoutLink sends a payment's checkout page to the debtor, by SMS
// when there is a mobile number, else by email (assist mode: the debtor
// pays on their own device). It returns the channel and masked address.
func (s *Service) SendCheckoutLink(ctx context.Context, c *ar.Creditor, d *ar.Debtor, url, amount string) (channel, masked string, err error) {
	lang := d.Language
	if lang == "" {
		lang = c.DefaultLanguage
	}
	msg := &ar.Message{CreditorID: c.ID, DebtorID: &d.ID, Purpose: "checkout"}
	switch {
	case d.Phone != "":
		msg.Channel, msg.Recipient, masked = "sms", d.Phone, ar.MaskPhone(d.Phone)
		msg.Body = s.Text.Text(lang, "message.checkout.sms", "Creditor", c.Name, "Amount", amount, "URL", url)
	case d.Email != "":
		msg.Channel, msg.Recipient, masked = "email", d.Email, ar.MaskEmail(d.Email)
		msg.Subject = s.Text.Text(lang, "message.checkout.subject", "Creditor", c.Name)
		msg.Body = s.Text.Text(lang, "message.checkout.email", "Creditor", c.Name, "Name", d.Name, "Amount", amount, "URL", url)
	default:
		return "", "", ar.Errorf(ar.Conflict, "error.staff.assist.no_destination")
	}
	return msg.Channel, masked, s.enqueue(ctx, s.Store, c, lang, msg)
}

// Notify sends the debtor a short message by their preferred channel
// (email or SMS; letters fall back to email, then SMS), in their
// language, with a fresh link to their account. name names the texts:
// message.<name>.subject and .email for an email, .sms for an SMS; they
// get .Creditor, .Name and .URL besides kv. It reports the channel used
// ("" when the debtor has no address: the portal still shows it).
// NotifyKeys lists the keys a name needs (tests check they exist).
func (s *Service) Notify(ctx context.Context, c *ar.Creditor, d *ar.Debtor, purpose, name string, kv ...any) (string, error) {
	key := "message." + name
	lang := d.Language
	if lang == "" {
		lang = c.DefaultLanguage
	}
	channel, to := "email", d.Email
	if d.PreferredChannel == "sms" && d.Phone != "" || d.Email == "" {
		channel, to = "sms", d.Phone
	}
	if to == "" {
		return "", nil // nobody to tell; the portal shows it
	}
	msg := &ar.Message{CreditorID: c.ID, DebtorID: &d.ID, Channel: channel, Recipient: to, Purpose: purpose}
	token, _, err := s.IssueLink(ctx, c, d.ID, channel)
	if err != nil {
		return "", err
	}
	args := append([]any{"Creditor", c.Name, "Name", d.Name, "URL", s.LinkURL(token), "Channel", channel}, kv...)
	if channel == "email" {
		msg.Subject = s.Text.Text(lang, key+".subject", args...)
	}
	msg.Body = s.Text.Text(lang, key+"."+channel, args...)
	return channel, s.enqueue(ctx, s.Store, c, lang, msg)
}

// NotifyKeys are the translation keys Notify needs for a message name.
func NotifyKeys(name string) []string {
	k := "message." + name
	return []string{k + ".subject", k + ".email", k + ".sms"}
}
