package staff

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// TaskPermission is what a role needs to work on a task of a kind:
// callbacks are agents' work (PermContact); money needing attention,
// disputes and plan requests are decisions (PermDecide).
func TaskPermission(kind string) Permission {
	if kind == "callback" {
		return PermContact
	}
	return PermDecide
}

// MaxTaskNote is the longest note accepted when a task is done.
const MaxTaskNote = 500

// KindTaskDone is the timeline entry a finished task leaves on the
// debtor (internal).
const KindTaskDone = "task.done"

// AssignTask gives a creditor's open task to u. A task someone else holds
// moves only when takeOver says so (the "take over" button), and the
// audit log names whom it was taken from.
func (s *Service) AssignTask(ctx context.Context, creditorID int64, u *store.StaffUser, taskID int64, takeOver bool) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		t, err := openTask(ctx, tx, creditorID, u, taskID)
		if err != nil {
			return err
		}
		action := "task.assigned"
		switch {
		case t.AssignedTo != nil && *t.AssignedTo == u.ID:
			return nil // already ours: nothing changes
		case t.AssignedTo != nil && !takeOver:
			return ar.Errorf(ar.Conflict, "error.staff.queues.held")
		case t.AssignedTo != nil:
			action = "task.taken_over"
		}
		if err := tx.SetTaskAssignee(ctx, creditorID, t.ID, &u.ID); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &u.ID, &creditorID, action, taskSubject(t),
			map[string]any{"assigned_to": t.AssignedTo}, map[string]any{"assigned_to": u.ID})
	})
}

// ReleaseTask puts u's task back into the queue for anyone.
func (s *Service) ReleaseTask(ctx context.Context, creditorID int64, u *store.StaffUser, taskID int64) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		t, err := openTask(ctx, tx, creditorID, u, taskID)
		if err != nil {
			return err
		}
		switch {
		case t.AssignedTo == nil:
			return nil // nobody holds it: nothing changes
		case *t.AssignedTo != u.ID:
			return ar.Errorf(ar.Conflict, "error.staff.queues.not_yours")
		}
		if err := tx.SetTaskAssignee(ctx, creditorID, t.ID, nil); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &u.ID, &creditorID, "task.released", taskSubject(t),
			map[string]any{"assigned_to": u.ID}, map[string]any{"assigned_to": nil})
	})
}

// CompleteTask marks a task done by u, with an optional note, and leaves
// an internal entry on the debtor's timeline. A task someone else holds
// must be taken over first.
func (s *Service) CompleteTask(ctx context.Context, creditorID int64, u *store.StaffUser, taskID int64, note string) error {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxTaskNote {
		return ar.FieldError("note", "error.staff.queues.note_too_long", map[string]any{"Max": MaxTaskNote})
	}
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		t, err := openTask(ctx, tx, creditorID, u, taskID)
		if err != nil {
			return err
		}
		if t.AssignedTo != nil && *t.AssignedTo != u.ID {
			return ar.Errorf(ar.Conflict, "error.staff.queues.held")
		}
		now := s.now()
		if err := tx.CompleteTask(ctx, creditorID, t.ID, u.ID, now); err != nil {
			return err
		}
		data := map[string]any{"task_id": t.ID, "task_kind": t.Kind, "note": note}
		if t.AmountMinor != 0 {
			data["amount_minor"], data["currency"] = t.AmountMinor, t.Currency
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: creditorID, DebtorID: t.DebtorID,
			Kind: KindTaskDone, Actor: "staff", Visibility: ar.InternalOnly, StaffID: &u.ID, Data: data,
			OccurredAt: now}); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &u.ID, &creditorID, "task.done", taskSubject(t),
			map[string]any{"done_at": nil}, map[string]any{"done_at": now, "note": note})
	})
}

// openTask locks one of the creditor's tasks that is still open and that
// u's role may work on.
func openTask(ctx context.Context, tx *store.Store, creditorID int64, u *store.StaffUser, taskID int64) (*store.Task, error) {
	t, err := tx.LockTask(ctx, creditorID, taskID)
	if err != nil {
		return nil, err
	}
	if !Can(u.Role, TaskPermission(t.Kind)) {
		return nil, ar.Errorf(ar.Forbidden, "error.staff.forbidden")
	}
	if t.DoneAt != nil {
		return nil, ar.Errorf(ar.Conflict, "error.staff.queues.task_done")
	}
	return t, nil
}

// taskSubject names a task in the audit log.
func taskSubject(t *store.Task) string { return fmt.Sprintf("task:%d (%s)", t.ID, t.Kind) }
