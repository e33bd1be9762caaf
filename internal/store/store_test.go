package store_test

import (
	"context"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
	"github.com/stratus-cloud/stratus/internal/store/storetest"
)

// opener returns an open function for storetest.Run: one database file per
// test, the same file each time a test reopens it.
func opener(opts store.Options) func(t *testing.T) *store.Store {
	var mu sync.Mutex
	paths := map[*testing.T]string{} // guarded by mu
	return func(t *testing.T) *store.Store {
		t.Helper()
		mu.Lock()
		path, ok := paths[t]
		if !ok {
			path = filepath.Join(t.TempDir(), "stratus.db")
			paths[t] = path
		}
		mu.Unlock()
		o := opts
		o.Path = path
		s, err := store.Open(context.Background(), o)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
}

func TestStoreConformsWithSyncOn(t *testing.T) {
	storetest.Run(t, opener(store.Options{}))
}

func TestStoreConformsWithSyncOff(t *testing.T) {
	storetest.Run(t, opener(store.Options{NoSync: true}))
}

func TestRepeatedQueriesSurviveSchemaChangesAndManyDistinctQueries(t *testing.T) {
	s := opener(store.Options{NoSync: true})(t)
	ctx := context.Background()
	if err := s.Migrate(ctx, "t", []store.Migration{{Version: 1, SQL: `CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)`}}); err != nil {
		t.Fatal(err)
	}
	put := func(k, v string) {
		t.Helper()
		if err := s.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)`, k, v)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(q, k string) string {
		t.Helper()
		var v string
		if err := s.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, q, k).Scan(&v) }); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return v
	}
	put("a", "1")
	if get(`SELECT v FROM kv WHERE k = ?`, "a") != "1" {
		t.Fatal("first read")
	}
	t.Run("a statement prepared before a migration sees the new schema", func(t *testing.T) {
		if err := s.Migrate(ctx, "t", []store.Migration{
			{Version: 1, SQL: `CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)`},
			{Version: 2, SQL: `ALTER TABLE kv ADD COLUMN extra TEXT NOT NULL DEFAULT 'x'`},
		}); err != nil {
			t.Fatal(err)
		}
		put("a", "2")
		if got := get(`SELECT v FROM kv WHERE k = ?`, "a"); got != "2" {
			t.Fatalf("read after migration = %q", got)
		}
		if got := get(`SELECT v || extra FROM kv WHERE k = ?`, "a"); got != "2x" {
			t.Fatalf("new column = %q", got)
		}
	})
	t.Run("more distinct queries than the cache holds all answer", func(t *testing.T) {
		for i := range 600 {
			q := `SELECT v FROM kv WHERE k = ? AND ` + strconv.Itoa(i) + ` = ` + strconv.Itoa(i)
			if got := get(q, "a"); got != "2" {
				t.Fatalf("query %d = %q", i, got)
			}
		}
	})
}

func TestManyViewsPreparingNewQueriesAtOnceDoNotDeadlock(t *testing.T) {
	s := opener(store.Options{NoSync: true})(t)
	ctx := context.Background()
	if err := s.Migrate(ctx, "t", []store.Migration{{Version: 1, SQL: `CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT)`}}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 32)
	for i := range 32 {
		go func() {
			done <- s.View(ctx, func(tx *store.Tx) error {
				// Each View holds its reader connection while it asks for
				// statements nobody has prepared yet.
				for j := range 3 {
					var n int
					q := `SELECT COUNT(*) FROM kv WHERE ` + strconv.Itoa(i%4) + ` = ` + strconv.Itoa(i%4) + ` AND ` + strconv.Itoa(j) + ` = ` + strconv.Itoa(j)
					if err := tx.QueryRow(ctx, q).Scan(&n); err != nil {
						return err
					}
				}
				return nil
			})
		}()
	}
	for range 32 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(20 * time.Second):
			t.Fatal("views deadlocked preparing statements")
		}
	}
}
