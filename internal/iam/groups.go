package iam

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/store"
)

// CreateGroup creates a group. Returns EntityAlreadyExists.
func (s *Service) CreateGroup(ctx context.Context, account, name, path string) (*Group, error) {
	id, err := s.ids.unique(prefixGroup)
	if err != nil {
		return nil, err
	}
	g := &Group{Account: account, Name: name, Path: arn.NormalizePath(path), ID: id, Created: s.nowUTC()}
	g.ARN = arn.IAM(account, "group", g.Path, g.Name)
	err = s.update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO iam_groups (account, name_key, name, path, id, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			account, nameKey(name), g.Name, g.Path, g.ID, formatTime(g.Created))
		if store.IsUniqueViolation(err) {
			return alreadyExists("Group with name %s already exists.", name)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

const groupColumns = `account, name, path, id, created_at`

func scanGroup(sc interface{ Scan(...any) error }) (*Group, error) {
	var g Group
	var created string
	if err := sc.Scan(&g.Account, &g.Name, &g.Path, &g.ID, &created); err != nil {
		return nil, err
	}
	g.Created = parseTime(created)
	g.ARN = arn.IAM(g.Account, "group", g.Path, g.Name)
	return &g, nil
}

func getGroup(ctx context.Context, tx *store.Tx, account, name string) (*Group, error) {
	g, err := scanGroup(tx.QueryRow(ctx, `SELECT `+groupColumns+` FROM iam_groups WHERE account = ? AND name_key = ?`, account, nameKey(name)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, noSuchEntityFor(KindGroup, name)
	}
	return g, err
}

// GetGroup returns a group and a page of its members. Returns NoSuchEntity.
func (s *Service) GetGroup(ctx context.Context, account, name string, p Page) (*Group, []User, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, nil, "", err
	}
	var g *Group
	var users []User
	err = s.view(ctx, func(tx *store.Tx) error {
		if g, err = getGroup(ctx, tx, account, name); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT u.account, u.name, u.path, u.id, u.boundary, u.tags, u.created_at
			FROM iam_group_members m JOIN iam_users u ON u.account = m.account AND u.name_key = m.user_key
			WHERE m.account = ? AND m.group_key = ? AND m.user_key > ? ORDER BY m.user_key LIMIT ?`,
			account, nameKey(g.Name), after, p.limit()+1)
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
		return nil, nil, "", err
	}
	users, next := cut(users, p.limit(), func(u User) string { return nameKey(u.Name) })
	return g, users, next, nil
}

// ListGroups lists the groups whose path starts with pathPrefix, by name.
func (s *Service) ListGroups(ctx context.Context, account, pathPrefix string, p Page) ([]Group, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	pathPrefix = defaultPrefix(pathPrefix)
	var groups []Group
	err = s.view(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+groupColumns+` FROM iam_groups
			WHERE account = ? AND name_key > ? AND substr(path, 1, ?) = ? ORDER BY name_key LIMIT ?`,
			account, after, len(pathPrefix), pathPrefix, p.limit()+1)
		if err != nil {
			return err
		}
		groups, err = scanGroups(rows)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	groups, next := cut(groups, p.limit(), func(g Group) string { return nameKey(g.Name) })
	return groups, next, nil
}

func scanGroups(rows *sql.Rows) ([]Group, error) {
	defer rows.Close()
	var groups []Group
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, err
		}
		groups = append(groups, *g)
	}
	return groups, rows.Err()
}

// ListGroupsForUser lists the groups a user belongs to, by name. Returns
// NoSuchEntity if the user does not exist.
func (s *Service) ListGroupsForUser(ctx context.Context, account, user string, p Page) ([]Group, string, error) {
	after, err := p.after()
	if err != nil {
		return nil, "", err
	}
	var groups []Group
	err = s.view(ctx, func(tx *store.Tx) error {
		u, err := getUser(ctx, tx, account, user)
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT g.account, g.name, g.path, g.id, g.created_at
			FROM iam_group_members m JOIN iam_groups g ON g.account = m.account AND g.name_key = m.group_key
			WHERE m.account = ? AND m.user_key = ? AND m.group_key > ? ORDER BY m.group_key LIMIT ?`,
			account, nameKey(u.Name), after, p.limit()+1)
		if err != nil {
			return err
		}
		groups, err = scanGroups(rows)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	groups, next := cut(groups, p.limit(), func(g Group) string { return nameKey(g.Name) })
	return groups, next, nil
}

// AddUserToGroup makes user a member of group; adding a member again is a
// no-op, as in IAM. Returns NoSuchEntity.
func (s *Service) AddUserToGroup(ctx context.Context, account, group, user string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		g, err := getGroup(ctx, tx, account, group)
		if err != nil {
			return err
		}
		u, err := getUser(ctx, tx, account, user)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO iam_group_members (account, group_key, user_key, added_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (account, group_key, user_key) DO NOTHING`,
			account, nameKey(g.Name), nameKey(u.Name), formatTime(s.nowUTC()))
		return err
	})
}

// RemoveUserFromGroup removes a member. Returns NoSuchEntity if the group or user
// does not exist or the user is not a member.
func (s *Service) RemoveUserFromGroup(ctx context.Context, account, group, user string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		g, err := getGroup(ctx, tx, account, group)
		if err != nil {
			return err
		}
		u, err := getUser(ctx, tx, account, user)
		if err != nil {
			return err
		}
		res, err := tx.Exec(ctx, `DELETE FROM iam_group_members WHERE account = ? AND group_key = ? AND user_key = ?`,
			account, nameKey(g.Name), nameKey(u.Name))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return noSuchEntity("User %s is not in group %s.", u.Name, g.Name)
		}
		return nil
	})
}

// DeleteGroup deletes a group with no members and no policies. Returns
// NoSuchEntity or DeleteConflict.
func (s *Service) DeleteGroup(ctx context.Context, account, name string) error {
	return s.update(ctx, func(tx *store.Tx) error {
		g, err := getGroup(ctx, tx, account, name)
		if err != nil {
			return err
		}
		key := nameKey(g.Name)
		checks := []struct{ query, msg string }{
			{`SELECT COUNT(*) FROM iam_group_members WHERE account = ? AND group_key = ?`, "Cannot delete entity, must remove users from group first."},
			{`SELECT COUNT(*) FROM iam_inline_policies WHERE account = ? AND owner_kind = 'group' AND owner_key = ?`, "Cannot delete entity, must delete policies first."},
			{`SELECT COUNT(*) FROM iam_attachments WHERE account = ? AND owner_kind = 'group' AND owner_key = ?`, "Cannot delete entity, must detach all policies first."},
		}
		if err := checkNone(ctx, tx, account, key, checks); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM iam_groups WHERE account = ? AND name_key = ?`, account, key)
		return err
	})
}

// checkNone runs COUNT queries over (account, key) and returns DeleteConflict with
// the message of the first that finds rows.
func checkNone(ctx context.Context, tx *store.Tx, account, key string, checks []struct{ query, msg string }) error {
	for _, c := range checks {
		var n int
		if err := tx.QueryRow(ctx, c.query, account, key).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return deleteConflict("%s", c.msg)
		}
	}
	return nil
}
