package server

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stratus-cloud/stratus/internal/config"
	"github.com/stratus-cloud/stratus/internal/lambda/async"
	"github.com/stratus-cloud/stratus/internal/lambda/dataplane"
	"github.com/stratus-cloud/stratus/internal/lambda/esm"
	"github.com/stratus-cloud/stratus/internal/lambda/invoke"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdaapi"
	"github.com/stratus-cloud/stratus/internal/lambda/runtimes"
	"github.com/stratus-cloud/stratus/internal/logs"
	"github.com/stratus-cloud/stratus/internal/sandbox/launch"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
	"golang.org/x/sys/unix"

	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/rootkey"
)

// lambdaRoles lets Lambda check execution roles against IAM without importing it.
type lambdaRoles struct{ iam *iam.Service }

func (r lambdaRoles) CheckExecutionRole(ctx context.Context, account, roleARN string) error {
	name := roleARN[strings.LastIndex(roleARN, "/")+1:]
	role, err := r.iam.GetRole(ctx, account, name)
	if err != nil || role.ARN != roleARN || !lambda.TrustsLambda(role.TrustPolicy) {
		return lambda.RoleNotAssumable()
	}
	return nil
}

// codeURLs makes and checks the short-lived signed URLs GetFunction reports as
// Code.Location (AWS returns a presigned S3 URL; Stratus serves the code itself).
type codeURLs struct {
	key  []byte // HMAC key derived from the root key
	base func() string
	now  func() time.Time
	ttl  time.Duration
}

const codePathPrefix = "/_stratus/lambda/code/"

func newCodeURLs(root *rootkey.Key, base func() string) *codeURLs {
	m := hmac.New(sha256.New, root.Bytes())
	m.Write([]byte("stratus lambda code url v1"))
	return &codeURLs{key: m.Sum(nil), base: base, now: time.Now, ttl: 10 * time.Minute}
}

func (c *codeURLs) sign(account, digest string, expires int64) string {
	m := hmac.New(sha256.New, c.key)
	fmt.Fprintf(m, "%s/%s/%d", account, digest, expires)
	return hex.EncodeToString(m.Sum(nil))
}

// Location implements lambda.CodeLocation.
func (c *codeURLs) Location(account string, d blob.Digest) string {
	exp := c.now().Add(c.ttl).Unix()
	return fmt.Sprintf("%s%s%s/%s?Expires=%d&Signature=%s", c.base(), codePathPrefix, account, d.String(), exp, c.sign(account, d.String(), exp))
}

// serve answers GET /_stratus/lambda/code/{account}/{digest}?Expires=&Signature=
// with the code zip, if the signature is valid and not expired.
func (c *codeURLs) serve(code func(blob.Digest) ([]byte, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		account, digest := r.PathValue("account"), r.PathValue("digest")
		exp, err := strconv.ParseInt(r.URL.Query().Get("Expires"), 10, 64)
		sig, _ := hex.DecodeString(r.URL.Query().Get("Signature"))
		want, _ := hex.DecodeString(c.sign(account, digest, exp))
		if err != nil || !hmac.Equal(sig, want) {
			http.Error(w, "invalid signature", http.StatusForbidden)
			return
		}
		if c.now().Unix() > exp {
			http.Error(w, "request has expired", http.StatusForbidden)
			return
		}
		d, err := blob.ParseDigest(digest)
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		b, err := code(d)
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/zip")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	}
}

// roleCredentials gives execution environments their function's execution
// role credentials through IAM's AssumeRole, as Lambda does. One session serves
// every environment of a function while it has more than credsReuse left.
type roleCredentials struct {
	iam    *iam.Service
	region string
	now    func() time.Time

	mu    sync.Mutex // guards cache
	cache map[string]invoke.Creds
}

// credsReuse: a cached session is handed to new environments while it has at
// least this long to live; the pool retires environments well before expiry.
const credsReuse = 30 * time.Minute

func newRoleCredentials(svc *iam.Service, region string) *roleCredentials {
	return &roleCredentials{iam: svc, region: region, now: time.Now, cache: map[string]invoke.Creds{}}
}

// ForRole implements invoke.Credentials.
func (r *roleCredentials) ForRole(ctx context.Context, account, roleARN, session string) (invoke.Creds, error) {
	key := account + "\x00" + roleARN + "\x00" + session
	r.mu.Lock()
	c, ok := r.cache[key]
	r.mu.Unlock()
	if ok && c.Expires.Sub(r.now()) > credsReuse {
		return c, nil
	}
	if err := (lambdaRoles{r.iam}).CheckExecutionRole(ctx, account, roleARN); err != nil {
		return invoke.Creds{}, err
	}
	sess, err := r.iam.AssumeRole(ctx, nil, iam.AssumeRoleInput{RoleARN: roleARN, SessionName: session, Region: r.region})
	if err != nil {
		return invoke.Creds{}, err
	}
	c = invoke.Creds{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.Secret, SessionToken: sess.Token, Expires: sess.Expires}
	r.mu.Lock()
	for k, old := range r.cache {
		if old.Expires.Sub(r.now()) <= credsReuse {
			delete(r.cache, k)
		}
	}
	r.cache[key] = c
	r.mu.Unlock()
	return c, nil
}

// logSink ships function logs into CloudWatch Logs.
type logSink struct{ logs *logs.Service }

// Append implements invoke.LogSink.
func (l logSink) Append(ctx context.Context, batches []invoke.LogBatch) error {
	out := make([]logs.Batch, len(batches))
	for i, b := range batches {
		events := make([]logs.Event, len(b.Events))
		for j, e := range b.Events {
			events[j] = logs.Event{Timestamp: e.Time, Message: e.Message}
		}
		out[i] = logs.Batch{Account: b.Account, Region: b.Region, Group: b.Group, Stream: b.Stream, Events: events}
	}
	return l.logs.AppendBatches(ctx, out)
}

// lambdaRuntime is what runs functions: the launcher, the pool and the data
// plane in front of them. Its zero value (execution unavailable) is valid.
type lambdaRuntime struct {
	launcher *launch.Launcher
	pool     *invoke.Pool
	runner   *dataplane.Runner
	events   *async.Dispatcher
	dests    *destinations
	mappings *esm.Manager    // the event source mappings' pollers; nil until started
	svc      *lambda.Service // set once it prepares functions; closed first
	// api serves the Stratus API inside environments (AWS_ENDPOINT_URL).
	api *http.Server
	// codeMount is the memory filesystem holding extracted code.
	codeMount string
}

// startLambdaRuntime prepares function execution. It fails when the host cannot
// run sandboxes (not root, no namespaces or cgroups); the caller then serves
// the control plane without execution.
func startLambdaRuntime(ctx context.Context, cfg config.Config, st *store.Store, box *secret.Box, svc *lambda.Service, creds invoke.Credentials, sink invoke.LogSink, api *http.Server, log *slog.Logger) (*lambdaRuntime, error) {
	dir := cfg.Lambda.RunDir
	if dir == "" {
		dir = filepath.Join(cfg.DataDir, "run")
	}
	rdir := filepath.Join(dir, "runtimes")
	if err := os.RemoveAll(rdir); err != nil {
		return nil, err
	}
	if err := runtimes.WriteTo(rdir); err != nil {
		return nil, err
	}
	// The code's memory filesystem is mounted before the launcher starts:
	// its prestarted inits copy the mount table when they are cloned, and
	// one cloned before the mount would see the empty directory under it.
	codeMount := filepath.Join(dir, "code")
	if err := mountCodeCache(codeMount); err != nil {
		return nil, err
	}
	l, err := launch.New(launch.Config{StateDir: filepath.Join(dir, "launcher"), CgroupParent: "stratus-" + strconv.Itoa(os.Getpid()),
		StaleParent: deadServerCgroup})
	if err != nil {
		unmountCodeCache(codeMount)
		return nil, err
	}
	pool := invoke.New(invoke.Config{
		Launcher: l, RuntimeDir: rdir, Credentials: creds, Logs: sink, API: api,
		UnreservedLimit: dataplane.UnreservedLimit(svc, log),
		FreezeAfter:     cfg.Lambda.FreezeAfter, IdleTimeout: cfg.Lambda.IdleTimeout, Logger: log,
	})
	runner, err := dataplane.New(dataplane.Config{Lambda: svc, Pool: pool, CacheDir: filepath.Join(codeMount, "c"), Logger: log})
	if err != nil {
		pool.Close()
		l.Close()
		unmountCodeCache(codeMount)
		return nil, err
	}
	dests := &destinations{}
	events, err := async.New(ctx, async.Config{Store: st, Sealer: box, Invoker: runner, Functions: svc, Destinations: dests,
		RetryDelay: cfg.Lambda.RetryDelay, Logger: log})
	if err != nil {
		pool.Close()
		l.Close()
		unmountCodeCache(codeMount)
		return nil, err
	}
	dests.events = events
	return &lambdaRuntime{launcher: l, pool: pool, runner: runner, events: events, dests: dests, api: api, codeMount: codeMount}, nil
}

// mountCodeCache mounts a fresh memory filesystem at dir for the extracted code
// and layers of functions that run: they are plaintext (the sandbox maps them
// into environments), so they must not reach the disk, where the blob store
// keeps them only encrypted. A mount left by a server that was killed is
// detached first.
func mountCodeCache(dir string) error {
	_ = unix.Unmount(dir, unix.MNT_DETACH)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("code cache: %w", err)
	}
	if err := unix.Mount("stratus-code", dir, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0700"); err != nil {
		return fmt.Errorf("code cache: mount a memory filesystem at %s: %w", dir, err)
	}
	return nil
}

func unmountCodeCache(dir string) {
	_ = unix.Unmount(dir, unix.MNT_DETACH)
}

// deadServerCgroup reports whether a cgroup named stratus-<pid> belongs to a
// server process that no longer runs.
func deadServerCgroup(name string) bool {
	pid, err := strconv.Atoi(strings.TrimPrefix(name, "stratus-"))
	if err != nil || !strings.HasPrefix(name, "stratus-") || pid <= 0 {
		return false
	}
	_, err = os.Stat("/proc/" + strconv.Itoa(pid))
	return os.IsNotExist(err)
}

// dataPlane is what the Lambda API runs functions with.
func (r *lambdaRuntime) dataPlane() lambdaapi.DataPlane {
	if r == nil || r.runner == nil {
		return lambdaapi.DataPlane{}
	}
	return lambdaapi.DataPlane{Invoker: r.runner, Events: r.events}
}

// writeMetrics writes AWS's Lambda metrics per function (Invocations,
// Errors, Throttles, ConcurrentExecutions) in the Prometheus text format.
func (r *lambdaRuntime) writeMetrics(w io.Writer) error {
	if r == nil || r.pool == nil {
		return nil
	}
	stats := r.pool.Stats()
	sort.Slice(stats, func(i, j int) bool {
		return stats[i].Account+"/"+stats[i].Function < stats[j].Account+"/"+stats[j].Function
	})
	var b strings.Builder
	for _, m := range []struct {
		name, kind, help string
		value            func(invoke.Stats) int64
	}{
		{"invocations_total", "counter", "Function invocations that ran, failed ones included.", func(s invoke.Stats) int64 { return s.Invocations }},
		{"errors_total", "counter", "Invocations that ended in a function error.", func(s invoke.Stats) int64 { return s.Errors }},
		{"throttles_total", "counter", "Invokes refused for concurrency (TooManyRequestsException).", func(s invoke.Stats) int64 { return s.Throttles }},
		{"concurrent_executions", "gauge", "Invocations running now.", func(s invoke.Stats) int64 { return int64(s.ConcurrentExecutions) }},
	} {
		fmt.Fprintf(&b, "# HELP stratus_lambda_%s %s\n# TYPE stratus_lambda_%s %s\n", m.name, m.help, m.name, m.kind)
		for _, s := range stats {
			fmt.Fprintf(&b, "stratus_lambda_%s{account=%q,function=%q} %d\n", m.name, s.Account, s.Function, m.value(s))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// close stops every environment, the API inside them and the launcher.
func (r *lambdaRuntime) close() {
	if r == nil || r.pool == nil {
		return
	}
	if r.mappings != nil {
		r.mappings.Stop()
	}
	if r.svc != nil {
		r.svc.Close()
	}
	r.events.Stop()
	r.pool.Close()
	r.api.Close()
	r.launcher.Close()
	unmountCodeCache(r.codeMount)
}
