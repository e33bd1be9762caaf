package iam

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Role session duration bounds, in seconds.
const (
	defaultMaxSessionDuration = 3600
	minMaxSessionDuration     = 3600
	maxMaxSessionDuration     = 43200
)

// CreateRoleInput describes a new role. Path defaults to "/", MaxSessionDuration
// to 3600 seconds.
type CreateRoleInput struct {
	Name, Path          string
	TrustPolicy         string
	Description         string
	MaxSessionDuration  int64
	PermissionsBoundary string
	Tags                []Tag
}

// CreateRole creates a role. Returns MalformedPolicyDocument or LimitExceeded for
// a bad trust policy, ValidationError for a MaxSessionDuration out of range, and
// EntityAlreadyExists.
func (s *Service) CreateRole(ctx context.Context, account string, in CreateRoleInput) (*Role, error) {
	if err := checkTrustPolicy(in.TrustPolicy); err != nil {
		return nil, err
	}
	if in.MaxSessionDuration == 0 {
		in.MaxSessionDuration = defaultMaxSessionDuration
	}
	if in.MaxSessionDuration < minMaxSessionDuration || in.MaxSessionDuration > maxMaxSessionDuration {
		return nil, validationError("The requested MaxSessionDuration %d is outside the allowed range of %d to %d seconds.",
			in.MaxSessionDuration, minMaxSessionDuration, maxMaxSessionDuration)
	}
	id, err := s.ids.unique(prefixRole)
	if err != nil {
		return nil, err
	}
	r := &Role{
		Account: account, Name: in.Name, Path: arn.NormalizePath(in.Path), ID: id, Created: s.nowUTC(),
		TrustPolicy: in.TrustPolicy, Description: in.Description, MaxSessionDuration: in.MaxSessionDuration,
		PermissionsBoundary: in.PermissionsBoundary, Tags: in.Tags,
	}
	r.ARN = arn.IAM(account, "role", r.Path, r.Name)
	err = s.update(ctx, func(tx *store.Tx) error {
		if err := checkBoundary(ctx, tx, in.PermissionsBoundary); err != nil {
			return err
		}
		return insertRole(ctx, tx, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func insertRole(ctx context.Context, tx *store.Tx, r *Role) error {
	_, err := tx.Exec(ctx, `INSERT INTO iam_roles (account, name_key, name, path, id, trust_policy, description,
		max_session, boundary, tags, created_at, last_used_at, last_used_region)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '')`,
		r.Account, nameKey(r.Name), r.Name, r.Path, r.ID, r.TrustPolicy, r.Description,
		r.MaxSessionDuration, r.PermissionsBoundary, encodeTags(r.Tags), formatTime(r.Created))
	if store.IsUniqueViolation(err) {
		return alreadyExists("Role with name %s already exists.", r.Name)
	}
	return err
}

const roleColumns = `account, name, path, id, trust_policy, description, max_session, boundary, tags, created_at, last_used_at, last_used_region`

func scanRole(sc interface{ Scan(...any) error }) (*Role, error) {
	var r Role
	var tags, created, lastUsed string
	if err := sc.Scan(&r.Account, &r.Name, &r.Path, &r.ID, &r.TrustPolicy, &r.Description, &r.MaxSessionDuration,
		&r.PermissionsBoundary, &tags, &created, &lastUsed, &r.LastUsedRegion); err != nil {
		return nil, err
	}
	r.Tags, r.Created, r.LastUsed = decodeTags(tags), parseTime(created), parseTime(lastUsed)
	r.ARN = arn.IAM(r.Account, "role", r.Path, r.Name)
	return &r, nil
}

func getRole(ctx context.Context, tx *store.Tx, account, name string) (*Role, error) {
	r, err := scanRole(tx.QueryRow(ctx, `SELECT `+roleColumns+` FROM iam_roles WHERE account = ? AND name_key = ?`, account, nameKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noSuchEntityFor(KindRole, name)
	}
	return r, err
}

// GetRole returns a role. Returns NoSuchEntity.
func (s *Service) GetRole(ctx context.Context, account, name string) (*Role, error) {
	var r *Role
	err := s.view(ctx, func(tx *store.Tx) error {
		var err error
		r, err = getRole(ctx, tx, account, name)
		return err
	})
	return r, err
}

// ListRoles lists the roles whose path starts with pathPrefix, by name.
func (s *Service) ListRoles(ctx context.Context, account, pathPrefix string, p Page) ([]Role, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	pathPrefix = defaultPrefix(pathPrefix)
	var roles []Role
	err = s.view(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+roleColumns+` FROM iam_roles
			WHERE account = ? AND name_key > ? AND substr(path, 1, ?) = ? ORDER BY name_key LIMIT ?`,
			account, after, len(pathPrefix), pathPrefix, p.limit()+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			r, err := scanRole(rows)
			if err != nil {
				return err
			}
			roles = append(roles, *r)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	roles, next := cut(roles, p.limit(), func(r Role) string { return nameKey(r.Name) })
	return roles, next, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy. Returns NoSuchEntity,
// MalformedPolicyDocument or LimitExceeded.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, account, name, doc string) error {
	if err := checkTrustPolicy(doc); err != nil {
		return err
	}
	return s.update(ctx, func(tx *store.Tx) error {
		r, err := getRole(ctx, tx, account, name)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE iam_roles SET trust_policy = ? WHERE account = ? AND name_key = ?`, doc, account, nameKey(r.Name))
		return err
	})
}

// DeleteRole deletes a role with no inline or attached policies left. Returns
// NoSuchEntity or DeleteConflict.
func (s *Service) DeleteRole(ctx context.Context, account, name string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		r, err := getRole(ctx, tx, account, name)
		if err != nil {
			return err
		}
		key := nameKey(r.Name)
		checks := []struct{ query, msg string }{
			{`SELECT COUNT(*) FROM iam_inline_policies WHERE account = ? AND owner_kind = 'role' AND owner_key = ?`, "Cannot delete entity, must delete policies first."},
			{`SELECT COUNT(*) FROM iam_attachments WHERE account = ? AND owner_kind = 'role' AND owner_key = ?`, "Cannot delete entity, must detach all policies first."},
		}
		if err := checkNone(ctx, tx, account, key, checks); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM iam_roles WHERE account = ? AND name_key = ?`, account, key)
		return err
	})
}

// RoleTrustPolicy returns the trust policy of the role arn names, for the
// authorizer. ok is false when arn names no role.
func (s *Service) RoleTrustPolicy(ctx context.Context, roleARN string) (doc string, ok bool, err error) {
	a, err := arn.Parse(roleARN)
	if err != nil || a.Service != "iam" {
		return "", false, nil
	}
	kind, _, name, found := arn.IAMResource(a.Resource)
	if !found || kind != "role" {
		return "", false, nil
	}
	err = s.view(ctx, func(tx *store.Tx) error {
		r, err := getRole(ctx, tx, a.Account, name)
		if awsCode(err) == CodeNoSuchEntity {
			return nil
		}
		if err != nil {
			return err
		}
		if r.ARN == roleARN {
			doc, ok = r.TrustPolicy, true
		}
		return nil
	})
	return doc, ok, err
}
