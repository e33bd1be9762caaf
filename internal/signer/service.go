package signer

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Keys makes the KMS key of a profile put without signing material; the
// server adapts *kms.Service to it. CreateSigningKey creates an
// ECC_NIST_P256 SIGN_VERIFY key owned by account in region, with the
// description given, and returns its ARN. Errors that are *awserr.Error
// reach the caller as they are. Implementations must be safe for concurrent
// use.
type Keys interface {
	CreateSigningKey(ctx context.Context, account, region, description string) (keyARN string, err error)
}

// Config holds what a Service needs.
type Config struct {
	Store *store.Store
	Keys  Keys
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of profile versions; nil means crypto/rand.Reader.
	Rand io.Reader
}

// Service is the Signer domain. Its methods are safe for concurrent use;
// all state lives in the store.
type Service struct {
	st   *store.Store
	keys Keys
	now  func() time.Time
	rand io.Reader
}

// New migrates the "signer" tables and returns a Service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("signer: store is required")
	}
	if cfg.Keys == nil {
		return nil, errors.New("signer: keys are required")
	}
	s := &Service{st: cfg.Store, keys: cfg.Keys, now: cfg.Now, rand: cfg.Rand}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if err := s.st.Migrate(ctx, "signer", migrations()); err != nil {
		return nil, fmt.Errorf("migrate signer: %w", err)
	}
	return s, nil
}

const versionAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// newVersion returns 10 random alphanumerics, the form of AWS's profile
// versions.
func (s *Service) newVersion() (string, error) {
	b := make([]byte, 10)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("read random: %w", err)
	}
	for i := range b {
		b[i] = versionAlphabet[int(b[i])%len(versionAlphabet)]
	}
	return string(b), nil
}

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
	return fmt.Errorf("signer: %w", err)
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
