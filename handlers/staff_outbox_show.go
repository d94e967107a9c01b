package handlers

import (
	"net/http"
	"time"

	"github.com/settle/settle/internal/store"
	"github.com/settle/settle/views"
)

// staffOutboxShow is one message of the creditor's outbox: recipient,
// delivery state and the text as sent (escaped; the HTML version has a
// route of its own).
func (s *Server) staffOutboxShow(w http.ResponseWriter, r *http.Request, sc *staffCtx) error {
	id, err := pathID(r, "message")
	if err != nil {
		return err
	}
	m, err := s.Store.OutboxMessage(r.Context(), sc.creditorID(), id)
	if err != nil {
		return err
	}
	row := outboxRow(m.OutboxItem, sc.creditor.Location())
	row.Body, row.LastError, row.Provider = s.redactMessage(m.Body, m.Purpose), m.LastError, m.ProviderID
	row.Summary, row.Subject = s.redactMessage(row.Summary, m.Purpose), s.redactMessage(row.Subject, m.Purpose)
	return s.renderStaff(w, r, http.StatusOK, sc, views.StaffOutboxMessagePage(row))
}

// outboxRow is a message as the outbox pages show it.
func outboxRow(m store.OutboxItem, loc *time.Location) views.OutboxRow {
	row := views.OutboxRow{ID: m.ID, Channel: m.Channel, Recipient: m.Recipient, Summary: m.Subject, Subject: m.Subject,
		Purpose: m.Purpose, Status: m.Status, Created: m.CreatedAt.In(loc), Attempts: m.Attempts, HasHTML: m.HasHTML}
	if row.Summary == "" {
		row.Summary = m.FirstLine
	}
	if m.SentAt != nil {
		t := m.SentAt.In(loc)
		row.Sent = &t
	}
	if m.CustomerNumber != nil {
		row.Debtor = *m.CustomerNumber
		if m.DebtorName != nil && *m.DebtorName != "" {
			row.Debtor += " · " + *m.DebtorName
		}
	}
	return row
}
