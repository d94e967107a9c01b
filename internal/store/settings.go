package store

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/settle/settle/internal/ar"
)

// A creditor's settings as admins change them in the back office: the
// brand (texts, colours, language, logo) and single API keys. Webhook
// endpoints belong to package hooks, which runs its SQL in a transaction
// of this store (Tx) so that the audit log commits with it.

// Brand is a creditor's look and contacts, with what the audit log
// records of its logo (type and size, never the bytes).
type Brand struct {
	Name            string `db:"name"`
	LegalName       string `db:"legal_name"`
	Address         string `db:"address"`
	SupportPhone    string `db:"support_phone"`
	SupportEmail    string `db:"support_email"`
	SupportHours    string `db:"support_hours"`
	LegalFooter     string `db:"legal_footer"`
	PrimaryColor    string `db:"primary_color"`
	AccentColor     string `db:"accent_color"`
	DefaultLanguage string `db:"default_language"`
	LogoType        string `db:"logo_type"` // "" without a logo
	LogoSize        int    `db:"logo_size"` // bytes
	LogoVersion     int64  `db:"logo_version"`
}

const brandColumns = `name, legal_name, address, support_phone, support_email, support_hours, legal_footer,
	primary_color, accent_color, default_language, CASE WHEN logo IS NULL THEN '' ELSE logo_type END AS logo_type,
	coalesce(octet_length(logo), 0) AS logo_size, logo_version`

// CreditorBrand returns a creditor's brand.
func (s *Store) CreditorBrand(ctx context.Context, creditorID int64) (b *Brand, err error) {
	defer wrap(&err, "CreditorBrand(%d)", creditorID)
	b = new(Brand)
	err = s.q.GetContext(ctx, b, `SELECT `+brandColumns+` FROM creditors WHERE id = $1`, creditorID)
	return b, err
}

// LockCreditorBrand returns a creditor's brand and locks it until the
// transaction ends (call it in InTx), so that two admins saving at once
// each record what they really changed.
func (s *Store) LockCreditorBrand(ctx context.Context, creditorID int64) (b *Brand, err error) {
	defer wrap(&err, "LockCreditorBrand(%d)", creditorID)
	b = new(Brand)
	err = s.q.GetContext(ctx, b, `SELECT `+brandColumns+` FROM creditors WHERE id = $1 FOR UPDATE`, creditorID)
	return b, err
}

// UpdateCreditorBrand stores a creditor's texts, colours and language
// (not the logo: SetCreditorLogo). Colours must be valid #rrggbb.
func (s *Store) UpdateCreditorBrand(ctx context.Context, creditorID int64, b *Brand) (err error) {
	defer wrap(&err, "UpdateCreditorBrand(%d)", creditorID)
	if !ar.ValidColor(b.PrimaryColor) || !ar.ValidColor(b.AccentColor) {
		return ar.FieldError("primary_color", "error.staff.settings.color", nil)
	}
	res, err := s.q.ExecContext(ctx, `UPDATE creditors SET name = $2, legal_name = $3, address = $4,
		support_phone = $5, support_email = $6, support_hours = $7, legal_footer = $8,
		primary_color = $9, accent_color = $10, default_language = $11
		WHERE id = $1`, creditorID, b.Name, b.LegalName, b.Address, b.SupportPhone, b.SupportEmail,
		b.SupportHours, b.LegalFooter, b.PrimaryColor, b.AccentColor, b.DefaultLanguage)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ar.Errorf(ar.NotFound, "error.not_found")
	}
	return nil
}

// SetCreditorLogo replaces a creditor's logo (logo nil: removes it) and
// raises its version, so its URL changes. The PNG rendering for PDFs
// belonged to the old logo and goes: PDFs then draw a PNG or JPEG logo
// itself, and no logo for an SVG.
func (s *Store) SetCreditorLogo(ctx context.Context, creditorID int64, logo []byte, mediaType string) (err error) {
	defer wrap(&err, "SetCreditorLogo(%d)", creditorID)
	if len(logo) == 0 {
		logo, mediaType = nil, ""
	}
	res, err := s.q.ExecContext(ctx, `UPDATE creditors SET logo = $2, logo_type = $3, logo_print = NULL,
		logo_version = logo_version + 1 WHERE id = $1`, creditorID, logo, mediaType)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ar.Errorf(ar.NotFound, "error.not_found")
	}
	return nil
}

// APIKey returns one of a creditor's keys (live or revoked).
func (s *Store) APIKey(ctx context.Context, creditorID, id int64) (k *ar.APIKey, err error) {
	defer wrap(&err, "APIKey(%d, %d)", creditorID, id)
	k = new(ar.APIKey)
	err = s.q.GetContext(ctx, k, `SELECT `+apiKeyColumns+` FROM api_keys WHERE creditor_id = $1 AND id = $2`,
		creditorID, id)
	return k, err
}

// Tx returns the transaction the store runs in (nil outside InTx), for
// a service with SQL of its own whose writes must commit together with
// the store's, such as package hooks with the audit log.
func (s *Store) Tx() *sqlx.Tx {
	tx, _ := s.q.(*sqlx.Tx)
	return tx
}
