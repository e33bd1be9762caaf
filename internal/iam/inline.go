package iam

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stratus-cloud/stratus/internal/iam/policy"
	"github.com/stratus-cloud/stratus/internal/store"
)

// ownerKey checks that owner exists in tx and returns its name key.
// Returns NoSuchEntity.
func ownerKey(ctx context.Context, tx *store.Tx, account string, o Owner) (string, error) {
	var err error
	switch o.Kind {
	case KindUser:
		_, err = getUser(ctx, tx, account, o.Name)
	case KindGroup:
		_, err = getGroup(ctx, tx, account, o.Name)
	case KindRole:
		_, err = getRole(ctx, tx, account, o.Name)
	default:
		return "", invalidInput("Unknown entity kind %q.", o.Kind)
	}
	return nameKey(o.Name), err
}

// PutInlinePolicy creates or replaces the inline policy name of owner. The
// inline policies of one owner share one size quota (user 2048, group 5120,
// role 10240 characters, whitespace excluded). Returns NoSuchEntity,
// MalformedPolicyDocument or LimitExceeded.
func (s *Service) PutInlinePolicy(ctx context.Context, account string, owner Owner, name, doc string) error {
	if err := checkDocument(doc, policy.Identity); err != nil {
		return err
	}
	return s.update(ctx, func(tx *store.Tx) error {
		key, err := ownerKey(ctx, tx, account, owner)
		if err != nil {
			return err
		}
		total := policySize(doc)
		rows, err := tx.Query(ctx, `SELECT name, document FROM iam_inline_policies WHERE account = ? AND owner_kind = ? AND owner_key = ?`,
			account, string(owner.Kind), key)
		if err != nil {
			return err
		}
		for rows.Next() {
			var n, d string
			if err := rows.Scan(&n, &d); err != nil {
				rows.Close()
				return err
			}
			if n != name {
				total += policySize(d)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if limit := inlineLimit(owner.Kind); total > limit {
			return limitExceeded("Maximum policy size of %d bytes exceeded for %s %s", limit, owner.Kind, owner.Name)
		}
		_, err = tx.Exec(ctx, `INSERT INTO iam_inline_policies (account, owner_kind, owner_key, name, document) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (account, owner_kind, owner_key, name) DO UPDATE SET document = excluded.document`,
			account, string(owner.Kind), key, name, doc)
		return err
	})
}

// GetInlinePolicy returns an inline policy. Returns NoSuchEntity.
func (s *Service) GetInlinePolicy(ctx context.Context, account string, owner Owner, name string) (*InlinePolicy, error) {
	var p *InlinePolicy
	err := s.view(ctx, func(tx *store.Tx) error {
		key, err := ownerKey(ctx, tx, account, owner)
		if err != nil {
			return err
		}
		var doc string
		err = tx.QueryRow(ctx, `SELECT document FROM iam_inline_policies WHERE account = ? AND owner_kind = ? AND owner_key = ? AND name = ?`,
			account, string(owner.Kind), key, name).Scan(&doc)
		if errors.Is(err, sql.ErrNoRows) {
			return noSuchEntity("The %s policy with name %s cannot be found.", owner.Kind, name)
		}
		if err != nil {
			return err
		}
		p = &InlinePolicy{Owner: owner, Name: name, Document: doc}
		return nil
	})
	return p, err
}

// DeleteInlinePolicy deletes an inline policy. Returns NoSuchEntity.
func (s *Service) DeleteInlinePolicy(ctx context.Context, account string, owner Owner, name string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		key, err := ownerKey(ctx, tx, account, owner)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM iam_inline_policies WHERE account = ? AND owner_kind = ? AND owner_key = ? AND name = ?`,
			account, string(owner.Kind), key, name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return noSuchEntity("The %s policy with name %s cannot be found.", owner.Kind, name)
		}
		return nil
	})
}

// ListInlinePolicies lists the names of owner's inline policies, sorted.
// Returns NoSuchEntity.
func (s *Service) ListInlinePolicies(ctx context.Context, account string, owner Owner, p Page) ([]string, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	var names []string
	err = s.view(ctx, func(tx *store.Tx) error {
		key, err := ownerKey(ctx, tx, account, owner)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT name FROM iam_inline_policies WHERE account = ? AND owner_kind = ? AND owner_key = ? AND name > ?
			ORDER BY name LIMIT ?`, account, string(owner.Kind), key, after, p.limit()+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				return err
			}
			names = append(names, n)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	names, next := cut(names, p.limit(), func(n string) string { return n })
	return names, next, nil
}
