package secrets

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// DefaultKeyAlias is the key a secret created without a KmsKeyId is
// encrypted under: the AWS managed key. The Keys adapter is expected to
// create the key and alias on first use in each account and region.
const DefaultKeyAlias = "alias/aws/secretsmanager"

// Keys encrypts and decrypts secret values; the server adapts *kms.Service
// to it (kms.Service.Encrypt and Decrypt also return the key ARN, which the
// adapter drops). keyID is a key id, key ARN, alias name or alias ARN;
// DefaultKeyAlias must work without the caller creating it. encCtx is bound
// to the ciphertext: Decrypt with a different context must fail. Errors that
// are *awserr.Error (a disabled or missing key) reach the caller as they are.
// Implementations must be safe for concurrent use.
type Keys interface {
	Encrypt(ctx context.Context, account, region, keyID string, plaintext []byte, encCtx map[string]string) ([]byte, error)
	Decrypt(ctx context.Context, account, region string, blob []byte, encCtx map[string]string) ([]byte, error)
}

// Config holds what a Service needs.
type Config struct {
	Store *store.Store
	Keys  Keys
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of ARN suffixes and version ids; nil means
	// crypto/rand.Reader.
	Rand io.Reader
}

// Service is the Secrets Manager domain. Its methods are safe for concurrent
// use; all state lives in the store.
type Service struct {
	st   *store.Store
	keys Keys
	now  func() time.Time
	rand io.Reader
}

// New migrates the "secretsmanager" tables and returns a Service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("secrets: store is required")
	}
	if cfg.Keys == nil {
		return nil, errors.New("secrets: keys are required")
	}
	s := &Service{st: cfg.Store, keys: cfg.Keys, now: cfg.Now, rand: cfg.Rand}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if err := s.st.Migrate(ctx, "secretsmanager", migrations()); err != nil {
		return nil, fmt.Errorf("migrate secretsmanager: %w", err)
	}
	return s, nil
}

func (s *Service) random(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return nil, fmt.Errorf("read random: %w", err)
	}
	return b, nil
}

// newVersionID returns a random UUID (version 4), the form AWS SDKs use for
// ClientRequestToken.
func (s *Service) newVersionID() (string, error) {
	b, err := s.random(16)
	if err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]), nil
}

// view and update run fn and wrap errors that are not AWS errors.
func (s *Service) view(ctx context.Context, fn func(tx *store.Tx) error) error {
	return wrap(s.st.View(ctx, fn))
}

func (s *Service) update(ctx context.Context, fn func(tx *store.Tx) error) error {
	return wrap(s.st.Update(ctx, fn))
}

func wrap(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := awserr.As(err); ok {
		return err
	}
	return fmt.Errorf("secrets: %w", err)
}

func encodeJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
