package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/VictorAvelar/mollie-api-go/v4/mollie"
)

// Customers and mandates, for autopay: a first payment (sequenceType
// "first") made for a customer leaves a mandate behind; recurring
// payments charge it without the debtor.

// Mandate is a customer's mandate as Settle needs it.
type Mandate struct {
	ID              string
	CustomerID      string
	Status          string // pending, valid, invalid
	Method          string // directdebit, creditcard, paypal
	ConsumerName    string
	ConsumerAccount string // the IBAN (directdebit) or the card's last digits
}

// CreateCustomer creates a customer at the provider and returns its id.
// idemKey makes a retry find the same customer.
func (c *Client) CreateCustomer(ctx context.Context, apiKey, idempotencyKey, name, email, locale string, metadata map[string]any) (string, error) {
	mc, err := c.client(apiKey)
	if err != nil {
		return "", err
	}
	ctx = context.WithValue(ctx, idemKey{}, idempotencyKey)
	_, cu, err := mc.Customers.Create(ctx, mollie.CreateCustomer{Name: name, Email: email, Locale: mollie.Locale(locale), Metadata: metadata})
	if err != nil {
		return "", fmt.Errorf("payments: create customer: %w", err)
	}
	return cu.ID, nil
}

// GetMandate fetches one of a customer's mandates.
func (c *Client) GetMandate(ctx context.Context, apiKey, customerID, mandateID string) (*Mandate, error) {
	mc, err := c.client(apiKey)
	if err != nil {
		return nil, err
	}
	_, m, err := mc.Mandates.Get(ctx, customerID, mandateID)
	if err != nil {
		return nil, fmt.Errorf("payments: get mandate %s: %w", mandateID, err)
	}
	return convertMandate(customerID, m), nil
}

// Mandates lists a customer's mandates, newest first.
func (c *Client) Mandates(ctx context.Context, apiKey, customerID string) ([]Mandate, error) {
	mc, err := c.client(apiKey)
	if err != nil {
		return nil, err
	}
	_, list, err := mc.Mandates.List(ctx, customerID, &mollie.ListMandatesOptions{Limit: 50})
	if err != nil {
		return nil, fmt.Errorf("payments: list mandates of %s: %w", customerID, err)
	}
	out := make([]Mandate, 0, len(list.Embedded.Mandates))
	for _, m := range list.Embedded.Mandates {
		out = append(out, *convertMandate(customerID, m))
	}
	return out, nil
}

func convertMandate(customerID string, m *mollie.Mandate) *Mandate {
	out := &Mandate{ID: m.ID, CustomerID: customerID, Status: string(m.Status), Method: string(m.Method),
		ConsumerName: m.Details.ConsumerName, ConsumerAccount: m.Details.ConsumerAccount}
	if out.ConsumerAccount == "" && m.Details.CardNumber != "" {
		out.ConsumerAccount = m.Details.CardNumber
	}
	return out
}

// RevokeMandate revokes a mandate: the provider charges it never again.
// A mandate the provider does not know (any more) counts as revoked.
func (c *Client) RevokeMandate(ctx context.Context, apiKey, customerID, mandateID string) error {
	mc, err := c.client(apiKey)
	if err != nil {
		return err
	}
	if _, err := mc.Mandates.Revoke(ctx, customerID, mandateID); err != nil && StatusOf(err) != http.StatusNotFound {
		return fmt.Errorf("payments: revoke mandate %s: %w", mandateID, err)
	}
	return nil
}

// CustomerPayments lists a customer's newest payments (at most limit,
// up to 250).
func (c *Client) CustomerPayments(ctx context.Context, apiKey, customerID string, limit int) ([]Payment, error) {
	mc, err := c.client(apiKey)
	if err != nil {
		return nil, err
	}
	_, list, err := mc.Customers.GetPayments(ctx, customerID, &mollie.ListCustomersOptions{Limit: min(limit, 250)})
	if err != nil {
		return nil, fmt.Errorf("payments: payments of %s: %w", customerID, err)
	}
	out := make([]Payment, 0, len(list.Embedded.Payments))
	for _, p := range list.Embedded.Payments {
		cp, err := convert(p)
		if err != nil {
			return nil, err
		}
		out = append(out, *cp)
	}
	return out, nil
}

// Cancel cancels an open or pending payment where the provider allows it
// (bank transfers and direct debits not yet sent to the bank).
func (c *Client) Cancel(ctx context.Context, apiKey, id string) (*Payment, error) {
	mc, err := c.client(apiKey)
	if err != nil {
		return nil, err
	}
	_, p, err := mc.Payments.Cancel(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("payments: cancel %s: %w", id, err)
	}
	return convert(p)
}

// notSEPA are the methods whose first payment leaves a mandate of their
// own (a card, a PayPal account) instead of a SEPA Direct Debit mandate.
var notSEPA = []string{"creditcard", "paypal", "applepay", "googlepay", "klarna", "klarnapaylater",
	"klarnasliceit", "klarnapaynow", "banktransfer", "directdebit", "voucher", "giftcard", "in3", "riverty", "billie"}

// SEPAFirstMethods lists the methods the creditor's profile offers for a
// first payment whose mandate is a SEPA Direct Debit mandate (iDEAL,
// Bancontact, EPS and other bank payments: Mollie turns the account
// they were paid from into the mandate).
func (c *Client) SEPAFirstMethods(ctx context.Context, apiKey string, amountMinor int64, currency, locale string) ([]string, error) {
	mc, err := c.client(apiKey)
	if err != nil {
		return nil, err
	}
	_, list, err := mc.PaymentMethods.List(ctx, &mollie.ListPaymentMethodsOptions{
		Amount: &mollie.Amount{Currency: currency, Value: FormatAmount(amountMinor)},
		Locale: mollie.Locale(locale), SequenceType: mollie.FirstSequence,
	})
	if err != nil {
		return nil, fmt.Errorf("payments: first-payment methods: %w", err)
	}
	var out []string
	for _, m := range list.Embedded.Methods {
		if !slices.Contains(notSEPA, strings.ToLower(m.ID)) {
			out = append(out, m.ID)
		}
	}
	return out, nil
}

// StatusOf returns the HTTP status of a provider's error answer (0 for
// errors without one: the network, a timeout).
func StatusOf(err error) int {
	var be *mollie.BaseError
	if errors.As(err, &be) {
		return be.Status
	}
	return 0
}
