package runtimes_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	// The function in testdata/golambda is built with this library; importing it here
	// keeps the module requirement in go.mod (go mod tidy does not look into testdata).
	_ "github.com/aws/aws-lambda-go/lambdacontext"

	"github.com/stratus-cloud/stratus/internal/lambda/runtimes"
)

// buildGoFunction builds testdata/golambda into dir/bootstrap, as a user builds a
// provided.al2023 function.
func buildGoFunction(t *testing.T, dir string) {
	t.Helper()
	gobin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(gobin); err != nil {
		gobin = "go"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(gobin, "build", "-o", filepath.Join(dir, "bootstrap"), "./testdata/golambda")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

func TestProvidedRunsAnAWSLambdaGoBootstrapUnmodified(t *testing.T) {
	for _, rt := range []string{runtimes.ProvidedAL2023, runtimes.ProvidedAL2} {
		t.Run(rt+" runs the user's bootstrap", func(t *testing.T) {
			root := t.TempDir()
			e := &env{out: &syncBuffer{}, task: filepath.Join(root, "task"), opt: filepath.Join(root, "opt"), exited: make(chan error, 1)}
			buildGoFunction(t, e.task)
			e.start(t, rt, "bootstrap", filepath.Join(root, "runtime"))

			t.Run("a response carries the event and the context", func(t *testing.T) {
				got := e.mustInvoke(t, "req-1", `{"name":"gopher"}`)
				want := map[string]any{
					"greeting":     "hello gopher",
					"requestId":    "req-1",
					"functionArn":  "arn:aws:lambda:us-east-1:123456789012:function:fn",
					"functionName": "fn",
					"hasDeadline":  true,
					"invokes":      float64(1),
				}
				for k, v := range want {
					if got[k] != v {
						t.Errorf("%s = %v, want %v", k, got[k], v)
					}
				}
				e.waitOutput(t, "hello from go gopher\n")
			})
			t.Run("state survives between invokes in the same process", func(t *testing.T) {
				if got := e.mustInvoke(t, "req-2", `{"name":"again"}`); got["invokes"] != float64(2) {
					t.Errorf("invokes = %v, want 2", got["invokes"])
				}
			})
			t.Run("a returned error is a function error with aws-lambda-go's document", func(t *testing.T) {
				res, err := e.invoke(t, "req-3", `{"fail":true}`, 10*time.Second)
				if err != nil {
					t.Fatal(err)
				}
				doc := decode(t, res.Payload)
				if res.FunctionError != "Unhandled" || res.ErrorType != "errorString" ||
					doc["errorMessage"] != "boom" || doc["errorType"] != "errorString" {
					t.Errorf("result = %+v %s, want an Unhandled errorString boom", res, res.Payload)
				}
			})
		})
	}
}

func TestCommand(t *testing.T) {
	cases := []struct {
		name, runtime string
		args          []string
		env           []string
	}{
		{"python3.11 starts the Python bootstrap under /var/runtime", runtimes.Python311,
			[]string{"/usr/bin/python3.11", "/var/runtime/python/bootstrap.py"},
			[]string{"AWS_EXECUTION_ENV=AWS_Lambda_python3.11", "PYTHONPATH=/var/runtime/python",
				"PATH=/usr/local/bin:/usr/bin:/bin:/opt/bin", "LAMBDA_RUNTIME_DIR=/var/runtime", "LAMBDA_TASK_ROOT=/var/task"}},
		{"nodejs20.x starts the Node bootstrap with the layers on NODE_PATH", runtimes.NodeJS20,
			[]string{"/usr/bin/node", "/var/runtime/nodejs/bootstrap.js"},
			[]string{"AWS_EXECUTION_ENV=AWS_Lambda_nodejs20.x",
				"NODE_PATH=/opt/nodejs/node20/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task"}},
		{"provided.al2023 starts the user's bootstrap with /opt/lib on the library path", runtimes.ProvidedAL2023,
			[]string{"/var/task/bootstrap"},
			[]string{"LD_LIBRARY_PATH=/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib"}},
		{"provided.al2 starts the user's bootstrap", runtimes.ProvidedAL2, []string{"/var/task/bootstrap"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec, err := runtimes.Command(c.runtime, runtimes.Paths{})
			if err != nil {
				t.Fatal(err)
			}
			if len(spec.Args) != len(c.args) {
				t.Fatalf("args = %q, want %q", spec.Args, c.args)
			}
			for i := range c.args {
				if spec.Args[i] != c.args[i] {
					t.Fatalf("args = %q, want %q", spec.Args, c.args)
				}
			}
			have := map[string]bool{}
			for _, kv := range spec.Env {
				have[kv] = true
				if len(kv) > len(runtimes.OptDirEnv) && kv[:len(runtimes.OptDirEnv)] == runtimes.OptDirEnv {
					t.Errorf("env has %s with the default /opt", kv)
				}
			}
			for _, kv := range c.env {
				if !have[kv] {
					t.Errorf("env lacks %s; has %q", kv, spec.Env)
				}
			}
		})
	}
	t.Run("an unknown runtime is refused", func(t *testing.T) {
		if _, err := runtimes.Command("java8", runtimes.Paths{}); err == nil {
			t.Fatal("Command(java8) succeeded, want ErrUnknownRuntime")
		}
	})
}
