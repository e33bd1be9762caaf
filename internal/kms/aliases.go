package kms

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Alias is an alias as ListAliases shows it.
type Alias struct {
	Account, Region, Name, KeyID string
	Created, Updated             time.Time
}

// ARN is the alias's ARN.
func (a *Alias) ARN() string { return AliasARN(a.Region, a.Account, a.Name) }

// aliasNameRE is the model's pattern for AliasName.
var aliasNameRE = regexp.MustCompile(`^[a-zA-Z0-9:/_-]+$`)

const maxAliasName = 256

// CheckAliasName returns the error AWS answers an alias name that may not be
// created or changed with: it must start with "alias/", match the model's
// pattern and not be in the reserved alias/aws/ namespace.
func CheckAliasName(name string) error {
	if !strings.HasPrefix(name, "alias/") || name == "alias/" {
		return newErr(CodeInvalidAliasName, `Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if len(name) > maxAliasName || !aliasNameRE.MatchString(name) {
		return validation("1 validation error detected: Value '%s' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$", name)
	}
	if strings.HasPrefix(name, "alias/aws/") {
		return newErr(CodeNotAuthorized, "Cannot create or change an alias with the reserved prefix alias/aws/.")
	}
	return nil
}

// targetKey loads the key an alias is to point at: named by key id or key
// ARN (not by alias), and not pending deletion.
func (s *Service) targetKey(ctx context.Context, tx *store.Tx, account, region, ref string) (*Key, error) {
	if strings.HasPrefix(ref, "alias/") || strings.Contains(ref, ":alias/") {
		return nil, validation("Aliases must refer to keys. Not aliases")
	}
	k, err := s.load(ctx, tx, account, region, ref)
	if err != nil {
		return nil, err
	}
	return k, notPending(k)
}

func updateErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := awserr.As(err); ok {
		return err
	}
	return fmt.Errorf("%s: %w", what, err)
}

// CreateAlias makes name point at the key targetRef names.
func (s *Service) CreateAlias(ctx context.Context, account, region, name, targetRef string) error {
	if err := CheckAliasName(name); err != nil {
		return err
	}
	return s.createAlias(ctx, account, region, name, targetRef)
}

// EnsureManagedKey returns the AWS managed key of a service in an account and
// region — the key alias/aws/SERVICE names — creating it on first use, as AWS
// does when a service first encrypts without a customer managed key.
func (s *Service) EnsureManagedKey(ctx context.Context, account, region, service string) (*Key, error) {
	s.managedMu.Lock()
	defer s.managedMu.Unlock()
	alias := "alias/aws/" + service
	if k, err := s.DescribeKey(ctx, account, region, alias); err == nil {
		return k, nil
	} else if !awserr.Is(err, CodeNotFound) {
		return nil, err
	}
	k, err := s.CreateKey(ctx, account, region, CreateKeyInput{Description: "Default key that protects my " + service + " data when no other key is defined",
		manager: ManagerAWS})
	if err != nil {
		return nil, err
	}
	if err := s.createAlias(ctx, account, region, alias, k.ID); err != nil {
		return nil, err
	}
	return k, nil
}

func (s *Service) createAlias(ctx context.Context, account, region, name, targetRef string) error {
	now := s.now().UnixMilli()
	return updateErr(s.st.Update(ctx, func(tx *store.Tx) error {
		k, err := s.targetKey(ctx, tx, account, region, targetRef)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO kms_aliases (account, region, name, key_id, created_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)`,
			account, region, name, k.ID, now, now)
		if store.IsUniqueViolation(err) {
			return newErr(CodeAlreadyExists, "An alias with the name %s already exists", AliasARN(region, account, name))
		}
		return err
	}), "create alias")
}

// UpdateAlias points an existing alias at the key targetRef names.
func (s *Service) UpdateAlias(ctx context.Context, account, region, name, targetRef string) error {
	if err := CheckAliasName(name); err != nil {
		return err
	}
	now := s.now().UnixMilli()
	return updateErr(s.st.Update(ctx, func(tx *store.Tx) error {
		k, err := s.targetKey(ctx, tx, account, region, targetRef)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `UPDATE kms_aliases SET key_id = ?, updated_ms = ? WHERE account = ? AND region = ? AND name = ?`,
			k.ID, now, account, region, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return newErr(CodeNotFound, "Alias %s is not found.", AliasARN(region, account, name))
		}
		return nil
	}), "update alias")
}

// DeleteAlias deletes an alias; the key is unaffected.
func (s *Service) DeleteAlias(ctx context.Context, account, region, name string) error {
	if err := CheckAliasName(name); err != nil {
		return err
	}
	return updateErr(s.st.Update(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `DELETE FROM kms_aliases WHERE account = ? AND region = ? AND name = ?`, account, region, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return newErr(CodeNotFound, "Alias %s is not found.", AliasARN(region, account, name))
		}
		return nil
	}), "delete alias")
}

// ListAliases returns up to limit aliases (0 means 100) in name order after
// marker (the last name of the previous page), only those of the key keyRef
// names when it is not empty, and the next marker ("" on the last page).
func (s *Service) ListAliases(ctx context.Context, account, region, keyRef string, limit int, marker string) ([]Alias, string, error) {
	if limit == 0 {
		limit = defaultListLimit
	}
	if limit < 1 || limit > maxListLimit {
		return nil, "", validation("1 validation error detected: Value '%d' at 'limit' failed to satisfy constraint: Member must have value between 1 and %d", limit, maxListLimit)
	}
	if marker != "" && !strings.HasPrefix(marker, "alias/") {
		return nil, "", newErr(CodeInvalidMarker, "Invalid marker %s", marker)
	}
	var out []Alias
	err := s.st.View(ctx, func(tx *store.Tx) error {
		keyID := ""
		if keyRef != "" {
			k, err := s.load(ctx, tx, account, region, keyRef)
			if err != nil {
				return err
			}
			keyID = k.ID
		}
		rows, err := tx.Query(ctx, `SELECT a.name, a.key_id, a.created_ms, a.updated_ms, k.state, k.deletion_ms
			FROM kms_aliases a JOIN kms_keys k ON k.account = a.account AND k.region = a.region AND k.id = a.key_id
			WHERE a.account = ? AND a.region = ? AND a.name > ? AND (? = '' OR a.key_id = ?) ORDER BY a.name`,
			account, region, marker, keyID, keyID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() && len(out) <= limit {
			a := Alias{Account: account, Region: region}
			var created, updated, deletion int64
			var state string
			if err := rows.Scan(&a.Name, &a.KeyID, &created, &updated, &state, &deletion); err != nil {
				return err
			}
			if s.deleted(&Key{State: state, DeletionDate: fromMillis(deletion)}) {
				continue
			}
			a.Created, a.Updated = fromMillis(created), fromMillis(updated)
			out = append(out, a)
		}
		return rows.Err()
	})
	if err := updateErr(err, "list aliases"); err != nil {
		return nil, "", err
	}
	if len(out) > limit {
		return out[:limit], out[limit-1].Name, nil
	}
	return out, "", nil
}
