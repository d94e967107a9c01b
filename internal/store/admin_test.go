package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// Admins reach only their creditor's accounts: another creditor's and
// the operators' (no creditor) are not found, and nothing changes.
func TestCreditorStaffScoped(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	mk := func(email string, creditor *int64) int64 {
		id, err := w.st.CreateStaffUser(ctx, email, "agent", creditor, "hash-"+email, false)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	own, other, operator := mk("own@a.example", &w.a), mk("other@b.example", &w.b), mk("op@example.org", nil)

	if err := w.st.UpdateCreditorStaffUser(ctx, w.a, own, store.StaffUserUpdate{Name: "Olga", Role: "ar", Disabled: true}, now); err != nil {
		t.Fatal(err)
	}
	u, err := w.st.StaffUser(ctx, &w.a, own)
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "Olga" || u.Role != "ar" || u.DisabledAt == nil || !u.SessionsValidFrom.Equal(now) {
		t.Errorf("after update: %+v", u)
	}
	if err := w.st.SetCreditorStaffPassword(ctx, w.a, own, "new-hash", now); err != nil {
		t.Fatal(err)
	}
	if err := w.st.SetStaffTOTPSecret(ctx, own, []byte("sealed")); err != nil {
		t.Fatal(err)
	}
	if err := w.st.ClearCreditorStaffTOTP(ctx, w.a, own); err != nil {
		t.Fatal(err)
	}
	if u, _ := w.st.StaffUser(ctx, &w.a, own); u.PasswordHash != "new-hash" || u.TOTPSealed != nil {
		t.Errorf("password %q, TOTP %v", u.PasswordHash, u.TOTPSealed)
	}

	for _, id := range []int64{other, operator} {
		if _, err := w.st.LockStaffUser(ctx, w.a, id); !ar.IsNotFound(err) {
			t.Errorf("LockStaffUser(a, %d) = %v, want not found", id, err)
		}
		if err := w.st.UpdateCreditorStaffUser(ctx, w.a, id, store.StaffUserUpdate{Name: "x", Role: "admin"}, now); !ar.IsNotFound(err) {
			t.Errorf("UpdateCreditorStaffUser(a, %d) = %v, want not found", id, err)
		}
		if err := w.st.SetCreditorStaffPassword(ctx, w.a, id, "evil", now); !ar.IsNotFound(err) {
			t.Errorf("SetCreditorStaffPassword(a, %d) = %v, want not found", id, err)
		}
		if err := w.st.ClearCreditorStaffTOTP(ctx, w.a, id); !ar.IsNotFound(err) {
			t.Errorf("ClearCreditorStaffTOTP(a, %d) = %v, want not found", id, err)
		}
		u, err := w.st.StaffUser(ctx, nil, id)
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != "agent" || u.Name != "" || u.PasswordHash == "evil" {
			t.Errorf("account %d changed through creditor a: %+v", id, u)
		}
	}
	list, err := w.st.StaffUsers(ctx, &w.a)
	if err != nil || len(list) != 1 || list[0].ID != own {
		t.Errorf("StaffUsers(a) = %v, %v; want only %d", list, err, own)
	}
}

// The audit log: a creditor's entries only, newest first, by action
// prefix (literally: "_" is no wildcard), by staff member, by cursor.
func TestAuditEntries(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	s1, _ := w.st.CreateStaffUser(ctx, "s1@a.example", "admin", &w.a, "h", true)
	s2, _ := w.st.CreateStaffUser(ctx, "s2@a.example", "agent", &w.a, "h", false)
	op, _ := w.st.CreateStaffUser(ctx, "op@example.org", "admin", nil, "h", true)
	quiet, _ := w.st.CreateStaffUser(ctx, "quiet@example.org", "admin", nil, "h", true)
	add := func(staff *int64, creditor *int64, action string) {
		if err := w.st.AddAudit(ctx, staff, creditor, action, "subj", map[string]any{"a": 1}, nil); err != nil {
			t.Fatal(err)
		}
	}
	add(&s1, &w.a, "session.login")
	add(&s2, &w.a, "session.login_failed")
	add(&s2, &w.a, "session.loginxfailed")
	add(&op, &w.a, "user.created")
	add(nil, &w.a, "user.created")
	add(&s1, &w.b, "session.login")
	add(&op, nil, "session.login")

	all, err := w.st.AuditEntries(ctx, w.a, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 5 {
		t.Fatalf("%d entries of creditor a, want 5", len(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID > all[i-1].ID {
			t.Error("not newest first")
		}
	}
	if all[0].StaffID != nil || all[0].StaffEmail != nil || all[1].StaffEmail == nil || *all[1].StaffEmail != "op@example.org" {
		t.Errorf("who: %v / %v", all[0].StaffEmail, all[1].StaffEmail)
	}
	if string(all[0].Before) != `{"a": 1}` || string(all[0].After) != "null" {
		t.Errorf("before %s after %s", all[0].Before, all[0].After)
	}
	count := func(f store.AuditFilter) int {
		t.Helper()
		list, err := w.st.AuditEntries(ctx, w.a, f)
		if err != nil {
			t.Fatal(err)
		}
		return len(list)
	}
	for _, c := range []struct {
		f    store.AuditFilter
		want int
	}{
		{store.AuditFilter{Action: "session."}, 3},
		{store.AuditFilter{Action: "session.login_"}, 1},
		{store.AuditFilter{Action: "user."}, 2},
		{store.AuditFilter{Action: "%"}, 0},
		{store.AuditFilter{StaffID: s2}, 2},
		{store.AuditFilter{StaffID: s2, Action: "session.login_failed"}, 1},
		{store.AuditFilter{BeforeID: all[1].ID}, 3},
		{store.AuditFilter{Limit: 2}, 2},
	} {
		if got := count(c.f); got != c.want {
			t.Errorf("AuditEntries(%+v) = %d entries, want %d", c.f, got, c.want)
		}
	}
	actors, err := w.st.AuditActors(ctx, w.a)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, a := range actors {
		emails = append(emails, a.Email)
	}
	if len(emails) != 3 || emails[0] != "op@example.org" || emails[1] != "s1@a.example" || emails[2] != "s2@a.example" {
		t.Errorf("actors = %v (the quiet operator %d must not be there)", emails, quiet)
	}
	groups, err := w.st.AuditActionGroups(ctx, w.a)
	if err != nil || len(groups) != 2 || groups[0] != "session" || groups[1] != "user" {
		t.Errorf("groups = %v, %v", groups, err)
	}
}

// The outbox: a creditor's messages, newest first, by status and
// channel; one without a debtor shows too; another creditor's is not
// found.
func TestOutboxMessages(t *testing.T) {
	ctx := context.Background()
	w := setup(t)
	add := func(creditor int64, debtor *int64, channel, subject, body string) int64 {
		m := &ar.Message{CreditorID: creditor, DebtorID: debtor, Channel: channel, Recipient: "r@example.org",
			Subject: subject, Body: body, HTMLBody: "<p>x</p>", Purpose: "otp"}
		if err := w.st.EnqueueMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	m1 := add(w.a, &w.alice, "email", "Your code", "Code 123")
	m2 := add(w.a, nil, "sms", "", "\n  Your code is 4711\nsecond line")
	m3 := add(w.b, &w.carol, "email", "Carol's", "x")
	if _, err := w.st.DB().ExecContext(ctx, `UPDATE messages SET status = 'sent', sent_at = now() WHERE id = $1`, m1); err != nil {
		t.Fatal(err)
	}
	list, err := w.st.OutboxMessages(ctx, w.a, store.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].ID != m2 || list[1].ID != m1 {
		t.Fatalf("outbox of a = %+v", list)
	}
	if list[0].FirstLine != "Your code is 4711" || list[0].CustomerNumber != nil || !list[0].HasHTML {
		t.Errorf("debtor-less sms: %+v", list[0])
	}
	if list[1].CustomerNumber == nil || *list[1].CustomerNumber != "1" || *list[1].DebtorName != "Alice" || list[1].SentAt == nil {
		t.Errorf("alice's email: %+v", list[1])
	}
	for _, c := range []struct {
		f    store.OutboxFilter
		want int
	}{
		{store.OutboxFilter{Status: "sent"}, 1},
		{store.OutboxFilter{Status: "queued"}, 1},
		{store.OutboxFilter{Status: "failed"}, 0},
		{store.OutboxFilter{Channel: "sms"}, 1},
		{store.OutboxFilter{Channel: "sms", Status: "sent"}, 0},
		{store.OutboxFilter{BeforeID: m2}, 1},
	} {
		got, err := w.st.OutboxMessages(ctx, w.a, c.f)
		if err != nil || len(got) != c.want {
			t.Errorf("OutboxMessages(%+v) = %d, %v; want %d", c.f, len(got), err, c.want)
		}
	}
	m, err := w.st.OutboxMessage(ctx, w.a, m2)
	if err != nil || m.Body != "\n  Your code is 4711\nsecond line" || m.HTMLBody != "<p>x</p>" {
		t.Errorf("OutboxMessage = %+v, %v", m, err)
	}
	if _, err := w.st.OutboxMessage(ctx, w.a, m3); !ar.IsNotFound(err) {
		t.Errorf("creditor b's message through a: %v", err)
	}
}
