package store

import (
	"context"
	"time"

	"github.com/settle/settle/internal/ar"
)

const debtorColumns = `id, creditor_id, customer_number, kind, name, email, phone, street,
	postcode, city, country, birth_date, language, preferred_channel, segment, hardship,
	service_status, service_restore_minor, service_note, service_changed_at, service_restorable_at`

// Debtor returns the debtor with id at the creditor.
func (s *Store) Debtor(ctx context.Context, creditorID, debtorID int64) (d *ar.Debtor, err error) {
	defer wrap(&err, "Debtor(%d, %d)", creditorID, debtorID)
	d = new(ar.Debtor)
	err = s.hotGet(ctx, d, `SELECT `+debtorColumns+` FROM debtors
		WHERE creditor_id = $1 AND id = $2`, creditorID, debtorID)
	return d, err
}

// DebtorByNumber returns the debtor with a customer number at the creditor.
func (s *Store) DebtorByNumber(ctx context.Context, creditorID int64, number string) (d *ar.Debtor, err error) {
	defer wrap(&err, "DebtorByNumber(%d, %q)", creditorID, number)
	d = new(ar.Debtor)
	err = s.q.GetContext(ctx, d, `SELECT `+debtorColumns+` FROM debtors
		WHERE creditor_id = $1 AND customer_number = $2`, creditorID, number)
	return d, err
}

// UpsertDebtor creates or updates a debtor by customer number and returns
// its id.
func (s *Store) UpsertDebtor(ctx context.Context, d *ar.Debtor) (id int64, err error) {
	defer wrap(&err, "UpsertDebtor(%d, %q)", d.CreditorID, d.CustomerNumber)
	if d.Kind == "" {
		d.Kind = "consumer"
	}
	if d.PreferredChannel == "" {
		d.PreferredChannel = "email"
	}
	if d.Country == "" {
		d.Country = "DE"
	}
	err = s.q.GetContext(ctx, &id, `INSERT INTO debtors (creditor_id, customer_number, kind, name,
		email, phone, street, postcode, city, country, birth_date, language, preferred_channel,
		segment, hardship)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (creditor_id, customer_number) DO UPDATE SET
			kind = EXCLUDED.kind, name = EXCLUDED.name, email = EXCLUDED.email,
			phone = EXCLUDED.phone, street = EXCLUDED.street, postcode = EXCLUDED.postcode,
			city = EXCLUDED.city, country = EXCLUDED.country, birth_date = EXCLUDED.birth_date,
			language = EXCLUDED.language, preferred_channel = EXCLUDED.preferred_channel,
			segment = EXCLUDED.segment, hardship = EXCLUDED.hardship, updated_at = now()
		RETURNING id`,
		d.CreditorID, d.CustomerNumber, d.Kind, d.Name, d.Email, d.Phone, d.Street, d.Postcode,
		d.City, d.Country, d.BirthDate, d.Language, d.PreferredChannel, d.Segment, d.Hardship)
	d.ID = id
	return id, err
}

// LockDebtor returns a debtor by customer number and locks its row until
// the transaction ends, so that concurrent bookings for one debtor are
// applied one after the other.
func (s *Store) LockDebtor(ctx context.Context, creditorID int64, number string) (d *ar.Debtor, err error) {
	defer wrap(&err, "LockDebtor(%d, %q)", creditorID, number)
	d = new(ar.Debtor)
	err = s.q.GetContext(ctx, d, `SELECT `+debtorColumns+` FROM debtors
		WHERE creditor_id = $1 AND customer_number = $2 FOR UPDATE`, creditorID, number)
	return d, err
}

// SetServiceStatus records what the creditor says about the debtor's
// service; a new status starts a new restore period.
func (s *Store) SetServiceStatus(ctx context.Context, creditorID, debtorID int64, status ar.ServiceStatus, restoreMinor *int64, note string, at time.Time) (err error) {
	defer wrap(&err, "SetServiceStatus(%d, %d)", creditorID, debtorID)
	_, err = s.q.ExecContext(ctx, `UPDATE debtors SET service_status = $3, service_restore_minor = $4,
		service_note = $5, service_changed_at = $6, service_restorable_at = NULL, updated_at = now()
		WHERE creditor_id = $1 AND id = $2`, creditorID, debtorID, status, restoreMinor, note, at)
	return err
}

// MarkServiceRestorable notes that service.restorable was emitted for
// the current restore period.
func (s *Store) MarkServiceRestorable(ctx context.Context, creditorID, debtorID int64, at time.Time) (err error) {
	defer wrap(&err, "MarkServiceRestorable(%d, %d)", creditorID, debtorID)
	_, err = s.q.ExecContext(ctx, `UPDATE debtors SET service_restorable_at = $3
		WHERE creditor_id = $1 AND id = $2`, creditorID, debtorID, at)
	return err
}
