package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stratus-cloud/stratus/internal/store"
	"github.com/stratus-cloud/stratus/internal/store/storetest"
)

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, store.KeySize) }

func TestEncryptedStoreConforms(t *testing.T) {
	storetest.Run(t, opener(store.Options{Key: testKey(1)}))
}

const marker = "plaintext-marker-0123456789"

func writeMarker(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	err := st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS t (v TEXT)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO t (v) VALUES (?)`, marker)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readMarker(t *testing.T, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	var v string
	err := st.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, `SELECT v FROM t`).Scan(&v) })
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// rawHolds reports whether the database file or its WAL holds s.
func rawHolds(t *testing.T, path, s string) bool {
	t.Helper()
	for _, p := range []string{path, path + "-wal"} {
		b, err := os.ReadFile(p)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

func TestEncryptionAtRest(t *testing.T) {
	ctx := context.Background()
	t.Run("nothing written is in the files in clear, and it reads back with the key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "stratus.db")
		st, err := store.Open(ctx, store.Options{Path: path, Key: testKey(1)})
		if err != nil {
			t.Fatal(err)
		}
		writeMarker(t, st)
		if rawHolds(t, path, marker) {
			t.Fatal("the value is in the files in clear while the store is open")
		}
		st.Close()
		if rawHolds(t, path, marker) {
			t.Fatal("the value is in the files in clear")
		}
		st, err = store.Open(ctx, store.Options{Path: path, Key: testKey(1)})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if got := readMarker(t, st); got != marker {
			t.Fatalf("read %q", got)
		}
	})
	t.Run("another key or no key opens nothing", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "stratus.db")
		st, err := store.Open(ctx, store.Options{Path: path, Key: testKey(1)})
		if err != nil {
			t.Fatal(err)
		}
		writeMarker(t, st)
		st.Close()
		for name, key := range map[string][]byte{"another key": testKey(2), "no key": nil} {
			st, err := store.Open(ctx, store.Options{Path: path, Key: key})
			if err == nil {
				err = st.View(ctx, func(tx *store.Tx) error {
					var v string
					return tx.QueryRow(ctx, `SELECT v FROM t`).Scan(&v)
				})
				st.Close()
			}
			if err == nil {
				t.Fatalf("%s read the encrypted database", name)
			}
		}
	})
	t.Run("a plaintext database is encrypted in place on its first open with a key", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "stratus.db")
		st, err := store.Open(ctx, store.Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		writeMarker(t, st)
		st.Close()
		if !rawHolds(t, path, marker) {
			t.Fatal("control: the plaintext database does not hold the value in clear")
		}
		st, err = store.Open(ctx, store.Options{Path: path, Key: testKey(3)})
		if err != nil {
			t.Fatal(err)
		}
		if got := readMarker(t, st); got != marker {
			t.Fatalf("after encryption read %q", got)
		}
		st.Close()
		if rawHolds(t, path, marker) {
			t.Fatal("the value is still in clear after encryption")
		}
	})
	t.Run("a key of the wrong size is refused", func(t *testing.T) {
		_, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "x.db"), Key: []byte("short")})
		if err == nil {
			t.Fatal("a 5-byte key was accepted")
		}
	})
}
