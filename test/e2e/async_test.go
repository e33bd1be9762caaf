package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// asyncFunction creates a python function from code and waits until it is Active.
func (s *server) asyncFunction(t *testing.T, name, role, code string) string {
	t.Helper()
	zipPath := filepath.Join(t.TempDir(), name+".zip")
	if err := os.WriteFile(zipPath, zipOf(t, map[string]string{"index.py": code}), 0o644); err != nil {
		t.Fatal(err)
	}
	out := s.awsOK(s.admin(), "lambda", "create-function", "--function-name", name, "--runtime", "python3.11",
		"--role", role, "--handler", "index.handler", "--zip-file", "fileb://"+zipPath)
	s.awsOK(s.admin(), "lambda", "wait", "function-active-v2", "--function-name", name)
	return out["FunctionArn"].(string)
}

// logsContaining polls a function's log group until a message contains want.
func (s *server) logsContaining(t *testing.T, fn, want string, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		r := s.aws(s.admin(), "logs", "filter-log-events", "--log-group-name", "/aws/lambda/"+fn)
		if r.Code == 0 && strings.Contains(r.Stdout, want) {
			return r.Stdout
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line of %s contains %q; last output:\n%s%s", fn, want, r.Stdout, r.Stderr)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestAsyncInvokesAreRetriedAndTheirOutcomesReachDestinations(t *testing.T) {
	s := startServerWith(t, "--lambda-retry-delay", "200ms")
	role := s.lambdaRole("async-role")
	catcher := s.asyncFunction(t, "catcher", role, "import json\ndef handler(event, context):\n    print('RECORD ' + json.dumps(event))\n")
	s.asyncFunction(t, "flaky", role, `
import os
def handler(event, context):
    path = '/tmp/attempts'
    n = int(open(path).read()) if os.path.exists(path) else 0
    open(path, 'w').write(str(n + 1))
    print('ATTEMPT %d' % (n + 1))
    if event.get('fail'):
        raise ValueError('failed on attempt %d' % (n + 1))
    return {'attempt': n + 1}
`)
	s.awsOK(s.admin(), "lambda", "put-function-event-invoke-config", "--function-name", "flaky",
		"--maximum-retry-attempts", "1", "--destination-config",
		`{"OnSuccess":{"Destination":"`+catcher+`"},"OnFailure":{"Destination":"`+catcher+`"}}`)
	t.Run("an event invoke answers 202 at once", func(t *testing.T) {
		out := s.awsOK(s.admin(), "lambda", "invoke", "--function-name", "flaky", "--invocation-type", "Event",
			"--payload", `{"fail": true}`, filepath.Join(t.TempDir(), "out"))
		if out["StatusCode"] != float64(202) {
			t.Fatalf("invoke = %v", out)
		}
	})
	t.Run("a failing event is retried once, then its record reaches OnFailure", func(t *testing.T) {
		// The CLI prints the log messages as JSON strings: quotes are escaped.
		logs := s.logsContaining(t, "catcher", "RetriesExhausted", 30*time.Second)
		if !strings.Contains(logs, `approximateInvokeCount\": 2`) || !strings.Contains(logs, `failed on attempt 2`) {
			t.Fatalf("catcher's log:\n%s", logs)
		}
		s.logsContaining(t, "flaky", "ATTEMPT 2", 5*time.Second)
	})
	t.Run("a succeeding event's record reaches OnSuccess", func(t *testing.T) {
		s.awsOK(s.admin(), "lambda", "invoke", "--function-name", "flaky", "--invocation-type", "Event",
			"--payload", `{"fail": false}`, filepath.Join(t.TempDir(), "out"))
		logs := s.logsContaining(t, "catcher", `\"condition\": \"Success\"`, 30*time.Second)
		if !strings.Contains(logs, `\"attempt\": 3`) {
			t.Fatalf("catcher's log:\n%s", logs)
		}
	})
	t.Run("an event payload over 1 MB is RequestTooLargeException", func(t *testing.T) {
		big := filepath.Join(t.TempDir(), "big.json")
		if err := os.WriteFile(big, []byte(`"`+strings.Repeat("x", 1<<20)+`"`), 0o644); err != nil {
			t.Fatal(err)
		}
		msg := s.awsErr(s.admin(), "lambda", "invoke", "--function-name", "flaky", "--invocation-type", "Event",
			"--payload", "fileb://"+big, filepath.Join(t.TempDir(), "out"))
		if !strings.Contains(msg, "RequestTooLargeException") {
			t.Fatalf("error: %s", msg)
		}
	})
	t.Run("event invoke configurations are listed and deleted", func(t *testing.T) {
		out := s.awsOK(s.admin(), "lambda", "list-function-event-invoke-configs", "--function-name", "flaky")
		cfgs, _ := out["FunctionEventInvokeConfigs"].([]any)
		if len(cfgs) != 1 || cfgs[0].(map[string]any)["MaximumRetryAttempts"] != float64(1) {
			t.Fatalf("list = %v", out)
		}
		s.awsOK(s.admin(), "lambda", "delete-function-event-invoke-config", "--function-name", "flaky")
		if msg := s.awsErr(s.admin(), "lambda", "get-function-event-invoke-config", "--function-name", "flaky"); !strings.Contains(msg, "ResourceNotFoundException") {
			t.Fatalf("get after delete: %s", msg)
		}
	})
}
