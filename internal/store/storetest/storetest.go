// Package storetest is the conformance suite every configuration of
// internal/store must pass: migrations, atomicity and isolation of Updates,
// View snapshots, concurrency and durability across Close and Open.
//
// It is for the store's own tests and for any future backend (PostgreSQL)
// behind the same API. It is not a place for durability tests that need a
// crash (those live with the backend that can crash: see internal/store).
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Run runs the suite. open must return a Store on t's own database: the same
// database every time it is called with the same t (the suite closes a Store
// and opens it again), and a new, empty one for every new t. The suite closes
// every Store it opens; open may also register a Close with t.Cleanup, since
// Close is idempotent.
func Run(t *testing.T, open func(t *testing.T) *store.Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, open func(t *testing.T) *store.Store)
	}{
		{"migrations apply once each and in order", testMigrationsOnceInOrder},
		{"a failed migration leaves nothing behind and is tried again", testFailedMigration},
		{"migrate rejects versions that do not increase", testMigrationVersionsIncrease},
		{"migrate refuses a database newer than its migrations", testMigrationNewerDatabase},
		{"an error in fn writes nothing", testUpdateAtomic},
		{"a failing update in a group rolls back only its own changes", testGroupIsolation},
		{"a panicking fn rolls back its changes and panics in the caller", testUpdatePanic},
		{"a cancelled context stops an update before fn runs", testUpdateCancelled},
		{"a tx used after fn returns fails", testTxAfterReturn},
		{"a view sees one snapshot throughout", testViewSnapshot},
		{"a view cannot write", testViewReadOnly},
		{"64 concurrent updaters lose nothing", testConcurrentUpdates},
		{"constraint and not-found errors are recognised", testErrorHelpers},
		{"committed updates survive close and reopen", testDurableAcrossReopen},
		{"update and view after close fail with ErrClosed", testClosed},
		{"close finishes the updates it has taken and refuses the rest", testCloseDrains},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, open)
		})
	}
}

// openT opens t's store and closes it when t ends.
func openT(t *testing.T, open func(t *testing.T) *store.Store) *store.Store {
	t.Helper()
	s := open(t)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func mustUpdate(t *testing.T, s *store.Store, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := s.Update(context.Background(), fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func exec(query string, args ...any) func(tx *store.Tx) error {
	return func(tx *store.Tx) error {
		_, err := tx.Exec(context.Background(), query, args...)
		return err
	}
}

// count returns the result of a COUNT query in a fresh View.
func count(t *testing.T, s *store.Store, query string, args ...any) int {
	t.Helper()
	var n int
	err := s.View(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), query, args...).Scan(&n)
	})
	if err != nil {
		t.Fatalf("view %q: %v", query, err)
	}
	return n
}

func texts(t *testing.T, s *store.Store, query string, args ...any) []string {
	t.Helper()
	var out []string
	err := s.View(context.Background(), func(tx *store.Tx) error {
		rows, err := tx.Query(context.Background(), query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v string
			if err := rows.Scan(&v); err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatalf("view %q: %v", query, err)
	}
	return out
}

func testMigrationsOnceInOrder(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	ctx := context.Background()
	// Each migration depends on the one before it, and inserts a row that a
	// second application would duplicate.
	v1to3 := []store.Migration{
		{Version: 1, SQL: `CREATE TABLE st_log (step TEXT NOT NULL)`},
		{Version: 2, SQL: `INSERT INTO st_log (step) VALUES ('two'); ALTER TABLE st_log ADD COLUMN extra TEXT`},
		{Version: 3, SQL: `INSERT INTO st_log (step, extra) VALUES ('three', 'x')`},
	}
	for range 2 {
		if err := s.Migrate(ctx, "st", v1to3); err != nil {
			t.Fatalf("migrate: %v", err)
		}
	}
	v1to4 := append(v1to3, store.Migration{Version: 4, SQL: `INSERT INTO st_log (step) VALUES ('four')`})
	if err := s.Migrate(ctx, "st", v1to4); err != nil {
		t.Fatalf("migrate to 4: %v", err)
	}
	// Another owner's version 1 is its own.
	if err := s.Migrate(ctx, "other", []store.Migration{{Version: 1, SQL: `INSERT INTO st_log (step) VALUES ('other')`}}); err != nil {
		t.Fatalf("migrate other: %v", err)
	}

	got := texts(t, s, `SELECT step FROM st_log ORDER BY rowid`)
	want := []string{"two", "three", "four", "other"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows written by migrations = %v, want %v", got, want)
	}
	versions := texts(t, s, `SELECT owner || '/' || version FROM schema_migrations ORDER BY owner, version`)
	wantVersions := []string{"other/1", "st/1", "st/2", "st/3", "st/4"}
	if fmt.Sprint(versions) != fmt.Sprint(wantVersions) {
		t.Errorf("schema_migrations = %v, want %v", versions, wantVersions)
	}
}

func testFailedMigration(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	ctx := context.Background()
	bad := []store.Migration{
		{Version: 1, SQL: `CREATE TABLE st_a (id TEXT PRIMARY KEY)`},
		{Version: 2, SQL: `CREATE TABLE st_b (id TEXT); INSERT INTO st_a (id) VALUES ('x'); THIS IS NOT SQL`},
	}
	if err := s.Migrate(ctx, "st", bad); err == nil {
		t.Fatal("migrate with invalid SQL succeeded")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'st_b'`); n != 0 {
		t.Errorf("table of the failed migration exists")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM st_a`); n != 0 {
		t.Errorf("failed migration left %d rows", n)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM schema_migrations WHERE owner = 'st'`); n != 1 {
		t.Errorf("recorded versions = %d, want 1", n)
	}
	good := []store.Migration{bad[0], {Version: 2, SQL: `CREATE TABLE st_b (id TEXT); INSERT INTO st_a (id) VALUES ('x')`}}
	if err := s.Migrate(ctx, "st", good); err != nil {
		t.Fatalf("migrate after fixing: %v", err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM st_a`); n != 1 {
		t.Errorf("rows after the fixed migration = %d, want 1", n)
	}
}

func testMigrationVersionsIncrease(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	cases := []struct {
		name string
		ms   []store.Migration
	}{
		{"a repeated version", []store.Migration{{Version: 1, SQL: "SELECT 1"}, {Version: 1, SQL: "SELECT 1"}}},
		{"a decreasing version", []store.Migration{{Version: 2, SQL: "SELECT 1"}, {Version: 1, SQL: "SELECT 1"}}},
		{"version zero", []store.Migration{{Version: 0, SQL: "SELECT 1"}}},
		{"empty SQL", []store.Migration{{Version: 1, SQL: ""}}},
	}
	for _, c := range cases {
		t.Run(c.name+" is rejected", func(t *testing.T) {
			if err := s.Migrate(context.Background(), "st", c.ms); err == nil {
				t.Error("migrate succeeded")
			}
			if n := count(t, s, `SELECT COUNT(*) FROM schema_migrations WHERE owner = 'st'`); n != 0 {
				t.Errorf("%d versions recorded", n)
			}
		})
	}
}

func testMigrationNewerDatabase(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	ctx := context.Background()
	ms := []store.Migration{{Version: 1, SQL: `CREATE TABLE st_a (id TEXT)`}, {Version: 2, SQL: `CREATE TABLE st_b (id TEXT)`}}
	if err := s.Migrate(ctx, "st", ms); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := s.Migrate(ctx, "st", ms[:1]); err == nil {
		t.Error("migrate with fewer versions than the database has succeeded")
	}
}

func setupKV(t *testing.T, s *store.Store) {
	t.Helper()
	err := s.Migrate(context.Background(), "st", []store.Migration{{Version: 1, SQL: `
		CREATE TABLE st_kv (k TEXT PRIMARY KEY, v TEXT NOT NULL);
		CREATE TABLE st_counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
		INSERT INTO st_counter (id, n) VALUES (1, 0);
		CREATE TABLE st_child (id TEXT PRIMARY KEY, parent TEXT NOT NULL REFERENCES st_kv (k));
	`}})
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
}

func testUpdateAtomic(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	setupKV(t, s)
	ctx := context.Background()
	errBoom := errors.New("boom")
	err := s.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO st_kv (k, v) VALUES ('a', '1')`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE st_counter SET n = n + 1`); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("update error = %v, want fn's error", err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM st_kv`); n != 0 {
		t.Errorf("rows after a failed update = %d, want 0", n)
	}
	if n := count(t, s, `SELECT n FROM st_counter`); n != 0 {
		t.Errorf("counter after a failed update = %d, want 0", n)
	}
	// A failed statement fails the update the same way.
	err = s.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO st_kv (k, v) VALUES ('b', '1')`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO st_kv (k, v) VALUES ('b', '2')`)
		return err
	})
	if !store.IsUniqueViolation(err) {
		t.Fatalf("update error = %v, want a unique violation", err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM st_kv`); n != 0 {
		t.Errorf("rows after a failed statement = %d, want 0", n)
	}
}

// holdWriter starts an Update whose fn blocks until release is called, so
// that Updates submitted meanwhile queue up and commit as one group.
func holdWriter(t *testing.T, s *store.Store) (release func()) {
	t.Helper()
	started := make(chan struct{})
	unblock := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(tx *store.Tx) error {
			close(started)
			<-unblock
			return nil
		})
	}()
	<-started
	return func() {
		close(unblock)
		if err := <-done; err != nil {
			t.Errorf("holding update: %v", err)
		}
	}
}

func testGroupIsolation(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	setupKV(t, s)
	ctx := context.Background()
	const n = 20
	release := holdWriter(t, s)
	before := s.Stats()

	errOdd := errors.New("odd ones fail")
	var wg, started sync.WaitGroup
	errs := make([]error, n)
	started.Add(n)
	for i := range n {
		wg.Go(func() {
			started.Done()
			errs[i] = s.Update(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO st_kv (k, v) VALUES (?, 'x')`, fmt.Sprint(i)); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE st_counter SET n = n + 1`); err != nil {
					return err
				}
				if i%2 == 1 {
					return errOdd
				}
				return nil
			})
		})
	}
	started.Wait()
	time.Sleep(20 * time.Millisecond) // let the updaters queue behind the held writer
	release()
	wg.Wait()

	for i, err := range errs {
		if i%2 == 1 && !errors.Is(err, errOdd) {
			t.Errorf("update %d: error = %v, want its own", i, err)
		}
		if i%2 == 0 && err != nil {
			t.Errorf("update %d: %v", i, err)
		}
	}
	got := texts(t, s, `SELECT k FROM st_kv ORDER BY CAST(k AS INTEGER)`)
	var want []string
	for i := 0; i < n; i += 2 {
		want = append(want, fmt.Sprint(i))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("keys = %v, want %v", got, want)
	}
	if c := count(t, s, `SELECT n FROM st_counter`); c != n/2 {
		t.Errorf("counter = %d, want %d", c, n/2)
	}
	after := s.Stats()
	updates, commits := after.Updates-before.Updates, after.Commits-before.Commits
	if updates != n/2+1 {
		t.Errorf("stats count %d committed updates, want %d", updates, n/2+1)
	}
	if commits >= updates {
		t.Errorf("%d updates took %d commits: they were not grouped", updates, commits)
	}
}

func testUpdatePanic(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	setupKV(t, s)
	ctx := context.Background()
	errCause := errors.New("cause")
	func() {
		defer func() {
			v := recover()
			err, ok := v.(error)
			if !ok || !errors.Is(err, errCause) {
				t.Errorf("recovered %v, want an error wrapping the panic value", v)
			}
		}()
		_ = s.Update(ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO st_kv (k, v) VALUES ('p', '1')`); err != nil {
				return err
			}
			panic(errCause)
		})
		t.Error("update did not panic")
	}()
	if n := count(t, s, `SELECT COUNT(*) FROM st_kv`); n != 0 {
		t.Errorf("rows after a panicking update = %d, want 0", n)
	}
	// The store still works.
	mustUpdate(t, s, exec(`INSERT INTO st_kv (k, v) VALUES ('q', '1')`))
	if n := count(t, s, `SELECT COUNT(*) FROM st_kv`); n != 1 {
		t.Errorf("rows after a good update = %d, want 1", n)
	}
}

func testUpdateCancelled(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	setupKV(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ran := false
	err := s.Update(ctx, func(tx *store.Tx) error {
		ran = true
		return nil
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("update error = %v, want context.Canceled", err)
	}
	if ran {
		t.Error("fn ran under a cancelled context")
	}

	// Cancelled while queued behind another update: fn still does not run.
	release := holdWriter(t, s)
	ctx, cancel = context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO st_kv (k, v) VALUES ('late', '1')`)
			return err
		})
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	release()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("queued update error = %v, want context.Canceled", err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM st_kv`); n != 0 {
		t.Errorf("rows written by a cancelled update = %d, want 0", n)
	}
}

func testTxAfterReturn(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	setupKV(t, s)
	ctx := context.Background()
	var kept *store.Tx
	mustUpdate(t, s, func(tx *store.Tx) error {
		kept = tx
		return nil
	})
	if _, err := kept.Exec(ctx, `INSERT INTO st_kv (k, v) VALUES ('stale', '1')`); err == nil {
		t.Error("exec on an update's tx after fn returned succeeded")
	}
	var n int
	if err := kept.QueryRow(ctx, `SELECT COUNT(*) FROM st_kv`).Scan(&n); err == nil {
		t.Error("query on an update's tx after fn returned succeeded")
	}
	err := s.View(ctx, func(tx *store.Tx) error {
		kept = tx
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Query(ctx, `SELECT k FROM st_kv`); err == nil {
		t.Error("query on a view's tx after fn returned succeeded")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM st_kv`); n != 0 {
		t.Errorf("rows = %d, want 0", n)
	}
}

func testViewSnapshot(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	setupKV(t, s)
	ctx := context.Background()
	mustUpdate(t, s, exec(`INSERT INTO st_kv (k, v) VALUES ('a', '1')`))
	err := s.View(ctx, func(tx *store.Tx) error {
		var first, second int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM st_kv`).Scan(&first); err != nil {
			return err
		}
		// An update commits (and is acknowledged) in the middle of the view.
		mustUpdate(t, s, exec(`INSERT INTO st_kv (k, v) VALUES ('b', '1')`))
		mustUpdate(t, s, exec(`UPDATE st_kv SET v = '2' WHERE k = 'a'`))
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM st_kv`).Scan(&second); err != nil {
			return err
		}
		var v string
		if err := tx.QueryRow(ctx, `SELECT v FROM st_kv WHERE k = 'a'`).Scan(&v); err != nil {
			return err
		}
		if first != 1 || second != 1 || v != "1" {
			t.Errorf("view saw counts %d then %d and a=%s, want 1, 1 and a=1", first, second, v)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("view: %v", err)
	}
	if n := count(t, s, `SELECT COUNT(*) FROM st_kv`); n != 2 {
		t.Errorf("a later view counts %d rows, want 2", n)
	}
}

func testViewReadOnly(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	setupKV(t, s)
	ctx := context.Background()
	err := s.View(ctx, exec(`INSERT INTO st_kv (k, v) VALUES ('a', '1')`))
	if err == nil {
		t.Error("insert in a view succeeded")
	}
	if n := count(t, s, `SELECT COUNT(*) FROM st_kv`); n != 0 {
		t.Errorf("rows = %d, want 0", n)
	}
}

func testConcurrentUpdates(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	setupKV(t, s)
	ctx := context.Background()
	const workers, each = 64, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				err := s.Update(ctx, func(tx *store.Tx) error {
					// Read-modify-write: lost updates would show in the counter.
					var n int
					if err := tx.QueryRow(ctx, `SELECT n FROM st_counter WHERE id = 1`).Scan(&n); err != nil {
						return err
					}
					if _, err := tx.Exec(ctx, `UPDATE st_counter SET n = ? WHERE id = 1`, n+1); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `INSERT INTO st_kv (k, v) VALUES (?, ?)`, fmt.Sprintf("%d/%d", w, i), fmt.Sprint(n))
					return err
				})
				if err != nil {
					errs <- err
				}
			}
		})
	}
	// Views run alongside and must always see counter and rows agree.
	stop := make(chan struct{})
	var views sync.WaitGroup
	views.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := s.View(ctx, func(tx *store.Tx) error {
				var n, rows int
				if err := tx.QueryRow(ctx, `SELECT n FROM st_counter WHERE id = 1`).Scan(&n); err != nil {
					return err
				}
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM st_kv`).Scan(&rows); err != nil {
					return err
				}
				if n != rows {
					return fmt.Errorf("view saw counter %d but %d rows", n, rows)
				}
				return nil
			})
			if err != nil {
				errs <- err
				return
			}
		}
	})
	wg.Wait()
	close(stop)
	views.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := count(t, s, `SELECT n FROM st_counter WHERE id = 1`); n != workers*each {
		t.Errorf("counter = %d, want %d", n, workers*each)
	}
	if n := count(t, s, `SELECT COUNT(DISTINCT v) FROM st_kv`); n != workers*each {
		t.Errorf("distinct counter values seen by updates = %d, want %d", n, workers*each)
	}
	st := s.Stats()
	t.Logf("%d updates in %d commits", st.Updates, st.Commits)
}

func testErrorHelpers(t *testing.T, open func(t *testing.T) *store.Store) {
	s := openT(t, open)
	setupKV(t, s)
	ctx := context.Background()
	mustUpdate(t, s, exec(`INSERT INTO st_kv (k, v) VALUES ('a', '1')`))

	errDup := s.Update(ctx, exec(`INSERT INTO st_kv (k, v) VALUES ('a', '2')`))
	errFK := s.Update(ctx, exec(`INSERT INTO st_child (id, parent) VALUES ('c', 'missing')`))
	errNotNull := s.Update(ctx, exec(`INSERT INTO st_kv (k, v) VALUES ('b', NULL)`))
	errNoRow := s.View(ctx, func(tx *store.Tx) error {
		var v string
		return tx.QueryRow(ctx, `SELECT v FROM st_kv WHERE k = 'missing'`).Scan(&v)
	})
	cases := []struct {
		name                string
		err                 error
		unique, fk, missing bool
	}{
		{"a duplicate primary key is a unique violation", errDup, true, false, false},
		{"a dangling reference is a foreign key violation", errFK, false, true, false},
		{"a NULL in a NOT NULL column is neither", errNotNull, false, false, false},
		{"no row is not found", errNoRow, false, false, true},
		{"a wrapped duplicate is still a unique violation", fmt.Errorf("create user: %w", errDup), true, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.err == nil {
				t.Fatal("no error")
			}
			if got := store.IsUniqueViolation(c.err); got != c.unique {
				t.Errorf("IsUniqueViolation(%v) = %v", c.err, got)
			}
			if got := store.IsForeignKeyViolation(c.err); got != c.fk {
				t.Errorf("IsForeignKeyViolation(%v) = %v", c.err, got)
			}
			if got := store.IsNotFound(c.err); got != c.missing {
				t.Errorf("IsNotFound(%v) = %v", c.err, got)
			}
		})
	}
	// Deleting a row still referred to is refused too.
	mustUpdate(t, s, exec(`INSERT INTO st_child (id, parent) VALUES ('c', 'a')`))
	if err := s.Update(ctx, exec(`DELETE FROM st_kv WHERE k = 'a'`)); !store.IsForeignKeyViolation(err) {
		t.Errorf("deleting a referenced row: error = %v, want a foreign key violation", err)
	}
}

func testDurableAcrossReopen(t *testing.T, open func(t *testing.T) *store.Store) {
	s := open(t)
	setupKV(t, s)
	ctx := context.Background()
	for i := range 50 {
		mustUpdate(t, s, exec(`INSERT INTO st_kv (k, v) VALUES (?, 'x')`, fmt.Sprint(i)))
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	s = openT(t, open)
	if n := count(t, s, `SELECT COUNT(*) FROM st_kv`); n != 50 {
		t.Errorf("rows after reopening = %d, want 50", n)
	}
	// Migrations are remembered too: applying them again changes nothing.
	setupKV(t, s)
	if err := s.Update(ctx, exec(`INSERT INTO st_kv (k, v) VALUES ('after', 'x')`)); err != nil {
		t.Errorf("update after reopening: %v", err)
	}
}

func testClosed(t *testing.T, open func(t *testing.T) *store.Store) {
	s := open(t)
	setupKV(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second close: %v", err)
	}
	ctx := context.Background()
	if err := s.Update(ctx, exec(`INSERT INTO st_kv (k, v) VALUES ('a', '1')`)); !errors.Is(err, store.ErrClosed) {
		t.Errorf("update after close: %v, want ErrClosed", err)
	}
	if err := s.View(ctx, func(*store.Tx) error { return nil }); !errors.Is(err, store.ErrClosed) {
		t.Errorf("view after close: %v, want ErrClosed", err)
	}
	if err := s.Migrate(ctx, "st", []store.Migration{{Version: 2, SQL: "SELECT 1"}}); !errors.Is(err, store.ErrClosed) {
		t.Errorf("migrate after close: %v, want ErrClosed", err)
	}
}

func testCloseDrains(t *testing.T, open func(t *testing.T) *store.Store) {
	s := open(t)
	setupKV(t, s)
	ctx := context.Background()
	const n = 32
	release := holdWriter(t, s)
	var wg, started sync.WaitGroup
	errs := make([]error, n)
	started.Add(n)
	for i := range n {
		wg.Go(func() {
			started.Done()
			errs[i] = s.Update(ctx, exec(`INSERT INTO st_kv (k, v) VALUES (?, 'x')`, fmt.Sprint(i)))
		})
	}
	started.Wait()
	time.Sleep(10 * time.Millisecond)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	time.Sleep(10 * time.Millisecond)
	release()
	if err := <-closed; err != nil {
		t.Fatalf("close: %v", err)
	}
	wg.Wait()

	s = openT(t, open)
	present := map[string]bool{}
	for _, k := range texts(t, s, `SELECT k FROM st_kv`) {
		present[k] = true
	}
	for i, err := range errs {
		k := fmt.Sprint(i)
		switch {
		case err == nil && !present[k]:
			t.Errorf("update %d succeeded but its row is missing after close", i)
		case errors.Is(err, store.ErrClosed) && present[k]:
			t.Errorf("update %d was refused but its row is present", i)
		case err != nil && !errors.Is(err, store.ErrClosed):
			t.Errorf("update %d: %v", i, err)
		}
	}
}
