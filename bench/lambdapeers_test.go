package bench

// The processes the Lambda benchmarks run: the stratus binary, AWS's Runtime
// Interface Emulator (RIE) as the peer, and the no-op function built from
// bench/lambdafn. Everything is built into a temporary directory and started on
// loopback ports; nothing is left running when the benchmark ends.

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/lambda"

	"github.com/stratus-cloud/stratus/internal/server"
)

// rieModule is the emulator the Lambda benchmarks compare against, pinned.
const (
	rieModule  = "github.com/aws/aws-lambda-runtime-interface-emulator"
	rieVersion = "v0.0.0-20261030222936-bef5c4ba774d"
	rieCommand = rieModule + "/cmd/aws-lambda-rie@" + rieVersion
)

// lambdaBins are the executables the Lambda benchmarks run.
type lambdaBins struct {
	stratus string
	rie     string // "" when the emulator could not be built (rieErr says why)
	rieErr  error
	taskDir string // holds the no-op function's bootstrap, world-readable
	zip     []byte // taskDir's bootstrap as a deployment package
}

// goTool returns the go command of the toolchain running the benchmark.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// buildLambdaBinaries builds stratus, the no-op function and the emulator.
func buildLambdaBinaries(b *testing.B) *lambdaBins {
	b.Helper()
	dir := b.TempDir()
	bins := &lambdaBins{stratus: filepath.Join(dir, "stratus"), taskDir: filepath.Join(dir, "task")}
	if err := os.MkdirAll(bins.taskDir, 0o755); err != nil {
		b.Fatal(err)
	}
	// The sandbox's unprivileged user must be able to read the code directory.
	if err := os.Chmod(bins.taskDir, 0o755); err != nil {
		b.Fatal(err)
	}
	bootstrap := filepath.Join(bins.taskDir, "bootstrap")
	for _, c := range []struct{ out, pkg string }{{bins.stratus, "../cmd/stratus"}, {bootstrap, "./lambdafn"}} {
		cmd := exec.Command(goTool(), "build", "-o", c.out, c.pkg)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("go build %s: %v\n%s", c.pkg, err, out)
		}
	}
	z, err := zipBootstrap(bootstrap)
	if err != nil {
		b.Fatal(err)
	}
	bins.zip = z

	// go install, not go build: a command at a version outside this module. It runs
	// in the temporary directory so that this module's go.mod plays no part.
	gobin := filepath.Join(dir, "rie")
	cmd := exec.Command(goTool(), "install", rieCommand)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOBIN="+gobin, "GOFLAGS=")
	if out, err := cmd.CombinedOutput(); err != nil {
		bins.rieErr = fmt.Errorf("go install %s: %w\n%s", rieCommand, err, out)
	} else {
		bins.rie = filepath.Join(gobin, "aws-lambda-rie")
	}
	return bins
}

// zipBootstrap packs an executable as a provided.al2023 deployment package.
func zipBootstrap(path string) ([]byte, error) {
	code, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(code); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// freeAddr returns a loopback address nobody listens on right now.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// cleanEnv is this process's environment without any AWS settings.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") {
			env = append(env, kv)
		}
	}
	return env
}

// stopProcess asks cmd to stop with SIGTERM, kills it after grace, and waits.
func stopProcess(cmd *exec.Cmd, waited <-chan struct{}, grace time.Duration) {
	if cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-waited:
	case <-time.After(grace):
		_ = cmd.Process.Kill()
		<-waited
	}
}

// proc is a started peer process, waited for by its own goroutine.
type proc struct {
	cmd    *exec.Cmd
	waited chan struct{} // closed once cmd.Wait has returned
	err    error         // cmd.Wait's result, valid after waited
}

func startProc(cmd *exec.Cmd) (*proc, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &proc{cmd: cmd, waited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.waited) }()
	return p, nil
}

// exited reports whether the process has ended, and how.
func (p *proc) exited() (bool, error) {
	select {
	case <-p.waited:
		return true, p.err
	default:
		return false, nil
	}
}

// rie is one running Runtime Interface Emulator serving the no-op function.
type rie struct {
	*proc
	url    string // base URL of its invoke endpoint
	stderr string // file holding what it wrote to stderr
}

// crashLine returns the line of the emulator's stderr that says why it ended.
func (r *rie) crashLine() string {
	b, _ := os.ReadFile(r.stderr)
	lines := strings.Split(string(b), "\n")
	for _, l := range lines {
		if strings.HasPrefix(l, "fatal error") || strings.HasPrefix(l, "panic") {
			return l
		}
	}
	return lines[0]
}

// kill ends the emulator and the function it started (its process group).
func (r *rie) kill() {
	if r.cmd.Process != nil {
		_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
		<-r.waited
	}
	_ = os.Remove(r.stderr)
}

// startRIE starts the emulator on free loopback ports. It returns at once: the
// emulator initializes the function on the first invoke.
func startRIE(bins *lambdaBins) (*rie, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	rapi, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bins.rie, "--runtime-interface-emulator-address", addr,
		"--runtime-api-address", rapi, "--log-level", "error", filepath.Join(bins.taskDir, "bootstrap"))
	cmd.Dir = bins.taskDir
	cmd.Env = cleanEnv()
	// Its own process group, so that kill takes the function it starts along.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	// Its START/END/REPORT lines go to /dev/null, as Stratus's go to the log
	// store; stderr goes to a file, which outlives the process should it crash.
	stderr, err := os.CreateTemp(filepath.Dir(bins.taskDir), "rie-stderr-")
	if err != nil {
		return nil, err
	}
	defer stderr.Close()
	cmd.Stderr = stderr
	p, err := startProc(cmd)
	if err != nil {
		os.Remove(stderr.Name())
		return nil, fmt.Errorf("start rie: %w", err)
	}
	return &rie{proc: p, url: "http://" + addr, stderr: stderr.Name()}, nil
}

// firstInvoke posts an empty event until the emulator answers, for at most
// timeout, polling every 200 µs while it is not yet listening.
func (r *rie) firstInvoke(hc *http.Client, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		resp, err := hc.Post(r.url+"/2015-03-31/functions/function/invocations", "application/json", strings.NewReader("{}"))
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || string(body) != "null" {
				return fmt.Errorf("rie first invoke: status %d: %s", resp.StatusCode, body)
			}
			return nil
		}
		if done, werr := r.exited(); done {
			return fmt.Errorf("rie exited before answering: %v", werr)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("rie did not answer within %s: %w", timeout, err)
		}
		time.Sleep(200 * time.Microsecond)
	}
}

// stratusServer is one running stratus binary.
type stratusServer struct {
	*proc
	url     string
	dataDir string
	creds   server.Credentials
	stderr  *syncBuffer
}

// syncBuffer is a bytes.Buffer a process writes while the benchmark may read it.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// startStratus starts `stratus server` with a fresh data directory and root key
// and waits until it is healthy.
func startStratus(b *testing.B, bins *lambdaBins) *stratusServer {
	b.Helper()
	base := b.TempDir()
	addr, err := freeAddr()
	if err != nil {
		b.Fatal(err)
	}
	s := &stratusServer{url: "http://" + addr, dataDir: filepath.Join(base, "data"), stderr: &syncBuffer{}}
	cmd := exec.Command(bins.stratus, "server", "--listen", addr, "--data-dir", s.dataDir,
		"--root-key-file", filepath.Join(base, "config", "root.key"), "--log-level", "error")
	cmd.Env = append(cleanEnv(), "HOME="+base)
	cmd.Stderr = s.stderr
	if s.proc, err = startProc(cmd); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { stopProcess(cmd, s.waited, 10*time.Second) })
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(s.url + "/_stratus/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if done, werr := s.exited(); done || time.Now().After(deadline) {
			b.Fatalf("stratus did not become healthy (exited %v: %v); stderr:\n%s", done, werr, s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s.creds, err = server.ReadCredentials(s.dataDir); err != nil {
		b.Fatal(err)
	}
	return s
}

// sdkConfig is an SDK configuration for endpoint whose clients share one HTTP
// client with enough idle connections for 32 concurrent callers and never retry,
// so that every error is seen and counted.
func sdkConfig(endpoint, akid, secret string) (aws.Config, error) {
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(t *http.Transport) {
		t.MaxIdleConns = 256
		t.MaxIdleConnsPerHost = 128
	})
	return config.LoadDefaultConfig(context.Background(),
		config.WithRegion("us-east-1"),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(akid, secret, "")),
		config.WithBaseEndpoint(endpoint),
		config.WithHTTPClient(hc),
		config.WithRetryer(func() aws.Retryer { return aws.NopRetryer{} }),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
	)
}

// invokeNoop invokes the no-op function once through c and checks its answer.
func invokeNoop(ctx context.Context, c *lambda.Client, name string) error {
	out, err := c.Invoke(ctx, &lambda.InvokeInput{FunctionName: aws.String(name), Payload: []byte("{}")})
	if err != nil {
		return err
	}
	if out.FunctionError != nil || string(out.Payload) != "null" {
		return fmt.Errorf("function error %q: %s", aws.ToString(out.FunctionError), out.Payload)
	}
	return nil
}

// recorder collects per-call latencies and errors from many goroutines.
type recorder struct {
	mu       sync.Mutex // guards the fields below
	lat      []time.Duration
	errs     int
	firstErr error
}

func (r *recorder) add(lat []time.Duration, errs int, firstErr error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lat = append(r.lat, lat...)
	r.errs += errs
	if r.firstErr == nil {
		r.firstErr = firstErr
	}
}

// one records a single call from one goroutine.
func (r *recorder) one(d time.Duration, err error) {
	if err != nil {
		r.add(nil, 1, err)
		return
	}
	r.add([]time.Duration{d}, 0, nil)
}

// result summarizes what was recorded over elapsed.
func (r *recorder) result(elapsed time.Duration) latencyResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := slices.Clone(r.lat)
	slices.Sort(s)
	res := latencyResult{ok: len(s), errs: r.errs, firstErr: r.firstErr, measured: true}
	if len(s) > 0 {
		res.p50, res.p99 = percentile(s, 50), percentile(s, 99)
	}
	if elapsed > 0 {
		res.perSec = float64(len(s)) / elapsed.Seconds()
	}
	return res
}

// percentile returns the p-th percentile of sorted (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(float64(len(sorted))*p/100)) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// latencyResult is one measured run: successful calls only in the latencies and
// the rate, failures counted apart.
type latencyResult struct {
	p50, p99 time.Duration
	perSec   float64 // successful calls per second
	ok, errs int
	firstErr error
	measured bool
}

// format prints r for the summary, with the rate when withRate.
func (r latencyResult) format(withRate bool) string {
	if !r.measured {
		return "not measured"
	}
	s := fmt.Sprintf("p50 %s  p99 %s", us(r.p50), us(r.p99))
	if withRate {
		s += fmt.Sprintf("  %.0f/s", r.perSec)
	}
	s += fmt.Sprintf("  (%d ok", r.ok)
	if r.errs > 0 {
		s += fmt.Sprintf(", %d errors, first: %s", r.errs, oneLine(r.firstErr))
	}
	return s + ")"
}

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }

func oneLine(err error) string {
	if err == nil {
		return ""
	}
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return s
}

// report attaches r's latencies and errors to b, and its rate when withRate.
func (r latencyResult) report(b *testing.B, withRate bool) {
	if r.ok > 0 {
		b.ReportMetric(float64(r.p50)/float64(time.Microsecond), "p50-us")
		b.ReportMetric(float64(r.p99)/float64(time.Microsecond), "p99-us")
	}
	if withRate {
		b.ReportMetric(r.perSec, "inv/s")
	}
	if r.errs > 0 {
		b.ReportMetric(float64(r.errs), "errors")
	}
}

// reportRatios attaches r's ratios to the peer's result, when there is one.
func (r latencyResult) reportRatios(b *testing.B, peer latencyResult, withRate bool) {
	if !peer.measured || peer.ok == 0 || r.ok == 0 {
		return
	}
	b.ReportMetric(float64(r.p50)/float64(peer.p50), "p50-ratio-vs-rie")
	if withRate {
		b.ReportMetric(r.perSec/peer.perSec, "inv/s-ratio-vs-rie")
	}
}

func TestPercentileIsTheNearestRank(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	for _, c := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"the median of an odd count is the middle value", ms(1, 2, 3, 4, 5), 50, 3 * time.Millisecond},
		{"the median of an even count is the lower middle value", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p99 of a hundred values is the 99th", ms(seq(100)...), 99, 99 * time.Millisecond},
		{"p99 of ten values is the largest", ms(seq(10)...), 99, 10 * time.Millisecond},
		{"p10 of twelve values is the second", ms(seq(12)...), 10, 2 * time.Millisecond},
		{"a single value is every percentile", ms(7), 1, 7 * time.Millisecond},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := percentile(c.sorted, c.p); got != c.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", c.sorted, c.p, got, c.want)
			}
		})
	}
}

// seq returns 1..n.
func seq(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i + 1
	}
	return out
}
