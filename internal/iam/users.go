package iam

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/store"
)

// CreateUserInput describes a new user. Path defaults to "/".
type CreateUserInput struct {
	Name, Path          string
	PermissionsBoundary string
	Tags                []Tag
}

// CreateUser creates a user in account.
// Returns EntityAlreadyExists if a user of that name (in any case) exists, and
// NoSuchEntity if the permissions boundary policy does not exist.
func (s *Service) CreateUser(ctx context.Context, account string, in CreateUserInput) (*User, error) {
	id, err := s.ids.unique(prefixUser)
	if err != nil {
		return nil, err
	}
	u := &User{
		Account: account, Name: in.Name, Path: arn.NormalizePath(in.Path), ID: id,
		Created: s.nowUTC(), PermissionsBoundary: in.PermissionsBoundary, Tags: in.Tags,
	}
	u.ARN = arn.IAM(account, "user", u.Path, u.Name)
	err = s.update(ctx, func(tx *store.Tx) error {
		if err := checkBoundary(ctx, tx, in.PermissionsBoundary); err != nil {
			return err
		}
		return insertUser(ctx, tx, u)
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

func insertUser(ctx context.Context, tx *store.Tx, u *User) error {
	_, err := tx.Exec(ctx, `INSERT INTO iam_users (account, name_key, name, path, id, boundary, tags, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		u.Account, nameKey(u.Name), u.Name, u.Path, u.ID, u.PermissionsBoundary, encodeTags(u.Tags), formatTime(u.Created))
	if store.IsUniqueViolation(err) {
		return alreadyExists("User with name %s already exists.", u.Name)
	}
	return err
}

const userColumns = `account, name, path, id, boundary, tags, created_at`

func scanUser(sc interface{ Scan(...any) error }) (*User, error) {
	var u User
	var tags, created string
	if err := sc.Scan(&u.Account, &u.Name, &u.Path, &u.ID, &u.PermissionsBoundary, &tags, &created); err != nil {
		return nil, err
	}
	u.Tags, u.Created = decodeTags(tags), parseTime(created)
	u.ARN = arn.IAM(u.Account, "user", u.Path, u.Name)
	return &u, nil
}

// getUser reads a user in tx. Returns NoSuchEntity if it does not exist.
func getUser(ctx context.Context, tx *store.Tx, account, name string) (*User, error) {
	u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM iam_users WHERE account = ? AND name_key = ?`, account, nameKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noSuchEntityFor(KindUser, name)
	}
	return u, err
}

// GetUser returns the user called name. Returns NoSuchEntity if there is none.
func (s *Service) GetUser(ctx context.Context, account, name string) (*User, error) {
	var u *User
	err := s.view(ctx, func(tx *store.Tx) error {
		var err error
		u, err = getUser(ctx, tx, account, name)
		return err
	})
	return u, err
}

// ListUsers lists the users of account whose path starts with pathPrefix, by
// name.
func (s *Service) ListUsers(ctx context.Context, account, pathPrefix string, p Page) ([]User, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	pathPrefix = defaultPrefix(pathPrefix)
	var users []User
	err = s.view(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+userColumns+` FROM iam_users
			WHERE account = ? AND name_key > ? AND substr(path, 1, ?) = ?
			ORDER BY name_key LIMIT ?`, account, after, len(pathPrefix), pathPrefix, p.limit()+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			u, err := scanUser(rows)
			if err != nil {
				return err
			}
			users = append(users, *u)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, "", err
	}
	users, next := cut(users, p.limit(), func(u User) string { return nameKey(u.Name) })
	return users, next, nil
}

// UpdateUser renames a user or moves it to another path; empty newName or
// newPath keep the current one. Returns NoSuchEntity or EntityAlreadyExists.
func (s *Service) UpdateUser(ctx context.Context, account, name, newName, newPath string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		u, err := getUser(ctx, tx, account, name)
		if err != nil {
			return err
		}
		if newName == "" {
			newName = u.Name
		}
		if newPath == "" {
			newPath = u.Path
		}
		oldKey, newKey := nameKey(u.Name), nameKey(newName)
		_, err = tx.Exec(ctx, `UPDATE iam_users SET name_key = ?, name = ?, path = ? WHERE account = ? AND name_key = ?`,
			newKey, newName, arn.NormalizePath(newPath), account, oldKey)
		if store.IsUniqueViolation(err) {
			return alreadyExists("User with name %s already exists.", newName)
		}
		if err != nil || oldKey == newKey {
			return err
		}
		for _, q := range []string{
			`UPDATE iam_group_members SET user_key = ? WHERE account = ? AND user_key = ?`,
			`UPDATE iam_access_keys SET user_key = ? WHERE account = ? AND user_key = ?`,
		} {
			if _, err := tx.Exec(ctx, q, newKey, account, oldKey); err != nil {
				return err
			}
		}
		for _, q := range []string{
			`UPDATE iam_inline_policies SET owner_key = ? WHERE account = ? AND owner_kind = 'user' AND owner_key = ?`,
			`UPDATE iam_attachments SET owner_key = ? WHERE account = ? AND owner_kind = 'user' AND owner_key = ?`,
		} {
			if _, err := tx.Exec(ctx, q, newKey, account, oldKey); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteUser deletes a user that has no access keys, inline or attached
// policies and group memberships left, as IAM requires. Returns NoSuchEntity or
// DeleteConflict.
func (s *Service) DeleteUser(ctx context.Context, account, name string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		u, err := getUser(ctx, tx, account, name)
		if err != nil {
			return err
		}
		key := nameKey(u.Name)
		checks := []struct{ query, msg string }{
			{`SELECT COUNT(*) FROM iam_access_keys WHERE account = ? AND user_key = ?`, "Cannot delete entity, must delete access keys first."},
			{`SELECT COUNT(*) FROM iam_inline_policies WHERE account = ? AND owner_kind = 'user' AND owner_key = ?`, "Cannot delete entity, must delete policies first."},
			{`SELECT COUNT(*) FROM iam_attachments WHERE account = ? AND owner_kind = 'user' AND owner_key = ?`, "Cannot delete entity, must detach all policies first."},
			{`SELECT COUNT(*) FROM iam_group_members WHERE account = ? AND user_key = ?`, "Cannot delete entity, must remove users from group first."},
		}
		if err := checkNone(ctx, tx, account, key, checks); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM iam_users WHERE account = ? AND name_key = ?`, account, key)
		return err
	})
}

// checkBoundary verifies that a permissions boundary ARN, if given, names an
// existing managed policy.
func checkBoundary(ctx context.Context, tx *store.Tx, policyARN string) error {
	if policyARN == "" {
		return nil
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM iam_policies WHERE arn = ?`, policyARN).Scan(&n); err != nil {
		return fmt.Errorf("check boundary: %w", err)
	}
	if n == 0 {
		return noSuchPolicy(policyARN)
	}
	return nil
}

func defaultPrefix(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// EntityARN returns the ARN of the user, group or role called name, with its
// path; for one that does not exist it returns the ARN it would have at path
// "/" (what AWS authorizes requests on missing entities against).
func (s *Service) EntityARN(ctx context.Context, account string, kind EntityKind, name string) (string, error) {
	path := "/"
	err := s.view(ctx, func(tx *store.Tx) error {
		var q string
		switch kind {
		case KindUser:
			q = `SELECT path FROM iam_users WHERE account = ? AND name_key = ?`
		case KindGroup:
			q = `SELECT path FROM iam_groups WHERE account = ? AND name_key = ?`
		case KindRole:
			q = `SELECT path FROM iam_roles WHERE account = ? AND name_key = ?`
		default:
			return fmt.Errorf("unknown entity kind %q", kind)
		}
		err := tx.QueryRow(ctx, q, account, nameKey(name)).Scan(&path)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		return err
	})
	if err != nil {
		return "", err
	}
	return arn.IAM(account, string(kind), path, name), nil
}
