package audit

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"
)

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestManagementEventsAreOnDiskWhenAuditReturns(t *testing.T) {
	ms := models(t)
	env := newTrail(t, Config{FlushInterval: time.Hour, DigestInterval: time.Hour})
	for i := range 5 {
		env.trail.Audit(context.Background(), entry(t, ms["sqs"], "CreateQueue", fmt.Sprint("r", i), map[string]any{"QueueName": "q"}, nil))
		if n := env.count(t, true); n != i+1 {
			t.Fatalf("after %d Audit calls, %d management records", i+1, n)
		}
	}
}

func TestDataEventsAreWrittenInBatches(t *testing.T) {
	ms := models(t)
	t.Run("a full batch is written at once and the rest waits for the flush", func(t *testing.T) {
		env := newTrail(t, Config{FlushInterval: time.Hour, DigestInterval: time.Hour, BatchSize: 4})
		invoke := func(i int) {
			env.trail.Audit(context.Background(), entry(t, ms["lambda"], "Invoke", fmt.Sprint("r", i), map[string]any{"FunctionName": "f"}, nil))
		}
		for i := range 10 {
			invoke(i)
		}
		waitFor(t, "two batches of 4", func() bool { return env.trail.Stats().DataEvents == 8 })
		time.Sleep(50 * time.Millisecond)
		if n := env.count(t, false); n != 8 {
			t.Errorf("%d records before Close, want the 8 of two full batches", n)
		}
		env.trail.Close()
		if n := env.count(t, false); n != 10 {
			t.Errorf("%d records after Close, want 10: Close must flush the queue", n)
		}
		if s := env.trail.Stats(); s.Digests != 1 || s.Failures != 0 {
			t.Errorf("stats after Close: %+v, want one digest and no failures", s)
		}
	})
	t.Run("a partial batch is written after the flush interval", func(t *testing.T) {
		env := newTrail(t, Config{FlushInterval: 20 * time.Millisecond, DigestInterval: time.Hour})
		env.trail.Audit(context.Background(), entry(t, ms["lambda"], "Invoke", "one", nil, nil))
		if n := env.count(t, false); n != 0 {
			t.Errorf("the data event was written synchronously (%d records)", n)
		}
		waitFor(t, "the flush", func() bool { return env.count(t, false) == 1 })
	})
	t.Run("a queue of two under eight producers drops no event (Audit waits for room)", func(t *testing.T) {
		env := newTrail(t, Config{QueueSize: 2, BatchSize: 3, FlushInterval: time.Millisecond, DigestInterval: time.Hour})
		var wg sync.WaitGroup
		for p := range 8 {
			wg.Go(func() {
				for i := range 50 {
					env.trail.Audit(context.Background(), entry(t, ms["sqs"], "SendMessage", fmt.Sprint(p, "-", i), nil, nil))
				}
			})
		}
		wg.Wait()
		env.trail.Close()
		if n, s := env.count(t, false), env.trail.Stats(); n != 400 || s.DataEvents != 400 || s.Failures != 0 {
			t.Errorf("%d records, stats %+v; want all 400", n, s)
		}
	})
	t.Run("a data event audited after Close is written at once", func(t *testing.T) {
		env := newTrail(t, Config{})
		env.trail.Close()
		env.trail.Audit(context.Background(), entry(t, ms["lambda"], "Invoke", "late", nil, nil))
		if n := env.count(t, false); n != 1 {
			t.Errorf("%d records", n)
		}
	})
	t.Run("digests are written every DigestInterval when there are new records", func(t *testing.T) {
		env := newTrail(t, Config{DigestInterval: 20 * time.Millisecond})
		env.trail.Audit(context.Background(), entry(t, ms["kms"], "CreateKey", "d1", nil, nil))
		waitFor(t, "a digest", func() bool { return env.trail.Stats().Digests == 1 })
		time.Sleep(60 * time.Millisecond)
		if d := env.trail.Stats().Digests; d != 1 {
			t.Errorf("%d digests with no new records, want 1", d)
		}
		rep := verify(t, env.path, env.trail.PublicKey())
		if !rep.Intact() || rep.Uncovered != 0 {
			t.Errorf("%+v", rep)
		}
	})
}

func TestAWriteFailureIsCountedNotReturned(t *testing.T) {
	ms := models(t)
	env := newTrail(t, Config{})
	env.trail.Close()
	env.store.Close()
	env.trail.Audit(context.Background(), entry(t, ms["kms"], "CreateKey", "lost", nil, nil))
	if f := env.trail.Stats().Failures; f != 1 {
		t.Errorf("Failures = %d, want 1", f)
	}
}
