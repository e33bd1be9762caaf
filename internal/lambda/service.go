package lambda

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Sealer encrypts environment variables at rest; *secret.Box implements it.
type Sealer interface {
	Seal(plaintext, associatedData []byte) []byte
	Open(sealed, associatedData []byte) ([]byte, error)
}

// Roles answers whether a role can be a function's execution role. The server
// implements it over internal/iam.
type Roles interface {
	// CheckExecutionRole returns nil if roleARN names an existing role of account
	// whose trust policy lets lambda.amazonaws.com assume it. It returns an
	// *awserr.Error (InvalidParameterValueException, as AWS answers) if not.
	CheckExecutionRole(ctx context.Context, account, roleARN string) error
}

// CodeLocation returns the URL GetFunction reports for downloading a code
// blob (AWS returns a presigned S3 URL).
type CodeLocation func(account string, digest blob.Digest) string

// Config holds what a Service needs.
type Config struct {
	Store  *store.Store
	Blobs  *blob.Store
	Sealer Sealer
	// Keys encrypts environment variables with KMS; nil seals them under the
	// root key (Sealer) instead, and KMSKeyArn is refused.
	Keys  Keys
	Roles Roles
	// Region is the region in the ARNs this Stratus makes.
	Region string
	// ConcurrencyLimit is each account's concurrent executions limit; zero means 1000.
	ConcurrencyLimit int64
	// CodeLocation makes GetFunction's Code.Location; nil reports none.
	CodeLocation CodeLocation
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand is the source of revision ids; nil means crypto/rand.
	Rand io.Reader
	// SourceAccess checks, when an event source mapping is created, that the
	// function's execution role may read the queue; nil checks nothing.
	SourceAccess func(ctx context.Context, account, roleARN, queueARN string) error
	// CodeVerifier checks code signatures for functions with a code signing
	// configuration; nil refuses their deployments.
	CodeVerifier CodeVerifier
	// OnCodeWarning is told about code deployed under a Warn policy although
	// a signature check failed (the server logs and audits it); may be nil.
	OnCodeWarning func(ctx context.Context, account, functionARN, configARN, reason string)
	// History records configuration items of functions; may be nil.
	History History
}

// Limits that are not about zips.
const (
	defaultConcurrencyLimit  = 1000
	minUnreservedConcurrency = 100
	maxLayers                = 5
	maxEnvironmentBytes      = 4096
	defaultMemorySize        = 128
	defaultTimeout           = 3
	defaultEphemeralStorage  = 512
	totalCodeStorageLimit    = 80530636800
	defaultListMaxItems      = 50
	maxListItems             = 10000
	latest                   = "$LATEST"
)

// Service is the Lambda control plane domain. It is safe for concurrent use;
// all state lives in the store and the blob store.
type Service struct {
	st       *store.Store
	blobs    *blob.Store
	seal     Sealer
	keys     Keys
	roles    Roles
	region   string
	limit    int64
	location CodeLocation
	now      func() time.Time
	rand     io.Reader

	// gen counts writes; the invoke cache holds entries of one generation.
	gen     atomic.Uint64
	cacheMu sync.Mutex // guards cache
	cache   map[string]cached

	prepMu     sync.Mutex // guards prepare, prepCtx, prepCancel
	prepare    Preparer   // nil: functions are Active at once
	prepCtx    context.Context
	prepCancel context.CancelFunc
	prepWG     sync.WaitGroup // preparations in flight

	esm esmState // event source mappings

	policies policyCache // resource policies by ARN (permissions.go)

	history       History
	verifier      CodeVerifier
	onCodeWarning func(ctx context.Context, account, functionARN, configARN, reason string)
}

// New migrates the store and returns a Service.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Blobs == nil || cfg.Sealer == nil || cfg.Roles == nil || cfg.Region == "" {
		return nil, errors.New("new lambda service: store, blobs, sealer, roles and region are required")
	}
	if err := cfg.Store.Migrate(ctx, "lambda", migrations); err != nil {
		return nil, fmt.Errorf("new lambda service: %w", err)
	}
	if err := cfg.Store.Migrate(ctx, "lambda-permissions", permissionMigrations); err != nil {
		return nil, fmt.Errorf("new lambda service: %w", err)
	}
	s := &Service{
		st: cfg.Store, blobs: cfg.Blobs, seal: cfg.Sealer, keys: cfg.Keys, roles: cfg.Roles, region: cfg.Region,
		limit: cfg.ConcurrencyLimit, location: cfg.CodeLocation, now: cfg.Now, rand: cfg.Rand,
		esm:      newESMState(cfg.SourceAccess),
		verifier: cfg.CodeVerifier, onCodeWarning: cfg.OnCodeWarning, history: cfg.History,
	}
	if s.limit == 0 {
		s.limit = defaultConcurrencyLimit
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	return s, nil
}

// revisionID returns a new random UUID.
func (s *Service) revisionID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(s.rand, b[:]); err != nil {
		return "", fmt.Errorf("revision id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// update runs fn in a write transaction and retires every cached resolution:
// whatever fn changed, later invokes see it.
func (s *Service) update(ctx context.Context, fn func(*store.Tx) error) error {
	defer s.gen.Add(1)
	return s.st.Update(ctx, fn)
}

// Region returns the region in the Service's ARNs.
func (s *Service) Region() string { return s.region }

// ConcurrencyLimit returns each account's concurrent executions limit.
func (s *Service) ConcurrencyLimit() int64 { return s.limit }
