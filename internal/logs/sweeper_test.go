package logs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/logs"
	"github.com/stratus-cloud/stratus/internal/store"
)

func countEvents(t testing.TB, f *fixture) int {
	t.Helper()
	ctx := context.Background()
	var n int
	err := f.st.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM logs_events`).Scan(&n)
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRetentionIsEnforced(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.group(t, "short")
	f.group(t, "forever")
	for _, g := range []string{"short", "forever"} {
		f.stream(t, g, "s")
	}
	if err := f.svc.PutRetentionPolicy(ctx, acct, region, "short", 1); err != nil {
		t.Fatal(err)
	}
	start := f.clock.Now()
	for _, g := range []string{"short", "forever"} {
		if _, err := f.svc.PutLogEvents(ctx, acct, region, g, "s", events(start, "old1", "old2")); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.Add(12 * time.Hour)
	for _, g := range []string{"short", "forever"} {
		if _, err := f.svc.PutLogEvents(ctx, acct, region, g, "s", events(f.clock.Now(), "new")); err != nil {
			t.Fatal(err)
		}
	}
	// The old events are now 25 hours old: past a one-day retention.
	f.clock.Add(13 * time.Hour)

	t.Run("reads never return expired events even before a sweep", func(t *testing.T) {
		r, err := f.svc.GetLogEvents(ctx, acct, region, "short", "s", logs.GetQuery{StartFromHead: true})
		if err != nil {
			t.Fatal(err)
		}
		evs, _, err := f.svc.FilterLogEvents(ctx, acct, region, "short", logs.FilterQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(messages(r.Events), ","); got != "new" || len(evs) != 1 {
			t.Errorf("GetLogEvents %s, FilterLogEvents %d events", got, len(evs))
		}
	})
	t.Run("the background sweeper deletes expired events and only those", func(t *testing.T) {
		if n := countEvents(t, f); n != 6 {
			t.Fatalf("before the sweep: %d events", n)
		}
		f.svc.Start()
		deadline := time.Now().Add(5 * time.Second)
		for countEvents(t, f) != 4 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if err := f.svc.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if n := countEvents(t, f); n != 4 {
			t.Fatalf("after the sweep: %d events, want 4", n)
		}
		r, _ := f.svc.GetLogEvents(ctx, acct, region, "forever", "s", logs.GetQuery{StartFromHead: true})
		if got := strings.Join(messages(r.Events), ","); got != "old1,old2,new" {
			t.Errorf("the group without retention lost events: %s", got)
		}
	})
	t.Run("swept bytes come off the group's storedBytes", func(t *testing.T) {
		g, _ := f.svc.GetLogGroup(ctx, acct, region, "short")
		if g.StoredBytes != int64(len("new")) {
			t.Errorf("stored bytes = %d, want 3", g.StoredBytes)
		}
	})
	t.Run("stopping twice and a sweep with nothing to do are harmless", func(t *testing.T) {
		if err := f.svc.Stop(ctx); err != nil {
			t.Error(err)
		}
		n, err := f.svc.Sweep(ctx)
		if err != nil || n != 0 {
			t.Errorf("sweep: %d, %v", n, err)
		}
	})
}
