package signer

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
)

type clock struct {
	mu sync.Mutex
	t  time.Time // guarded by mu
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Shift(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fakeKeys hands out key ARNs and records what it was asked.
type fakeKeys struct {
	mu    sync.Mutex
	calls []string // descriptions, guarded by mu
}

func (k *fakeKeys) CreateSigningKey(_ context.Context, account, region, description string) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.calls = append(k.calls, description)
	return fmt.Sprintf("arn:aws:kms:%s:%s:key/00000000-0000-4000-8000-%012d", region, account, len(k.calls)), nil
}

func (k *fakeKeys) made() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.calls)
}

type fixture struct {
	svc   *Service
	keys  *fakeKeys
	clock *clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{keys: &fakeKeys{}, clock: &clock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}}
	f.svc, err = New(ctx, Config{Store: st, Keys: f.keys, Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) put(t testing.TB, name string) *Profile {
	t.Helper()
	p, err := f.svc.PutSigningProfile(context.Background(), acct, region, PutInput{Name: name, PlatformID: PlatformLambda})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
