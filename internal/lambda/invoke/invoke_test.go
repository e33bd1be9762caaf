package invoke_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/lambda/invoke"
	"github.com/stratus-cloud/stratus/internal/lambda/runtimes"
	"github.com/stratus-cloud/stratus/internal/sandbox/launch"
	"github.com/stratus-cloud/stratus/internal/sandbox/sandboxtest"
)

func TestMain(m *testing.M) {
	if launch.Main(os.Args) {
		return
	}
	os.Exit(m.Run())
}

// staticCreds hands every environment the same credentials.
type staticCreds struct{}

func (staticCreds) ForRole(ctx context.Context, account, roleARN, session string) (invoke.Creds, error) {
	return invoke.Creds{AccessKeyID: "ASIATEST", SecretAccessKey: "secret", SessionToken: "token", Expires: time.Now().Add(time.Hour)}, nil
}

// memLogs keeps log events in memory.
type memLogs struct {
	mu     sync.Mutex
	events map[string][]string // group -> messages
}

func (m *memLogs) Append(ctx context.Context, batches []invoke.LogBatch) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range batches {
		for _, e := range b.Events {
			m.events[b.Group] = append(m.events[b.Group], e.Message)
		}
	}
	return nil
}

func (m *memLogs) all(group string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return strings.Join(m.events[group], "\n")
}

func newPool(t *testing.T) (*invoke.Pool, *memLogs) {
	t.Helper()
	if os.Geteuid() != 0 {
		sandboxtest.Skip(t, "not root")
	}
	l, err := launch.New(launch.Config{StateDir: t.TempDir(), CgroupParent: "stratus-invoke-" + filepath.Base(t.TempDir())})
	if err != nil {
		sandboxtest.Skip(t, err.Error())
	}
	rdir := t.TempDir()
	if err := runtimes.WriteTo(rdir); err != nil {
		t.Fatal(err)
	}
	logs := &memLogs{events: map[string][]string{}}
	p := invoke.New(invoke.Config{Launcher: l, RuntimeDir: rdir, Credentials: staticCreds{}, Logs: logs,
		UnreservedLimit: func(string) int { return 1000 }})
	t.Cleanup(func() {
		p.Close()
		l.Close()
	})
	return p, logs
}

func pythonFunction(t *testing.T, name, code string) *invoke.Function {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.py"), []byte(code), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	return &invoke.Function{
		Account: "123456789012", Region: "us-east-1", Name: name, Version: "$LATEST",
		ARN: "arn:aws:lambda:us-east-1:123456789012:function:" + name, Revision: "r1",
		Runtime: "python3.11", Handler: "index.handler", MemoryMB: 128, Timeout: 2 * time.Second,
		EphemeralMB: 512, CodeDir: dir, Env: map[string]string{"GREETING": "hi"},
		RoleARN: "arn:aws:iam::123456789012:role/r", ReservedConcurrency: -1,
	}
}

const counterCode = `
import os
count = 0
def handler(event, context):
    global count
    count += 1
    print("invoked", count)
    return {"count": count, "greeting": os.environ["GREETING"], "event": event,
            "key": os.environ["AWS_ACCESS_KEY_ID"], "fn": context.function_name}
`

func TestPoolRunsAndReusesEnvironments(t *testing.T) {
	p, logs := newPool(t)
	f := pythonFunction(t, "counter", counterCode)
	ctx := context.Background()
	for i, want := range []string{`"count": 1`, `"count": 2`} {
		res, err := p.Invoke(ctx, f, invoke.Invocation{RequestID: "req-" + string(rune('a'+i)), InvokedARN: f.ARN, Payload: []byte(`{"n":1}`), Tail: true})
		if err != nil {
			t.Fatal(err)
		}
		got := string(res.Payload)
		if res.FunctionError != "" || !strings.Contains(got, want) || !strings.Contains(got, `"greeting": "hi"`) ||
			!strings.Contains(got, `"key": "ASIATEST"`) || !strings.Contains(got, `"fn": "counter"`) || !strings.Contains(got, `"n": 1`) {
			t.Fatalf("invoke %d: %s (error %q)", i, got, res.FunctionError)
		}
		// What the function printed before answering belongs to this
		// invocation's tail, on every invocation (the output is synced).
		if !strings.Contains(string(res.LogTail), "REPORT RequestId: req-") || !strings.Contains(string(res.LogTail), fmt.Sprintf("invoked %d\n", i+1)) {
			t.Fatalf("tail = %q", res.LogTail)
		}
	}
	t.Run("the environment is frozen when idle and thawed for the next invoke", func(t *testing.T) {
		time.Sleep(150 * time.Millisecond)
		res, err := p.Invoke(ctx, f, invoke.Invocation{RequestID: "req-c", InvokedARN: f.ARN, Payload: []byte(`{}`)})
		if err != nil || !strings.Contains(string(res.Payload), `"count": 3`) {
			t.Fatalf("after freeze: %s %v", res.Payload, err)
		}
	})
	t.Run("another revision never reuses the environment", func(t *testing.T) {
		g := *f
		g.Revision = "r2"
		res, err := p.Invoke(ctx, &g, invoke.Invocation{RequestID: "req-d", InvokedARN: f.ARN, Payload: []byte(`{}`)})
		if err != nil || !strings.Contains(string(res.Payload), `"count": 1`) {
			t.Fatalf("new revision: %s %v", res.Payload, err)
		}
		// The old revision's idle environment was shut down when the new one started.
		if n := p.IdleEnvironments(); n != 1 {
			t.Fatalf("idle environments = %d, want only the new revision's", n)
		}
	})
	t.Run("logs carry START, the function's output, END and REPORT with Init Duration", func(t *testing.T) {
		deadline := time.Now().Add(5 * time.Second)
		for {
			all := logs.all("/aws/lambda/counter")
			if strings.Contains(all, "START RequestId: req-a Version: $LATEST") && strings.Contains(all, "invoked 1") &&
				strings.Contains(all, "END RequestId: req-a") && strings.Contains(all, "Init Duration:") {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("logs:\n%s", all)
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

func TestPoolEnforcesTimeoutsAndReservedConcurrency(t *testing.T) {
	p, _ := newPool(t)
	ctx := context.Background()
	f := pythonFunction(t, "sleepy", "import time\ndef handler(event, context):\n    time.sleep(event.get('s', 0))\n    return 'done'\n")
	f.Timeout = time.Second
	res, err := p.Invoke(ctx, f, invoke.Invocation{RequestID: "t1", InvokedARN: f.ARN, Payload: []byte(`{"s": 5}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), "Task timed out after 1.00 seconds") {
		t.Fatalf("timeout result: %s %q", res.Payload, res.FunctionError)
	}
	res, err = p.Invoke(ctx, f, invoke.Invocation{RequestID: "t2", InvokedARN: f.ARN, Payload: []byte(`{}`)})
	if err != nil || string(res.Payload) != `"done"` {
		t.Fatalf("after a timeout the environment is replaced: %s %v", res.Payload, err)
	}

	t.Run("a runtime that exits during an invocation fails it at once with Runtime.ExitError", func(t *testing.T) {
		g := pythonFunction(t, "quitter", "import os\ndef handler(event, context):\n    os._exit(3)\n")
		g.Timeout = 10 * time.Second
		began := time.Now()
		res, err := p.Invoke(ctx, g, invoke.Invocation{RequestID: "x1", InvokedARN: g.ARN, Payload: []byte(`{}`)})
		if err != nil || res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), `"errorType":"Runtime.ExitError"`) ||
			!strings.Contains(string(res.Payload), "RequestId: x1 Error: Runtime exited with error: exit status 3") {
			t.Fatalf("exit: %s %v", res.Payload, err)
		}
		if waited := time.Since(began); waited > 5*time.Second {
			t.Fatalf("the exit was noticed after %v, near the timeout", waited)
		}
	})
	t.Run("a function over its memory is killed and fails with Runtime.OutOfMemory", func(t *testing.T) {
		g := pythonFunction(t, "hog", "def handler(event, context):\n    b = []\n    while True:\n        b.append(bytearray(16 << 20))\n")
		g.Timeout = 20 * time.Second
		res, err := p.Invoke(ctx, g, invoke.Invocation{RequestID: "m1", InvokedARN: g.ARN, Payload: []byte(`{}`)})
		if err != nil || res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), `"errorType":"Runtime.OutOfMemory"`) ||
			!strings.Contains(string(res.Payload), "Runtime exited with error: signal: killed") {
			t.Fatalf("oom: %s %v", res.Payload, err)
		}
	})
	t.Run("a runtime that exits before its first invocation fails the invoke with Runtime.ExitError", func(t *testing.T) {
		g := pythonFunction(t, "initquit", "import os\nos._exit(2)\n")
		res, err := p.Invoke(ctx, g, invoke.Invocation{RequestID: "i1", InvokedARN: g.ARN, Payload: []byte(`{}`)})
		if err != nil || res.FunctionError != "Unhandled" || !strings.Contains(string(res.Payload), "Runtime exited with error: exit status 2") {
			t.Fatalf("init exit: %s %v", res.Payload, err)
		}
	})
	t.Run("a function with reserved concurrency 0 is throttled", func(t *testing.T) {
		g := *f
		g.ReservedConcurrency = 0
		_, err := p.Invoke(ctx, &g, invoke.Invocation{RequestID: "t3", InvokedARN: f.ARN, Payload: []byte(`{}`)})
		if err == nil || !strings.Contains(err.Error(), "TooManyRequestsException") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("invocations, errors and throttles are counted per function", func(t *testing.T) {
		found := false
		for _, st := range p.Stats() {
			if st.Function == "sleepy" {
				found = true
				if st.Invocations != 2 || st.Errors != 1 || st.Throttles != 1 || st.ConcurrentExecutions != 0 {
					t.Fatalf("sleepy: %+v, want 2 invocations, 1 error (the timeout), 1 throttle", st)
				}
			}
		}
		if !found {
			t.Fatal("no counters for sleepy")
		}
	})
}
