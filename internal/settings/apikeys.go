package settings

import (
	"context"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/internal/store"
)

// maxKeyName is the longest name of an API key, in characters.
const maxKeyName = 100

// CreateAPIKey makes an API key for the creditor's systems. The key is
// returned to be shown once: only its hash is stored, and the audit log
// records its name and prefix.
func (s *Service) CreateAPIKey(ctx context.Context, a Actor, name string) (key string, k *ar.APIKey, err error) {
	name = trimmed(name)
	if name == "" || tooLong(name, maxKeyName) || control(name, false) {
		return "", nil, ar.Invalids{ar.FieldError("name", "error.staff.settings.apikey_name", nil)}
	}
	key, prefix, hash := ar.NewAPIKey()
	k = &ar.APIKey{CreditorID: a.CreditorID, Name: name, Prefix: prefix, KeyHash: hash}
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if err := tx.CreateAPIKey(ctx, k); err != nil {
			return err
		}
		return a.audit(ctx, tx, "apikey.created", name, nil, map[string]any{"key_id": k.ID, "prefix": k.Prefix})
	})
	if err != nil {
		return "", nil, err
	}
	return key, k, nil
}

// RevokeAPIKey revokes one of the creditor's keys: requests with it are
// refused from now on. Revoking a revoked key changes nothing.
func (s *Service) RevokeAPIKey(ctx context.Context, a Actor, id int64) (k *ar.APIKey, err error) {
	err = s.Store.InTx(ctx, func(tx *store.Store) error {
		if k, err = tx.APIKey(ctx, a.CreditorID, id); err != nil {
			return err
		}
		if k.RevokedAt != nil {
			return nil
		}
		if err := tx.RevokeAPIKey(ctx, a.CreditorID, id, s.now()); ar.IsNotFound(err) {
			return nil // revoked meanwhile, by someone else
		} else if err != nil {
			return err
		}
		return a.audit(ctx, tx, "apikey.revoked", k.Name, map[string]any{"key_revoked": false},
			map[string]any{"key_id": k.ID, "prefix": k.Prefix, "key_revoked": true})
	})
	return k, err
}
