package portal

import (
	"context"
	"fmt"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// CheckKnowledge verifies a knowledge answer (postcode or date of birth)
// for the debtor who entered through linkID. Tries are limited per link
// and per IP; every failure is on the internal timeline.
func (s *Service) CheckKnowledge(ctx context.Context, c *ar.Creditor, debtorID, linkID int64, ip, answer string) error {
	if err := s.limit(ctx, fmt.Sprintf("knowledge-link:%d", linkID), ar.KnowledgeMaxAttempts, ar.KnowledgeWindow); err != nil {
		return &ar.Error{Code: ar.TooMany, Key: "error.stepup.locked", Field: "answer"}
	}
	if err := s.limit(ctx, "knowledge-ip:"+ip, knowledgeIPLimit, ar.KnowledgeWindow); err != nil {
		return &ar.Error{Code: ar.TooMany, Key: "error.stepup.locked", Field: "answer"}
	}
	d, err := s.Store.Debtor(ctx, c.ID, debtorID)
	if err != nil {
		return err
	}
	checkErr := ar.CheckKnowledge(c.StepUpKnowledge, d, answer)
	kind := ar.KindStepUpPassed
	if checkErr != nil {
		kind = ar.KindStepUpFailed
	}
	if err := s.Store.AddInteraction(ctx, &ar.Interaction{
		CreditorID: c.ID, DebtorID: debtorID, Kind: kind, Actor: "debtor",
		Visibility: ar.InternalOnly, Data: map[string]any{"method": "knowledge", "link_id": linkID},
	}); err != nil {
		return err
	}
	return checkErr
}

// OTPDestinations lists the channels a code can go to, with masked
// addresses, for the debtor.
func OTPDestinations(d *ar.Debtor) []Destination {
	var list []Destination
	if d.Email != "" {
		list = append(list, Destination{Channel: "email", Masked: ar.MaskEmail(d.Email)})
	}
	if d.Phone != "" {
		list = append(list, Destination{Channel: "sms", Masked: ar.MaskPhone(d.Phone)})
	}
	return list
}

// Destination is where a one-time code can be sent.
type Destination struct {
	Channel string
	Masked  string
}

// SendOTP creates a one-time code bound to the session and puts it in the
// outbox for the channel (email or sms) on file.
func (s *Service) SendOTP(ctx context.Context, c *ar.Creditor, debtorID int64, sessionID, channel, lang string) (Destination, error) {
	d, err := s.Store.Debtor(ctx, c.ID, debtorID)
	if err != nil {
		return Destination{}, err
	}
	var dest Destination
	for _, x := range OTPDestinations(d) {
		if x.Channel == channel {
			dest = x
		}
	}
	if dest.Channel == "" {
		return Destination{}, ar.FieldError("channel", "error.stepup.no_destination", nil)
	}
	sh := SessionHash(sessionID)
	if err := s.limit(ctx, fmt.Sprintf("otp-session:%x", sh[:8]), otpSendSession, otpSendWindow); err != nil {
		return Destination{}, err
	}
	if err := s.limit(ctx, fmt.Sprintf("otp-debtor:%d", debtorID), otpSendDebtor, otpSendWindow); err != nil {
		return Destination{}, err
	}
	code, salt, hash := ar.NewOTP()
	recipient := d.Email
	if channel == "sms" {
		recipient = d.Phone
	}
	msg := &ar.Message{
		CreditorID: c.ID, DebtorID: &d.ID, Channel: channel, Recipient: recipient, Purpose: "otp",
		Subject: s.Text.Text(lang, "message.otp.subject", "Creditor", c.Name),
		Body:    s.Text.Text(lang, "message.otp.body", "Creditor", c.Name, "Code", code, "Minutes", int(ar.OTPTTL.Minutes())),
	}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		ch := &ar.OTPChallenge{CreditorID: c.ID, DebtorID: d.ID, SessionHash: sh, Salt: salt,
			CodeHash: hash, Channel: channel, ExpiresAt: s.now().Add(ar.OTPTTL)}
		if err := tx.CreateOTPChallenge(ctx, ch); err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, c, lang, msg); err != nil {
			return err
		}
		return tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID,
			Kind: ar.KindOTPSent, Channel: channel, Actor: "system", Visibility: ar.InternalOnly,
			Data: map[string]any{"message_id": msg.ID}})
	})
	if err != nil {
		return Destination{}, err
	}
	if s.Demo {
		// Demo mode has no mail server: the code goes to the log so that
		// the person trying Settle can continue. Never in production.
		s.Log.InfoContext(ctx, "demo: one-time code queued", "creditor", c.Slug,
			"customer", d.CustomerNumber, "channel", channel, "code", code)
	}
	return dest, nil
}

// VerifyOTP checks a code against the newest challenge of the session.
// Wrong codes count towards the lock; a right code is consumed.
func (s *Service) VerifyOTP(ctx context.Context, c *ar.Creditor, debtorID int64, sessionID, code string) error {
	sh := SessionHash(sessionID)
	var checkErr error
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		ch, err := tx.LatestOTPChallenge(ctx, c.ID, debtorID, sh)
		if err != nil {
			if ar.IsNotFound(err) {
				checkErr = ar.FieldError("code", "error.stepup.code_missing", nil)
				return nil
			}
			return err
		}
		checkErr = ch.Check(code, sh, s.now())
		used := checkErr == nil
		if checkErr != nil && (ar.ErrorCode(checkErr) == ar.TooMany || ch.UsedAt != nil || !s.now().Before(ch.ExpiresAt)) {
			return nil // nothing more to count on a dead code
		}
		if err := tx.RecordOTPAttempt(ctx, ch.ID, used, s.now()); err != nil {
			return err
		}
		kind := ar.KindStepUpPassed
		if !used {
			kind = ar.KindStepUpFailed
			if ch.Attempts+1 >= ar.OTPMaxAttempts {
				checkErr = &ar.Error{Code: ar.TooMany, Key: "error.stepup.code_locked", Field: "code"}
			}
		}
		return tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: debtorID,
			Kind: kind, Actor: "debtor", Visibility: ar.InternalOnly,
			Data: map[string]any{"method": "otp"}})
	})
	if err != nil {
		return err
	}
	return checkErr
}
