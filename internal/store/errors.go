package store

import (
	"database/sql"
	"errors"

	"github.com/ncruces/go-sqlite3"
)

// IsNotFound reports whether err says a QueryRow found no row
// (sql.ErrNoRows), for callers to map to their service's not-found error.
func IsNotFound(err error) bool {
	return errors.Is(err, sql.ErrNoRows)
}

// IsUniqueViolation reports whether err comes from a statement that would
// have duplicated a primary key or a UNIQUE column, for callers to map to
// their service's already-exists error.
func IsUniqueViolation(err error) bool {
	return errors.Is(err, sqlite3.CONSTRAINT_UNIQUE) || errors.Is(err, sqlite3.CONSTRAINT_PRIMARYKEY)
}

// IsForeignKeyViolation reports whether err comes from a statement that
// would have broken a foreign key: a row referring to nothing, or the
// deletion of a row still referred to (AWS's DeleteConflict).
func IsForeignKeyViolation(err error) bool {
	return errors.Is(err, sqlite3.CONSTRAINT_FOREIGNKEY)
}
