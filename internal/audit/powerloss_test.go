package audit

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/vfs"

	"github.com/stratus-cloud/stratus/internal/store"
	"github.com/stratus-cloud/stratus/internal/store/crashtest"
)

// TestAuditedManagementEventsSurvivePowerLoss records management events from
// 8 callers while the power fails at a random write (the writes no fsync
// covered are then dropped or kept at random), over several rounds on one
// database; afterwards every event whose Audit returned having written it
// must be in the trail, and the chain and digests must verify.
func TestAuditedManagementEventsSurvivePowerLoss(t *testing.T) {
	ms := models(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "stratus.db")
	ctx := context.Background()
	acked := map[string]bool{}
	var unsynced int
	const rounds = 6
	for round := range rounds {
		crash := crashtest.New()
		name := fmt.Sprintf("audit-crash-%p", crash)
		vfs.Register(name, crash)
		st, err := store.Open(ctx, store.Options{Path: path, VFS: name})
		if err != nil {
			t.Fatalf("round %d: open: %v", round, err)
		}
		tr, err := New(ctx, Config{Store: st, DigestKey: testKey(), DigestInterval: 5 * time.Millisecond})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		crash.CutAfterWrites(50 + rand.IntN(400))
		var mu sync.Mutex
		var wg sync.WaitGroup
		for p := range 8 {
			wg.Go(func() {
				for i := 0; ; i++ {
					id := fmt.Sprintf("%d-%d-%d", round, p, i)
					if err := tr.record(ctx, entry(t, ms["iam"], "CreateUser", id, map[string]any{"UserName": id}, nil)); err != nil {
						return // the power is off
					}
					mu.Lock()
					acked[EventID(id)] = true
					mu.Unlock()
				}
			})
		}
		select {
		case <-crash.Down():
		case <-time.After(3 * time.Second):
			crash.PowerOff()
		}
		wg.Wait()
		tr.Close()
		_ = st.Close()
		unsynced += crash.Unsynced()
		if err := crash.Restore(func() bool { return rand.IntN(2) == 0 }); err != nil {
			t.Fatal(err)
		}
		vfs.Unregister(name)
	}

	st, err := store.Open(ctx, store.Options{Path: path})
	if err != nil {
		t.Fatalf("open after the power losses: %v", err)
	}
	found := map[string]bool{}
	err = st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT event_id FROM audit_records`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			found[id] = true
		}
		return rows.Err()
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	lost := 0
	for id := range acked {
		if !found[id] {
			lost++
		}
	}
	rep := verify(t, path, testKey().Public().(ed25519.PublicKey))
	t.Logf("%d power losses: %d events acknowledged, %d unsynced writes dropped or kept at random, %d records, %d digests, %d lost",
		rounds, len(acked), unsynced, len(found), rep.Digests, lost)
	if len(acked) < 100 {
		t.Fatalf("only %d events acknowledged: the rounds proved nothing", len(acked))
	}
	if lost != 0 {
		t.Errorf("%d acknowledged events were lost", lost)
	}
	if !rep.Intact() {
		t.Errorf("the trail does not verify after the power losses: %v", rep.Problems)
	}
}
