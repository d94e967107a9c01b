package store

import (
	"context"
	"time"

	"github.com/settle/settle/internal/ar"
)

const creditorColumns = `id, slug, name, legal_name, address, support_phone, support_email,
	support_hours, legal_footer, primary_color, accent_color, logo IS NOT NULL AS has_logo, logo_version,
	default_language, timezone, currency, stepup_method, stepup_knowledge,
	extract(epoch FROM link_ttl)::bigint AS link_ttl_seconds, created_at, bank_holder, bank_iban, bank_bic`

func fillCreditor(c *ar.Creditor) *ar.Creditor {
	c.LinkTTL = time.Duration(c.LinkTTLSeconds) * time.Second
	return c
}

// Creditor returns the creditor with id.
func (s *Store) Creditor(ctx context.Context, id int64) (c *ar.Creditor, err error) {
	defer wrap(&err, "Creditor(%d)", id)
	c = new(ar.Creditor)
	err = s.q.GetContext(ctx, c, `SELECT `+creditorColumns+` FROM creditors WHERE id = $1`, id)
	return fillCreditor(c), err
}

// CreditorBySlug returns the creditor with slug.
func (s *Store) CreditorBySlug(ctx context.Context, slug string) (c *ar.Creditor, err error) {
	defer wrap(&err, "CreditorBySlug(%q)", slug)
	c = new(ar.Creditor)
	err = s.q.GetContext(ctx, c, `SELECT `+creditorColumns+` FROM creditors WHERE slug = $1`, slug)
	return fillCreditor(c), err
}

// CreditorCount returns how many creditors exist.
func (s *Store) CreditorCount(ctx context.Context) (n int, err error) {
	defer wrap(&err, "CreditorCount")
	err = s.q.GetContext(ctx, &n, `SELECT count(*) FROM creditors`)
	return n, err
}

// CreditorLogo returns the creditor's logo and its media type.
func (s *Store) CreditorLogo(ctx context.Context, id int64) (logo []byte, mediaType string, err error) {
	defer wrap(&err, "CreditorLogo(%d)", id)
	var row struct {
		Logo []byte `db:"logo"`
		Type string `db:"logo_type"`
	}
	err = s.q.GetContext(ctx, &row, `SELECT logo, logo_type FROM creditors WHERE id = $1 AND logo IS NOT NULL`, id)
	return row.Logo, row.Type, err
}

// NewCreditor is what CreateCreditor needs.
type NewCreditor struct {
	ar.Creditor
	Logo      []byte
	LogoType  string
	LogoPrint []byte // PNG for PDFs, when Logo is an SVG
}

// CreateCreditor inserts a creditor and returns its id.
func (s *Store) CreateCreditor(ctx context.Context, c NewCreditor) (id int64, err error) {
	defer wrap(&err, "CreateCreditor(%q)", c.Slug)
	if !ar.ValidSlug(c.Slug) {
		return 0, ar.FieldError("slug", "error.creditor.slug", nil)
	}
	ttl := c.LinkTTL
	if ttl <= 0 {
		ttl = 30 * 24 * time.Hour
	}
	var logo any
	if len(c.Logo) > 0 {
		logo = c.Logo
	}
	err = s.q.GetContext(ctx, &id, `INSERT INTO creditors (slug, name, legal_name, address,
		support_phone, support_email, support_hours, legal_footer, primary_color, accent_color,
		logo, logo_type, default_language, timezone, currency, stepup_method, stepup_knowledge, link_ttl,
		bank_holder, bank_iban, bank_bic, logo_print)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
		make_interval(secs => $18), $19, $20, $21, $22)
		RETURNING id`,
		c.Slug, c.Name, c.LegalName, c.Address, c.SupportPhone, c.SupportEmail, c.SupportHours,
		c.LegalFooter, c.PrimaryColor, c.AccentColor, logo, c.LogoType, c.DefaultLanguage,
		c.Timezone, c.Currency, c.StepUp, c.StepUpKnowledge, ttl.Seconds(),
		c.BankHolder, ar.NormalizeIBAN(c.BankIBAN), c.BankBIC, nullBytes(c.LogoPrint))
	return id, err
}

// CreditorPrintLogo returns the logo to draw on PDFs: the PNG rendering
// when there is one, else the logo itself if it is PNG or JPEG.
func (s *Store) CreditorPrintLogo(ctx context.Context, id int64) (logo []byte, mediaType string, err error) {
	defer wrap(&err, "CreditorPrintLogo(%d)", id)
	var row struct {
		Print []byte `db:"logo_print"`
		Logo  []byte `db:"logo"`
		Type  string `db:"logo_type"`
	}
	if err = s.q.GetContext(ctx, &row, `SELECT logo_print, logo, logo_type FROM creditors WHERE id = $1`, id); err != nil {
		return nil, "", err
	}
	switch {
	case len(row.Print) > 0:
		return row.Print, "image/png", nil
	case row.Type == "image/png" || row.Type == "image/jpeg":
		return row.Logo, row.Type, nil
	}
	return nil, "", nil
}

func nullBytes(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Creditors lists every creditor by name (an operator's admin picks one).
func (s *Store) Creditors(ctx context.Context) (list []*ar.Creditor, err error) {
	defer wrap(&err, "Creditors")
	err = s.q.SelectContext(ctx, &list, `SELECT `+creditorColumns+` FROM creditors ORDER BY name`)
	for _, c := range list {
		fillCreditor(c)
	}
	return list, err
}
