package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stratus-cloud/stratus/internal/lambda/invoke"
	"github.com/stratus-cloud/stratus/internal/lambda/runtimes"
	"github.com/stratus-cloud/stratus/internal/sandbox/cgroup"
	"github.com/stratus-cloud/stratus/internal/sandbox/launch"
	"github.com/stratus-cloud/stratus/internal/sandbox/sandboxtest"
)

// Targets from the Lambda performance issue, for the summary.
const (
	targetWarmP50      = 150 * time.Microsecond
	targetWarmRate32   = 15000.0
	targetColdP50      = 10 * time.Millisecond
	targetIdleOverhead = 1 << 20
)

const (
	manyClients      = 32
	idleEnvironments = 16
	// benchMemoryMB is the memory of the functions measured: one full vCPU, as AWS
	// gives at 1,769 MB, so that the CPU quota does not bound a no-op function.
	// The 128 MB run shows what the default size's quota (72 millicpu) does.
	benchMemoryMB = 1769
	noopName      = "noop"
	noop128Name   = "noop-128"
	rieName       = "function" // RIE serves only /2015-03-31/functions/function/invocations
	// coldPause lets the launcher refill its prestarted inits between two cold
	// starts, as between cold starts that are not a burst.
	coldPause = 50 * time.Millisecond
)

// BenchmarkLambda measures invoking a no-op aws-lambda-go function (bench/lambdafn)
// on Stratus and, side by side, on AWS's Runtime Interface Emulator (RIE) serving
// the same bootstrap:
//
//   - Warm1Client, Warm32Clients: Invoke through the real HTTP API with the SDK for
//     Go v2 (SigV4-signed; RIE ignores the signature) against the stratus binary
//     and against RIE: p50/p99 per call and invokes per second. ClientFloor is the
//     same SDK call answered by an in-process httptest server (what the client
//     alone costs); StratusPool is internal/lambda/invoke.Pool called directly
//     (Stratus without its HTTP API).
//   - ColdStart: a new execution environment to the first response. Stratus is
//     measured through invoke.Pool (a fresh pool each time, so nothing is reused),
//     50 ms apart (Stratus; the launcher's prestarted inits are ready again) and
//     back to back (StratusBurst); RIE, also 50 ms apart, from starting its
//     process to its first answer.
//   - IdleMemory: what an idle, frozen environment costs beyond the function's own
//     process (its cgroup's charge minus the function's private memory) and the
//     host-side Go heap and stacks per environment; for RIE, the emulator
//     process's private memory.
//
// Stratus sub-benchmarks report their ratio to RIE's figure measured just before
// in the same run, and a summary is printed at the end. It needs root (the
// sandboxes) and skips without it.
func BenchmarkLambda(b *testing.B) {
	if os.Geteuid() != 0 {
		sandboxtest.Skip(b, "the Lambda benchmark starts execution environments, which needs root")
	}
	s := newLambdaSuite(b)
	b.Run("Warm1Client", func(b *testing.B) {
		b.Run("ClientFloor", s.clientFloor)
		b.Run("RIE", func(b *testing.B) { s.warm(b, warm1RIE, s.rieClient(b), rieName, 1, nil) })
		b.Run("StratusPool", s.warmPool)
		b.Run("Stratus", func(b *testing.B) { s.warm(b, warm1Stratus, s.stratusClient(b), noopName, 1, s.peer(warm1RIE)) })
		b.Run("Stratus128MB", func(b *testing.B) {
			s.warm(b, warm1Stratus128, s.stratusClient(b), noop128Name, 1, s.peer(warm1RIE))
		})
	})
	b.Run("Warm32Clients", func(b *testing.B) {
		b.Run("RIE", func(b *testing.B) { s.warm(b, warm32RIE, s.rieClient(b), rieName, manyClients, nil) })
		b.Run("Stratus", func(b *testing.B) {
			s.warm(b, warm32Stratus, s.stratusClient(b), noopName, manyClients, s.peer(warm32RIE))
		})
	})
	if s.rie != nil {
		if done, err := s.rie.exited(); done {
			s.rieCrash = fmt.Sprintf("RIE exited during the warm runs (%v): %s", err, s.rie.crashLine())
		}
		s.rie.kill()
	}
	b.Run("ColdStart", func(b *testing.B) {
		b.Run("RIE", s.coldRIE)
		b.Run("Stratus", func(b *testing.B) { s.coldStratus(b, coldStratus, coldPause, s.peer(coldRIE)) })
		b.Run("StratusBurst", func(b *testing.B) { s.coldStratus(b, coldStratusBurst, 0, nil) })
	})
	b.Run("IdleMemory", s.idleMemory)
	s.summary(os.Stdout)
}

// Names of the results, as printed.
const (
	warm1Floor       = "warm, 1 client, SDK client alone"
	warm1RIE         = "warm, 1 client, RIE"
	warm1Pool        = "warm, 1 client, Stratus invoke.Pool (no HTTP API)"
	warm1Stratus     = "warm, 1 client, Stratus"
	warm1Stratus128  = "warm, 1 client, Stratus at 128 MB"
	warm32RIE        = "warm, 32 clients, RIE"
	warm32Stratus    = "warm, 32 clients, Stratus"
	coldRIE          = "cold start, RIE (process start to answer), 50 ms apart"
	coldStratus      = "cold start, Stratus invoke.Pool, 50 ms apart"
	coldStratusBurst = "cold start, Stratus invoke.Pool, back to back"
)

// lambdaSuite is what BenchmarkLambda's sub-benchmarks share: the binaries, the
// two servers, the launcher for pool-level measurements and the results.
type lambdaSuite struct {
	bins *lambdaBins

	rie       *rie // nil when RIE could not be built or started
	rieErr    error
	rieCrash  string
	stratus   *stratusServer
	clients   [2]*lambda.Client // RIE's, Stratus's
	invokeErr error             // why Stratus cannot serve Invoke yet, if it cannot
	firstCold time.Duration     // Stratus's first invoke through the API (a cold start)

	launcher   *launch.Launcher
	cg         *cgroup.Hierarchy
	runtimeDir string

	res  map[string]latencyResult
	idle idleResult
}

func newLambdaSuite(b *testing.B) *lambdaSuite {
	b.Helper()
	ctx := context.Background()
	s := &lambdaSuite{bins: buildLambdaBinaries(b), res: map[string]latencyResult{}}

	// The peer.
	s.rieErr = s.bins.rieErr
	if s.rieErr == nil {
		s.rie, s.rieErr = startRIE(s.bins)
	}
	if s.rieErr == nil {
		b.Cleanup(s.rie.kill)
		s.rieErr = s.rie.firstInvoke(http.DefaultClient, 10*time.Second)
	}
	if s.rieErr == nil {
		cfg, err := sdkConfig(s.rie.url, "bench", "bench")
		if err != nil {
			b.Fatal(err)
		}
		s.clients[0] = lambda.NewFromConfig(cfg)
	} else {
		s.rie = nil
		b.Logf("RIE is not available; Stratus figures are printed without ratios: %v", s.rieErr)
	}

	// Stratus: the real binary, a role and the functions made through the API.
	s.stratus = startStratus(b, s.bins)
	cfg, err := sdkConfig(s.stratus.url, s.stratus.creds.AccessKeyID, s.stratus.creds.SecretAccessKey)
	if err != nil {
		b.Fatal(err)
	}
	lc := lambda.NewFromConfig(cfg)
	s.clients[1] = lc
	if err := createNoopFunctions(ctx, iam.NewFromConfig(cfg), lc, s.bins.zip); err != nil {
		b.Fatalf("create the functions on Stratus: %v\nstderr:\n%s", err, s.stratus.stderr)
	}
	t0 := time.Now()
	s.invokeErr = invokeNoop(ctx, lc, noopName)
	s.firstCold = time.Since(t0)
	if s.invokeErr == nil {
		s.invokeErr = invokeNoop(ctx, lc, noop128Name)
	}
	if s.invokeErr != nil {
		b.Logf("Stratus does not serve Invoke yet, the warm Stratus runs are skipped: %v", oneLine(s.invokeErr))
	}

	// The launcher for the pool-level measurements, as the server builds it.
	parent := "stratus-bench-" + strconv.Itoa(os.Getpid())
	s.launcher, err = launch.New(launch.Config{StateDir: b.TempDir(), CgroupParent: parent})
	if err != nil {
		sandboxtest.Skip(b, err.Error())
	}
	if s.cg, err = cgroup.Detect("/sys/fs/cgroup", parent); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		s.launcher.Close()
		for _, d := range s.cg.ParentDirs() {
			_ = syscall.Rmdir(d) // the launcher leaves its (empty) parent groups behind
		}
	})
	s.runtimeDir = b.TempDir()
	if err := runtimes.WriteTo(s.runtimeDir); err != nil {
		b.Fatal(err)
	}
	return s
}

// createNoopFunctions creates an execution role and the no-op function at
// benchMemoryMB and at 128 MB, and waits until both are Active.
func createNoopFunctions(ctx context.Context, ic *iam.Client, lc *lambda.Client, zip []byte) error {
	const trust = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` +
		`"Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("bench-noop"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		return fmt.Errorf("create role: %w", err)
	}
	for name, mb := range map[string]int32{noopName: benchMemoryMB, noop128Name: 128} {
		_, err = lc.CreateFunction(ctx, &lambda.CreateFunctionInput{
			FunctionName: aws.String(name), Runtime: types.RuntimeProvidedal2023, Handler: aws.String("bootstrap"),
			Role: role.Role.Arn, Code: &types.FunctionCode{ZipFile: zip},
			MemorySize: aws.Int32(mb), Timeout: aws.Int32(3),
		})
		if err != nil {
			return fmt.Errorf("create function %s: %w", name, err)
		}
		deadline := time.Now().Add(30 * time.Second)
		for {
			out, err := lc.GetFunction(ctx, &lambda.GetFunctionInput{FunctionName: aws.String(name)})
			if err != nil {
				return fmt.Errorf("get function %s: %w", name, err)
			}
			if st := out.Configuration.State; st == types.StateActive {
				break
			} else if st == types.StateFailed || time.Now().After(deadline) {
				return fmt.Errorf("function %s state %s: %s", name, st, aws.ToString(out.Configuration.StateReason))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

// peer returns RIE's result under key, to compare a Stratus result with.
func (s *lambdaSuite) peer(key string) *latencyResult {
	r := s.res[key]
	return &r
}

// rieClient returns the SDK client pointed at RIE, or skips b.
func (s *lambdaSuite) rieClient(b *testing.B) *lambda.Client {
	b.Helper()
	if s.rie == nil {
		b.Skipf("RIE is not available: %v", oneLine(s.rieErr))
	}
	return s.clients[0]
}

// stratusClient returns the SDK client pointed at Stratus, or skips b.
func (s *lambdaSuite) stratusClient(b *testing.B) *lambda.Client {
	b.Helper()
	if s.invokeErr != nil {
		b.Skipf("Stratus does not serve Invoke yet: %v", oneLine(s.invokeErr))
	}
	return s.clients[1]
}

// warm invokes function name through c from clients goroutines as fast as
// answers come, records each call under key and reports it on b, with the
// ratios to peer when peer is a measured RIE result. Errors are RIE's to have
// (it serves one invoke at a time) but fail Stratus.
func (s *lambdaSuite) warm(b *testing.B, key string, c *lambda.Client, name string, clients int, peer *latencyResult) {
	ctx := context.Background()
	var rec recorder
	if clients == 1 {
		lat := make([]time.Duration, 0, 1<<15)
		errs := 0
		var first error
		for b.Loop() {
			t0 := time.Now()
			err := invokeNoop(ctx, c, name)
			d := time.Since(t0)
			if err != nil {
				errs++
				first = cmpOr(first, err)
				continue
			}
			lat = append(lat, d)
		}
		rec.add(lat, errs, first)
	} else {
		if peer != nil {
			// Stratus: start the environments before the clock does.
			warmUp(ctx, c, name, clients)
		}
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((clients + procs - 1) / procs)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			var lat []time.Duration
			errs := 0
			var first error
			for pb.Next() {
				t0 := time.Now()
				err := invokeNoop(ctx, c, name)
				d := time.Since(t0)
				if err != nil {
					errs++
					first = cmpOr(first, err)
					continue
				}
				lat = append(lat, d)
			}
			rec.add(lat, errs, first)
		})
	}
	r := rec.result(b.Elapsed())
	r.report(b, true)
	if peer != nil {
		if r.errs > 0 {
			b.Errorf("%d of %d invokes failed, first: %v", r.errs, r.errs+r.ok, r.firstErr)
		}
		r.reportRatios(b, *peer, true)
	}
	s.res[key] = r
}

// warmUp invokes from n goroutines at once, three times each, so that n
// environments exist.
func warmUp(ctx context.Context, c *lambda.Client, name string, n int) {
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for range 3 {
				_ = invokeNoop(ctx, c, name)
			}
		})
	}
	wg.Wait()
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// clientFloor answers the same SDK call from an in-process httptest server: the
// part of every figure that is the client's own (SigV4, the SDK's middleware,
// loopback HTTP).
func (s *lambdaSuite) clientFloor(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = w.Write([]byte("null"))
	}))
	defer srv.Close()
	cfg, err := sdkConfig(srv.URL, "bench", "bench")
	if err != nil {
		b.Fatal(err)
	}
	s.warm(b, warm1Floor, lambda.NewFromConfig(cfg), rieName, 1, nil)
}

// warmPool invokes through invoke.Pool directly: Stratus's invoke path without
// the HTTP API, SigV4 and the SDK.
func (s *lambdaSuite) warmPool(b *testing.B) {
	p := invoke.New(s.poolConfig())
	defer p.Close()
	fn := s.poolFunction("warm")
	ctx := context.Background()
	lat := make([]time.Duration, 0, 1<<15)
	errs := 0
	var first error
	i := 0
	for b.Loop() {
		i++
		t0 := time.Now()
		res, err := p.Invoke(ctx, fn, invoke.Invocation{RequestID: "warm-" + strconv.Itoa(i), InvokedARN: fn.ARN, Payload: []byte("{}")})
		d := time.Since(t0)
		if err == nil && (res.FunctionError != "" || string(res.Payload) != "null") {
			err = fmt.Errorf("function error %q: %s", res.FunctionError, res.Payload)
		}
		if err != nil {
			errs++
			first = cmpOr(first, err)
			continue
		}
		lat = append(lat, d)
	}
	var rec recorder
	rec.add(lat, errs, first)
	r := rec.result(b.Elapsed())
	r.report(b, true)
	if r.errs > 0 {
		b.Errorf("%d of %d invokes failed, first: %v", r.errs, r.errs+r.ok, r.firstErr)
	}
	r.reportRatios(b, *s.peer(warm1RIE), true)
	s.res[warm1Pool] = r
}

// coldRIE starts a new emulator each time, coldPause apart, and times it from
// process start to its first answer (which includes initializing the function).
func (s *lambdaSuite) coldRIE(b *testing.B) {
	if s.bins.rie == "" {
		b.Skipf("RIE is not available: %v", oneLine(s.bins.rieErr))
	}
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	var rec recorder
	for b.Loop() {
		b.StopTimer()
		time.Sleep(coldPause) // as for Stratus, so that the two compare
		b.StartTimer()
		t0 := time.Now()
		r, err := startRIE(s.bins)
		if err == nil {
			err = r.firstInvoke(hc, 10*time.Second)
		}
		d := time.Since(t0)
		b.StopTimer()
		if r != nil {
			r.kill()
		}
		rec.one(d, err)
		b.StartTimer()
	}
	r := rec.result(b.Elapsed())
	r.report(b, false)
	s.res[coldRIE] = r
}

// coldStratus gives each invoke a new pool, so that each one starts a new
// execution environment, and times invoke.Pool.Invoke. pause, outside the
// clock, lets the launcher get its prestarted inits ready again.
func (s *lambdaSuite) coldStratus(b *testing.B, key string, pause time.Duration, peer *latencyResult) {
	fn := s.poolFunction("cold")
	ctx := context.Background()
	var rec recorder
	i := 0
	for b.Loop() {
		b.StopTimer()
		p := invoke.New(s.poolConfig())
		i++
		time.Sleep(pause)
		b.StartTimer()
		t0 := time.Now()
		res, err := p.Invoke(ctx, fn, invoke.Invocation{RequestID: "cold-" + strconv.Itoa(i), InvokedARN: fn.ARN, Payload: []byte("{}")})
		d := time.Since(t0)
		b.StopTimer()
		p.Close()
		if err == nil && (res.FunctionError != "" || string(res.Payload) != "null") {
			err = fmt.Errorf("function error %q: %s", res.FunctionError, res.Payload)
		}
		rec.one(d, err)
		b.StartTimer()
	}
	r := rec.result(b.Elapsed())
	r.report(b, false)
	if r.errs > 0 {
		b.Errorf("%d of %d cold starts failed, first: %v", r.errs, r.errs+r.ok, r.firstErr)
	}
	if peer != nil {
		r.reportRatios(b, *peer, false)
	}
	s.res[key] = r
}

// poolFunction is the no-op function as invoke.Pool runs it.
func (s *lambdaSuite) poolFunction(name string) *invoke.Function {
	return &invoke.Function{
		Account: "123456789012", Region: "us-east-1", Name: name, Version: "$LATEST",
		ARN: "arn:aws:lambda:us-east-1:123456789012:function:" + name, Revision: "r1",
		Runtime: runtimes.ProvidedAL2023, Handler: "bootstrap", MemoryMB: benchMemoryMB, Timeout: 3 * time.Second,
		EphemeralMB: 512, CodeDir: s.bins.taskDir, RoleARN: "arn:aws:iam::123456789012:role/bench-noop",
		ReservedConcurrency: -1,
	}
}

func (s *lambdaSuite) poolConfig() invoke.Config {
	return invoke.Config{
		Launcher: s.launcher, RuntimeDir: s.runtimeDir, Credentials: benchCreds{}, Logs: discardLogs{},
		UnreservedLimit: func(string) int { return 1000 },
	}
}

// benchCreds hands every environment the same made-up credentials.
type benchCreds struct{}

func (benchCreds) ForRole(ctx context.Context, account, roleARN, session string) (invoke.Creds, error) {
	return invoke.Creds{AccessKeyID: "ASIABENCH", SecretAccessKey: "secret", SessionToken: "token", Expires: time.Now().Add(time.Hour)}, nil
}

// discardLogs drops function and platform log lines.
type discardLogs struct{}

func (discardLogs) Append(ctx context.Context, batches []invoke.LogBatch) error {
	return nil
}

// idleResult is what an idle environment costs, averaged over the environments
// and the samples taken.
type idleResult struct {
	measured     bool
	envs, frozen int
	charged      int64            // the environment cgroup's charge
	kmem         int64            // of which kernel memory (cgroup v1), or -1
	stat         map[string]int64 // memory.stat, averaged
	fn           procMem          // the function's own process
	others       procMem          // other processes in the environment
	otherProcs   int
	hostHeap     int64   // host-side Go heap + stacks per environment
	goroutines   float64 // host-side goroutines per environment
	readyInits   int     // prestarted inits waiting in the launcher
	readyInitRSS int64   // their RSS, each
	rie, rieFn   procMem // RIE's own process and the function it started
	rieErr       error
}

// overhead is the environment's charge beyond its function's private memory
// (anonymous and shmem pages). The function's file-backed pages (its
// executable) are page cache shared with every reader and charged to whichever
// group read them first, so they are counted on neither side: whatever of them
// this group was charged counts as overhead, which makes the figure an upper
// bound.
func (r idleResult) overhead() int64 { return r.charged - private(r.fn) }

// private is a process's memory that is its alone.
func private(m procMem) int64 { return m.anon + m.shmem }

// idleMemory starts idleEnvironments environments, one invoke each, lets them
// freeze, and then samples their cgroups for the length of the benchmark.
func (s *lambdaSuite) idleMemory(b *testing.B) {
	ctx := context.Background()
	p := invoke.New(s.poolConfig())
	defer p.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	for i := range idleEnvironments {
		fn := s.poolFunction("idle-" + strconv.Itoa(i))
		res, err := p.Invoke(ctx, fn, invoke.Invocation{RequestID: "idle-" + strconv.Itoa(i), InvokedARN: fn.ARN, Payload: []byte("{}")})
		if err != nil || res.FunctionError != "" {
			b.Fatalf("invoke %s: %v %s", fn.Name, err, res.Payload)
		}
	}
	time.Sleep(300 * time.Millisecond) // past FreezeAfter (at most 100 ms)
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	r := idleResult{measured: true, stat: map[string]int64{}, kmem: -1}
	r.hostHeap = (int64(after.HeapAlloc+after.StackInuse) - int64(before.HeapAlloc+before.StackInuse)) / idleEnvironments
	r.goroutines = float64(runtime.NumGoroutine()-g0) / idleEnvironments

	var samples, envSamples, readySamples int64
	var sum idleResult
	sum.stat = map[string]int64{}
	for b.Loop() {
		groups, err := readGroups(s.cg, "bootstrap")
		if err != nil {
			b.Fatal(err)
		}
		samples++
		for _, g := range groups {
			if !g.isEnv() {
				sum.readyInits++
				sum.readyInitRSS += g.others.rss
				readySamples++
				continue
			}
			envSamples++
			sum.envs++
			if g.frozen {
				sum.frozen++
			}
			sum.charged += g.charged
			sum.kmem += g.kmem
			sum.fn.add(g.fn)
			sum.others.add(g.others)
			sum.otherProcs += g.otherProc
			for k, v := range g.stat {
				sum.stat[k] += v
			}
		}
	}
	if envSamples == 0 {
		b.Fatal("found no environment cgroups to measure")
	}
	r.envs = int(int64(sum.envs) / samples)
	r.frozen = int(int64(sum.frozen) / samples)
	r.charged = sum.charged / envSamples
	if s.cg.V2() {
		r.kmem = -1
	} else {
		r.kmem = sum.kmem / envSamples
	}
	r.fn = procMem{sum.fn.rss / envSamples, sum.fn.anon / envSamples, sum.fn.file / envSamples, sum.fn.shmem / envSamples}
	r.others = procMem{sum.others.rss / envSamples, sum.others.anon / envSamples, sum.others.file / envSamples, sum.others.shmem / envSamples}
	r.otherProcs = int(int64(sum.otherProcs) / envSamples)
	for k, v := range sum.stat {
		r.stat[k] = v / envSamples
	}
	r.readyInits = int(int64(sum.readyInits) / samples)
	if readySamples > 0 {
		r.readyInitRSS = sum.readyInitRSS / readySamples
	}
	if r.frozen < r.envs {
		b.Logf("only %d of %d idle environments were frozen when sampled", r.frozen, r.envs)
	}

	r.rie, r.rieFn, r.rieErr = s.rieIdle()
	b.ReportMetric(float64(r.overhead())/1024, "overhead-KB/env")
	b.ReportMetric(float64(r.charged)/1024, "charged-KB/env")
	b.ReportMetric(float64(private(r.fn))/1024, "fn-private-KB/env")
	b.ReportMetric(float64(r.hostHeap)/1024, "host-heap-KB/env")
	if r.rieErr == nil && private(r.rie) > 0 {
		b.ReportMetric(float64(r.overhead())/float64(private(r.rie)), "overhead-ratio-vs-rie")
	}
	s.idle = r
}

// rieIdle starts an emulator, invokes once, lets it sit idle and reads the
// memory of the emulator's own process and of the function it started.
func (s *lambdaSuite) rieIdle() (emu, fn procMem, err error) {
	if s.bins.rie == "" {
		return emu, fn, s.bins.rieErr
	}
	r, err := startRIE(s.bins)
	if err != nil {
		return emu, fn, err
	}
	defer r.kill()
	if err := r.firstInvoke(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}, 10*time.Second); err != nil {
		return emu, fn, err
	}
	time.Sleep(300 * time.Millisecond)
	pid := r.cmd.Process.Pid
	if emu, err = readProcMem(pid); err != nil {
		return emu, fn, err
	}
	for _, c := range childPIDs(pid) {
		if m, err := readProcMem(c); err == nil {
			fn.add(m)
		}
	}
	return emu, fn, nil
}

// childPIDs lists the children of every thread of pid.
func childPIDs(pid int) []int {
	var out []int
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	for _, t := range tasks {
		b, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "task", t.Name(), "children"))
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// summary prints the figures side by side with the targets.
func (s *lambdaSuite) summary(w io.Writer) {
	ratio := func(a, b float64) string {
		if a == 0 || b == 0 {
			return "n/a"
		}
		return fmt.Sprintf("%.2fx", a/b)
	}
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	fmt.Fprintf(w, "\n=== Lambda: no-op aws-lambda-go function at %d MB, Stratus vs RIE %s (%s/%s, %d CPUs) ===\n",
		benchMemoryMB, rieVersion, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	if s.rieErr != nil {
		fmt.Fprintf(w, "RIE: not available: %s\n", oneLine(s.rieErr))
	}
	if s.invokeErr != nil {
		fmt.Fprintf(w, "Stratus Invoke through the API: not served yet: %s\n", oneLine(s.invokeErr))
	} else {
		fmt.Fprintf(w, "Stratus first invoke through the API (a cold start, code unpacked): %s\n", us(s.firstCold))
	}
	for _, row := range []struct {
		key, peer string
		rate      bool
	}{
		{warm1Floor, "", true}, {warm1RIE, "", true}, {warm1Pool, warm1RIE, true}, {warm1Stratus, warm1RIE, true},
		{warm1Stratus128, warm1RIE, true}, {warm32RIE, "", true}, {warm32Stratus, warm32RIE, true},
		{coldRIE, "", false}, {coldStratus, coldRIE, false}, {coldStratusBurst, "", false},
	} {
		r := s.res[row.key]
		line := fmt.Sprintf("%-55s %s", row.key+":", r.format(row.rate))
		if p := s.res[row.peer]; row.peer != "" && r.ok > 0 && p.ok > 0 {
			line += "; vs RIE: p50 " + ratio(float64(r.p50), float64(p.p50))
			if row.rate {
				line += ", rate " + ratio(r.perSec, p.perSec)
			}
		}
		fmt.Fprintln(w, line)
	}
	if s.rieCrash != "" {
		fmt.Fprintln(w, s.rieCrash)
	}
	if r := s.res[warm1Stratus]; r.ok > 0 {
		fmt.Fprintf(w, "target warm p50 <= %s at 1 client: %s (%s)\n", us(targetWarmP50), verdict(r.p50 <= targetWarmP50), us(r.p50))
	}
	if r := s.res[warm32Stratus]; r.ok > 0 {
		fmt.Fprintf(w, "target >= %.0f invokes/s at 32 clients: %s (%.0f/s)\n", targetWarmRate32, verdict(r.perSec >= targetWarmRate32), r.perSec)
	}
	if r := s.res[coldStratus]; r.ok > 0 {
		fmt.Fprintf(w, "target cold p50 <= %s: %s (p50 %s, p99 %s)\n", us(targetColdP50), verdict(r.p50 <= targetColdP50), us(r.p50), us(r.p99))
	}
	if r := s.idle; r.measured {
		fmt.Fprintf(w, "idle environment (%d, %d frozen): charged %s (kmem %s; memory.stat %s)\n",
			r.envs, r.frozen, kb(r.charged), kbOrNA(r.kmem), statLine(r.stat))
		fmt.Fprintf(w, "  function process RSS %s (anon %s, file %s, shmem %s); other processes in it: %d, RSS %s\n",
			kb(r.fn.rss), kb(r.fn.anon), kb(r.fn.file), kb(r.fn.shmem), r.otherProcs, kb(r.others.rss))
		fmt.Fprintf(w, "  overhead beyond the function's private memory: %s; host side per environment: Go heap+stacks %s, %.1f goroutines\n",
			kb(r.overhead()), kb(r.hostHeap), r.goroutines)
		fmt.Fprintf(w, "  launcher: %d prestarted inits ready, %s RSS each (a fixed cost, not per environment)\n", r.readyInits, kb(r.readyInitRSS))
		if r.rieErr != nil {
			fmt.Fprintf(w, "  RIE idle: %s\n", oneLine(r.rieErr))
		} else {
			fmt.Fprintf(w, "  RIE idle: emulator process RSS %s (private %s), function RSS %s (private %s); Stratus overhead / RIE private: %s\n",
				kb(r.rie.rss), kb(private(r.rie)), kb(r.rieFn.rss), kb(private(r.rieFn)), ratio(float64(r.overhead()), float64(private(r.rie))))
		}
		fmt.Fprintf(w, "target idle overhead <= 1 MB: %s (%s)\n", verdict(r.overhead() <= targetIdleOverhead), kb(r.overhead()))
	}
}

func kbOrNA(n int64) string {
	if n < 0 {
		return "n/a"
	}
	return kb(n)
}

// statLine picks the memory.stat counters that say where an environment's charge
// goes, on cgroup v1 or v2.
func statLine(stat map[string]int64) string {
	var parts []string
	for _, k := range []string{"rss", "cache", "shmem", "mapped_file", "anon", "file", "kernel", "kernel_stack", "pagetables", "sock", "slab"} {
		if v, ok := stat[k]; ok {
			parts = append(parts, k+" "+kb(v))
		}
	}
	return strings.Join(parts, ", ")
}
