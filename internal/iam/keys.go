package iam

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stratus-cloud/stratus/internal/store"
)

// maxAccessKeysPerUser is IAM's quota of access keys per user.
const maxAccessKeysPerUser = 2

// accessKeyAD is the associated data binding a sealed access key secret to its
// key id.
func accessKeyAD(id string) []byte { return []byte("iam/accesskey/" + id) }

// CreateAccessKey creates an active access key for user. The returned key is
// the only place its secret appears in clear. Returns NoSuchEntity or
// LimitExceeded.
func (s *Service) CreateAccessKey(ctx context.Context, account, user string) (*AccessKey, error) {
	var k *AccessKey
	err := s.update(ctx, func(tx *store.Tx) error {
		var err error
		k, err = s.createAccessKey(ctx, tx, account, user)
		return err
	})
	return k, err
}

func (s *Service) createAccessKey(ctx context.Context, tx *store.Tx, account, user string) (*AccessKey, error) {
	u, err := getUser(ctx, tx, account, user)
	if err != nil {
		return nil, err
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM iam_access_keys WHERE account = ? AND user_key = ?`, account, nameKey(u.Name)).Scan(&n); err != nil {
		return nil, err
	}
	if n >= maxAccessKeysPerUser {
		return nil, limitExceeded("Cannot exceed quota for AccessKeysPerUser: %d", maxAccessKeysPerUser)
	}
	id, err := s.ids.accessKeyID(prefixAccessKey)
	if err != nil {
		return nil, err
	}
	secret, err := s.ids.secretKey()
	if err != nil {
		return nil, err
	}
	k := &AccessKey{ID: id, UserName: u.Name, Status: StatusActive, Secret: secret, Created: s.nowUTC()}
	_, err = tx.Exec(ctx, `INSERT INTO iam_access_keys (id, account, user_key, status, sealed_secret, created_at,
		last_used_at, last_used_service, last_used_region) VALUES (?, ?, ?, ?, ?, ?, '', '', '')`,
		id, account, nameKey(u.Name), k.Status, s.seal.Seal([]byte(secret), accessKeyAD(id)), formatTime(k.Created))
	if err != nil {
		return nil, err
	}
	return k, nil
}

// ListAccessKeys lists a user's access keys (without secrets), oldest first.
// Returns NoSuchEntity.
func (s *Service) ListAccessKeys(ctx context.Context, account, user string, p Page) ([]AccessKey, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	var keys []AccessKey
	err = s.view(ctx, func(tx *store.Tx) error {
		u, err := getUser(ctx, tx, account, user)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, status, created_at, last_used_at, last_used_service, last_used_region
			FROM iam_access_keys WHERE account = ? AND user_key = ? AND id > ? ORDER BY id LIMIT ?`,
			account, nameKey(u.Name), after, p.limit()+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			k := AccessKey{UserName: u.Name}
			var created, lastUsed string
			if err := rows.Scan(&k.ID, &k.Status, &created, &lastUsed, &k.LastUsedService, &k.LastUsedRegion); err != nil {
				return err
			}
			k.Created, k.LastUsed = parseTime(created), parseTime(lastUsed)
			keys = append(keys, k)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	keys, next := cut(keys, p.limit(), func(k AccessKey) string { return k.ID })
	return keys, next, nil
}

// findKey returns the user key of access key id if it belongs to user.
// Returns NoSuchEntity.
func findKey(ctx context.Context, tx *store.Tx, account, user, id string) error {
	u, err := getUser(ctx, tx, account, user)
	if err != nil {
		return err
	}
	var owner string
	err = tx.QueryRow(ctx, `SELECT user_key FROM iam_access_keys WHERE id = ? AND account = ?`, id, account).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && owner != nameKey(u.Name)) {
		return noSuchEntity("The Access Key with id %s cannot be found.", id)
	}
	return err
}

// UpdateAccessKey sets a key's status to Active or Inactive. An inactive key
// stops authenticating at once. Returns NoSuchEntity or ValidationError.
func (s *Service) UpdateAccessKey(ctx context.Context, account, user, id, status string) error {
	if status != StatusActive && status != StatusInactive {
		return validationError("1 validation error detected: Value '%s' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive]", status)
	}
	return s.update(ctx, func(tx *store.Tx) error {
		if err := findKey(ctx, tx, account, user, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE iam_access_keys SET status = ? WHERE id = ?`, status, id)
		return err
	})
}

// DeleteAccessKey deletes a key; it stops authenticating at once. Returns
// NoSuchEntity.
func (s *Service) DeleteAccessKey(ctx context.Context, account, user, id string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		if err := findKey(ctx, tx, account, user, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM iam_access_keys WHERE id = ?`, id)
		return err
	})
}
