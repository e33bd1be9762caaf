package logs_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/clocktest"
	"github.com/stratus-cloud/stratus/internal/logs"
	"github.com/stratus-cloud/stratus/internal/store"
)

const (
	acct   = "111122223333"
	region = "us-east-1"
)

type fixture struct {
	svc   *logs.Service
	st    *store.Store
	clock *clocktest.Clock
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := clocktest.New(time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC))
	svc, err := logs.New(ctx, logs.Config{Store: st, Now: c.Now, SweepEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, st: st, clock: c}
}

func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return "?" + err.Error()
}

func (f *fixture) group(t testing.TB, name string) {
	t.Helper()
	if err := f.svc.CreateLogGroup(context.Background(), acct, region, name, nil); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) stream(t testing.TB, group, name string) {
	t.Helper()
	if err := f.svc.CreateLogStream(context.Background(), acct, region, group, name); err != nil {
		t.Fatal(err)
	}
}

// events returns n events one second apart ending at end, messages "m0".."mN".
func events(end time.Time, msgs ...string) []logs.Event {
	out := make([]logs.Event, len(msgs))
	for i, m := range msgs {
		out[i] = logs.Event{Timestamp: end.Add(time.Duration(i-len(msgs)+1) * time.Second), Message: m}
	}
	return out
}

func messages(evs []logs.OutputEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.Message
	}
	return out
}
