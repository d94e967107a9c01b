package views

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"

	"github.com/a-h/templ"
)

// View models and helpers of the admin pages: staff accounts, the audit
// log, the outbox.

// StaffUsersVM lists a creditor's staff accounts.
type StaffUsersVM struct {
	Users  []StaffUserRow
	Notice string // a translation key, e.g. after creating an account
}

// StaffUserRow is one account in the list.
type StaffUserRow struct {
	ID           int64
	Email        string
	Name         string
	Role         string
	TOTPEnrolled bool
	TOTPRequired bool
	Disabled     bool
	Self         bool
	LastLogin    *time.Time // in the creditor's time zone
}

// StaffUserFormVM is the form that creates (ID 0) or edits an account.
type StaffUserFormVM struct {
	ID           int64
	Email        string
	Name         string
	Role         string
	TOTPRequired bool
	Disabled     bool
	Self         bool // the admin editing their own account
	TOTPEnrolled bool
	LastLogin    *time.Time
	Created      time.Time
	Errors       map[string]string // field → translation key
	Notice       string            // a translation key: saved, second factor reset
}

func (vm StaffUserFormVM) err(field string) string { return vm.Errors[field] }

// StaffPasswordVM shows a generated password, once.
type StaffPasswordVM struct {
	ID       int64
	Email    string
	Password string
	Created  bool // a new account (else a reset)
}

// StaffAuditVM is a page of the audit log.
type StaffAuditVM struct {
	Entries   []AuditRow
	Action    string // the action filter ("" for all)
	StaffID   int64  // the staff filter (0 for all)
	Groups    []string
	Actors    []AuditActor
	OlderURL  string // "" on the last page
	NewestURL string // "" on the first page
}

// AuditActor is a staff member to filter the audit log by.
type AuditActor struct {
	ID    int64
	Email string
}

// AuditRow is one audit entry.
type AuditRow struct {
	ID      int64
	Who     string // "" for the system or the command line
	Action  string
	Subject string
	At      time.Time // in the creditor's time zone
	Changes []AuditChange
}

// AuditChange is one field of an entry's before and after.
type AuditChange struct {
	Key       string
	Before    any
	After     any
	HasBefore bool
	HasAfter  bool
}

// StaffOutboxVM is a page of the outbox.
type StaffOutboxVM struct {
	Items     []OutboxRow
	Status    string
	Channel   string
	Statuses  []string
	Channels  []string
	OlderURL  string
	NewestURL string
	// Letters is the card of letters waiting for print (admins; nil: none shown).
	Letters *LettersCardVM
}

// OutboxRow is a message in the outbox.
type OutboxRow struct {
	ID        int64
	Channel   string
	Recipient string
	Summary   string // the subject, or the first line of the text
	Purpose   string
	Status    string
	Debtor    string // "K-100 · Alice Amsel"; "" for none
	Created   time.Time
	Sent      *time.Time
	Attempts  int
	HasHTML   bool
	Subject   string
	Body      string // the text, on the message's page
	LastError string
	Provider  string
}

// dateTime formats an instant (already in the creditor's zone) with its
// date and time of day.
func dateTime(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return Date(ctx, t) + " " + t.Format("15:04")
}

// tOr translates key, or returns fallback when the catalogue has no such
// key (actions and purposes written by code this page does not know).
func tOr(ctx context.Context, key, fallback string) string {
	if s := T(ctx, key); s != key {
		return s
	}
	return fallback
}

// auditLabel names an audit action: "audit.session.login" translated,
// else the action itself.
func auditLabel(ctx context.Context, action string) string { return tOr(ctx, "audit."+action, action) }

// auditGroup names a group of actions ("session", "user").
func auditGroup(ctx context.Context, g string) string { return tOr(ctx, "audit.group."+g, g) }

// auditField names a field of an entry's before and after.
func auditField(ctx context.Context, k string) string { return tOr(ctx, "audit.field."+k, k) }

// auditValue shows a before or after value compactly.
func auditValue(ctx context.Context, v any) string {
	switch v := v.(type) {
	case nil:
		return "–"
	case bool:
		if v {
			return T(ctx, "audit.value.yes")
		}
		return T(ctx, "audit.value.no")
	case string:
		if v == "" {
			return "–"
		}
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

// outboxURL is the outbox with a status and a channel filter.
func outboxURL(status, channel string) templ.SafeURL {
	q := url.Values{}
	if status != "" {
		q.Set("status", status)
	}
	if channel != "" {
		q.Set("channel", channel)
	}
	if len(q) == 0 {
		return "/staff/outbox"
	}
	return templ.SafeURL("/staff/outbox?" + q.Encode())
}

// currentFilter marks the chosen filter link.
func currentFilter(on bool) string {
	if on {
		return "true"
	}
	return ""
}

// outboxPurpose names why a message was sent ("link", "otp"), or shows
// the purpose as written.
func outboxPurpose(ctx context.Context, p string) string {
	if p == "" {
		return "–"
	}
	return tOr(ctx, "staff.outbox.purpose."+p, p)
}
