package iam

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Sealer encrypts secrets at rest; *secret.Box implements it. associatedData
// binds a sealed value to the row it belongs to.
type Sealer interface {
	Seal(plaintext, associatedData []byte) []byte
	Open(sealed, associatedData []byte) ([]byte, error)
}

// Config holds what a Service needs.
type Config struct {
	Store *store.Store
	// Sealer seals access key secrets and session credentials.
	Sealer Sealer
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of ids and secrets; nil means crypto/rand.
	Rand io.Reader
}

// Service is the IAM, STS and Organizations domain: accounts, users, groups,
// roles, policies, keys and sessions, kept in the store. It is safe for
// concurrent use; all state lives in the store.
type Service struct {
	st   *store.Store
	seal Sealer
	now  func() time.Time
	ids  ids
	// gen counts committed writes that may change what a key, session or
	// principal is allowed to do. The Authenticator and Authorizer cache what
	// they read together with the generation they read it at and drop it once
	// gen has moved on. It lives in memory: it assumes this process is the
	// only writer of the iam tables (true while the store is SQLite).
	gen atomic.Uint64
	// creds caches LookupCredential's answers; see there.
	creds *lru[string, cachedCredential]
}

// New migrates the "iam" tables and seeds the AWS managed policies.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Sealer == nil {
		return nil, fmt.Errorf("iam: store and sealer are required")
	}
	s := &Service{
		st: cfg.Store, seal: cfg.Sealer, now: cfg.Now, ids: ids{rand: defaultRand(cfg.Rand)},
		creds: newLRU[string, cachedCredential](credentialCacheEntries),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.st.Migrate(ctx, "iam", migrations()); err != nil {
		return nil, fmt.Errorf("migrate iam: %w", err)
	}
	if err := s.seedManagedPolicies(ctx); err != nil {
		return nil, fmt.Errorf("seed aws managed policies: %w", err)
	}
	return s, nil
}

// timeFormat is how times are stored: RFC 3339 in UTC with fixed-width
// nanoseconds, so that text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeFormat)
}

func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}

// nowUTC is the clock in UTC, truncated to the whole seconds AWS reports.
func (s *Service) nowUTC() time.Time {
	return s.now().UTC().Truncate(time.Second)
}

func nameKey(name string) string { return strings.ToLower(name) }

func encodeTags(tags []Tag) string {
	if len(tags) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(tags)
	return string(b)
}

func decodeTags(s string) []Tag {
	var tags []Tag
	if s == "" || s == "[]" {
		return nil
	}
	if err := json.Unmarshal([]byte(s), &tags); err != nil {
		return nil
	}
	return tags
}

// view and update run fn in a store transaction.
func (s *Service) view(ctx context.Context, fn func(tx *store.Tx) error) error {
	return s.st.View(ctx, fn)
}

// update runs fn in a write transaction and, once it committed, invalidates
// the authentication and authorization caches.
func (s *Service) update(ctx context.Context, fn func(tx *store.Tx) error) error {
	if err := s.st.Update(ctx, fn); err != nil {
		return err
	}
	s.gen.Add(1)
	return nil
}

// updateKeepCaches is update for writes that change no existing key, session,
// policy or entity (creating a session): cached facts stay true.
func (s *Service) updateKeepCaches(ctx context.Context, fn func(tx *store.Tx) error) error {
	return s.st.Update(ctx, fn)
}

// generation returns the current write generation; read it before reading
// what is to be cached.
func (s *Service) generation() uint64 { return s.gen.Load() }
