package signer

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/clocktest"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/kms/kmstest"
	"github.com/stratus-cloud/stratus/internal/store"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
)

type fixture struct {
	svc   *Service
	kms   *kms.Service
	clock *clocktest.Clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &fixture{clock: clocktest.New(time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC))}
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
