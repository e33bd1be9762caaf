package runtimes_test

import (
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/lambda/runtimeapi"
	"github.com/stratus-cloud/stratus/internal/lambda/runtimes"
)

const nodeApp = `const layer = require('layermod');
const layer20 = require('layer20mod');
let counter = 0;

exports.handler = async (event, context) => {
  counter++;
  console.log('hello from', event.name);
  return {
    name: event.name,
    counter,
    layer: layer.VALUE,
    layer20: layer20.VALUE,
    awsRequestId: context.awsRequestId,
    functionName: context.functionName,
    functionVersion: context.functionVersion,
    memoryLimitInMB: context.memoryLimitInMB,
    invokedFunctionArn: context.invokedFunctionArn,
    logGroupName: context.logGroupName,
    logStreamName: context.logStreamName,
    remainingOk: context.getRemainingTimeInMillis() > 0 && context.getRemainingTimeInMillis() <= 10000,
    callbackWaitsForEmptyEventLoop: context.callbackWaitsForEmptyEventLoop,
    clientCustom: context.clientContext.custom,
    identityId: context.identity.cognitoIdentityId,
    traceId: process.env._X_AMZN_TRACE_ID,
  };
};

exports.callback = (event, context, callback) => {
  setTimeout(() => callback(null, { via: 'callback', event }), 5);
};

exports.waits = (event, context, callback) => {
  let late = false;
  setTimeout(() => { late = true; }, 50);
  callback(null, { get late() { return late; } });
};

exports.fail = async () => {
  throw new TypeError('boom');
};

exports.failCallback = (event, context, callback) => {
  callback('plain string');
};

exports.sleepy = () => new Promise((resolve) => setTimeout(resolve, 5000));

exports.circular = async () => {
  const o = {};
  o.self = o;
  return o;
};
`

func nodeTask() files {
	return files{
		"index.js":           nodeApp,
		"lib/esm.mjs":        "export const handler = async (event) => ({ esm: event });\n",
		"broken.js":          "exports.handler = async (event) => {\n  return 1\n",
		"node_modules/.keep": "",
	}
}

func nodeLayers() files {
	return files{
		"nodejs/node_modules/layermod/index.js":          "exports.VALUE = 'from layer';\n",
		"nodejs/node20/node_modules/layer20mod/index.js": "exports.VALUE = 'from node20 layer';\n",
	}
}

func TestNodeRuntime(t *testing.T) {
	t.Run("an async handler reads the event, the whole context and layer modules, logs, and keeps state", func(t *testing.T) {
		e := startEnv(t, runtimes.NodeJS20, "index.handler", nodeTask(), nodeLayers())
		got := e.mustInvoke(t, "req-1", `{"name":"js"}`)
		want := map[string]any{
			"name": "js", "counter": float64(1), "layer": "from layer", "layer20": "from node20 layer",
			"awsRequestId": "req-1", "functionName": "fn", "functionVersion": "$LATEST",
			"memoryLimitInMB": "128", "invokedFunctionArn": "arn:aws:lambda:us-east-1:123456789012:function:fn",
			"logGroupName": "/aws/lambda/fn", "logStreamName": "2024/01/01/[$LATEST]0123456789abcdef",
			"remainingOk": true, "callbackWaitsForEmptyEventLoop": true,
			"clientCustom": map[string]any{"k": "v"}, "identityId": "cid",
			"traceId": "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
		}
		for k, v := range want {
			if !reflect.DeepEqual(got[k], v) {
				t.Errorf("%s = %#v, want %#v", k, got[k], v)
			}
		}
		out := e.waitOutput(t, "hello from js\n")
		line := regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\treq-1\tINFO\thello from js$`)
		if !line.MatchString(out) {
			t.Errorf("console.log line is not AWS's time\\trequestId\\tINFO\\tmessage form:\n%s", out)
		}
		if got := e.mustInvoke(t, "req-2", `{"name":"js"}`); got["counter"] != float64(2) {
			t.Errorf("second invoke counter = %v, want 2 (state kept in the process)", got["counter"])
		}
	})
	t.Run("a callback handler answers through the callback", func(t *testing.T) {
		e := startEnv(t, runtimes.NodeJS20, "index.callback", nodeTask(), nodeLayers())
		got := e.mustInvoke(t, "req-1", `{"a":1}`)
		if got["via"] != "callback" || !reflect.DeepEqual(got["event"], map[string]any{"a": float64(1)}) {
			t.Errorf("response = %v, want the callback's value", got)
		}
	})
	t.Run("a callback's result waits for the event loop to empty", func(t *testing.T) {
		e := startEnv(t, runtimes.NodeJS20, "index.waits", nodeTask(), nodeLayers())
		if got := e.mustInvoke(t, "req-1", `{}`); got["late"] != true {
			t.Errorf("late = %v, want true: the response must be sent after the pending timer ran", got["late"])
		}
	})
	t.Run("an ES module handler in a nested path is found", func(t *testing.T) {
		e := startEnv(t, runtimes.NodeJS20, "lib/esm.handler", nodeTask(), nodeLayers())
		if got := e.mustInvoke(t, "req-1", `"x"`); got["esm"] != "x" {
			t.Errorf("response = %v, want the event back", got)
		}
	})
	t.Run("a thrown error becomes AWS's error document with the stack as lines", func(t *testing.T) {
		e := startEnv(t, runtimes.NodeJS20, "index.fail", nodeTask(), nodeLayers())
		res, err := e.invoke(t, "req-err", `{}`, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		got := decode(t, res.Payload)
		trace, _ := got["trace"].([]any)
		if res.FunctionError != "Unhandled" || res.ErrorType != "TypeError" || got["errorType"] != "TypeError" ||
			got["errorMessage"] != "boom" || len(trace) < 2 || trace[0] != "TypeError: boom" ||
			!strings.Contains(trace[1].(string), e.task+"/index.js:") {
			t.Errorf("error = %s %#v, want TypeError boom with its stack lines", res.ErrorType, got)
		}
		if len(got) != 3 {
			t.Errorf("error document has keys %v, want errorType, errorMessage and trace", got)
		}
	})
	t.Run("a string passed to the callback is an error of type string", func(t *testing.T) {
		e := startEnv(t, runtimes.NodeJS20, "index.failCallback", nodeTask(), nodeLayers())
		res, err := e.invoke(t, "req-err", `{}`, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"errorType": "string", "errorMessage": "plain string", "trace": []any{}}
		if got := decode(t, res.Payload); !reflect.DeepEqual(got, want) {
			t.Errorf("error = %#v, want %#v", got, want)
		}
	})
	t.Run("a result JSON cannot encode is Runtime.MarshalError", func(t *testing.T) {
		e := startEnv(t, runtimes.NodeJS20, "index.circular", nodeTask(), nodeLayers())
		res, err := e.invoke(t, "req-m", `{}`, 10*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got := decode(t, res.Payload); got["errorType"] != "Runtime.MarshalError" || res.ErrorType != "Runtime.MarshalError" {
			t.Errorf("error = %#v, want Runtime.MarshalError", got)
		}
	})
	t.Run("a handler that sleeps past the deadline makes Invoke time out", func(t *testing.T) {
		e := startEnv(t, runtimes.NodeJS20, "index.sleepy", nodeTask(), nodeLayers())
		if _, err := e.invoke(t, "req-t", `{}`, 300*time.Millisecond); !errors.Is(err, runtimeapi.ErrTimeout) {
			t.Fatalf("Invoke = %v, want ErrTimeout", err)
		}
	})
	initCases := []struct{ name, handler, typ, msgPrefix string }{
		{"a missing module is Runtime.ImportModuleError", "nope.handler", "Runtime.ImportModuleError", "Error: Cannot find module 'nope'"},
		{"a missing function is Runtime.HandlerNotFound", "index.missing", "Runtime.HandlerNotFound", "index.missing is undefined or not exported"},
		{"a syntax error is Runtime.UserCodeSyntaxError", "broken.handler", "Runtime.UserCodeSyntaxError", "SyntaxError: Unexpected end of input"},
		{"a handler without a dot is Runtime.MalformedHandlerName", "index", "Runtime.MalformedHandlerName", "Bad handler index"},
	}
	for _, c := range initCases {
		t.Run(c.name+" reported through /init/error", func(t *testing.T) {
			e := startEnv(t, runtimes.NodeJS20, c.handler, nodeTask(), nodeLayers())
			ie := e.initError(t)
			got := decode(t, ie.Payload)
			msg, _ := got["errorMessage"].(string)
			if ie.Type != c.typ || got["errorType"] != c.typ || !strings.HasPrefix(msg, c.msgPrefix) {
				t.Errorf("init error = %s %#v, want %s %q...", ie.Type, got, c.typ, c.msgPrefix)
			}
			if _, ok := got["trace"].([]any); !ok {
				t.Errorf("init error has no trace list: %#v", got)
			}
		})
	}
}
