package backoffice

import (
	"context"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/portal"
	"github.com/settle/settle/internal/store"
)

// StartAssist opens the debtor's portal for an agent who walks the
// debtor through it on the phone, with the debtor's consent and after
// checking who is calling. The session is marked as assisted (every
// entry it writes names the agent), the debtor's timeline says that the
// agent opened the account, and the audit log has it. The agent never
// sees card data: payments in an assisted session go to the debtor as
// a link (handlers/payment_start.go).
func (s *Service) StartAssist(ctx context.Context, a Actor, debtorID int64, sessionID string, consent, identified bool) (*ar.Debtor, int64, error) {
	var errs ar.Invalids
	if !consent {
		errs = append(errs, ar.FieldError("consent", "error.staff.assist.consent", nil))
	}
	if !identified {
		errs = append(errs, ar.FieldError("identified", "error.staff.assist.identified", nil))
	}
	if len(errs) > 0 {
		return nil, 0, errs
	}
	var d *ar.Debtor
	var linkID int64
	err := s.Store.InTx(ctx, func(tx *store.Store) error {
		c, err := tx.Creditor(ctx, a.CreditorID)
		if err != nil {
			return err
		}
		if d, err = tx.Debtor(ctx, a.CreditorID, debtorID); err != nil {
			return err
		}
		p := *s.Portal
		p.Store = tx
		// The session needs a link to hang on; its token is thrown away.
		_, link, err := p.IssueLink(ctx, c, d.ID, "assist")
		if err != nil {
			return err
		}
		linkID = link.ID
		if err := tx.CreateAssistedSession(ctx, portal.SessionHash(sessionID), c.ID, d.ID, link.ID, a.StaffID, s.now()); err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: KindAssistStarted,
			Channel: "phone", Actor: "staff", StaffID: &a.StaffID, Visibility: ar.VisibleToCustomer}); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &a.StaffID, &a.CreditorID, "assist.started", d.CustomerNumber, nil, map[string]any{"link": link.ID})
	})
	return d, linkID, err
}

// SendPaymentLink sends the checkout of a payment started in assist mode
// to the debtor, and records that the agent did.
func (s *Service) SendPaymentLink(ctx context.Context, staffID int64, c *ar.Creditor, d *ar.Debtor, paymentID, url string, amountMinor int64) error {
	return s.Store.InTx(ctx, func(tx *store.Store) error {
		p := *s.Portal
		p.Store = tx
		lang := d.Language
		if lang == "" {
			lang = c.DefaultLanguage
		}
		channel, masked, err := p.SendCheckoutLink(ctx, c, d, url, s.Portal.Text.Money(lang, amountMinor, c.Currency))
		if err != nil {
			return err
		}
		if err := tx.AddInteraction(ctx, &ar.Interaction{CreditorID: c.ID, DebtorID: d.ID, Kind: "payment.link_sent",
			Channel: channel, Actor: "staff", StaffID: &staffID, Visibility: ar.VisibleToCustomer,
			Data: map[string]any{"amount_minor": amountMinor, "currency": c.Currency, "to": masked, "payment": paymentID}}); err != nil {
			return err
		}
		return tx.AddAudit(ctx, &staffID, &c.ID, "assist.payment_link_sent", d.CustomerNumber, nil,
			map[string]any{"payment": paymentID, "channel": channel, "to": masked})
	})
}
