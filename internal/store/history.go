package store

import (
	"context"
	"encoding/json"

	"github.com/lib/pq"

	"github.com/settle/settle/internal/ar"
)

// CustomerTimeline returns a debtor's customer-visible timeline entries of
// the given kinds (exact kinds: the caller's allow-list), newest first.
func (s *Store) CustomerTimeline(ctx context.Context, creditorID, debtorID int64, kinds []string, limit int) (list []ar.Interaction, err error) {
	defer wrap(&err, "CustomerTimeline(%d, %d)", creditorID, debtorID)
	var rows []struct {
		ar.Interaction
		RawData []byte `db:"data"`
	}
	err = s.q.SelectContext(ctx, &rows, `SELECT id, creditor_id, debtor_id, invoice_id, kind,
		channel, actor, visibility, data, occurred_at, staff_id FROM interactions
		WHERE creditor_id = $1 AND debtor_id = $2 AND visibility = 'customer' AND kind = ANY ($3)
		ORDER BY occurred_at DESC, id DESC LIMIT $4`, creditorID, debtorID, pq.Array(kinds), limit)
	if err != nil {
		return nil, err
	}
	list = make([]ar.Interaction, len(rows))
	for i, r := range rows {
		list[i] = r.Interaction
		if err := json.Unmarshal(r.RawData, &list[i].Data); err != nil {
			return nil, err
		}
	}
	return list, nil
}
