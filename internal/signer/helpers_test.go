package signer

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/kms/kmstest"
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

type fixture struct {
	svc   *Service
	kms   *kms.Service
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
	f := &fixture{clock: &clock{t: time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)}}
	f.kms = kmstest.New(t, st, f.clock.Now)
	f.svc, err = New(ctx, Config{Store: st, Keys: f.kms.SigningKeys(), Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// keysMade returns how many KMS keys the account has in region.
func (f *fixture) keysMade(t testing.TB) int {
	t.Helper()
	return kmstest.CountKeys(t, f.kms, acct, region)
}

func (f *fixture) put(t testing.TB, name string) *Profile {
	t.Helper()
	p, err := f.svc.PutSigningProfile(context.Background(), acct, region, PutInput{Name: name, PlatformID: PlatformLambda})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
