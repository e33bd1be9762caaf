package ssm

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
	user   = "arn:aws:iam::123456789012:user/alice"
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

// missingKey is a key id fakeKeys answers NotFoundException for, as KMS
// does for a key that does not exist.
const missingKey = "alias/missing"

// fakeKeys encrypts with AES-GCM under one key, binding the account,
// region and encryption context as associated data, as KMS does.
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
	if keyID == missingKey {
		return nil, awserr.New("NotFoundException", 400, "Alias %s is not found.", keyID)
	}
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

// put puts a parameter (overwriting) and returns its new version.
func (f *fixture) put(t testing.TB, name, typ, value string) int64 {
	t.Helper()
	v, _, err := f.svc.PutParameter(context.Background(), acct, region, PutInput{Name: name, Type: typ, Value: value, Overwrite: true, User: user})
	if err != nil {
		t.Fatalf("put %s: %v", name, err)
	}
	return v
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

func names(list []*Parameter) []string {
	out := make([]string, len(list))
	for i, p := range list {
		out[i] = p.Name
	}
	return out
}

// dump returns every row of the ssm tables as text.
func dump(t testing.TB, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	err := st.View(ctx, func(tx *store.Tx) error {
		for _, tbl := range []string{"ssm_parameters", "ssm_parameter_versions"} {
			rows, err := tx.Query(ctx, `SELECT * FROM `+tbl)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				var b strings.Builder
				b.WriteString(tbl)
				for _, v := range vals {
					fmt.Fprintf(&b, "|%s", v)
				}
				lines = append(lines, b.String())
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
