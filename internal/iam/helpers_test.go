package iam

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/iam/policy"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
)

// *secret.Box is the Sealer the server uses; the tests use it too.
var _ Sealer = (*secret.Box)(nil)

func newTestSealer(t testing.TB) *secret.Box {
	key, err := rootkey.LoadOrCreate(filepath.Join(t.TempDir(), "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	return secret.NewBox(key)
}

// testClock is a settable clock.
type testClock struct {
	mu sync.Mutex // guards t
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestService opens a store in a temporary directory and returns a Service
// over it with a settable clock.
func newTestService(t testing.TB) (*Service, *testClock) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	svc, err := New(ctx, Config{Store: st, Sealer: newTestSealer(t), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return svc, clock
}

// errCode returns the awserr code of err, "" for nil, "?" for other errors.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	if c := awsCode(err); c != "" {
		return c
	}
	return "?" + err.Error()
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

const allowAllDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

const identityKindForTest = policy.Identity
