package secrets

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
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

// encryptCall is what fakeKeys.Encrypt was asked.
type encryptCall struct {
	account, region, keyID string
	encCtx                 map[string]string
}

// fakeKeys encrypts with AES-GCM under one key, binding the key id and the
// encryption context as associated data, as KMS does.
type fakeKeys struct {
	aead cipher.AEAD

	mu    sync.Mutex
	calls []encryptCall // guarded by mu
}

func newFakeKeys(t testing.TB) *fakeKeys {
	block, err := aes.NewCipher(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &fakeKeys{aead: aead}
}

func aad(account, region string, encCtx map[string]string) []byte {
	b, _ := json.Marshal(map[string]any{"a": account, "r": region, "c": encCtx})
	return b
}

func (k *fakeKeys) Encrypt(ctx context.Context, account, region, keyID string, plaintext []byte, encCtx map[string]string) ([]byte, error) {
	k.mu.Lock()
	k.calls = append(k.calls, encryptCall{account, region, keyID, encCtx})
	k.mu.Unlock()
	nonce := make([]byte, k.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return k.aead.Seal(nonce, nonce, plaintext, aad(account, region, encCtx)), nil
}

func (k *fakeKeys) Decrypt(ctx context.Context, account, region string, blob []byte, encCtx map[string]string) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(blob) < n {
		return nil, errors.New("short blob")
	}
	return k.aead.Open(nil, blob[:n], blob[n:], aad(account, region, encCtx))
}

func (k *fakeKeys) lastCall() encryptCall {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls[len(k.calls)-1]
}

type fixture struct {
	svc   *Service
	st    *store.Store
	keys  *fakeKeys
	clock *clock
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	keys := newFakeKeys(t)
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
