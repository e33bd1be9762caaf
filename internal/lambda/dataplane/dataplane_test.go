package dataplane_test

import (
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/dataplane"
	"github.com/stratus-cloud/stratus/internal/lambda/invoke"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdatest"
)

// recordingPool answers every invocation with its payload and records what it ran.
type recordingPool struct {
	mu    sync.Mutex
	funcs []*invoke.Function
	invs  []invoke.Invocation
}

func (p *recordingPool) Invoke(ctx context.Context, f *invoke.Function, inv invoke.Invocation) (*invoke.Result, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.funcs = append(p.funcs, f)
	p.invs = append(p.invs, inv)
	return &invoke.Result{Payload: inv.Payload}, nil
}

func (p *recordingPool) last() (*invoke.Function, invoke.Invocation) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.funcs[len(p.funcs)-1], p.invs[len(p.invs)-1]
}

func setup(t *testing.T) (*lambdatest.Env, *dataplane.Runner, *recordingPool, string) {
	t.Helper()
	e := lambdatest.New(t)
	pool := &recordingPool{}
	cache := filepath.Join(t.TempDir(), "code")
	r, err := dataplane.New(dataplane.Config{Lambda: e.Svc, Pool: pool, CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	return e, r, pool, cache
}

func TestInvokePreparesTheVersionAndPassesTheRequest(t *testing.T) {
	e, r, pool, cache := setup(t)
	ctx := context.Background()
	layer, err := e.Svc.PublishLayerVersion(ctx, e.Account, lambda.LayerInput{Name: "lib",
		ZipFile: lambdatest.MakeZip(t, lambdatest.Entry{Name: "python/lib.py", Body: "X = 1\n", Mode: 0o600})})
	if err != nil {
		t.Fatal(err)
	}
	e.Create(t, "fn", func(in *lambda.FunctionInput) {
		in.Environment = map[string]string{"K": "v"}
		in.Layers = []string{layer.LayerVersionARN}
		in.ZipFile = lambdatest.MakeZip(t, lambdatest.Entry{Name: "bootstrap", Body: "#!/bin/sh\n", Mode: 0o700},
			lambdatest.Entry{Name: "data/secret.txt", Body: "s", Mode: 0o600})
	})
	if _, err := e.Svc.PublishVersion(ctx, e.Account, "fn", "", "", ""); err != nil {
		t.Fatal(err)
	}
	one := "1"
	if _, err := e.Svc.CreateAlias(ctx, e.Account, "fn", lambda.AliasInput{Name: "live", Version: &one}); err != nil {
		t.Fatal(err)
	}
	cc := base64.StdEncoding.EncodeToString([]byte(`{"custom":{"k":"v"}}`))
	resp, err := r.Invoke(ctx, dataplane.Request{Account: e.Account, FunctionName: "fn", Qualifier: "live", RequestID: "rid",
		Payload: []byte(`{"a":1}`), ClientContext: cc})
	if err != nil {
		t.Fatal(err)
	}
	f, inv := pool.last()
	t.Run("the alias's version runs and is reported as executed", func(t *testing.T) {
		if resp.StatusCode != 200 || resp.ExecutedVersion != "1" || string(resp.Payload) != `{"a":1}` || f.Version != "1" {
			t.Fatalf("response %+v, function version %q", resp, f.Version)
		}
	})
	t.Run("the invocation carries the invoked ARN, request id and decoded client context", func(t *testing.T) {
		if inv.InvokedARN != "arn:aws:lambda:us-east-1:"+e.Account+":function:fn:live" || inv.RequestID != "rid" ||
			inv.ClientContext != `{"custom":{"k":"v"}}` || !strings.HasPrefix(inv.TraceID, "Root=1-") {
			t.Fatalf("invocation %+v", inv)
		}
	})
	t.Run("the function carries its configuration and decrypted environment", func(t *testing.T) {
		if f.Account != e.Account || f.Name != "fn" || f.RoleARN != e.Role || f.Env["K"] != "v" || f.MemoryMB != 128 ||
			f.Timeout.Seconds() != 3 || f.EphemeralMB != 512 || f.ReservedConcurrency != -1 || f.Runtime != "provided.al2023" {
			t.Fatalf("function %+v", f)
		}
	})
	t.Run("code and layers are extracted under the cache with modes an unprivileged reader can use", func(t *testing.T) {
		if !strings.HasPrefix(f.CodeDir, cache) || len(f.LayerDirs) != 1 || !strings.HasPrefix(f.LayerDirs[0], cache) {
			t.Fatalf("dirs %q %q", f.CodeDir, f.LayerDirs)
		}
		for path, want := range map[string]os.FileMode{
			filepath.Join(f.CodeDir, "bootstrap"):             0o755,
			filepath.Join(f.CodeDir, "data", "secret.txt"):    0o644,
			filepath.Join(f.CodeDir, "data"):                  0o755,
			filepath.Join(f.LayerDirs[0], "python", "lib.py"): 0o644,
		} {
			st, err := os.Stat(path)
			if err != nil || st.Mode().Perm() != want {
				t.Errorf("%s: mode %v, %v; want %v", path, st.Mode().Perm(), err, want)
			}
		}
	})
	t.Run("invoking again reuses the extracted code", func(t *testing.T) {
		marker := filepath.Join(f.CodeDir, "bootstrap")
		before, _ := os.Stat(marker)
		if _, err := r.Invoke(ctx, dataplane.Request{Account: e.Account, FunctionName: "fn:1", RequestID: "r2"}); err != nil {
			t.Fatal(err)
		}
		f2, inv2 := pool.last()
		after, _ := os.Stat(marker)
		if f2.CodeDir != f.CodeDir || !os.SameFile(before, after) || inv2.InvokedARN != f.ARN+":1" {
			t.Fatalf("second invoke: %q, same file %v, invoked %q", f2.CodeDir, os.SameFile(before, after), inv2.InvokedARN)
		}
	})
	t.Run("a DryRun checks the function and runs nothing", func(t *testing.T) {
		n := len(pool.invs)
		resp, err := r.Invoke(ctx, dataplane.Request{Account: e.Account, FunctionName: "fn", DryRun: true})
		if err != nil || resp.StatusCode != 204 || len(pool.invs) != n {
			t.Fatalf("dry run: %+v, %v, %d invocations", resp, err, len(pool.invs)-n)
		}
	})
}

func TestInvokeRefusesBadRequestsBeforeRunning(t *testing.T) {
	e, r, pool, _ := setup(t)
	e.Create(t, "fn", nil)
	for _, c := range []struct {
		name string
		req  dataplane.Request
		code string
	}{
		{"a payload over 6 MB is RequestTooLargeException", dataplane.Request{Payload: []byte(`"` + strings.Repeat("a", 6<<20) + `"`)}, "RequestTooLargeException"},
		{"a payload that is not JSON is InvalidRequestContentException", dataplane.Request{Payload: []byte("{nope")}, "InvalidRequestContentException"},
		{"a client context that is not base64 is InvalidRequestContentException", dataplane.Request{ClientContext: "%%%"}, "InvalidRequestContentException"},
		{"a client context that is not JSON is InvalidRequestContentException", dataplane.Request{ClientContext: base64.StdEncoding.EncodeToString([]byte("x"))}, "InvalidRequestContentException"},
		{"a missing function is ResourceNotFoundException", dataplane.Request{FunctionName: "nope"}, "ResourceNotFoundException"},
		{"a missing version is ResourceNotFoundException", dataplane.Request{Qualifier: "7"}, "ResourceNotFoundException"},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.req.Account = e.Account
			if c.req.FunctionName == "" {
				c.req.FunctionName = "fn"
			}
			_, err := r.Invoke(context.Background(), c.req)
			if !awserr.Is(err, c.code) {
				t.Fatalf("err = %v, want %s", err, c.code)
			}
			if len(pool.invs) != 0 {
				t.Fatal("the pool ran something")
			}
		})
	}
}

func TestConcurrentFirstInvokesExtractTheCodeOnce(t *testing.T) {
	e, r, pool, cache := setup(t)
	e.Create(t, "fn", nil)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := r.Invoke(context.Background(), dataplane.Request{Account: e.Account, FunctionName: "fn"})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	dirs := map[string]bool{}
	for _, f := range pool.funcs {
		dirs[f.CodeDir] = true
	}
	entries, _ := os.ReadDir(cache)
	if len(dirs) != 1 || len(entries) != 1 {
		t.Fatalf("code dirs used %v, cache holds %d entries", dirs, len(entries))
	}
}
