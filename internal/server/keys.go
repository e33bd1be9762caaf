package server

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/stratus-cloud/stratus/internal/datakey"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
)

// LockDataDir takes the data directory's lock (DIR/lock, flock): one process
// at a time works on a data directory — a server, or an offline command such
// as root key rotation. The lock goes with the returned file (or the process).
func LockDataDir(dir string) (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	// A server killed a moment ago can leave the lock to a child that is
	// between fork and exec: wait a little before calling the directory busy.
	deadline := time.Now().Add(lockWait)
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	f.Close()
	if errors.Is(err, unix.EWOULDBLOCK) {
		return nil, fmt.Errorf("data directory %s is in use by another stratus process%s", dir, lockHolders(filepath.Join(dir, "lock")))
	}
	return nil, fmt.Errorf("lock data directory: %w", err)
}

// lockWait is how long LockDataDir waits for a lock held by another process.
const lockWait = 5 * time.Second

// lockHolders names the processes that have path open, for the error.
func lockHolders(path string) string {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var out []string
	for _, p := range procs {
		fds, _ := os.ReadDir(filepath.Join(p, "fd"))
		for _, fd := range fds {
			if target, err := os.Readlink(filepath.Join(p, "fd", fd.Name())); err == nil && target == path {
				cmd, _ := os.ReadFile(filepath.Join(p, "cmdline"))
				out = append(out, filepath.Base(p)+" ("+strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))+")")
				break
			}
		}
	}
	if len(out) == 0 {
		return ""
	}
	return ": pid " + strings.Join(out, ", ")
}

// openDataKey returns the data directory's data key, making it on first
// start. A data directory made before data keys existed (its store written
// in clear, its secrets sealed under the root key itself) is checked against
// the root key's canary first, so that a wrong root key never gets to wrap a
// new data key.
func openDataKey(ctx context.Context, dir string, root *rootkey.Key) (*rootkey.Key, error) {
	ok, err := datakey.Exists(dir)
	if err != nil {
		return nil, err
	}
	if ok {
		return datakey.Open(dir, root)
	}
	db := filepath.Join(dir, "stratus.db")
	if _, err := os.Stat(db); err == nil {
		st, err := store.Open(ctx, store.Options{Path: db})
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		err = checkRootKey(ctx, st, secret.NewBox(root))
		if cerr := st.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, err
		}
	}
	return datakey.Create(dir, root)
}

// checkRootKey checks the canary a data directory made before data keys kept
// under the root key (creating it if the store has none).
func checkRootKey(ctx context.Context, st *store.Store, rootBox *secret.Box) error {
	if err := st.Migrate(ctx, "server", []store.Migration{{Version: 1, SQL: `CREATE TABLE server_meta (name TEXT PRIMARY KEY, value BLOB NOT NULL)`}}); err != nil {
		return fmt.Errorf("migrate server tables: %w", err)
	}
	const name = "root-key-canary"
	ad := []byte("server/" + name)
	var sealed []byte
	err := st.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT value FROM server_meta WHERE name = ?`, name).Scan(&sealed)
	})
	switch {
	case store.IsNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("read root key canary: %w", err)
	}
	if _, err := rootBox.Open(sealed, ad); err != nil {
		return datakey.ErrWrongRootKey
	}
	return nil
}
