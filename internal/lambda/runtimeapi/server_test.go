package runtimeapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/lambda/runtimeapi"
)

// start serves a new Server on a loopback listener and returns it with its base URL.
func start(t testing.TB, cfg runtimeapi.Config) (*runtimeapi.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := runtimeapi.New(cfg)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if err := <-served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return srv, "http://" + ln.Addr().String() + "/2018-06-01/runtime"
}

// client is a tiny runtime: the Runtime API as a runtime sees it.
type client struct {
	base string
	http *http.Client
}

func newClient(base string) *client {
	return &client{base: base, http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}
}

type answer struct {
	status int
	header http.Header
	body   []byte
}

func (c *client) do(method, path string, header map[string]string, body []byte) (answer, error) {
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, b}, err
}

func (c *client) next() (answer, error) { return c.do("GET", "/invocation/next", nil, nil) }

func (c *client) respond(id string, body []byte) (answer, error) {
	return c.do("POST", "/invocation/"+id+"/response", nil, body)
}

// invokeAsync runs Invoke in the background.
func invokeAsync(ctx context.Context, srv *runtimeapi.Server, inv runtimeapi.Invocation) <-chan invokeResult {
	ch := make(chan invokeResult, 1)
	go func() {
		res, err := srv.Invoke(ctx, inv)
		ch <- invokeResult{res, err}
	}()
	return ch
}

type invokeResult struct {
	res runtimeapi.Result
	err error
}

func wantErrorBody(t *testing.T, a answer, status int, typ string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status = %d, want %d (body %s)", a.status, status, a.body)
	}
	var doc map[string]string
	if err := json.Unmarshal(a.body, &doc); err != nil {
		t.Fatalf("error body %q is not JSON: %v", a.body, err)
	}
	if doc["errorType"] != typ || doc["errorMessage"] == "" {
		t.Fatalf("error body = %v, want errorType %q and a message", doc, typ)
	}
}

func TestInvokeHandsEveryHeaderAndTheEventToTheRuntime(t *testing.T) {
	srv, base := start(t, runtimeapi.Config{})
	c := newClient(base)
	deadline := time.UnixMilli(time.Now().Add(time.Minute).UnixMilli())
	inv := runtimeapi.Invocation{
		RequestID:       "8f6a5d54-0000-4000-8000-000000000001",
		Deadline:        deadline,
		FunctionARN:     "arn:aws:lambda:us-east-1:123456789012:function:f",
		TraceID:         "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
		ClientContext:   `{"custom":{"k":"v"}}`,
		CognitoIdentity: `{"cognitoIdentityId":"id","cognitoIdentityPoolId":"pool"}`,
		Payload:         []byte(`{"hello":"world"}`),
	}
	done := invokeAsync(context.Background(), srv, inv)
	got, err := c.next()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"Lambda-Runtime-Aws-Request-Id":       inv.RequestID,
		"Lambda-Runtime-Deadline-Ms":          strconv.FormatInt(deadline.UnixMilli(), 10),
		"Lambda-Runtime-Invoked-Function-Arn": inv.FunctionARN,
		"Lambda-Runtime-Trace-Id":             inv.TraceID,
		"Lambda-Runtime-Client-Context":       inv.ClientContext,
		"Lambda-Runtime-Cognito-Identity":     inv.CognitoIdentity,
	}
	for k, v := range want {
		if g := got.header.Get(k); g != v {
			t.Errorf("header %s = %q, want %q", k, g, v)
		}
	}
	if string(got.body) != string(inv.Payload) {
		t.Errorf("event = %s, want %s", got.body, inv.Payload)
	}
	a, err := c.respond(inv.RequestID, []byte(`"ok"`))
	if err != nil {
		t.Fatal(err)
	}
	if a.status != http.StatusAccepted || !strings.Contains(string(a.body), `"status":"OK"`) {
		t.Errorf("response answered %d %s, want 202 {\"status\":\"OK\"}", a.status, a.body)
	}
	r := <-done
	if r.err != nil || string(r.res.Payload) != `"ok"` || r.res.FunctionError != "" {
		t.Errorf("Invoke = %+v, %v; want payload \"ok\"", r.res, r.err)
	}
}

func TestWaitInit(t *testing.T) {
	t.Run("it waits until the runtime asks for its first event", func(t *testing.T) {
		srv, base := start(t, runtimeapi.Config{})
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		if err := srv.WaitInit(ctx); !errors.Is(err, runtimeapi.ErrTimeout) {
			t.Fatalf("WaitInit before /next = %v, want ErrTimeout", err)
		}
		c := newClient(base)
		go c.next()
		if err := srv.WaitInit(context.Background()); err != nil {
			t.Fatalf("WaitInit after /next = %v, want nil", err)
		}
	})
	t.Run("an init error is returned by WaitInit and Invoke", func(t *testing.T) {
		srv, base := start(t, runtimeapi.Config{})
		c := newClient(base)
		body := []byte(`{"errorMessage":"Unable to import module 'app'","errorType":"Runtime.ImportModuleError","stackTrace":[]}`)
		a, err := c.do("POST", "/init/error", map[string]string{runtimeapi.HeaderErrorType: "Runtime.ImportModuleError"}, body)
		if err != nil || a.status != http.StatusAccepted {
			t.Fatalf("init/error answered %d %s, %v; want 202", a.status, a.body, err)
		}
		var ie *runtimeapi.InitError
		if err := srv.WaitInit(context.Background()); !errors.As(err, &ie) || ie.Type != "Runtime.ImportModuleError" || string(ie.Payload) != string(body) {
			t.Fatalf("WaitInit = %v, want the InitError posted", err)
		}
		if _, err := srv.Invoke(context.Background(), runtimeapi.Invocation{RequestID: "r"}); !errors.As(err, &ie) {
			t.Fatalf("Invoke after init error = %v, want *InitError", err)
		}
		a, _ = c.do("POST", "/init/error", nil, body)
		wantErrorBody(t, a, http.StatusForbidden, "InvalidStateTransition")
	})
	t.Run("an init error while Invoke waits for the runtime fails the Invoke", func(t *testing.T) {
		srv, base := start(t, runtimeapi.Config{})
		done := invokeAsync(context.Background(), srv, runtimeapi.Invocation{RequestID: "r"})
		c := newClient(base)
		c.do("POST", "/init/error", map[string]string{runtimeapi.HeaderErrorType: "Runtime.HandlerNotFound"}, nil)
		r := <-done
		var ie *runtimeapi.InitError
		if !errors.As(r.err, &ie) || ie.Type != "Runtime.HandlerNotFound" {
			t.Fatalf("Invoke = %v, want *InitError Runtime.HandlerNotFound", r.err)
		}
		var doc map[string]string
		if err := json.Unmarshal(ie.Payload, &doc); err != nil || doc["errorType"] != "Runtime.HandlerNotFound" {
			t.Fatalf("built init error payload = %s, want errorType Runtime.HandlerNotFound", ie.Payload)
		}
	})
}

func TestRuntimeErrors(t *testing.T) {
	t.Run("a function error is returned with its type and document", func(t *testing.T) {
		srv, base := start(t, runtimeapi.Config{})
		c := newClient(base)
		done := invokeAsync(context.Background(), srv, runtimeapi.Invocation{RequestID: "r1"})
		c.next()
		doc := `{"errorMessage":"boom","errorType":"ValueError","stackTrace":["  File \"/var/task/app.py\", line 2, in handler\n"]}`
		a, _ := c.do("POST", "/invocation/r1/error", map[string]string{runtimeapi.HeaderErrorType: "ValueError"}, []byte(doc))
		if a.status != http.StatusAccepted {
			t.Fatalf("error answered %d %s, want 202", a.status, a.body)
		}
		r := <-done
		if r.err != nil || r.res.FunctionError != "Unhandled" || r.res.ErrorType != "ValueError" || string(r.res.Payload) != doc {
			t.Fatalf("Invoke = %+v, %v; want Unhandled ValueError with the document", r.res, r.err)
		}
	})
	t.Run("a wrong request id gets 400 InvalidRequestID", func(t *testing.T) {
		srv, base := start(t, runtimeapi.Config{})
		c := newClient(base)
		done := invokeAsync(context.Background(), srv, runtimeapi.Invocation{RequestID: "r1"})
		c.next()
		a, _ := c.respond("other", []byte(`1`))
		wantErrorBody(t, a, http.StatusBadRequest, "InvalidRequestID")
		a, _ = c.do("POST", "/invocation/other/error", nil, nil)
		wantErrorBody(t, a, http.StatusBadRequest, "InvalidRequestID")
		c.respond("r1", []byte(`1`))
		<-done
	})
	t.Run("a second response gets 400 InvalidRequestID and the first one wins", func(t *testing.T) {
		srv, base := start(t, runtimeapi.Config{})
		c := newClient(base)
		done := invokeAsync(context.Background(), srv, runtimeapi.Invocation{RequestID: "r1"})
		c.next()
		c.respond("r1", []byte(`1`))
		a, _ := c.respond("r1", []byte(`2`))
		wantErrorBody(t, a, http.StatusBadRequest, "InvalidRequestID")
		if r := <-done; string(r.res.Payload) != "1" {
			t.Fatalf("Invoke payload = %s, want the first response", r.res.Payload)
		}
	})
	t.Run("a response larger than the limit gets 413 and fails the invoke with Function.ResponseSizeTooLarge", func(t *testing.T) {
		srv, base := start(t, runtimeapi.Config{MaxResponseBytes: 1000})
		c := newClient(base)
		done := invokeAsync(context.Background(), srv, runtimeapi.Invocation{RequestID: "r1"})
		c.next()
		// A megabyte: more than net/http drains by itself after a handler.
		a, _ := c.respond("r1", bytes.Repeat([]byte("a"), 1<<20))
		wantErrorBody(t, a, http.StatusRequestEntityTooLarge, "RequestEntityTooLarge")
		r := <-done
		want := `{"errorMessage":"Response payload size exceeded maximum allowed payload size (1000 bytes).","errorType":"Function.ResponseSizeTooLarge"}`
		if r.err != nil || r.res.FunctionError != "Unhandled" || string(r.res.Payload) != want {
			t.Fatalf("Invoke = %+v (%s), %v; want the response-too-large function error", r.res, r.res.Payload, r.err)
		}
		// The body was read before the 413: the runtime's connection stays
		// usable for its next request (the Python runtime used to break here).
		var reused bool
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(),
			&httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { reused = i.Reused }}), "GET", base+"/invocation/next", nil)
		done = invokeAsync(context.Background(), srv, runtimeapi.Invocation{RequestID: "r2"})
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if !reused || resp.Header.Get("Lambda-Runtime-Aws-Request-Id") != "r2" {
			t.Fatalf("next after the 413: reused connection %v, request id %q", reused, resp.Header.Get("Lambda-Runtime-Aws-Request-Id"))
		}
		c.respond("r2", []byte(`1`))
		<-done
	})
	t.Run("the default limit is AWS's 6 MB plus 100 bytes", func(t *testing.T) {
		srv, base := start(t, runtimeapi.Config{})
		c := newClient(base)
		done := invokeAsync(context.Background(), srv, runtimeapi.Invocation{RequestID: "r1"})
		c.next()
		a, _ := c.respond("r1", make([]byte, runtimeapi.MaxResponseBytes))
		if a.status != http.StatusAccepted {
			t.Fatalf("a response of exactly the limit answered %d, want 202", a.status)
		}
		if r := <-done; len(r.res.Payload) != 6291556 {
			t.Fatalf("payload length = %d, want 6291556", len(r.res.Payload))
		}
	})
	t.Run("an unknown path gets 404 with a JSON error", func(t *testing.T) {
		_, base := start(t, runtimeapi.Config{})
		a, _ := newClient(base).do("GET", "/nope", nil, nil)
		wantErrorBody(t, a, http.StatusNotFound, "NotFound")
	})
	t.Run("asking for the next event before answering the current one gets 403", func(t *testing.T) {
		srv, base := start(t, runtimeapi.Config{})
		c := newClient(base)
		done := invokeAsync(context.Background(), srv, runtimeapi.Invocation{RequestID: "r1"})
		c.next()
		a, _ := c.next()
		wantErrorBody(t, a, http.StatusForbidden, "InvalidStateTransition")
		c.respond("r1", nil)
		<-done
	})
}

func TestInvokeTimeout(t *testing.T) {
	t.Run("a runtime that does not answer by the deadline makes Invoke return ErrTimeout", func(t *testing.T) {
		srv, base := start(t, runtimeapi.Config{})
		c := newClient(base)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		done := invokeAsync(ctx, srv, runtimeapi.Invocation{RequestID: "r1"})
		got, _ := c.next()
		dl, _ := strconv.ParseInt(got.header.Get(runtimeapi.HeaderDeadlineMs), 10, 64)
		if want, _ := ctx.Deadline(); dl != want.UnixMilli() {
			t.Errorf("deadline header = %d, want the context's deadline %d", dl, want.UnixMilli())
		}
		if r := <-done; !errors.Is(r.err, runtimeapi.ErrTimeout) {
			t.Fatalf("Invoke = %v, want ErrTimeout", r.err)
		}
		a, _ := c.respond("r1", []byte(`1`))
		wantErrorBody(t, a, http.StatusGone, "InvokeTimeout")
	})
	t.Run("a cancelled invoke returns the context's cause", func(t *testing.T) {
		srv, _ := start(t, runtimeapi.Config{})
		ctx, cancel := context.WithCancelCause(context.Background())
		exited := errors.New("runtime exited with status 1")
		cancel(exited)
		if _, err := srv.Invoke(ctx, runtimeapi.Invocation{RequestID: "r1"}); !errors.Is(err, exited) {
			t.Fatalf("Invoke = %v, want the cause", err)
		}
	})
	t.Run("closing the server fails a pending Invoke with ErrClosed", func(t *testing.T) {
		srv, _ := start(t, runtimeapi.Config{})
		done := invokeAsync(context.Background(), srv, runtimeapi.Invocation{RequestID: "r1"})
		time.Sleep(5 * time.Millisecond)
		srv.Close()
		if r := <-done; !errors.Is(r.err, runtimeapi.ErrClosed) {
			t.Fatalf("Invoke = %v, want ErrClosed", r.err)
		}
	})
}

func TestInvokesAreSerialisedAndStateFollowsTheRuntime(t *testing.T) {
	srv, base := start(t, runtimeapi.Config{})
	c := newClient(base)
	stop := make(chan struct{})
	defer close(stop)
	go runEcho(c, stop)
	const n = 20
	results := make(chan invokeResult, n)
	for i := range n {
		go func() {
			res, err := srv.Invoke(context.Background(), runtimeapi.Invocation{
				RequestID: fmt.Sprintf("req-%d", i), Payload: []byte(strconv.Itoa(i)),
			})
			results <- invokeResult{res, err}
		}()
	}
	seen := map[string]bool{}
	for range n {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		seen[string(r.res.Payload)] = true
	}
	if len(seen) != n {
		t.Fatalf("got %d distinct echoes, want %d", len(seen), n)
	}
}

// runEcho is a runtime that answers each event with itself until stop is closed.
func runEcho(c *client, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		a, err := c.next()
		if err != nil || a.status != http.StatusOK {
			return
		}
		if _, err := c.respond(a.header.Get(runtimeapi.HeaderRequestID), a.body); err != nil {
			return
		}
	}
}

func BenchmarkInvokeRoundTrip(b *testing.B) {
	srv, base := start(b, runtimeapi.Config{})
	c := newClient(base)
	stop := make(chan struct{})
	defer close(stop)
	go runEcho(c, stop)
	inv := runtimeapi.Invocation{RequestID: "bench", Payload: []byte(`{}`), Deadline: time.Now().Add(time.Hour)}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := srv.Invoke(ctx, inv); err != nil {
			b.Fatal(err)
		}
	}
}
