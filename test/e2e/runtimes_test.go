package e2e

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The runtime tests share one server. The functions of every area are created up front
// in one boto3 process, then the areas run in parallel (as many at once as -parallel,
// GOMAXPROCS by default), so that the file stays under about 90 s on two cores even
// though one harness CLI call costs about a second of CPU (it runs `aws --version` first).

// rtSuite is the server and the execution role the runtime tests share.
type rtSuite struct {
	s    *server
	role string // ARN of rt-role, trusted by Lambda, no policies
	acct string
}

// on returns the shared server bound to t, so that the harness helpers fail the subtest
// that called them, from its own goroutine.
func (r *rtSuite) on(t *testing.T) *server {
	c := *r.s
	c.t = t
	return &c
}

// fnARN is the unqualified ARN of a function.
func (r *rtSuite) fnARN(name string) string {
	return "arn:aws:lambda:us-east-1:" + r.acct + ":function:" + name
}

// rtFunction is a function to create; Zip is filled in by rtCreate.
type rtFunction struct {
	Name    string            `json:"name"`
	Runtime string            `json:"runtime"`
	Handler string            `json:"handler"`
	Role    string            `json:"role"`
	Memory  int               `json:"memory"`
	Timeout int               `json:"timeout"`
	Env     map[string]string `json:"env,omitempty"`
	Zip     string            `json:"zip"`
	code    []byte
}

// rtZip builds a zip of files (name -> content); the names in executable get mode 0755.
func rtZip(t *testing.T, files map[string]string, executable ...string) []byte {
	t.Helper()
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, name := range names {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o644)
		if slices.Contains(executable, name) {
			h.SetMode(0o755)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[name])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rtTestdata reads a file under testdata/runtimes.
func rtTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "runtimes", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rtTemp writes b to a new file named name in a temporary directory and returns its path.
func rtTemp(t *testing.T, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rtPyJSON is a Python expression evaluating to v (through JSON).
func rtPyJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return "json.loads(" + strconv.Quote(string(b)) + ")"
}

// rtBoto runs a boto3 script with ARGS (args through JSON) and lam, a Lambda client that
// never retries, already defined; the script prints one JSON object.
func rtBoto(s *server, args any, body string) map[string]any {
	s.t.Helper()
	script := `
import base64, json, threading, time
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
ARGS = ` + rtPyJSON(s.t, args) + `
NO_RETRY = Config(retries={"total_max_attempts": 1}, read_timeout=60, connect_timeout=10)
lam = boto3.client("lambda", config=NO_RETRY)
` + body
	return s.python(s.admin(), script)
}

// rtCreate creates functions with boto3 (one process for all of them) and waits until
// each is Active.
func rtCreate(s *server, fns ...rtFunction) {
	s.t.Helper()
	dir := s.t.TempDir()
	for i := range fns {
		fns[i].Zip = filepath.Join(dir, fns[i].Name+".zip")
		if err := os.WriteFile(fns[i].Zip, fns[i].code, 0o644); err != nil {
			s.t.Fatal(err)
		}
	}
	out := rtBoto(s, fns, `
for f in ARGS:
    kw = dict(FunctionName=f["name"], Runtime=f["runtime"], Role=f["role"], Handler=f["handler"],
              Code={"ZipFile": open(f["zip"], "rb").read()}, MemorySize=f["memory"], Timeout=f["timeout"])
    if f.get("env"):
        kw["Environment"] = {"Variables": f["env"]}
    lam.create_function(**kw)
for f in ARGS:
    lam.get_waiter("function_active_v2").wait(FunctionName=f["name"], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
print(json.dumps({"created": [f["name"] for f in ARGS]}))`)
	if len(out["created"].([]any)) != len(fns) {
		s.t.Fatalf("created %v", out)
	}
}

// rtResult is one `aws lambda invoke`.
type rtResult struct {
	Meta    map[string]any // the CLI's output: StatusCode, FunctionError, ExecutedVersion, LogResult
	Payload []byte         // the outfile
	Doc     map[string]any // Payload decoded, when it is a JSON object
	Took    time.Duration  // the CLI call, process start included
}

// rtInvoke runs `aws lambda invoke` with a raw JSON payload (CLI v1 sends --payload
// as given) and requires the CLI to succeed.
func rtInvoke(s *server, fn, payload string, extra ...string) rtResult {
	s.t.Helper()
	out := filepath.Join(s.t.TempDir(), "payload.out")
	args := append([]string{"lambda", "invoke", "--function-name", fn, "--payload", payload}, extra...)
	start := time.Now()
	meta := s.awsOK(s.admin(), append(args, out)...)
	r := rtResult{Meta: meta, Took: time.Since(start)}
	var err error
	if r.Payload, err = os.ReadFile(out); err != nil {
		s.t.Fatalf("aws lambda invoke %s wrote no payload: %v", fn, err)
	}
	if bytes.HasPrefix(bytes.TrimSpace(r.Payload), []byte("{")) {
		if err := json.Unmarshal(r.Payload, &r.Doc); err != nil {
			s.t.Fatalf("payload of %s is not JSON: %v\n%.2000s", fn, err, r.Payload)
		}
	}
	return r
}

// ok requires a successful invocation (status 200, no function error).
func (r rtResult) ok(t *testing.T) map[string]any {
	t.Helper()
	if r.Meta["StatusCode"] != float64(200) || r.Meta["FunctionError"] != nil || r.Doc == nil {
		t.Fatalf("invoke = %v, payload %.2000s; want StatusCode 200, no FunctionError, a JSON object", r.Meta, r.Payload)
	}
	return r.Doc
}

// unhandled requires a function error and returns the error document.
func (r rtResult) unhandled(t *testing.T) map[string]any {
	t.Helper()
	if r.Meta["StatusCode"] != float64(200) || r.Meta["FunctionError"] != "Unhandled" || r.Doc == nil {
		t.Fatalf("invoke = %v, payload %.2000s; want StatusCode 200, FunctionError Unhandled, an error document", r.Meta, r.Payload)
	}
	return r.Doc
}

var (
	rtRequestID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	rtStream    = regexp.MustCompile(`^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$`)
	rtLoopback  = regexp.MustCompile(`^127\.0\.0\.1:\d+$`)
)

// rtBuildGo builds testdata/runtimes/gofn into a static bootstrap, as a user builds a
// provided.al2023 function with aws-lambda-go.
func rtBuildGo(t *testing.T) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "bootstrap")
	cmd := exec.Command("go", "build", "-o", out, "./testdata/runtimes/gofn")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build gofn: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// rtBoto3Files returns boto3 and what it imports, as files for a function's zip, with
// botocore's data cut down to STS and IAM, when the python3.11 the environments run
// (/usr/bin/python3.11, with the host's /usr) cannot import boto3 itself; else nil.
func rtBoto3Files(t *testing.T) map[string]string {
	t.Helper()
	if exec.Command("/usr/bin/python3.11", "-c", "import boto3").Run() == nil {
		return nil
	}
	out, err := exec.Command("python3", "-c", `
import json, sys, boto3
boto3.client("sts", region_name="us-east-1"); boto3.client("iam", region_name="us-east-1")
mods = {}
for name, m in list(sys.modules.items()):
    f = getattr(m, "__file__", None) or ""
    top = name.split(".")[0]
    if "." not in name and "-packages" in f and not top.startswith("_"):
        mods[top] = f
print(json.dumps(mods))`).Output()
	if err != nil {
		t.Fatalf("locate boto3: %v", err)
	}
	mods := map[string]string{}
	if err := json.Unmarshal(out, &mods); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, file := range mods {
		root := filepath.Dir(file)
		if filepath.Base(file) != "__init__.py" { // a single-file module such as six.py
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			files[filepath.Base(file)] = string(b)
			continue
		}
		base := filepath.Dir(root)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(base, p)
			rel = filepath.ToSlash(rel)
			if d.IsDir() {
				if d.Name() == "__pycache__" {
					return filepath.SkipDir
				}
				if parts := strings.Split(rel, "/"); len(parts) == 3 && parts[0] == "botocore" && parts[1] == "data" &&
					parts[2] != "sts" && parts[2] != "iam" {
					return filepath.SkipDir
				}
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			files[rel] = string(b)
			return nil
		})
		if err != nil {
			t.Fatalf("bundle boto3: %v", err)
		}
	}
	return files
}

// rtArea is one behaviour the runtime tests cover: the functions it needs, all
// created before any area runs, and the test itself.
type rtArea struct {
	name      string
	functions func(t *testing.T, rt *rtSuite) []rtFunction
	run       func(t *testing.T, rt *rtSuite, fns []rtFunction)
}

func TestRuntimesRunFunctionsInvokedFromTheCLIAndBoto3(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the runtime tests need root under CI=true")
		}
		t.Skip("the runtime tests start execution environments, which needs root")
	}
	requireTool(t, "aws", "--version")
	requireTool(t, "python3", "-c", "import boto3")
	s := startServer(t)
	rt := &rtSuite{s: s, role: s.lambdaRole("rt-role")}
	rt.acct = strings.Split(rt.role, ":")[4]

	areas := []rtArea{
		{"each runtime answers from its event and context with AWS's environment", rtEachRuntimeFunctions, rtEachRuntime},
		{"function errors are Unhandled with the runtime's error document", rtFunctionErrorFunctions, rtFunctionErrors},
		{"versions freeze code and aliases route to versions", rtVersionsFunctions, rtVersionsAndAliases},
		{"layers are merged in order under /opt", nil, rtLayers},
		{"logs hold the output and the platform lines", rtLogsFunctions, rtLogs},
		{"state persists in an environment between invokes", rtStateFunctions, rtState},
		{"reserved concurrency throttles invokes", rtThrottlingFunctions, rtThrottling},
		{"a timeout is a function error and the environment is replaced", rtTimeoutFunctions, rtTimeout},
		{"running out of memory is Runtime.OutOfMemory", rtOutOfMemoryFunctions, rtOutOfMemory},
		{"invoke enforces its limits and passes its options", rtLimitsFunctions, rtLimitsAndOptions},
		{"a function calls the API with its execution role's credentials", rtCredentialsFunctions, rtCredentials},
	}
	fns := make([][]rtFunction, len(areas))
	var all []rtFunction
	for i, a := range areas {
		if a.functions != nil {
			fns[i] = a.functions(t, rt)
			all = append(all, fns[i]...)
		}
	}
	rtCreate(s, all...)

	t.Run("on one server", func(t *testing.T) {
		for i, a := range areas {
			t.Run(a.name, func(t *testing.T) {
				t.Parallel()
				a.run(t, rt, fns[i])
			})
		}
	})
}

// rtPython is a python3.11 function of one app.py with handler app.handle.
func rtPython(t *testing.T, rt *rtSuite, name string, memory, timeout int, src string) rtFunction {
	return rtFunction{Name: name, Runtime: "python3.11", Handler: "app.handle", Role: rt.role, Memory: memory, Timeout: timeout,
		code: rtZip(t, map[string]string{"app.py": src})}
}

// rtNode is a nodejs20.x function of one index.js with handler index.handler.
func rtNode(t *testing.T, rt *rtSuite, name string, src string) rtFunction {
	return rtFunction{Name: name, Runtime: "nodejs20.x", Handler: "index.handler", Role: rt.role, Memory: 128, Timeout: 10,
		code: rtZip(t, map[string]string{"index.js": src})}
}

// Item 1 of the brief: one function per runtime, from testdata/runtimes.

func rtEachRuntimeFunctions(t *testing.T, rt *rtSuite) []rtFunction {
	env := map[string]string{"GREETING": "hi"}
	node := map[string]string{"index.js": rtTestdata(t, "nodejs/index.js"), "callback.js": rtTestdata(t, "nodejs/callback.js")}
	fn := func(name, runtime, handler string, code []byte) rtFunction {
		return rtFunction{Name: name, Runtime: runtime, Handler: handler, Role: rt.role, Memory: 256, Timeout: 10, Env: env, code: code}
	}
	goZip := rtZip(t, map[string]string{"bootstrap": rtBuildGo(t)}, "bootstrap")
	fns := []rtFunction{
		fn("rt-python", "python3.11", "app.handle", rtZip(t, map[string]string{"app.py": rtTestdata(t, "python/app.py")})),
		fn("rt-node-async", "nodejs20.x", "index.handler", rtZip(t, node)),
		fn("rt-node-callback", "nodejs20.x", "callback.handler", rtZip(t, node)),
		fn("rt-go", "provided.al2023", "bootstrap", goZip),
	}
	if _, err := exec.LookPath("curl"); err == nil {
		return append(fns, fn("rt-shell", "provided.al2", "function.handler",
			rtZip(t, map[string]string{"bootstrap": rtTestdata(t, "shell/bootstrap")}, "bootstrap")))
	}
	t.Log("no curl on this host: provided.al2 runs the Go bootstrap instead of the shell one")
	return append(fns, fn("rt-shell", "provided.al2", "bootstrap", goZip))
}

func rtEachRuntime(t *testing.T, rt *rtSuite, fns []rtFunction) {
	for _, f := range fns {
		t.Run(f.Runtime+" "+f.Name+" answers from its event and context", func(t *testing.T) {
			got := rtInvoke(rt.on(t), f.Name, `{"name":"`+f.Runtime+`"}`).ok(t)
			if got["echo"] != "hello "+f.Runtime {
				t.Errorf("echo = %v, want the greeting built from the event", got["echo"])
			}
			if id, _ := got["requestId"].(string); !rtRequestID.MatchString(id) {
				t.Errorf("request id = %v, want a UUID", got["requestId"])
			}
			if got["functionName"] != f.Name || got["arn"] != rt.fnARN(f.Name) {
				t.Errorf("function name, ARN = %v, %v; want %s, %s", got["functionName"], got["arn"], f.Name, rt.fnARN(f.Name))
			}
			if ms, _ := got["remainingMs"].(float64); ms <= 0 || ms > 10000 {
				t.Errorf("remaining time = %v ms, want within the 10 s timeout", got["remainingMs"])
			}
			if m, ok := got["memoryMB"]; ok && fmt.Sprint(m) != "256" {
				t.Errorf("memory limit = %v, want 256", m)
			}
			vars, _ := got["env"].(map[string]any)
			want := map[string]string{
				"AWS_LAMBDA_FUNCTION_NAME":        f.Name,
				"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
				"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
				"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.Name,
				"AWS_REGION":                      "us-east-1",
				"_HANDLER":                        f.Handler,
				"LAMBDA_TASK_ROOT":                "/var/task",
				"GREETING":                        "hi",
			}
			for k, v := range want {
				if vars[k] != v {
					t.Errorf("%s = %v, want %q", k, vars[k], v)
				}
			}
			if api, _ := vars["AWS_LAMBDA_RUNTIME_API"].(string); !rtLoopback.MatchString(api) {
				t.Errorf("AWS_LAMBDA_RUNTIME_API = %v, want 127.0.0.1:port", vars["AWS_LAMBDA_RUNTIME_API"])
			}
			if stream, _ := vars["AWS_LAMBDA_LOG_STREAM_NAME"].(string); !rtStream.MatchString(stream) {
				t.Errorf("AWS_LAMBDA_LOG_STREAM_NAME = %v, want YYYY/MM/DD/[$LATEST]<32 hex>", vars["AWS_LAMBDA_LOG_STREAM_NAME"])
			}
		})
	}

	t.Run("boto3 sees the request id the function saw in x-amzn-RequestId", func(t *testing.T) {
		names := []string{}
		for _, f := range fns {
			names = append(names, f.Name)
		}
		got := rtBoto(rt.on(t), names, `
out = {}
for name in ARGS:
    r = lam.invoke(FunctionName=name, Payload=json.dumps({"name": "boto3"}).encode())
    out[name] = [r["ResponseMetadata"]["RequestId"], json.loads(r["Payload"].read())["requestId"]]
print(json.dumps(out))`)
		for _, name := range names {
			ids, _ := got[name].([]any)
			if len(ids) != 2 || ids[0] != ids[1] || !rtRequestID.MatchString(fmt.Sprint(ids[0])) {
				t.Errorf("%s: response request id, function's request id = %v; want the same UUID", name, got[name])
			}
		}
	})
}

// Item 2 of the brief: errors the function throws, errors at load, a runtime that exits.

func rtFunctionErrorFunctions(t *testing.T, rt *rtSuite) []rtFunction {
	return []rtFunction{
		rtPython(t, rt, "rt-err-py-raise", 128, 10, "def handle(event, context):\n    raise ValueError('bad input %d' % event['n'])\n"),
		rtNode(t, rt, "rt-err-node-throw", "exports.handler = async (event) => {\n  throw new TypeError(`bad input ${event.n}`);\n};\n"),
		rtPython(t, rt, "rt-err-py-import", 128, 10, "import rt_no_such_module\n\ndef handle(event, context):\n    return 1\n"),
		rtPython(t, rt, "rt-err-py-syntax", 128, 10, "def handle(event, context):\n    return (\n"),
		rtNode(t, rt, "rt-err-node-import", "const x = require('rt-no-such-module');\nexports.handler = async () => x;\n"),
		// A short timeout bounds what a runtime exit costs when it is noticed only then.
		rtPython(t, rt, "rt-err-py-exit", 128, 3, "import os\n\ndef handle(event, context):\n    os._exit(3)\n"),
	}
}

func rtFunctionErrors(t *testing.T, rt *rtSuite, fns []rtFunction) {
	cases := []struct {
		name, fn   string
		cli        bool // through `aws lambda invoke`, else boto3
		wantType   string
		wantInMsg  string
		traceField string // "" when the document need not list frames
	}{
		{"a python exception carries its type, message and stack trace", "rt-err-py-raise", true, "ValueError", "bad input 42", "stackTrace"},
		// AWS's Node.js runtime names the frames "trace", not "stackTrace".
		{"a thrown node error carries its type, message and trace", "rt-err-node-throw", true, "TypeError", "bad input 42", "trace"},
		{"a python import failure at load is Runtime.ImportModuleError", "rt-err-py-import", false,
			"Runtime.ImportModuleError", "Unable to import module 'app': No module named 'rt_no_such_module'", ""},
		{"a python syntax error at load is Runtime.UserCodeSyntaxError", "rt-err-py-syntax", false,
			"Runtime.UserCodeSyntaxError", "Syntax error in module 'app'", ""},
		{"a missing node module at load is Runtime.ImportModuleError", "rt-err-node-import", false,
			"Runtime.ImportModuleError", "Cannot find module 'rt-no-such-module'", ""},
		{"a runtime that exits during an invoke is Runtime.ExitError", "rt-err-py-exit", false,
			"Runtime.ExitError", "Runtime exited with error: exit status 3", ""},
	}
	var viaBoto3 []string
	for _, c := range cases {
		if !c.cli {
			viaBoto3 = append(viaBoto3, c.fn)
		}
	}
	boto := rtBoto(rt.on(t), viaBoto3, `
out = {}
for name in ARGS:
    r = lam.invoke(FunctionName=name, Payload=b'{"n": 42}')
    out[name] = {"StatusCode": r["StatusCode"], "FunctionError": r.get("FunctionError"), "Payload": r["Payload"].read().decode()}
print(json.dumps(out))`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var r rtResult
			if c.cli {
				r = rtInvoke(rt.on(t), c.fn, `{"n":42}`)
			} else {
				m, _ := boto[c.fn].(map[string]any)
				r.Meta = map[string]any{"StatusCode": m["StatusCode"]}
				if m["FunctionError"] != nil {
					r.Meta["FunctionError"] = m["FunctionError"]
				}
				r.Payload = []byte(fmt.Sprint(m["Payload"]))
				json.Unmarshal(r.Payload, &r.Doc)
			}
			doc := r.unhandled(t)
			if doc["errorType"] != c.wantType {
				t.Errorf("errorType = %v, want %s (document %v)", doc["errorType"], c.wantType, doc)
			}
			if msg, _ := doc["errorMessage"].(string); !strings.Contains(msg, c.wantInMsg) {
				t.Errorf("errorMessage = %q, want it to contain %q", msg, c.wantInMsg)
			}
			if c.traceField != "" {
				if trace, _ := doc[c.traceField].([]any); len(trace) == 0 {
					t.Errorf("%s = %v, want the frames", c.traceField, doc[c.traceField])
				}
			}
		})
	}
}

// Item 3 of the brief: versions and aliases.

func rtVersionsCode(t *testing.T, answer string) []byte {
	return rtZip(t, map[string]string{"app.py": "ANSWER = '" + answer + "'\n\n" +
		"def handle(event, context):\n    return {'answer': ANSWER, 'version': context.function_version}\n"})
}

func rtVersionsFunctions(t *testing.T, rt *rtSuite) []rtFunction {
	return []rtFunction{{Name: "rt-versions", Runtime: "python3.11", Handler: "app.handle", Role: rt.role, Memory: 128, Timeout: 10,
		code: rtVersionsCode(t, "one")}}
}

func rtVersionsAndAliases(t *testing.T, rt *rtSuite, fns []rtFunction) {
	setup := rtBoto(rt.on(t), rtTemp(t, "two.zip", rtVersionsCode(t, "two")), `
v1 = lam.publish_version(FunctionName="rt-versions")["Version"]
lam.update_function_code(FunctionName="rt-versions", ZipFile=open(ARGS, "rb").read())
lam.get_waiter("function_updated_v2").wait(FunctionName="rt-versions", WaiterConfig={"Delay": 1, "MaxAttempts": 30})
v2 = lam.publish_version(FunctionName="rt-versions")["Version"]
lam.create_alias(FunctionName="rt-versions", Name="live", FunctionVersion="1")
lam.create_alias(FunctionName="rt-versions", Name="split", FunctionVersion="1",
                 RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}})
print(json.dumps({"versions": [v1, v2]}))`)
	if fmt.Sprint(setup["versions"]) != "[1 2]" {
		t.Fatalf("published versions = %v, want 1 and 2", setup["versions"])
	}

	cases := []struct {
		name, qualifier, wantAnswer, wantVersion string
	}{
		{"version 1 keeps the code it was published with", "1", "one", "1"},
		{"$LATEST runs the updated code", "", "two", "$LATEST"},
		{"an alias of version 1 runs version 1", "live", "one", "1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var extra []string
			if c.qualifier != "" {
				extra = []string{"--qualifier", c.qualifier}
			}
			r := rtInvoke(rt.on(t), "rt-versions", `{}`, extra...)
			got := r.ok(t)
			if got["answer"] != c.wantAnswer || got["version"] != c.wantVersion || r.Meta["ExecutedVersion"] != c.wantVersion {
				t.Errorf("payload %v, ExecutedVersion %v; want answer %s from version %s", got, r.Meta["ExecutedVersion"], c.wantAnswer, c.wantVersion)
			}
		})
	}
	t.Run("a weighted alias sends invokes to both versions and says which ran", func(t *testing.T) {
		got := rtBoto(rt.on(t), nil, `
seen = {}
for i in range(40):
    r = lam.invoke(FunctionName="rt-versions", Qualifier="split", Payload=b"{}")
    p = json.loads(r["Payload"].read())
    ran = seen.setdefault(r["ExecutedVersion"], {})
    ran[p["answer"] + "@" + p["version"]] = ran.get(p["answer"] + "@" + p["version"], 0) + 1
print(json.dumps(seen))`)
		one, _ := got["1"].(map[string]any)
		two, _ := got["2"].(map[string]any)
		if len(got) != 2 || len(one) != 1 || one["one@1"] == nil || len(two) != 1 || two["two@2"] == nil {
			t.Fatalf("40 invokes of a 50/50 alias, by ExecutedVersion then answer@version: %v; want version 1 answering one and version 2 answering two", got)
		}
		t.Logf("40 invokes of a 50/50 alias: %v", got)
	})
}

// Item 4 of the brief: layers, published and attached with the CLI.

func rtLayers(t *testing.T, rt *rtSuite, fns []rtFunction) {
	s := rt.on(t)
	admin := s.admin()
	one := rtZip(t, map[string]string{
		"python/rtmod.py":                  "WHERE = 'layer one'\n",
		"bin/rt-tool":                      "#!/bin/sh\necho tool from layer one\n",
		"nodejs/node_modules/rtx/index.js": "module.exports = { where: 'layer one' };\n",
		"shared.txt":                       "layer one\n",
	}, "bin/rt-tool")
	two := rtZip(t, map[string]string{"shared.txt": "layer two\n", "two.txt": "only in layer two\n"})
	publish := func(name string, code []byte) string {
		out := s.awsOK(admin, "lambda", "publish-layer-version", "--layer-name", name, "--zip-file", "fileb://"+rtTemp(t, name+".zip", code),
			"--compatible-runtimes", "python3.11", "nodejs20.x")
		arn, _ := out["LayerVersionArn"].(string)
		if out["Version"] != float64(1) || arn != "arn:aws:lambda:us-east-1:"+rt.acct+":layer:"+name+":1" {
			t.Fatalf("publish-layer-version %s = %v", name, out)
		}
		return arn
	}
	arn1, arn2 := publish("rt-layer-one", one), publish("rt-layer-two", two)

	create := func(name, runtime, handler string, code []byte, layers ...string) {
		out := s.awsOK(admin, append([]string{"lambda", "create-function", "--function-name", name, "--runtime", runtime, "--role", rt.role,
			"--handler", handler, "--zip-file", "fileb://" + rtTemp(t, name+".zip", code), "--layers"}, layers...)...)
		if len(out["Layers"].([]any)) != len(layers) {
			t.Fatalf("create-function %s: Layers = %v", name, out["Layers"])
		}
		if out["State"] != "Active" {
			s.awsOK(admin, "lambda", "wait", "function-active-v2", "--function-name", name)
		}
	}
	create("rt-layers-py", "python3.11", "app.handle", rtZip(t, map[string]string{"app.py": `import subprocess, sys

import rtmod


def handle(event, context):
    return {
        "module": rtmod.WHERE,
        "moduleFile": rtmod.__file__,
        "optPythonOnPath": "/opt/python" in sys.path,
        "shared": open("/opt/shared.txt").read().strip(),
        "two": open("/opt/two.txt").read().strip(),
        "tool": subprocess.run(["rt-tool"], capture_output=True, text=True).stdout.strip(),
    }
`}), arn1, arn2)
	create("rt-layers-node", "nodejs20.x", "index.handler",
		rtZip(t, map[string]string{"index.js": "exports.handler = async () => ({ where: require('rtx').where, file: require.resolve('rtx') });\n"}), arn1)

	py := rtInvoke(s, "rt-layers-py", `{}`).ok(t)
	t.Run("python imports a layer's module from /opt/python and runs its /opt/bin tool", func(t *testing.T) {
		if py["module"] != "layer one" || py["moduleFile"] != "/opt/python/rtmod.py" || py["optPythonOnPath"] != true {
			t.Errorf("module from the layer = %v", py)
		}
		if py["tool"] != "tool from layer one" {
			t.Errorf("rt-tool on PATH printed %q, want the layer's tool output", py["tool"])
		}
	})
	t.Run("the later layer wins for the same path and both layers' files are there", func(t *testing.T) {
		if py["shared"] != "layer two" || py["two"] != "only in layer two" {
			t.Errorf("/opt/shared.txt = %v, /opt/two.txt = %v; want layer two's", py["shared"], py["two"])
		}
	})
	t.Run("node requires a layer's package from /opt/nodejs/node_modules", func(t *testing.T) {
		got := rtInvoke(rt.on(t), "rt-layers-node", `{}`).ok(t)
		if got["where"] != "layer one" || got["file"] != "/opt/nodejs/node_modules/rtx/index.js" {
			t.Errorf("require('rtx') = %v", got)
		}
	})
}

// Item 5 of the brief: CloudWatch Logs and LogType Tail.

func rtLogsFunctions(t *testing.T, rt *rtSuite) []rtFunction {
	return []rtFunction{rtPython(t, rt, "rt-logs", 128, 10,
		"def handle(event, context):\n    print('rt-log-line', event['marker'])\n    return {'requestId': context.aws_request_id}\n")}
}

func rtLogs(t *testing.T, rt *rtSuite, fns []rtFunction) {
	s := rt.on(t)
	admin := s.admin()
	marker := rtRandom()
	id := rtInvoke(s, "rt-logs", `{"marker":"`+marker+`"}`).ok(t)["requestId"].(string)

	t.Run("filter-log-events shows the printed line between START and END, then REPORT", func(t *testing.T) {
		s := rt.on(t)
		var events []any
		for deadline := time.Now().Add(8 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			events, _ = s.awsOK(admin, "logs", "filter-log-events", "--log-group-name", "/aws/lambda/rt-logs")["events"].([]any)
			if slices.ContainsFunc(events, func(e any) bool {
				return strings.HasPrefix(e.(map[string]any)["message"].(string), "REPORT RequestId: "+id)
			}) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("no REPORT line for %s in /aws/lambda/rt-logs after 8 s; events: %v", id, events)
			}
		}
		find := func(re string) int {
			rx := regexp.MustCompile(re)
			for i, e := range events {
				if rx.MatchString(e.(map[string]any)["message"].(string)) {
					return i
				}
			}
			t.Errorf("no log line matches %s; events: %v", re, events)
			return -1
		}
		q := regexp.QuoteMeta(id)
		start := find(`^START RequestId: ` + q + ` Version: \$LATEST`)
		printed := find(`rt-log-line ` + marker)
		end := find(`^END RequestId: ` + q)
		report := find(`^REPORT RequestId: ` + q + `\s+Duration: \d+\.\d+ ms\s+Billed Duration: \d+ ms\s+Memory Size: 128 MB\s+Max Memory Used: \d+ MB\s+Init Duration: \d+\.\d+ ms`)
		if t.Failed() {
			return
		}
		if !(start < printed && printed < end && end < report) {
			t.Errorf("order of START, the line, END, REPORT = %d, %d, %d, %d", start, printed, end, report)
		}
		stream := events[start].(map[string]any)["logStreamName"].(string)
		if !rtStream.MatchString(stream) {
			t.Errorf("log stream %q, want YYYY/MM/DD/[$LATEST]<32 hex>", stream)
		}
		for _, i := range []int{printed, end, report} {
			if got := events[i].(map[string]any)["logStreamName"]; got != stream {
				t.Errorf("event %d is in stream %v, want %s", i, got, stream)
			}
		}
	})
	t.Run("LogType Tail returns this invocation's log in base64 with REPORT", func(t *testing.T) {
		marker2 := rtRandom()
		got := rtBoto(rt.on(t), marker2, `
r = lam.invoke(FunctionName="rt-logs", LogType="Tail", Payload=json.dumps({"marker": ARGS}).encode())
print(json.dumps({"tail": base64.b64decode(r["LogResult"]).decode(), "payload": json.loads(r["Payload"].read())}))`)
		tail, _ := got["tail"].(string)
		id2, _ := got["payload"].(map[string]any)["requestId"].(string)
		for _, want := range []string{"START RequestId: " + id2, "rt-log-line " + marker2, "END RequestId: " + id2, "REPORT RequestId: " + id2} {
			if !strings.Contains(tail, want) {
				t.Errorf("tail lacks %q:\n%s", want, tail)
			}
		}
		if strings.Contains(tail, marker) {
			t.Errorf("tail holds the previous invocation's line:\n%s", tail)
		}
		if strings.Contains(tail, "Init Duration") {
			t.Errorf("a warm invocation's REPORT has an Init Duration:\n%s", tail)
		}
	})
}

// rtRandom is a fresh 16-hex-digit marker.
func rtRandom() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Item 6 of the brief: module state and /tmp survive between invokes.

func rtStateFunctions(t *testing.T, rt *rtSuite) []rtFunction {
	return []rtFunction{rtPython(t, rt, "rt-counter", 128, 10, `count = 0


def handle(event, context):
    global count
    count += 1
    with open("/tmp/count", "a") as f:
        f.write("x\n")
    with open("/tmp/count") as f:
        return {"count": count, "lines": len(f.readlines())}
`)}
}

func rtState(t *testing.T, rt *rtSuite, fns []rtFunction) {
	for want := 1; want <= 2; want++ {
		got := rtInvoke(rt.on(t), "rt-counter", `{}`).ok(t)
		if got["count"] != float64(want) || got["lines"] != float64(want) {
			t.Fatalf("invoke %d: %v; want the module counter and /tmp/count at %d", want, got, want)
		}
	}
}

// Item 7 of the brief: reserved concurrency.

func rtThrottlingFunctions(t *testing.T, rt *rtSuite) []rtFunction {
	return []rtFunction{rtPython(t, rt, "rt-slow", 128, 10,
		"import time\n\ndef handle(event, context):\n    time.sleep(event['sleep'])\n    return {'slept': event['sleep']}\n")}
}

func rtThrottling(t *testing.T, rt *rtSuite, fns []rtFunction) {
	throttled := func(t *testing.T, r any) {
		t.Helper()
		m, _ := r.(map[string]any)
		if m["code"] != "TooManyRequestsException" || m["http"] != float64(429) || m["reason"] != "ReservedFunctionConcurrentInvocationLimitExceeded" {
			t.Errorf("throttled invoke = %v; want TooManyRequestsException, 429, Reason ReservedFunctionConcurrentInvocationLimitExceeded", r)
		}
	}
	// call never retries: botocore would retry a throttle until the slot is free.
	call := `
def call(c, payload):
    try:
        r = c.invoke(FunctionName="rt-slow", Payload=payload)
        return {"status": r["StatusCode"], "error": r.get("FunctionError"), "payload": json.loads(r["Payload"].read())}
    except ClientError as e:
        return {"code": e.response["Error"]["Code"], "http": e.response["ResponseMetadata"]["HTTPStatusCode"], "reason": e.response.get("Reason")}
`
	t.Run("with reserved concurrency 1 one of two concurrent invokes is throttled", func(t *testing.T) {
		got := rtBoto(rt.on(t), nil, call+`
reserved = lam.put_function_concurrency(FunctionName="rt-slow", ReservedConcurrentExecutions=1)["ReservedConcurrentExecutions"]
clients = [boto3.client("lambda", config=NO_RETRY) for _ in range(2)]
results = [None, None]
barrier = threading.Barrier(2)
def run(i):
    barrier.wait()
    results[i] = call(clients[i], b'{"sleep": 2}')
threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
for th in threads: th.start()
for th in threads: th.join()
print(json.dumps({"reserved": reserved, "results": results}))`)
		results, _ := got["results"].([]any)
		ok := slices.IndexFunc(results, func(r any) bool { return r.(map[string]any)["status"] == float64(200) })
		if got["reserved"] != float64(1) || len(results) != 2 || ok < 0 {
			t.Fatalf("two concurrent invokes with reserved concurrency %v = %v; want one success and one throttle", got["reserved"], results)
		}
		if r := results[ok].(map[string]any); r["error"] != nil || fmt.Sprint(r["payload"]) != "map[slept:2]" {
			t.Errorf("the admitted invoke = %v", r)
		}
		throttled(t, results[1-ok])
	})
	t.Run("with reserved concurrency 0 every invoke is throttled", func(t *testing.T) {
		got := rtBoto(rt.on(t), nil, call+`
lam.put_function_concurrency(FunctionName="rt-slow", ReservedConcurrentExecutions=0)
print(json.dumps({"results": [call(lam, b'{"sleep": 0}') for _ in range(3)]}))`)
		results, _ := got["results"].([]any)
		if len(results) != 3 {
			t.Fatalf("results = %v", got)
		}
		for _, r := range results {
			throttled(t, r)
		}
	})
	t.Run("throttles are counted in the function's metrics", func(t *testing.T) {
		resp, err := http.Get(rt.s.url + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		// One throttle with reserved concurrency 1, three with 0.
		re := regexp.MustCompile(`stratus_lambda_throttles_total\{account="\d{12}",function="rt-slow"\} (\d+)`)
		m := re.FindSubmatch(body)
		if m == nil || string(m[1]) != "4" {
			t.Fatalf("throttles of rt-slow in /metrics: %q", m)
		}
	})
}

// Item 8 of the brief: the timeout.

func rtTimeoutFunctions(t *testing.T, rt *rtSuite) []rtFunction {
	return []rtFunction{rtPython(t, rt, "rt-timeout", 128, 1,
		"import time, uuid\n\nTOKEN = uuid.uuid4().hex\n\ndef handle(event, context):\n    time.sleep(event['sleep'])\n    return {'token': TOKEN}\n")}
}

func rtTimeout(t *testing.T, rt *rtSuite, fns []rtFunction) {
	s := rt.on(t)
	before := rtInvoke(s, "rt-timeout", `{"sleep":0}`).ok(t)["token"]
	r := rtInvoke(s, "rt-timeout", `{"sleep":5}`, "--log-type", "Tail")
	t.Run("a function running past its 1 s timeout is stopped with Task timed out", func(t *testing.T) {
		doc := r.unhandled(t)
		if msg, _ := doc["errorMessage"].(string); !strings.Contains(msg, "Task timed out after 1.00 seconds") {
			t.Errorf("errorMessage = %q, want Task timed out after 1.00 seconds", msg)
		}
		if r.Took >= 5*time.Second {
			t.Errorf("the timed-out invoke took %v: the function was not stopped at 1 s", r.Took)
		}
		tail, _ := base64.StdEncoding.DecodeString(fmt.Sprint(r.Meta["LogResult"]))
		m := regexp.MustCompile(`REPORT RequestId: \S+\s+Duration: (\d+\.\d+) ms`).FindSubmatch(tail)
		if m == nil {
			t.Fatalf("no REPORT line in the tail:\n%s", tail)
		}
		if ms, _ := strconv.ParseFloat(string(m[1]), 64); ms < 1000 || ms >= 2000 {
			t.Errorf("REPORT Duration %s ms, want the 1 s timeout", m[1])
		}
		if !strings.Contains(string(tail), "Task timed out after 1.00 seconds") {
			t.Errorf("the tail does not say the task timed out:\n%s", tail)
		}
	})
	t.Run("the next invoke works in a new environment", func(t *testing.T) {
		after := rtInvoke(rt.on(t), "rt-timeout", `{"sleep":0}`).ok(t)["token"]
		if after == nil || after == before {
			t.Errorf("module token before the timeout %v, after %v; want a new environment", before, after)
		}
	})
}

// Item 9 of the brief: the memory limit.

func rtOutOfMemoryFunctions(t *testing.T, rt *rtSuite) []rtFunction {
	// A short timeout bounds what the test costs when the kill is noticed only then.
	return []rtFunction{rtPython(t, rt, "rt-oom", 128, 5,
		"def handle(event, context):\n    data = b'x' * (event['mb'] << 20)\n    return {'allocated': len(data)}\n")}
}

func rtOutOfMemory(t *testing.T, rt *rtSuite, fns []rtFunction) {
	t.Run("allocating 512 MB in 128 MB is Runtime.OutOfMemory", func(t *testing.T) {
		doc := rtInvoke(rt.on(t), "rt-oom", `{"mb":512}`).unhandled(t)
		if doc["errorType"] != "Runtime.OutOfMemory" {
			t.Errorf("error document = %v, want errorType Runtime.OutOfMemory", doc)
		}
	})
	t.Run("the next invoke within the limit works", func(t *testing.T) {
		if got := rtInvoke(rt.on(t), "rt-oom", `{"mb":1}`).ok(t); got["allocated"] != float64(1<<20) {
			t.Errorf("payload = %v", got)
		}
	})
}

// Item 10 of the brief: payload limits, DryRun, a missing function, the client context.

func rtLimitsFunctions(t *testing.T, rt *rtSuite) []rtFunction {
	return []rtFunction{rtPython(t, rt, "rt-limits", 256, 5, `def handle(event, context):
    if event.get("big"):
        return "x" * (7 << 20)
    cc = context.client_context
    return {"custom": cc.custom if cc else None, "event": event}
`)}
}

func rtLimitsAndOptions(t *testing.T, rt *rtSuite, fns []rtFunction) {
	// In order: the environment must survive the response that is too large.
	t.Run("the client context reaches the function as context.client_context", func(t *testing.T) {
		cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"},"env":{"locale":"en"}}`))
		got := rtInvoke(rt.on(t), "rt-limits", `{"hello":"world"}`, "--client-context", cc).ok(t)
		if fmt.Sprint(got["custom"]) != "map[k:v]" || fmt.Sprint(got["event"]) != "map[hello:world]" {
			t.Errorf("payload = %v; want custom {k: v} and the event", got)
		}
	})
	t.Run("a request payload over 6 MB is RequestTooLargeException 413", func(t *testing.T) {
		got := rtBoto(rt.on(t), nil, `
try:
    lam.invoke(FunctionName="rt-limits", Payload=json.dumps({"pad": "x" * (6 << 20)}).encode())
    print(json.dumps({"code": "none"}))
except ClientError as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "http": e.response["ResponseMetadata"]["HTTPStatusCode"]}))`)
		if got["code"] != "RequestTooLargeException" || got["http"] != float64(413) {
			t.Errorf("6 MB payload: %v; want RequestTooLargeException, 413", got)
		}
	})
	t.Run("DryRun answers 204 without a payload", func(t *testing.T) {
		r := rtInvoke(rt.on(t), "rt-limits", `{}`, "--invocation-type", "DryRun")
		if r.Meta["StatusCode"] != float64(204) || len(r.Payload) != 0 {
			t.Errorf("DryRun = %v, payload %q; want StatusCode 204 and nothing", r.Meta, r.Payload)
		}
	})
	t.Run("invoking a missing function is ResourceNotFoundException", func(t *testing.T) {
		s := rt.on(t)
		msg := s.awsErr(s.admin(), "lambda", "invoke", "--function-name", "rt-missing", "--payload", "{}", filepath.Join(t.TempDir(), "out"))
		if !strings.Contains(msg, "ResourceNotFoundException") {
			t.Errorf("unexpected:\n%s", msg)
		}
	})
	t.Run("a response over 6 MB is Function.ResponseSizeTooLarge", func(t *testing.T) {
		doc := rtInvoke(rt.on(t), "rt-limits", `{"big":true}`).unhandled(t)
		if doc["errorType"] != "Function.ResponseSizeTooLarge" {
			t.Errorf("error document = %v, want errorType Function.ResponseSizeTooLarge", doc)
		}
	})
	t.Run("the invoke after a response over 6 MB works", func(t *testing.T) {
		if got := rtInvoke(rt.on(t), "rt-limits", `{"after":"big"}`).ok(t); fmt.Sprint(got["event"]) != "map[after:big]" {
			t.Errorf("payload = %v", got)
		}
	})
}

// Item 11 of the brief: the execution role's credentials inside the function.

func rtCredentialsFunctions(t *testing.T, rt *rtSuite) []rtFunction {
	role := rt.s.lambdaRole("rt-creds-role")
	files := rtBoto3Files(t)
	if files == nil {
		files = map[string]string{}
	} else {
		t.Logf("/usr/bin/python3.11 has no boto3: rt-creds bundles the host's boto3 (%d files)", len(files))
	}
	files["app.py"] = `import os

import boto3
from botocore.exceptions import ClientError


def handle(event, context):
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    who = boto3.client("sts", endpoint_url=endpoint).get_caller_identity()
    try:
        boto3.client("iam", endpoint_url=endpoint).list_users()
        iam = "allowed"
    except ClientError as e:
        iam = e.response["Error"]["Code"]
    return {"arn": who["Arn"], "iam": iam, "endpoint": endpoint}
`
	return []rtFunction{{Name: "rt-creds", Runtime: "python3.11", Handler: "app.handle", Role: role, Memory: 256, Timeout: 20, code: rtZip(t, files)}}
}

func rtCredentials(t *testing.T, rt *rtSuite, fns []rtFunction) {
	t.Run("sts get-caller-identity is the assumed role named for the function", func(t *testing.T) {
		got := rtInvoke(rt.on(t), "rt-creds", `{}`).ok(t)
		want := "arn:aws:sts::" + rt.acct + ":assumed-role/rt-creds-role/rt-creds"
		if got["arn"] != want {
			t.Errorf("caller = %v, want %s (payload %v)", got["arn"], want, got)
		}
		if got["iam"] != "AccessDenied" {
			t.Errorf("iam list-users without a policy = %v, want AccessDenied", got["iam"])
		}
	})
	t.Run("after attaching a policy to the role the call is allowed", func(t *testing.T) {
		s := rt.on(t)
		admin := s.admin()
		p := s.awsOK(admin, "iam", "create-policy", "--policy-name", "rt-list-users", "--policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)
		s.awsOK(admin, "iam", "attach-role-policy", "--role-name", "rt-creds-role", "--policy-arn", p["Policy"].(map[string]any)["Arn"].(string))
		if got := rtInvoke(s, "rt-creds", `{}`).ok(t); got["iam"] != "allowed" {
			t.Errorf("iam list-users with the policy = %v", got)
		}
	})
}
