// Package store is Stratus's control-plane state store: an embedded SQLite
// database in the data directory, owned table by table by the services, with
// versioned migrations and durable, group-committed updates.
//
// It is for small, structured, transactional state (IAM users, function
// configurations, queue messages). It is not for blobs (function code, image
// layers: see internal/blob), not for secrets in clear (seal them with
// internal/secret first), and it knows nothing of AWS: callers map
// [IsNotFound], [IsUniqueViolation] and [IsForeignKeyViolation] to their own
// awserr codes.
//
// # Using it
//
// Each service calls [Store.Migrate] once at start with its own owner name
// and migrations, then reads with [Store.View] and writes with [Store.Update]:
//
//	err := st.Update(ctx, func(tx *store.Tx) error {
//		_, err := tx.Exec(ctx, `INSERT INTO iam_users (name, arn) VALUES (?, ?)`, name, arn)
//		return err
//	})
//	if store.IsUniqueViolation(err) {
//		return awserr.New(...EntityAlreadyExists...)
//	}
//
// # Durability
//
// An Update returns nil only after its transaction is committed and the
// write-ahead log holding it has been fsynced. The database runs in WAL mode
// with synchronous=FULL: every commit syncs the WAL, and a checkpoint syncs
// the database file before the WAL is reused. (synchronous=NORMAL would sync
// only at checkpoints and could lose acknowledged commits on power loss, so
// it is not used.) Options.NoSync turns syncing off for tests that measure
// nothing about durability.
//
// Two tests hold the claim: a child process is killed with SIGKILL while
// updating and every update it acknowledged must be there afterwards; and a
// crashable file layer under SQLite keeps writes that were not yet synced
// apart and throws them away on a simulated power loss, after which every
// acknowledged update must be there and PRAGMA integrity_check must pass.
//
// # Group commit
//
// All writes go through one writer connection owned by a goroutine that
// Open starts and Close stops. Updates that arrive while a commit is syncing
// are gathered into the next transaction: each caller's fn runs inside its
// own SAVEPOINT, so an error from one fn rolls back only that fn's changes;
// the transaction then commits once and every caller in it returns after the
// single sync. There is no artificial delay: a lone Update commits at once.
//
// fn runs exactly once, on the writer goroutine, and is never retried. It
// sees the changes of the Updates committed before it and of those earlier in
// its group. Keep it short and free of network calls: the next group waits
// for it.
//
// # Driver
//
// The driver is github.com/ncruces/go-sqlite3, a pure Go build of SQLite
// (translated from its Wasm build, no cgo) whose file layer (VFS) is a Go
// interface. modernc.org/sqlite was the first choice, but it offers no way to
// put Go code under SQLite's writes and syncs (its vfs package serves
// read-only fs.FS trees without shared memory), and the power-loss test needs
// exactly that hook. The ncruces VFS is a reimplementation of SQLite's unix
// VFS; it takes OFD locks on Linux and maps the WAL index like SQLite does.
//
// # Portable SQL
//
// The schema and queries must also run on PostgreSQL, which will replace
// SQLite when Stratus runs on many machines. The convention:
//
//   - Placeholders are written `?`, positional. A PostgreSQL backend rewrites
//     them to $1, $2, ... (outside string literals) before preparing; do not
//     use ?NNN, :name or $N.
//   - Column types: INTEGER/BIGINT, TEXT, BLOB (bytea there), BOOLEAN,
//     DOUBLE PRECISION. Store times as TEXT in RFC 3339, UTC, written by Go.
//   - Use standard SQL that both accept: INSERT ... ON CONFLICT (...) DO
//     NOTHING/UPDATE, RETURNING, CREATE TABLE/INDEX IF NOT EXISTS. Avoid
//     INSERT OR REPLACE, AUTOINCREMENT, rowid, and SQLite's type affinity
//     tricks; prefer explicit keys (ids made in Go).
//   - Table names start with their owner: iam_users, lambda_functions.
//   - Foreign keys are enforced. Do not declare them DEFERRABLE: a deferred
//     violation would fail at COMMIT and take down every Update of the group.
package store
