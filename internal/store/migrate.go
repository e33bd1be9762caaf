package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Migration is one step of an owner's schema. Versions of one owner are
// positive and strictly increasing; a released migration is never edited,
// only followed by a new one. SQL may hold several statements.
type Migration struct {
	Version int
	SQL     string
}

// createMigrationsTable is the store's own table, made by Open.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	owner      TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	applied_at TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,
	PRIMARY KEY (owner, version)
)`

// Migrate applies, in order and once each, the migrations of one owner (a
// service name such as "iam"); versions are recorded in a schema_migrations
// table (owner, version). Each migration runs in its own transaction with
// its record, so a failed migration leaves nothing behind and is tried again
// by the next Migrate. Concurrent Migrate calls for one owner are safe.
//
// Migrate refuses a database that has a version of owner newer than the last
// of migrations: it was written by a newer Stratus.
func (s *Store) Migrate(ctx context.Context, owner string, migrations []Migration) error {
	if owner == "" {
		return errors.New("migrate: empty owner")
	}
	last := 0
	for _, m := range migrations {
		if m.Version <= last {
			return fmt.Errorf("migrate %s: version %d follows %d: versions must be positive and increasing", owner, m.Version, last)
		}
		if m.SQL == "" {
			return fmt.Errorf("migrate %s: version %d has no SQL", owner, m.Version)
		}
		last = m.Version
	}

	var newest sql.NullInt64
	err := s.View(ctx, func(tx *Tx) error {
		return tx.QueryRow(ctx, `SELECT MAX(version) FROM schema_migrations WHERE owner = ?`, owner).Scan(&newest)
	})
	if err != nil {
		return fmt.Errorf("migrate %s: %w", owner, err)
	}
	if newest.Valid && newest.Int64 > int64(last) {
		return fmt.Errorf("migrate %s: database is at version %d, newer than this binary's %d", owner, newest.Int64, last)
	}

	for _, m := range migrations {
		if newest.Valid && int64(m.Version) <= newest.Int64 {
			continue
		}
		err := s.submit(ctx, func(tx *Tx) error {
			var n int
			err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE owner = ? AND version = ?`, owner, m.Version).Scan(&n)
			if err != nil || n > 0 {
				return err // applied meanwhile by a concurrent Migrate
			}
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (owner, version) VALUES (?, ?)`, owner, m.Version)
			return err
		}, true)
		if err != nil {
			return fmt.Errorf("migrate %s to version %d: %w", owner, m.Version, err)
		}
	}
	return nil
}
