package sqs_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ncruces/go-sqlite3/vfs"

	"github.com/stratus-cloud/stratus/internal/sqs"
	"github.com/stratus-cloud/stratus/internal/store"
	"github.com/stratus-cloud/stratus/internal/store/crashtest"
)

// TestAcknowledgedMessagesSurvivePowerLoss sends from 8 producers while the
// power fails at a random write (writes no fsync covered are then dropped or
// kept at random), over several rounds on the same database; every message
// whose Send returned must then be received.
func TestAcknowledgedMessagesSurvivePowerLoss(t *testing.T) {
	path := filepath.Join(t.TempDir(), "stratus.db")
	ctx := context.Background()
	q := ref("power")
	acked := map[string]bool{}
	const rounds = 6
	for round := range rounds {
		crash := crashtest.New()
		name := fmt.Sprintf("sqs-crash-%p", crash)
		vfs.Register(name, crash)
		st, err := store.Open(ctx, store.Options{Path: path, VFS: name})
		if err != nil {
			t.Fatalf("round %d: open: %v", round, err)
		}
		svc, err := sqs.New(ctx, sqs.Config{Store: st, Region: region})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if round == 0 {
			if _, err := svc.CreateQueue(ctx, q, nil, nil); err != nil {
				t.Fatal(err)
			}
		}
		crash.CutAfterWrites(50 + rand.IntN(400))
		var mu sync.Mutex
		var wg sync.WaitGroup
		for p := range 8 {
			wg.Go(func() {
				for i := 0; ; i++ {
					body := fmt.Sprintf("%d-%d-%d", round, p, i)
					if _, err := svc.Send(ctx, q, sqs.SendInput{Body: body}); err != nil {
						return // the power is off
					}
					mu.Lock()
					acked[body] = true
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
	svc, err := sqs.New(ctx, sqs.Config{Store: st, Region: region})
	if err != nil {
		t.Fatal(err)
	}
	received := map[string]bool{}
	for {
		ms, err := svc.ReceiveMessages(ctx, q, sqs.ReceiveInput{Max: 10})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 {
			break
		}
		for _, m := range ms {
			received[m.Body] = true
		}
	}
	lost := 0
	for b := range acked {
		if !received[b] {
			lost++
		}
	}
	t.Logf("%d power losses: %d messages acknowledged, %d received, %d lost", rounds, len(acked), len(received), lost)
	if len(acked) < 100 || lost != 0 {
		t.Fatalf("%d acknowledged, %d lost", len(acked), lost)
	}
}
