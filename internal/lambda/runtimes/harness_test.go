package runtimes_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/lambda/runtimeapi"
	"github.com/stratus-cloud/stratus/internal/lambda/runtimes"
)

// requireBinary skips the test when bin is missing, except under CI=true where that is a
// failure: CI must have every runtime installed.
func requireBinary(t *testing.T, bin string) {
	t.Helper()
	if _, err := os.Stat(bin); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required under CI: %v", bin, err)
		}
		t.Skipf("%s is not installed: %v", bin, err)
	}
}

// syncBuffer collects a child's output safely while it runs.
type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// env is one running runtime process with its Runtime API server.
type env struct {
	srv    *runtimeapi.Server
	out    *syncBuffer
	task   string
	opt    string
	exited chan error
}

// files is a tree of files to write: relative path -> content.
type files map[string]string

func writeTree(t *testing.T, dir string, fs files) {
	t.Helper()
	for name, content := range fs {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// startEnv writes the task and layer trees, starts runtime with handler against a new
// Runtime API server on loopback, and stops both when the test ends.
func startEnv(t *testing.T, runtime, handler string, task, opt files) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{out: &syncBuffer{}, task: filepath.Join(root, "task"), opt: filepath.Join(root, "opt"), exited: make(chan error, 1)}
	rtDir := filepath.Join(root, "runtime")
	if err := runtimes.WriteTo(rtDir); err != nil {
		t.Fatal(err)
	}
	writeTree(t, e.task, task)
	writeTree(t, e.opt, opt)
	return e.start(t, runtime, handler, rtDir)
}

func (e *env) start(t *testing.T, runtime, handler, rtDir string) *env {
	t.Helper()
	spec, err := runtimes.Command(runtime, runtimes.Paths{RuntimeDir: rtDir, TaskRoot: e.task, OptDir: e.opt})
	if err != nil {
		t.Fatal(err)
	}
	requireBinary(t, spec.Args[0])

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.srv = runtimeapi.New(runtimeapi.Config{})
	served := make(chan error, 1)
	go func() { served <- e.srv.Serve(ln) }()

	cmd := exec.Command(spec.Args[0], spec.Args[1:]...)
	cmd.Dir = e.task
	cmd.Env = append(spec.Env,
		"AWS_LAMBDA_RUNTIME_API="+ln.Addr().String(),
		"_HANDLER="+handler,
		"AWS_LAMBDA_FUNCTION_NAME=fn",
		"AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/fn",
		"AWS_LAMBDA_LOG_STREAM_NAME=2024/01/01/[$LATEST]0123456789abcdef",
		"AWS_REGION=us-east-1",
		"HOME="+e.task,
	)
	cmd.Stdout, cmd.Stderr = e.out, e.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { e.exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-e.exited
		e.srv.Close()
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
		if t.Failed() {
			t.Logf("runtime output:\n%s", e.out.String())
		}
	})
	return e
}

// invoke hands event to the runtime with a deadline of timeout.
func (e *env) invoke(t *testing.T, id string, event string, timeout time.Duration) (runtimeapi.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return e.srv.Invoke(ctx, runtimeapi.Invocation{
		RequestID:       id,
		FunctionARN:     "arn:aws:lambda:us-east-1:123456789012:function:fn",
		TraceID:         "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
		ClientContext:   `{"client":{"installation_id":"inst","app_title":"app","app_version_name":"1","app_version_code":"2","app_package_name":"pkg"},"custom":{"k":"v"},"env":{"e":"1"}}`,
		CognitoIdentity: `{"cognitoIdentityId":"cid","cognitoIdentityPoolId":"pool"}`,
		Payload:         []byte(event),
	})
}

// mustInvoke invokes and fails the test on an error or a function error.
func (e *env) mustInvoke(t *testing.T, id, event string) map[string]any {
	t.Helper()
	res, err := e.invoke(t, id, event, 10*time.Second)
	if err != nil {
		t.Fatalf("invoke %s: %v", id, err)
	}
	if res.FunctionError != "" {
		t.Fatalf("invoke %s: function error %s: %s", id, res.ErrorType, res.Payload)
	}
	var out map[string]any
	if err := json.Unmarshal(res.Payload, &out); err != nil {
		t.Fatalf("response %s is not a JSON object: %v", res.Payload, err)
	}
	return out
}

// initError waits for the runtime to fail its init and returns what it reported.
func (e *env) initError(t *testing.T) *runtimeapi.InitError {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := e.srv.WaitInit(ctx)
	var ie *runtimeapi.InitError
	if !errors.As(err, &ie) {
		t.Fatalf("WaitInit = %v, want an init error", err)
	}
	return ie
}

// waitOutput waits until the runtime's output contains want.
func (e *env) waitOutput(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		out := e.out.String()
		if strings.Contains(out, want) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("output does not contain %q:\n%s", want, out)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s is not a JSON object: %v", b, err)
	}
	return m
}
