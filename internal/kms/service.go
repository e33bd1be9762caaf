package kms

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Sealer seals key material at rest; *secret.Box implements it.
type Sealer interface {
	Seal(plaintext, associatedData []byte) []byte
	Open(sealed, associatedData []byte) ([]byte, error)
}

// Config holds what a Service needs.
type Config struct {
	Store  *store.Store
	Sealer Sealer
	// Region is the server's default region (informational; every call
	// names its region).
	Region string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of key ids, key material and nonces; nil means
	// crypto/rand.Reader.
	Rand io.Reader
}

// Service is the KMS domain. Its methods are safe for concurrent use; all
// state lives in the store.
type Service struct {
	st     *store.Store
	sealer Sealer
	region string
	now    func() time.Time
	rand   io.Reader

	managedMu sync.Mutex // serializes creating AWS managed keys

	// gen counts key state changes; usableCache holds KeyUsable answers of
	// one generation (warm Lambda invokes ask it for every call).
	gen         atomic.Uint64
	usableMu    sync.Mutex
	usableCache map[string]usableEntry
}

type usableEntry struct {
	gen uint64
	err error
}

// New migrates the "kms" tables and returns a Service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("kms: store is required")
	}
	if cfg.Sealer == nil {
		return nil, errors.New("kms: sealer is required")
	}
	s := &Service{st: cfg.Store, sealer: cfg.Sealer, region: cfg.Region, now: cfg.Now, rand: cfg.Rand}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if err := s.st.Migrate(ctx, "kms", migrations()); err != nil {
		return nil, fmt.Errorf("migrate kms: %w", err)
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

func encodeTags(tags map[string]string) string {
	if len(tags) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

func decodeTags(s string) map[string]string {
	var tags map[string]string
	if err := json.Unmarshal([]byte(s), &tags); err != nil || len(tags) == 0 {
		return nil
	}
	return tags
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
