package kms

import (
	"bytes"
	"context"
	"encoding/base64"
	"path/filepath"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/clocktest"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
)

type fixture struct {
	svc   *Service
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
	key, err := rootkey.FromEnv(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, rootkey.Size)))
	if err != nil {
		t.Fatal(err)
	}
	c := clocktest.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	svc, err := New(ctx, Config{Store: st, Sealer: secret.NewBox(key), Region: region, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, st: st, clock: c}
}

func (f *fixture) key(t testing.TB) *Key {
	t.Helper()
	k, err := f.svc.CreateKey(context.Background(), acct, region, CreateKeyInput{Description: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := awsCode(err); got != code {
		t.Fatalf("got error %v (code %q), want %s", err, got, code)
	}
}
