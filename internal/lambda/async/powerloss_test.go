package async_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/vfs"

	"github.com/stratus-cloud/stratus/internal/lambda/async"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
	"github.com/stratus-cloud/stratus/internal/store/crashtest"
)

// TestAcceptedEventsSurvivePowerLoss accepts events from 8 producers while
// the power fails at a random write (every write no fsync covered is then
// dropped, or kept, at random), over several rounds on the same database;
// then a dispatcher on the surviving database must deliver every event whose
// Enqueue returned nil.
func TestAcceptedEventsSurvivePowerLoss(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "stratus.db")
	key, err := rootkey.LoadOrCreate(filepath.Join(dir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	box := secret.NewBox(key)
	ctx := context.Background()
	acked := map[string]bool{}
	var unsynced int
	const rounds = 8
	for round := range rounds {
		crash := crashtest.New()
		name := fmt.Sprintf("async-crash-%p", crash)
		vfs.Register(name, crash)
		st, err := store.Open(ctx, store.Options{Path: path, VFS: name})
		if err != nil {
			t.Fatalf("round %d: open: %v", round, err)
		}
		d, err := async.New(ctx, async.Config{Store: st, Sealer: box, Invoker: &function{outcomes: []string{"ok"}},
			Functions: configs{}, Destinations: &destinations{}})
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
					if err := d.Enqueue(ctx, event(id)); err != nil {
						return // the power is off
					}
					mu.Lock()
					acked[id] = true
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
	defer st.Close()
	fn := &function{outcomes: []string{"ok"}}
	d, err := async.New(ctx, async.Config{Store: st, Sealer: box, Invoker: fn, Functions: configs{}, Destinations: &destinations{}})
	if err != nil {
		t.Fatal(err)
	}
	d.Start()
	defer d.Stop()
	waitFor(t, "every surviving event to be delivered", func() bool { n, _ := d.Pending(ctx); return n == 0 })
	fn.mu.Lock()
	delivered := map[string]int{}
	for _, p := range fn.payloads {
		delivered[p]++
	}
	fn.mu.Unlock()
	lost := 0
	for id := range acked {
		if delivered[`{"n":"`+id+`"}`] == 0 {
			lost++
		}
	}
	t.Logf("%d power losses: %d events acknowledged, %d unsynced writes dropped or kept at random, %d delivered, %d lost",
		rounds, len(acked), unsynced, len(fn.payloads), lost)
	if len(acked) < 100 {
		t.Fatalf("only %d events acknowledged: the rounds proved nothing", len(acked))
	}
	if lost != 0 {
		t.Fatalf("%d acknowledged events were lost", lost)
	}
}
