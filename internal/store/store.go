package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/ncruces/go-sqlite3"
	"github.com/ncruces/go-sqlite3/driver"
)

// Options configures a Store.
type Options struct {
	// Path of the database file (the data directory's stratus.db).
	Path string
	// NoSync is for tests that measure nothing about durability; default false = durable.
	NoSync bool
	// VFS names a registered SQLite VFS to open the database through; empty
	// means the operating system's. Tests that simulate power loss use it
	// (internal/store/crashtest).
	VFS string
	// Key, when set, encrypts the database at rest: every page of the
	// database and its WAL is encrypted with Adiantum (SQLite's "adiantum"
	// VFS: XChaCha12 and AES-256, length-preserving per 4 KiB block) under
	// this 32-byte key. A database written without a key is
	// encrypted in place on its first open with one. It cannot be combined
	// with VFS.
	Key []byte
}

// ErrClosed is returned by Update, View and Migrate once Close has begun.
var ErrClosed = errors.New("store is closed")

// busyTimeoutMillis bounds how long a connection waits for a lock held by
// another connection (another process on the same file, or a checkpoint).
const busyTimeoutMillis = 5000

// walSizeLimit caps the size the WAL file is truncated back to after a
// checkpoint, so a burst of writes does not leave a huge file behind.
const walSizeLimit = 64 << 20

// Store is the control-plane database. Its methods are safe for concurrent use.
type Store struct {
	wdb *sql.DB   // the writer's pool: exactly one connection
	w   *sql.Conn // that connection, used only by the commit loop (and Open, before it starts)
	rdb *sql.DB   // read-only connections for View

	// doneTx is a read-only transaction that was rolled back at Open. A Tx
	// whose fn has returned points at it, so that every later use fails with
	// sql.ErrTxDone instead of touching someone else's transaction.
	doneTx *sql.Tx

	// Prepared statements: on the writer's connection, and on the read pool
	// (database/sql prepares each on a reader connection once, on first use).
	wstmts, rstmts *stmtCache

	reqs    chan *request // to the commit loop; unbuffered
	closing chan struct{} // closed when Close begins
	stopped chan struct{} // closed when the commit loop has returned

	// syncs is set unless Options.NoSync: commits are fsynced.
	syncs bool

	updates atomic.Uint64 // Updates committed
	commits atomic.Uint64 // transactions committed by the loop

	closeOnce sync.Once
	closeErr  error // set once by closeOnce
}

// Stats counts what the commit loop has done since Open.
type Stats struct {
	// Updates is the number of Update calls (and migrations) committed.
	Updates uint64
	// Commits is the number of transactions committed (and synced). Updates
	// divided by Commits is the average size of a group commit.
	Commits uint64
}

// Open opens (creating if needed) the database at opts.Path, brings it to WAL
// mode and starts the commit loop. The directory must exist. Close the Store
// to stop the loop and release the file.
func Open(ctx context.Context, opts Options) (*Store, error) {
	return open(ctx, opts, opts.VFS)
}

// open is Open with a choice of SQLite VFS by registered name ("" is the
// operating system's); tests use it to put a crashable file layer under the
// database.
func open(ctx context.Context, opts Options, vfsName string) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("open store: empty path")
	}
	abs, err := filepath.Abs(opts.Path)
	if err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	q := url.Values{}
	if len(opts.Key) > 0 {
		if vfsName != "" {
			return nil, errors.New("open store: an encryption key cannot be combined with another VFS")
		}
		if len(opts.Key) != KeySize {
			return nil, fmt.Errorf("open store: encryption key of %d bytes, want %d", len(opts.Key), KeySize)
		}
		if err := encryptInPlace(ctx, abs, opts.Key); err != nil {
			return nil, fmt.Errorf("open store %s: %w", abs, err)
		}
		vfsName = EncryptingVFS
		q.Set("hexkey", hex.EncodeToString(opts.Key))
	}
	if vfsName != "" {
		q.Set("vfs", vfsName)
	}
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: abs, RawQuery: q.Encode()}).String()

	s := &Store{
		syncs:   !opts.NoSync,
		reqs:    make(chan *request),
		closing: make(chan struct{}),
		stopped: make(chan struct{}),
	}
	ok := false
	defer func() {
		if !ok {
			s.closeHandles()
		}
	}()

	// The writer first: it switches the file to WAL mode, which readers rely on.
	s.wdb, err = driver.Open(dsn, connInit(false, opts.NoSync))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	s.wdb.SetMaxOpenConns(1)
	s.wdb.SetMaxIdleConns(1)
	s.w, err = s.wdb.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	var mode string
	if err := s.w.QueryRowContext(ctx, `PRAGMA journal_mode=WAL`).Scan(&mode); err != nil {
		return nil, fmt.Errorf("open store %s: set wal mode: %w", abs, err)
	}
	if mode != "wal" {
		return nil, fmt.Errorf("open store %s: journal mode is %q, want wal", abs, mode)
	}
	if _, err := s.w.ExecContext(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	// SQLite syncs the directory of a new WAL but not of a new database
	// file: make the file's creation durable here.
	if !opts.NoSync {
		if err := syncDir(filepath.Dir(abs)); err != nil {
			return nil, fmt.Errorf("open store %s: %w", abs, err)
		}
	}

	s.rdb, err = driver.Open(dsn, connInit(true, opts.NoSync))
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	s.wstmts, s.rstmts = newStmtCache(s.w.PrepareContext, false), newStmtCache(s.rdb.PrepareContext, true)
	readers := max(4, runtime.GOMAXPROCS(0))
	s.rdb.SetMaxOpenConns(readers)
	s.rdb.SetMaxIdleConns(readers)
	s.doneTx, err = s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}
	if err := s.doneTx.Rollback(); err != nil {
		return nil, fmt.Errorf("open store %s: %w", abs, err)
	}

	go s.run()
	ok = true
	return s, nil
}

// connInit returns the driver's per-connection setup.
func connInit(readOnly, noSync bool) func(*sqlite3.Conn) error {
	syncMode := "FULL"
	if noSync {
		syncMode = "OFF"
	}
	pragmas := fmt.Sprintf(`PRAGMA busy_timeout=%d; PRAGMA foreign_keys=ON; PRAGMA synchronous=%s;`,
		busyTimeoutMillis, syncMode)
	if readOnly {
		pragmas += ` PRAGMA query_only=ON;`
	} else {
		pragmas += fmt.Sprintf(` PRAGMA journal_size_limit=%d;`, walSizeLimit)
	}
	return func(c *sqlite3.Conn) error {
		if err := c.Exec(pragmas); err != nil {
			return fmt.Errorf("configure connection: %w", err)
		}
		return nil
	}
}

// syncDir fsyncs a directory, making the entries in it durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync directory: %w", err)
	}
	return nil
}

// Close stops accepting work, lets the commit loop finish every Update it
// has already taken, waits for it and closes the database. Views still
// running finish on their own connection. Close is idempotent.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		<-s.stopped
		s.closeErr = s.closeHandles()
	})
	return s.closeErr
}

// closeHandles closes whatever Open managed to open.
func (s *Store) closeHandles() error {
	var errs []error
	for _, c := range []*stmtCache{s.wstmts, s.rstmts} {
		if c != nil {
			errs = append(errs, c.close())
		}
	}
	if s.w != nil {
		errs = append(errs, s.w.Close())
	}
	if s.wdb != nil {
		errs = append(errs, s.wdb.Close())
	}
	if s.rdb != nil {
		errs = append(errs, s.rdb.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close store: %w", err)
	}
	return nil
}

// Stats reports counters of the commit loop.
func (s *Store) Stats() Stats {
	return Stats{Updates: s.updates.Load(), Commits: s.commits.Load()}
}

// View runs fn in a read-only transaction. Every query in fn sees the same
// snapshot: the database as of fn's first query, including every Update that
// returned before View was called. View returns fn's error. Views run in
// parallel with each other and with the commit loop.
func (s *Store) View(ctx context.Context, fn func(tx *Tx) error) error {
	select {
	case <-s.closing:
		return ErrClosed
	default:
	}
	stx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin view: %w", err)
	}
	defer stx.Rollback()
	tx := newTx(stx, false, func(ctx context.Context, query string) *sql.Stmt {
		if st := s.rstmts.get(ctx, query); st != nil {
			return stx.StmtContext(ctx, st)
		}
		return nil
	})
	defer tx.end(s.doneTx)
	return fn(tx)
}

// Update runs fn in a read-write transaction and returns once that
// transaction is committed and synced to disk, or fn's error (in which case
// none of fn's changes are kept).
//
// fn runs exactly once, on the store's writer goroutine, and is never
// retried. Concurrent Updates are grouped into one transaction, each fn in
// its own savepoint (see the package doc). If ctx is done before fn starts,
// fn does not run and Update returns ctx.Err(); once fn has started, Update
// waits for the commit whatever ctx does, so that its result is never
// ambiguous, and statements in fn are not interrupted by ctx.
//
// If fn panics, its changes are rolled back and Update panics in the
// caller's goroutine with an error wrapping the panic value and stack.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	return s.submit(ctx, fn, false)
}

// submit hands fn to the commit loop and waits for its outcome. alone asks
// for a transaction of its own.
func (s *Store) submit(ctx context.Context, fn func(tx *Tx) error, alone bool) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &request{ctx: ctx, fn: fn, alone: alone, done: make(chan outcome, 1)}
	select {
	case s.reqs <- r:
	case <-s.closing:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	o := <-r.done
	if o.panicked != nil {
		panic(o.panicked)
	}
	return o.err
}
