package dataplane

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/invoke"
)

// AWS's synchronous invoke limits.
const (
	// MaxPayloadBytes bounds request and response payloads of RequestResponse
	// invokes (6 MB).
	MaxPayloadBytes = 6 << 20
	// maxClientContextBytes bounds the decoded ClientContext.
	maxClientContextBytes = 3583
)

// Pool runs invocations; *invoke.Pool implements it.
type Pool interface {
	Invoke(ctx context.Context, f *invoke.Function, inv invoke.Invocation) (*invoke.Result, error)
}

// Config holds what a Runner needs.
type Config struct {
	Lambda *lambda.Service
	Pool   Pool
	// CacheDir holds extracted code and layers while the server runs. It is
	// emptied by New. Keep it off shared filesystems: it is plaintext.
	CacheDir string
	Logger   *slog.Logger
}

// Runner turns invoke requests into pool invocations.
type Runner struct {
	svc  *lambda.Service
	pool Pool
	code *codeCache
	log  *slog.Logger
}

// New returns a Runner.
func New(cfg Config) (*Runner, error) {
	if cfg.Lambda == nil || cfg.Pool == nil || cfg.CacheDir == "" {
		return nil, errors.New("new lambda data plane: lambda, pool and cache dir are required")
	}
	code, err := newCodeCache(filepath.Clean(cfg.CacheDir), cfg.Lambda.ExtractCode)
	if err != nil {
		return nil, err
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{svc: cfg.Lambda, pool: cfg.Pool, code: code, log: cfg.Logger}, nil
}

// Request is one synchronous invoke as the API received it.
type Request struct {
	Account      string
	FunctionName string // name, partial or full ARN
	Qualifier    string
	RequestID    string
	Payload      []byte
	// ClientContext is the base64 JSON the caller sent ("" for none).
	ClientContext string
	LogTail       bool
	DryRun        bool
}

// Response is the outcome of a Request.
type Response struct {
	StatusCode      int
	Payload         []byte
	FunctionError   string // "" or "Unhandled"
	LogTail         []byte // nil unless LogTail was asked
	ExecutedVersion string
	// DeadLetterTarget is the executed version's dead-letter queue or topic.
	DeadLetterTarget string
}

// Invoke runs req. Client errors and throttling are *awserr.Error; function
// failures are Responses with FunctionError set.
func (r *Runner) Invoke(ctx context.Context, req Request) (*Response, error) {
	if len(req.Payload) > MaxPayloadBytes {
		return nil, awserr.New("RequestTooLargeException", 413,
			"Request must be smaller than %d bytes for the InvokeFunction operation", MaxPayloadBytes)
	}
	clientContext, err := decodeClientContext(req.ClientContext)
	if err != nil {
		return nil, err
	}
	if len(req.Payload) > 0 && !json.Valid(req.Payload) {
		return nil, awserr.New("InvalidRequestContentException", 400,
			"Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a JSON value")
	}
	res, err := r.svc.ResolveForInvoke(ctx, req.Account, req.FunctionName, req.Qualifier)
	if err != nil {
		return nil, err
	}
	v := res.Version
	if v.State != lambda.StateActive {
		return nil, awserr.New("ResourceConflictException", 409,
			"The operation cannot be performed at this time. The function is currently in the following state: %s", v.State)
	}
	if req.DryRun {
		return &Response{StatusCode: 204, ExecutedVersion: v.Version}, nil
	}
	f, err := r.function(ctx, v)
	if err != nil {
		return nil, err
	}
	invoked := v.FunctionARN
	if q := qualifierOf(req, res); q != "" {
		invoked += ":" + q
	}
	out, err := r.pool.Invoke(ctx, f, invoke.Invocation{
		RequestID: req.RequestID, InvokedARN: invoked, Payload: req.Payload,
		ClientContext: clientContext, TraceID: newTraceID(time.Now()), Tail: req.LogTail,
	})
	if err != nil {
		if _, ok := awserr.As(err); ok {
			return nil, err
		}
		r.log.Error("invoke failed", "function", v.FunctionARN, "version", v.Version, "err", err)
		return nil, awserr.New("ServiceException", 500, "The service encountered an internal error while starting the function's execution environment.")
	}
	return &Response{StatusCode: 200, Payload: out.Payload, FunctionError: out.FunctionError,
		LogTail: out.LogTail, ExecutedVersion: v.Version, DeadLetterTarget: v.DeadLetterTarget}, nil
}

// qualifierOf is the qualifier the function was invoked with, as it appears
// in the invoked ARN: the alias or version named, explicitly or in the ARN.
func qualifierOf(req Request, res lambda.Resolved) string {
	if res.Alias != "" {
		return res.Alias
	}
	if req.Qualifier != "" {
		return req.Qualifier
	}
	if res.Version.Version != "$LATEST" {
		return res.Version.Version // a version-qualified ARN
	}
	return ""
}

// Prepare extracts v's code and layers into the cache; it is the
// lambda.Preparer that moves created functions from Pending to Active.
func (r *Runner) Prepare(ctx context.Context, v *lambda.Version) error {
	_, _, err := r.dirs(ctx, v)
	return err
}

// dirs returns the directories of v's code and layers, extracting them first
// if needed.
func (r *Runner) dirs(ctx context.Context, v *lambda.Version) (string, []string, error) {
	codeDir, err := r.code.path(ctx, v.CodeDigest)
	if err != nil {
		return "", nil, fmt.Errorf("extract code: %w", err)
	}
	layers := make([]string, len(v.Layers))
	for i, l := range v.Layers {
		if layers[i], err = r.code.path(ctx, l.Digest); err != nil {
			return "", nil, fmt.Errorf("extract layer %s: %w", l.ARN, err)
		}
	}
	return codeDir, layers, nil
}

// function prepares v for the pool: code and layers on disk.
func (r *Runner) function(ctx context.Context, v *lambda.Version) (*invoke.Function, error) {
	codeDir, layers, err := r.dirs(ctx, v)
	if err != nil {
		return nil, r.internal(v, err)
	}
	reserved := -1
	if v.ReservedConcurrency != nil {
		reserved = int(*v.ReservedConcurrency)
	}
	return &invoke.Function{
		Account: v.Account, Region: r.svc.Region(), Name: v.FunctionName, Version: v.Version,
		ARN: v.FunctionARN, Revision: v.RevisionID, Runtime: v.Runtime, Handler: v.Handler,
		MemoryMB: int(v.MemorySize), Timeout: time.Duration(v.Timeout) * time.Second,
		EphemeralMB: int(v.EphemeralStorage), CodeDir: codeDir, LayerDirs: layers,
		Env: v.Environment, RoleARN: v.Role, ReservedConcurrency: reserved,
	}, nil
}

func (r *Runner) internal(v *lambda.Version, err error) error {
	r.log.Error("invoke failed", "function", v.FunctionARN, "version", v.Version, "err", err)
	return awserr.New("ServiceException", 500, "The service encountered an internal error while preparing the function's code.")
}

// UnreservedLimit is invoke.Config.UnreservedLimit over the Lambda service.
func UnreservedLimit(svc *lambda.Service, log *slog.Logger) func(account string) int {
	return func(account string) int {
		n, err := svc.UnreservedConcurrency(context.Background(), account)
		if err != nil {
			log.Error("read unreserved concurrency", "account", account, "err", err)
			return int(svc.ConcurrencyLimit())
		}
		return int(n)
	}
}

// decodeClientContext checks and decodes the base64 JSON client context.
func decodeClientContext(b64 string) (string, error) {
	if b64 == "" {
		return "", nil
	}
	bad := awserr.New("InvalidRequestContentException", 400, "Client context must be a valid Base64-encoded JSON object.")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !json.Valid(raw) {
		return "", bad
	}
	if len(raw) > maxClientContextBytes {
		return "", awserr.New("InvalidRequestContentException", 400,
			"Client context must be at most %s bytes.", strconv.Itoa(maxClientContextBytes))
	}
	return string(raw), nil
}

// newTraceID returns an X-Ray trace header: Root=1-<epoch hex>-<96 bits>.
func newTraceID(now time.Time) string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	var p [8]byte
	_, _ = rand.Read(p[:])
	return fmt.Sprintf("Root=1-%08x-%s;Parent=%s;Sampled=0", now.Unix(), hex.EncodeToString(b[:]), hex.EncodeToString(p[:]))
}
