package secrets

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/clocktest"
	"github.com/stratus-cloud/stratus/internal/kms/kmstest"
	"github.com/stratus-cloud/stratus/internal/store"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
)

type fixture struct {
	svc   *Service
	st    *store.Store
	keys  *kmstest.Recorder
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
	c := clocktest.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	kmsSvc := kmstest.New(t, st, c.Now)
	// Every fixture's KMS has these customer managed keys.
	for _, alias := range []string{"alias/mine", "alias/other"} {
		kmstest.CreateAliasedKey(t, kmsSvc, acct, region, alias)
	}
	keys := kmstest.NewRecorder(kmsSvc.ForService("secretsmanager"))
	svc, err := New(ctx, Config{Store: st, Keys: keys, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, st: st, keys: keys, clock: c}
}

// create makes a secret with a string value and returns it.
func (f *fixture) create(t testing.TB, name, value string) *Secret {
	t.Helper()
	sec, _, err := f.svc.CreateSecret(context.Background(), acct, region, CreateInput{Name: name, Value: ValueInput{String: &value}})
	if err != nil {
		t.Fatal(err)
	}
	return sec
}

func code(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return "not an AWS error: " + err.Error()
}
