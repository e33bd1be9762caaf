package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/vfs"

	"github.com/stratus-cloud/stratus/internal/store/crashtest"
)

var powerMigrations = []Migration{{Version: 1, SQL: `
	CREATE TABLE power_ids (id INTEGER PRIMARY KEY, pad BLOB NOT NULL);
	CREATE TABLE power_mirror (id INTEGER PRIMARY KEY);
	CREATE TABLE power_acks (id INTEGER PRIMARY KEY);
`}}

// powerRound is what one run up to a power loss did.
type powerRound struct {
	acked    []int64        // ids whose Update returned nil
	unsynced int            // changes the crash layer held unsynced at the power loss
	writes   map[string]int // writes per file before the power loss
}

// runUntilPowerLoss opens the store at path over a fresh crashtest.VFS, updates
// from 8 goroutines, cuts the power right after a random write (between a
// commit's WAL writes and its sync, in a checkpoint, ...), closes the store
// and restores the disk, keeping each unsynced change if keep says so.
//
// With deferred, each update defers its sync (DeferSync) and is acknowledged
// only after a second, synced Update (as the audit trail follows a
// management call's effect with its record).
func runUntilPowerLoss(t *testing.T, path string, opts Options, keep func() bool, deferred bool) powerRound {
	t.Helper()
	crash := crashtest.New()
	name := fmt.Sprintf("crash-%p", crash)
	vfs.Register(name, crash)
	defer vfs.Unregister(name)

	ctx := context.Background()
	opts.Path = path
	s, err := open(ctx, opts, name)
	if err != nil {
		t.Fatalf("open over the crash layer: %v", err)
	}
	if err := s.Migrate(ctx, "power", powerMigrations); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	var next atomic.Int64
	err = s.View(ctx, func(tx *Tx) error {
		var max int64
		err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM power_ids`).Scan(&max)
		next.Store(max)
		return err
	})
	if err != nil {
		t.Fatalf("read max id: %v", err)
	}
	cutAfter := 100 + rand.IntN(1400)
	crash.CutAfterWrites(cutAfter)

	var (
		mu    sync.Mutex
		acked []int64 // guarded by mu
		wg    sync.WaitGroup
	)
	// Pages of padding and frequent checkpoints (the default is every 1000
	// pages) make some power losses strike in the middle of a checkpoint.
	pad := make([]byte, 6000)
	if _, err := s.w.ExecContext(ctx, `PRAGMA wal_autocheckpoint=50`); err != nil {
		t.Fatal(err)
	}
	for range 8 {
		wg.Go(func() {
			for {
				id := next.Add(1)
				uctx := ctx
				if deferred {
					uctx = DeferSync(ctx)
				}
				err := s.Update(uctx, func(tx *Tx) error {
					if _, err := tx.Exec(ctx, `INSERT INTO power_ids (id, pad) VALUES (?, ?)`, id, pad); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `INSERT INTO power_mirror (id) VALUES (?)`, id)
					return err
				})
				if err == nil && deferred {
					err = s.Update(ctx, func(tx *Tx) error {
						_, err := tx.Exec(ctx, `INSERT INTO power_acks (id) VALUES (?)`, id)
						return err
					})
				}
				if err != nil {
					select {
					case <-crash.Down(): // the power is off
					default:
						t.Errorf("update %d failed with the power on: %v", id, err)
					}
					return
				}
				mu.Lock()
				acked = append(acked, id)
				mu.Unlock()
			}
		})
	}
	select {
	case <-crash.Down():
	case <-time.After(3 * time.Second):
		// The disk is slow (other work on the machine): cut now, wherever
		// the writers are. The round still checks every acknowledged update.
		crash.PowerOff()
		t.Logf("the power had not failed after 3s (at write %d): cut it", cutAfter)
	}
	wg.Wait()
	_ = s.Close() // fails: the power is off; it releases files and locks
	if err := crash.Restore(keep); err != nil {
		t.Fatal(err)
	}
	return powerRound{acked: acked, unsynced: crash.Unsynced(), writes: crash.Writes()}
}

// survivors reopens the database on the plain file system and returns which
// ids are present, failing t if the two tables disagree or
// integrity_check finds a fault.
func survivors(t *testing.T, path string) map[int64]bool {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, Options{Path: path, NoSync: true})
	if err != nil {
		t.Fatalf("reopen after power loss: %v", err)
	}
	defer s.Close()
	present := map[int64]bool{}
	var mirror, integrity string
	err = s.View(ctx, func(tx *Tx) error {
		if err := tx.QueryRow(ctx, `PRAGMA integrity_check`).Scan(&integrity); err != nil {
			return err
		}
		var tables int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE name = 'power_ids'`).Scan(&tables); err != nil || tables == 0 {
			return err // nothing survived, not even the schema
		}
		rows, err := tx.Query(ctx, `SELECT id FROM power_ids`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			present[id] = true
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM power_ids WHERE id NOT IN (SELECT id FROM power_mirror)) || '/' ||
			(SELECT COUNT(*) FROM power_mirror WHERE id NOT IN (SELECT id FROM power_ids))`).Scan(&mirror)
	})
	if err != nil {
		t.Fatalf("read back after power loss: %v", err)
	}
	if integrity != "ok" {
		t.Errorf("integrity_check after power loss: %s", integrity)
	}
	if mirror != "" && mirror != "0/0" {
		t.Errorf("an update survived in part (ids missing from ids/mirror): %s", mirror)
	}
	return present
}

func TestAcknowledgedUpdatesSurvivePowerLoss(t *testing.T) {
	dropAll := func() bool { return false }
	keepSome := func() bool { return rand.IntN(2) == 0 }
	type round struct {
		name     string
		keep     func() bool
		deferred bool
	}
	var rounds []round
	for i := range 10 {
		rounds = append(rounds,
			round{fmt.Sprintf("power loss %d drops every unsynced write", 3*i+1), dropAll, false},
			round{fmt.Sprintf("power loss %d keeps a random half of unsynced writes", 3*i+2), keepSome, false},
			round{fmt.Sprintf("power loss %d drops every unsynced write of updates whose sync a later update made", 3*i+3), dropAll, true})
	}
	path := filepath.Join(t.TempDir(), "stratus.db")
	var acked []int64
	unsynced := 0
	for _, r := range rounds {
		t.Run(r.name, func(t *testing.T) {
			round := runUntilPowerLoss(t, path, Options{}, r.keep, r.deferred)
			if len(round.acked) == 0 {
				t.Fatal("no update was acknowledged before the power loss")
			}
			acked = append(acked, round.acked...)
			unsynced += round.unsynced
			present := survivors(t, path)
			missing := 0
			for _, id := range acked {
				if !present[id] {
					missing++
				}
			}
			if missing > 0 {
				t.Errorf("%d of %d acknowledged updates lost", missing, len(acked))
			}
			t.Logf("%d acknowledged in all, %d present; writes before the power loss %v, %d of them unsynced",
				len(acked), len(present), round.writes, round.unsynced)
		})
	}
	if unsynced == 0 {
		t.Error("the crash layer never held an unsynced write at a power loss: the test proved nothing")
	}
}

// TestPowerLossCatchesUnsyncedCommits checks the crash layer itself: with
// syncing off, acknowledged updates must be lost on power loss, or the
// layer is not dropping anything.
func TestPowerLossCatchesUnsyncedCommits(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stratus.db")
	round := runUntilPowerLoss(t, path, Options{NoSync: true}, func() bool { return false }, false)
	if len(round.acked) == 0 {
		t.Fatal("no update was acknowledged before the power loss")
	}
	present := survivors(t, path)
	missing := 0
	for _, id := range round.acked {
		if !present[id] {
			missing++
		}
	}
	if missing == 0 {
		t.Errorf("all %d acknowledged updates survived a power loss without sync", len(round.acked))
	}
	t.Logf("without sync, %d of %d acknowledged updates were lost", missing, len(round.acked))
}
