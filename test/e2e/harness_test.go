// Package e2e starts the real stratus binary and drives it with the real clients
// installed on the machine: the AWS CLI, boto3 and the AWS SDK for Go v2.
//
// Nothing here talks to AWS: every client is pointed at a server on 127.0.0.1 with
// a temporary data directory and root key.
package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary is the stratus binary built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "stratus-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "stratus")
	build := exec.Command("go", "build", "-o", binary, "../../cmd/stratus")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build stratus:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// toolChecks remembers requireTool's answers (command line -> error, nil
// for present): the tools do not change during a run, and checking costs a
// process start per CLI call otherwise.
var toolChecks sync.Map

// requireTool skips (or, under CI=true, fails) when a client is missing.
func requireTool(t *testing.T, name string, args ...string) {
	t.Helper()
	key := name + "\x00" + strings.Join(args, "\x00")
	v, ok := toolChecks.Load(key)
	if !ok {
		v, _ = toolChecks.LoadOrStore(key, errorBox{exec.Command(name, args...).Run()})
	}
	if err := v.(errorBox).err; err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI: %v", name, err)
		}
		t.Skipf("%s not available: %v", name, err)
	}
}

type errorBox struct{ err error }

// server is one running stratus process.
type server struct {
	t       *testing.T
	dataDir string
	keyFile string
	addr    string
	url     string
	cmd     *exec.Cmd
	stdout  *bytes.Buffer
	stderr  *bytes.Buffer
	akid    string
	secret  string
	flags   []string // extra server flags
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServer starts stratus with a fresh data directory and root key.
func startServer(t *testing.T) *server {
	t.Helper()
	return startServerWith(t)
}

// startServerWith starts stratus with extra flags, e.g. shorter delays.
func startServerWith(t *testing.T, flags ...string) *server {
	t.Helper()
	base := t.TempDir()
	s := &server{t: t, dataDir: filepath.Join(base, "data"), keyFile: filepath.Join(base, "config", "root.key"), flags: flags}
	s.start()
	t.Cleanup(s.stop)
	return s
}

// start (re)starts the process on a new free port with the same data and key.
func (s *server) start() {
	t := s.t
	t.Helper()
	s.addr = freeAddr(t)
	s.url = "http://" + s.addr
	if slices.Contains(s.flags, "--tls") {
		s.url = "https://" + s.addr
	}
	s.stdout, s.stderr = &bytes.Buffer{}, &bytes.Buffer{}
	s.cmd = exec.Command(binary, append([]string{"server", "--listen", s.addr, "--data-dir", s.dataDir, "--root-key-file", s.keyFile}, s.flags...)...)
	s.cmd.Env = append(cleanEnv(), "HOME="+filepath.Dir(s.dataDir))
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		// The health poll does not verify the certificate: the tests that
		// use TLS verify it with the real clients.
		resp, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}).Get(s.url + "/_stratus/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not become healthy; stderr:\n%s", s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	creds, err := os.ReadFile(filepath.Join(s.dataDir, "credentials"))
	if err != nil {
		t.Fatalf("read credentials: %v", err)
	}
	for _, line := range strings.Split(string(creds), "\n") {
		k, v, _ := strings.Cut(line, "=")
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			s.akid = strings.TrimSpace(v)
		case "aws_secret_access_key":
			s.secret = strings.TrimSpace(v)
		}
	}
	if s.akid == "" || s.secret == "" {
		t.Fatalf("credentials file has no key:\n%s", creds)
	}
}

// kill sends SIGKILL and waits.
func (s *server) kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	s.cmd = nil
	// A killed server leaves its code memory filesystem mounted (the next
	// start detaches it); detach it now so the test's directory can go.
	syscall.Unmount(filepath.Join(s.dataDir, "run", "code"), syscall.MNT_DETACH)
}

func (s *server) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-done
	}
	if s.t.Failed() {
		s.t.Logf("server stderr:\n%s", s.stderr.String())
	}
	s.cmd = nil
}

// cleanEnv is the environment without any AWS settings of the machine.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// creds is an access key (and optional session token) a client signs with.
type creds struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

func (s *server) admin() creds { return creds{s.akid, s.secret, ""} }

// clientEnv is the environment the AWS CLI and boto3 run with.
func (s *server) clientEnv(c creds) []string {
	env := append(cleanEnv(),
		"AWS_ENDPOINT_URL="+s.url,
		"AWS_ACCESS_KEY_ID="+c.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY="+c.SecretAccessKey,
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_CONFIG_FILE=/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	)
	if c.SessionToken != "" {
		env = append(env, "AWS_SESSION_TOKEN="+c.SessionToken)
	}
	if strings.HasPrefix(s.url, "https://") {
		env = append(env, "AWS_CA_BUNDLE="+filepath.Join(s.dataDir, "tls", "ca.pem"))
	}
	return env
}

// cliResult is one AWS CLI run.
type cliResult struct {
	Stdout, Stderr string
	Code           int
}

// aws runs the AWS CLI with JSON output.
func (s *server) aws(c creds, args ...string) cliResult {
	s.t.Helper()
	requireTool(s.t, "aws", "--version")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// --endpoint-url as well as AWS_ENDPOINT_URL: the CLI v1 ignores the
	// environment variable for sqs in us-east-1 (a customization sends it to
	// queue.amazonaws.com).
	cmd := exec.CommandContext(ctx, "aws", append([]string{"--output", "json", "--endpoint-url", s.url}, args...)...)
	cmd.Env = s.clientEnv(c)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			s.t.Fatalf("aws %v: %v", args, err)
		}
	}
	return cliResult{out.String(), errb.String(), code}
}

// awsOK runs the AWS CLI, fails the test on error and decodes its JSON output.
func (s *server) awsOK(c creds, args ...string) map[string]any {
	s.t.Helper()
	r := s.aws(c, args...)
	if r.Code != 0 {
		s.t.Fatalf("aws %s: exit %d\n%s", strings.Join(args, " "), r.Code, r.Stderr)
	}
	m := map[string]any{}
	if strings.TrimSpace(r.Stdout) != "" {
		if err := json.Unmarshal([]byte(r.Stdout), &m); err != nil {
			s.t.Fatalf("aws %s: output is not JSON: %v\n%s", strings.Join(args, " "), err, r.Stdout)
		}
	}
	return m
}

// awsErr runs the AWS CLI expecting failure and returns its error output.
func (s *server) awsErr(c creds, args ...string) string {
	s.t.Helper()
	r := s.aws(c, args...)
	if r.Code == 0 {
		s.t.Fatalf("aws %s succeeded, want an error; output:\n%s", strings.Join(args, " "), r.Stdout)
	}
	return r.Stderr
}

// python runs a boto3 script with the client environment; the script prints JSON.
func (s *server) python(c creds, script string) map[string]any {
	s.t.Helper()
	requireTool(s.t, "python3", "-c", "import boto3")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "python3", "-c", script)
	cmd.Env = s.clientEnv(c)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		s.t.Fatalf("python: %v\nstderr:\n%s\nstdout:\n%s", err, errb.String(), out.String())
	}
	m := map[string]any{}
	if err := json.Unmarshal(out.Bytes(), &m); err != nil {
		s.t.Fatalf("python output is not JSON: %v\n%s", err, out.String())
	}
	return m
}

// runServerBriefly starts `stratus server` on dataDir with keyFile and expects
// it to exit within 15 s (a refusal to start); it returns its output and exit
// error. A server that keeps running fails the test.
func runServerBriefly(t *testing.T, dataDir, keyFile string) (string, error) {
	t.Helper()
	cmd := exec.Command(binary, "server", "--listen", freeAddr(t), "--data-dir", dataDir, "--root-key-file", keyFile)
	cmd.Env = cleanEnv()
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return out.String(), err
	case <-time.After(15 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("server on %s kept running", dataDir)
		return "", nil
	}
}

// execOutput runs a command and returns its combined output.
func execOutput(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	return string(out), err
}
