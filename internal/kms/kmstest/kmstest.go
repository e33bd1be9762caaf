// Package kmstest builds a real KMS service for the tests of the services
// that keep data under KMS keys (Secrets Manager, Parameter Store, Signer),
// so that their tests exercise the KMS the server runs instead of a fake.
//
// It is for tests only: production code must not import it, and it holds
// no assertions of its own beyond failing the test when setup fails.
package kmstest

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
)

// New returns a real KMS service over st, sealing key material with a
// fresh random root key. now is its clock; nil means time.Now.
func New(t testing.TB, st *store.Store, now func() time.Time) *kms.Service {
	t.Helper()
	svc, err := kms.New(context.Background(), kms.Config{Store: st, Sealer: secret.NewBox(rootkey.Generate()), Now: now})
	if err != nil {
		t.Fatalf("kmstest: %v", err)
	}
	return svc
}

// CreateKey makes a customer managed symmetric key and returns its ARN.
func CreateKey(t testing.TB, svc *kms.Service, account, region string) string {
	t.Helper()
	key, err := svc.CreateKey(context.Background(), account, region, kms.CreateKeyInput{Description: "kmstest"})
	if err != nil {
		t.Fatalf("kmstest: create key: %v", err)
	}
	return key.ARN()
}

// CreateAliasedKey makes a customer managed symmetric key that alias
// ("alias/...") names and returns the key's ARN.
func CreateAliasedKey(t testing.TB, svc *kms.Service, account, region, alias string) string {
	t.Helper()
	arn := CreateKey(t, svc, account, region)
	if err := svc.CreateAlias(context.Background(), account, region, alias, arn); err != nil {
		t.Fatalf("kmstest: create alias %s: %v", alias, err)
	}
	return arn
}

// CountKeys returns how many keys (customer and AWS managed) the account
// has in region.
func CountKeys(t testing.TB, svc *kms.Service, account, region string) int {
	t.Helper()
	n, marker := 0, ""
	for {
		keys, next, err := svc.ListKeys(context.Background(), account, region, 1000, marker)
		if err != nil {
			t.Fatalf("kmstest: list keys: %v", err)
		}
		n += len(keys)
		if next == "" {
			return n
		}
		marker = next
	}
}

// Call is one Encrypt call a Recorder passed on.
type Call struct {
	Account, Region string
	// KeyID is the key reference as the caller gave it (id, ARN or alias).
	KeyID string
	// Context is a copy of the encryption context.
	Context map[string]string
}

// Recorder is kms.ServiceKeys that records every Encrypt call while the
// real KMS does the work, for tests that assert which key and encryption
// context a service used. It is safe for concurrent use.
type Recorder struct {
	keys *kms.ServiceKeys

	mu    sync.Mutex
	calls []Call // guarded by mu
}

// NewRecorder records the Encrypt calls made through keys.
func NewRecorder(keys *kms.ServiceKeys) *Recorder {
	return &Recorder{keys: keys}
}

// Encrypt records the call and passes it on.
func (r *Recorder) Encrypt(ctx context.Context, account, region, keyID string, plaintext []byte, encCtx map[string]string) ([]byte, error) {
	r.mu.Lock()
	r.calls = append(r.calls, Call{Account: account, Region: region, KeyID: keyID, Context: maps.Clone(encCtx)})
	r.mu.Unlock()
	return r.keys.Encrypt(ctx, account, region, keyID, plaintext, encCtx)
}

// Decrypt passes the call on.
func (r *Recorder) Decrypt(ctx context.Context, account, region string, blob []byte, encCtx map[string]string) ([]byte, error) {
	return r.keys.Decrypt(ctx, account, region, blob, encCtx)
}

// KeyUsable passes the call on.
func (r *Recorder) KeyUsable(ctx context.Context, account, region, keyARN string) error {
	return r.keys.KeyUsable(ctx, account, region, keyARN)
}

// Calls returns the Encrypt calls so far, oldest first.
func (r *Recorder) Calls() []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Call(nil), r.calls...)
}

// Last returns the latest Encrypt call; it fails the test when there is none.
func (r *Recorder) Last(t testing.TB) Call {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.calls) == 0 {
		t.Fatal("kmstest: no Encrypt call recorded")
	}
	return r.calls[len(r.calls)-1]
}
