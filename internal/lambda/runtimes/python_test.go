package runtimes_test

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/lambda/runtimeapi"
	"github.com/stratus-cloud/stratus/internal/lambda/runtimes"
)

const pythonApp = `import os
import layermod

counter = 0


def handler(event, context):
    global counter
    counter += 1
    print("hello from", event["name"])
    cc = context.client_context
    return {
        "name": event["name"],
        "counter": counter,
        "layer": layermod.VALUE,
        "site": layermod.SITE,
        "aws_request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining_ok": 0 < context.get_remaining_time_in_millis() <= 10000,
        "client_installation_id": cc.client.installation_id,
        "client_custom": cc.custom,
        "client_env": cc.env,
        "identity_id": context.identity.cognito_identity_id,
        "identity_pool": context.identity.cognito_identity_pool_id,
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
    }


def fail(event, context):
    raise ValueError("boom")


def unmarshalable(event, context):
    return {"s": {1, 2}}


def sleepy(event, context):
    import time
    time.sleep(5)
`

func pythonTask() files {
	return files{
		"app.py":     pythonApp,
		"sub/mod.py": "def handler(event, context):\n    return {'nested': event}\n",
		"broken.py":  "def handler(event, context)\n    return 1\n",
	}
}

func pythonLayers() files {
	return files{
		"python/layermod.py":                             "from sitemod import SITE\nVALUE = 'from layer'\n",
		"python/lib/python3.11/site-packages/sitemod.py": "SITE = 'from site-packages'\n",
	}
}

func TestPythonRuntime(t *testing.T) {
	t.Run("a handler reads the event, the whole context and a layer module, prints, and keeps state", func(t *testing.T) {
		e := startEnv(t, runtimes.Python311, "app.handler", pythonTask(), pythonLayers())
		got := e.mustInvoke(t, "req-1", `{"name":"py"}`)
		want := map[string]any{
			"name": "py", "counter": float64(1), "layer": "from layer", "site": "from site-packages",
			"aws_request_id": "req-1", "function_name": "fn", "function_version": "$LATEST",
			"memory_limit_in_mb": "128", "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
			"log_group_name": "/aws/lambda/fn", "log_stream_name": "2024/01/01/[$LATEST]0123456789abcdef",
			"remaining_ok": true, "client_installation_id": "inst",
			"client_custom": map[string]any{"k": "v"}, "client_env": map[string]any{"e": "1"},
			"identity_id": "cid", "identity_pool": "pool",
			"trace_id": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
		}
		for k, v := range want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s = %#v, want %#v", k, got[k], v)
			}
		}
		e.waitOutput(t, "hello from py\n")
		if got := e.mustInvoke(t, "req-2", `{"name":"py"}`); got["counter"] != float64(2) {
			t.Errorf("second invoke counter = %v, want 2 (state kept in the process)", got["counter"])
		}
	})
	t.Run("a nested handler path dir/file.function is found", func(t *testing.T) {
		e := startEnv(t, runtimes.Python311, "sub/mod.handler", pythonTask(), nil)
		got := e.mustInvoke(t, "req-1", `[1,2]`)
		if !reflect.DeepEqual(got["nested"], []any{float64(1), float64(2)}) {
			t.Errorf("nested = %v, want the event", got["nested"])
		}
	})
	t.Run("an exception becomes AWS's error document with a formatted stack trace", func(t *testing.T) {
		e := startEnv(t, runtimes.Python311, "app.fail", pythonTask(), pythonLayers())
		res, err := e.invoke(t, "req-err", `{}`, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"errorMessage": "boom",
			"errorType":    "ValueError",
			"requestId":    "req-err",
			"stackTrace": []any{
				"  File \"" + e.task + "/app.py\", line 35, in fail\n    raise ValueError(\"boom\")\n",
			},
		}
		if got := decode(t, res.Payload); !reflect.DeepEqual(got, want) || res.FunctionError != "Unhandled" || res.ErrorType != "ValueError" {
			t.Errorf("error = %s %s %#v, want %#v", res.FunctionError, res.ErrorType, got, want)
		}
	})
	t.Run("a result JSON cannot encode is Runtime.MarshalError", func(t *testing.T) {
		e := startEnv(t, runtimes.Python311, "app.unmarshalable", pythonTask(), pythonLayers())
		res, err := e.invoke(t, "req-m", `{}`, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{
			"errorMessage": "Unable to marshal response: Object of type set is not JSON serializable",
			"errorType":    "Runtime.MarshalError", "requestId": "req-m", "stackTrace": []any{},
		}
		if got := decode(t, res.Payload); !reflect.DeepEqual(got, want) {
			t.Errorf("error = %#v, want %#v", got, want)
		}
	})
	t.Run("a handler that sleeps past the deadline makes Invoke time out", func(t *testing.T) {
		e := startEnv(t, runtimes.Python311, "app.sleepy", pythonTask(), pythonLayers())
		if _, err := e.invoke(t, "req-t", `{}`, 300*time.Millisecond); !errors.Is(err, runtimeapi.ErrTimeout) {
			t.Fatalf("Invoke = %v, want ErrTimeout", err)
		}
	})
	initCases := []struct {
		name, handler, typ, msg string
		trace                   []any
	}{
		{"a missing module is Runtime.ImportModuleError", "nope.handler", "Runtime.ImportModuleError",
			"Unable to import module 'nope': No module named 'nope'", []any{}},
		{"a missing function is Runtime.HandlerNotFound", "app.missing", "Runtime.HandlerNotFound",
			"Handler 'missing' missing on module 'app'", []any{}},
		{"a syntax error is Runtime.UserCodeSyntaxError", "broken.handler", "Runtime.UserCodeSyntaxError",
			"Syntax error in module 'broken': expected ':' (broken.py, line 1)", nil},
		{"a handler without a dot is Runtime.MalformedHandlerName", "app", "Runtime.MalformedHandlerName",
			"Bad handler 'app': not enough values to unpack (expected 2, got 1)", []any{}},
	}
	for _, c := range initCases {
		t.Run(c.name+" reported through /init/error", func(t *testing.T) {
			e := startEnv(t, runtimes.Python311, c.handler, pythonTask(), pythonLayers())
			ie := e.initError(t)
			got := decode(t, ie.Payload)
			if ie.Type != c.typ || got["errorType"] != c.typ || got["errorMessage"] != c.msg || got["requestId"] != "" {
				t.Errorf("init error = %s %#v, want %s %q", ie.Type, got, c.typ, c.msg)
			}
			if c.trace != nil && !reflect.DeepEqual(got["stackTrace"], c.trace) {
				t.Errorf("stackTrace = %#v, want %#v", got["stackTrace"], c.trace)
			}
			if c.trace == nil {
				if tr, ok := got["stackTrace"].([]any); !ok || len(tr) != 1 {
					t.Errorf("stackTrace = %#v, want one formatted line", got["stackTrace"])
				}
			}
		})
	}
}
