package invoke

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda/runtimeapi"
	"github.com/stratus-cloud/stratus/internal/lambda/runtimes"
	"github.com/stratus-cloud/stratus/internal/sandbox"
)

// Function is one function version as the pool runs it.
type Function struct {
	Account, Region string
	Name            string // function name
	Version         string // "$LATEST" or "1", "2", ...
	ARN             string // unqualified function ARN
	// Revision changes whenever the code or configuration of this version
	// changes (only $LATEST changes); environments of an older revision are
	// never reused.
	Revision    string
	Runtime     string
	Handler     string
	MemoryMB    int
	Timeout     time.Duration
	EphemeralMB int
	CodeDir     string   // extracted code, mounted read-only at /var/task
	LayerDirs   []string // extracted layers in order, merged read-only at /opt
	Env         map[string]string
	RoleARN     string
	// ReservedConcurrency is the function's reserved concurrency, or -1.
	ReservedConcurrency int
}

func (f *Function) key() string {
	return f.Account + "\x00" + f.Name + "\x00" + f.Version + "\x00" + f.Revision
}

func (f *Function) fnKey() string { return f.Account + "\x00" + f.Name }

// Invocation is one synchronous invoke.
type Invocation struct {
	RequestID     string
	InvokedARN    string // the ARN as invoked, qualifier included
	Payload       []byte
	ClientContext string // decoded JSON, or ""
	TraceID       string
	// Tail asks for the last 4 KB of the invocation's log.
	Tail bool
}

// Result is what an invocation produced.
type Result struct {
	Payload []byte
	// FunctionError is "" on success, "Unhandled" for errors the function or the
	// platform reported (X-Amz-Function-Error).
	FunctionError string
	// LogTail is the last 4 KB of the invocation's log when Tail was asked.
	LogTail []byte
}

// Creds are temporary credentials of the function's execution role.
type Creds struct {
	AccessKeyID, SecretAccessKey, SessionToken string
	Expires                                    time.Time
}

// Credentials gives environments their execution role's credentials.
type Credentials interface {
	// ForRole returns credentials of roleARN in account, for a session named
	// sessionName (the function name, as on AWS).
	ForRole(ctx context.Context, account, roleARN, sessionName string) (Creds, error)
}

// LogEvent is one log line.
type LogEvent struct {
	Time    time.Time
	Message string
}

// LogBatch is a run of log events bound for one stream.
type LogBatch struct {
	Account, Region, Group, Stream string
	Events                         []LogEvent
}

// LogSink receives function and platform log lines.
type LogSink interface {
	// Append adds each batch's events to its stream, creating groups and
	// streams as needed.
	Append(ctx context.Context, batches []LogBatch) error
}

// APIServer serves the Stratus API on a listener inside an environment, so that
// AWS_ENDPOINT_URL works from the function. *http.Server satisfies it.
type APIServer interface {
	Serve(l net.Listener) error
}

// Config holds what a Pool needs.
type Config struct {
	Launcher sandbox.Launcher
	// RuntimeDir holds Stratus's runtime bootstraps (runtimes.WriteTo).
	RuntimeDir  string
	Credentials Credentials
	Logs        LogSink
	API         APIServer // may be nil: no AWS_ENDPOINT_URL inside
	// UnreservedLimit returns how many concurrent invocations an account's
	// functions without reserved concurrency may run together (the account
	// limit minus all reservations).
	UnreservedLimit func(account string) int
	// FreezeAfter is how long an environment stays idle before it is frozen
	// (at most 100 ms); IdleTimeout is how long before it is shut down.
	FreezeAfter time.Duration
	IdleTimeout time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
}

// Ports inside every environment's network namespace.
const (
	RuntimeAPIAddr = "127.0.0.1:9001"
	APIAddr        = "127.0.0.1:4566"
)

// credsMargin is how long an environment's role credentials must outlive the
// end of an invocation for the environment to take it.
const credsMargin = 5 * time.Minute

// maxTail is the size of X-Amz-Log-Result tails.
const maxTail = 4096

// Pool runs invocations. It is safe for concurrent use.
type Pool struct {
	cfg Config

	mu             sync.Mutex // guards the fields below
	idle           map[string][]*env
	all            map[*env]struct{}
	fnInUse        map[string]int // by account+name
	unreservedUsed map[string]int // by account
	stats          map[string]*Stats
	closed         bool

	logq chan LogBatch // to the log shipper
	stop chan struct{}
	wg   sync.WaitGroup // the reaper, the log shipper and each environment's servers
}

// New returns a Pool and starts its reaper; Close stops it.
func New(cfg Config) *Pool {
	if cfg.FreezeAfter <= 0 || cfg.FreezeAfter > 100*time.Millisecond {
		cfg.FreezeAfter = 50 * time.Millisecond
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 10 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Pool{
		cfg: cfg, idle: map[string][]*env{}, all: map[*env]struct{}{},
		fnInUse: map[string]int{}, unreservedUsed: map[string]int{}, stats: map[string]*Stats{}, stop: make(chan struct{}),
		logq: make(chan LogBatch, logQueueLen),
	}
	p.wg.Add(2)
	go p.reap()
	go p.shipLogs()
	return p
}

// Close shuts every environment down and waits for them.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	envs := make([]*env, 0, len(p.all))
	for e := range p.all {
		envs = append(envs, e)
	}
	p.idle = map[string][]*env{}
	p.mu.Unlock()
	close(p.stop)
	for _, e := range envs {
		e.destroy()
	}
	p.wg.Wait()
	return nil
}

// Invoke runs inv on f. Throttling is a *awserr.Error (TooManyRequestsException);
// function, timeout and runtime failures are Results with FunctionError set.
func (p *Pool) Invoke(ctx context.Context, f *Function, inv Invocation) (res *Result, err error) {
	release, err := p.admit(f)
	if err != nil {
		return nil, err
	}
	defer release()
	defer func() {
		if res != nil {
			p.count(f, func(s *Stats) {
				s.Invocations++
				if res.FunctionError != "" {
					s.Errors++
				}
			})
		}
	}()

	e, cold, err := p.acquire(ctx, f)
	if err != nil {
		return nil, err
	}
	if e.initErr != nil {
		// The runtime failed to initialize: AWS reports it as the invoke's
		// function error and starts over next time.
		res := &Result{Payload: e.initErr, FunctionError: "Unhandled"}
		e.log.start(inv.RequestID, f.Version)
		e.log.finish(inv.RequestID, 0, f, 0, e.initDur, true)
		res.LogTail = e.log.tail(inv.Tail)
		p.discard(e)
		return res, nil
	}
	res, healthy := e.run(ctx, f, inv, cold)
	if healthy {
		p.release(e)
	} else {
		p.discard(e)
	}
	return res, nil
}

// Stats are a function's counters, as AWS's Lambda metrics of the same names.
type Stats struct {
	Account, Function string
	// Invocations counts invocations that ran, failed ones included;
	// Errors those that ended in a function error; Throttles the invokes
	// refused for concurrency.
	Invocations, Errors, Throttles int64
	// ConcurrentExecutions is how many invocations run now.
	ConcurrentExecutions int
}

// Stats returns every function's counters since the pool started.
func (p *Pool) Stats() []Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Stats, 0, len(p.stats))
	for k, s := range p.stats {
		c := *s
		c.ConcurrentExecutions = p.fnInUse[k]
		out = append(out, c)
	}
	return out
}

func (p *Pool) count(f *Function, add func(*Stats)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.countLocked(f, add)
}

func (p *Pool) countLocked(f *Function, add func(*Stats)) {
	s := p.stats[f.fnKey()]
	if s == nil {
		s = &Stats{Account: f.Account, Function: f.Name}
		p.stats[f.fnKey()] = s
	}
	add(s)
}

func throttle(s *Stats) { s.Throttles++ }

// admit takes a concurrency slot or answers TooManyRequestsException.
func (p *Pool) admit(f *Function) (func(), error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fk := f.fnKey()
	if f.ReservedConcurrency >= 0 {
		if p.fnInUse[fk] >= f.ReservedConcurrency {
			p.countLocked(f, throttle)
			return nil, throttled("ReservedFunctionConcurrentInvocationLimitExceeded")
		}
		p.fnInUse[fk]++
		return func() {
			p.mu.Lock()
			p.fnInUse[fk]--
			p.mu.Unlock()
		}, nil
	}
	limit := 1000
	if p.cfg.UnreservedLimit != nil {
		limit = p.cfg.UnreservedLimit(f.Account)
	}
	if p.unreservedUsed[f.Account] >= limit {
		p.countLocked(f, throttle)
		return nil, throttled("ConcurrentInvocationLimitExceeded")
	}
	p.unreservedUsed[f.Account]++
	p.fnInUse[fk]++
	return func() {
		p.mu.Lock()
		p.unreservedUsed[f.Account]--
		p.fnInUse[fk]--
		p.mu.Unlock()
	}, nil
}

func throttled(reason string) error {
	e := awserr.New("TooManyRequestsException", 429, "Rate Exceeded.")
	e.Fields = map[string]any{"Reason": reason}
	return e
}

// acquire returns an idle environment of f (thawed) or starts a new one.
func (p *Pool) acquire(ctx context.Context, f *Function) (*env, bool, error) {
	k := f.key()
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, false, errors.New("invoke pool is closed")
	}
	if l := p.idle[k]; len(l) > 0 {
		e := l[len(l)-1]
		p.idle[k] = l[:len(l)-1]
		p.mu.Unlock()
		if e.credsExpire.Sub(p.cfg.Now()) < f.Timeout+credsMargin {
			// Its role credentials could expire during the invocation.
			p.discard(e)
			return p.acquire(ctx, f)
		}
		if err := e.wake(); err != nil {
			p.discard(e)
			return p.acquire(ctx, f)
		}
		return e, false, nil
	}
	stale := p.takeStaleLocked(f)
	p.mu.Unlock()
	for _, e := range stale {
		p.discard(e)
	}
	e, err := p.start(ctx, f)
	if err != nil {
		return nil, false, err
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		e.destroy()
		return nil, false, errors.New("invoke pool is closed")
	}
	p.all[e] = struct{}{}
	p.mu.Unlock()
	return e, true, nil
}

// takeStaleLocked removes and returns the idle environments of f's version
// made for another revision of it: $LATEST changed, they will never serve again.
func (p *Pool) takeStaleLocked(f *Function) []*env {
	prefix := f.Account + "\x00" + f.Name + "\x00" + f.Version + "\x00"
	k := f.key()
	var stale []*env
	for key, l := range p.idle {
		if key != k && strings.HasPrefix(key, prefix) {
			stale = append(stale, l...)
			delete(p.idle, key)
		}
	}
	return stale
}

// release puts a healthy environment back and arms its freeze timer.
func (p *Pool) release(e *env) {
	e.idleSince(p.cfg.Now(), p.cfg.FreezeAfter)
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		go e.destroy()
		return
	}
	p.idle[e.key] = append(p.idle[e.key], e)
}

// discard shuts an environment down for good.
func (p *Pool) discard(e *env) {
	p.mu.Lock()
	delete(p.all, e)
	p.mu.Unlock()
	e.destroy()
}

// reap shuts down environments idle for longer than IdleTimeout.
func (p *Pool) reap() {
	defer p.wg.Done()
	every := p.cfg.IdleTimeout / 4
	if every > 10*time.Second {
		every = 10 * time.Second
	}
	if every < 10*time.Millisecond {
		every = 10 * time.Millisecond
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		now := p.cfg.Now()
		var old []*env
		p.mu.Lock()
		for k, l := range p.idle {
			keep := l[:0]
			for _, e := range l {
				if now.Sub(e.lastUsed()) >= p.cfg.IdleTimeout {
					old = append(old, e)
					delete(p.all, e)
				} else {
					keep = append(keep, e)
				}
			}
			if len(keep) == 0 {
				delete(p.idle, k)
			} else {
				p.idle[k] = keep
			}
		}
		p.mu.Unlock()
		for _, e := range old {
			e.destroy()
		}
	}
}

// IdleEnvironments reports how many environments are idle (for tests and health).
func (p *Pool) IdleEnvironments() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, l := range p.idle {
		n += len(l)
	}
	return n
}

// start creates an environment for f and waits for its runtime to initialize.
func (p *Pool) start(ctx context.Context, f *Function) (*env, error) {
	began := p.cfg.Now()
	id := newID()
	creds, err := p.cfg.Credentials.ForRole(ctx, f.Account, f.RoleARN, f.Name)
	if err != nil {
		return nil, fmt.Errorf("execution role credentials: %w", err)
	}
	spec, err := runtimes.Command(f.Runtime, runtimes.Paths{})
	if err != nil {
		return nil, awserr.New("InvalidRuntimeException", 502, "The runtime %s is not supported.", f.Runtime)
	}
	stream := logStreamName(began, f.Version, id)
	group := "/aws/lambda/" + f.Name
	vars := buildEnv(f, spec.Env, creds, group, stream, p.cfg.API != nil)

	e := &env{id: id, key: f.key(), log: newLogWriter(p, f, group, stream), credsExpire: creds.Expires}
	tmp := int64(f.EphemeralMB) << 20
	sb, err := p.cfg.Launcher.Start(ctx, sandbox.Spec{
		ID: "lambda-" + id, CodeDir: f.CodeDir, LayerDirs: f.LayerDirs, RuntimeDir: p.cfg.RuntimeDir,
		Args: spec.Args, Env: vars, MemoryBytes: int64(f.MemoryMB) << 20, TmpBytes: tmp,
		Stdout: e.log, Stderr: e.log,
		Listen: []string{RuntimeAPIAddr, APIAddr},
	})
	if err != nil {
		return nil, fmt.Errorf("start execution environment: %w", err)
	}
	e.sb = sb
	lns := sb.Listeners()
	e.rt = runtimeapi.New(runtimeapi.Config{})
	p.wg.Add(1)
	go func() { defer p.wg.Done(); e.rt.Serve(lns[0]) }()
	if p.cfg.API != nil {
		p.wg.Add(1)
		go func() { defer p.wg.Done(); p.cfg.API.Serve(lns[1]) }()
	} else {
		lns[1].Close()
	}
	e.lns = lns
	// A runtime that exits, on its own or killed for memory, ends the
	// invocation in progress at once rather than at its timeout.
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		<-sb.Done()
		e.rt.Close()
	}()

	ictx, cancel := context.WithTimeoutCause(ctx, 10*time.Second+f.Timeout, errInitTimeout)
	defer cancel()
	err = e.rt.WaitInit(ictx)
	e.initDur = p.cfg.Now().Sub(began)
	sb.SyncOutput()
	e.log.flushPartial()
	var ie *runtimeapi.InitError
	switch {
	case errors.As(err, &ie):
		e.initErr = ie.Payload
	case err != nil && exited(sb):
		// The runtime exited before asking for its first invocation: AWS
		// reports it as the invocation's function error.
		code, _ := sb.Wait()
		typ := "Runtime.ExitError"
		if sb.OOMKilled() {
			typ = "Runtime.OutOfMemory"
		}
		e.initErr = errorDoc(typ, "Error: Runtime exited with error: "+exitStatus(code))
		e.log.line("INIT_REPORT Init Duration: " + fmt.Sprintf("%.2f ms", float64(e.initDur.Microseconds())/1000) + "\tPhase: init\tStatus: error\tError Type: " + typ)
	case err != nil:
		e.destroy()
		return nil, fmt.Errorf("runtime init: %w", err)
	}
	return e, nil
}

var errInitTimeout = errors.New("runtime did not initialize in time")

// exited reports whether the environment's runtime has exited.
func exited(sb sandbox.Env) bool {
	select {
	case <-sb.Done():
		return true
	default:
		return false
	}
}

func buildEnv(f *Function, runtimeEnv []string, c Creds, group, stream string, api bool) []string {
	env := make([]string, 0, 32+len(f.Env))
	for k, v := range f.Env {
		env = append(env, k+"="+v)
	}
	env = append(env, runtimeEnv...)
	env = append(env,
		"AWS_LAMBDA_FUNCTION_NAME="+f.Name,
		"AWS_LAMBDA_FUNCTION_VERSION="+f.Version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE="+strconv.Itoa(f.MemoryMB),
		"AWS_LAMBDA_LOG_GROUP_NAME="+group,
		"AWS_LAMBDA_LOG_STREAM_NAME="+stream,
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION="+f.Region,
		"AWS_DEFAULT_REGION="+f.Region,
		"_HANDLER="+f.Handler,
		"AWS_LAMBDA_RUNTIME_API="+RuntimeAPIAddr,
		"AWS_ACCESS_KEY_ID="+c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey,
		"AWS_SESSION_TOKEN="+c.SessionToken,
	)
	if api {
		env = append(env, "AWS_ENDPOINT_URL=http://"+APIAddr)
	}
	return env
}

// logStreamName is AWS's: 2026/11/27/[$LATEST]<32 hex>.
func logStreamName(t time.Time, version, id string) string {
	return t.UTC().Format("2006/01/02") + "/[" + version + "]" + id
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
