package async_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/async"
	"github.com/stratus-cloud/stratus/internal/lambda/dataplane"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
)

// function behaves as scripted: outcomes are consumed per call, the last one repeats.
type function struct {
	mu       sync.Mutex
	outcomes []string // "ok", "error", "throttle", "gone"
	calls    int
	payloads []string
}

func (f *function) Invoke(ctx context.Context, req dataplane.Request) (*dataplane.Response, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.outcomes[min(f.calls, len(f.outcomes)-1)]
	f.calls++
	f.payloads = append(f.payloads, string(req.Payload))
	switch o {
	case "throttle":
		return nil, awserr.New("TooManyRequestsException", 429, "Rate Exceeded.")
	case "gone":
		return nil, awserr.New(lambda.CodeResourceNotFound, 404, "Function not found")
	case "error":
		return &dataplane.Response{StatusCode: 200, FunctionError: "Unhandled", ExecutedVersion: "$LATEST",
			Payload: []byte(`{"errorMessage":"boom","errorType":"Error"}`), DeadLetterTarget: "arn:aws:sqs:us-east-1:111122223333:dlq"}, nil
	}
	return &dataplane.Response{StatusCode: 200, ExecutedVersion: "$LATEST", Payload: []byte(`{"ok":true}`)}, nil
}

func (f *function) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

type configs struct{ cfg *lambda.EventInvokeConfig }

func (c configs) EventConfigFor(ctx context.Context, account, name, qualifier string) (*lambda.EventInvokeConfig, error) {
	return c.cfg, nil
}

func (c configs) ResolveForInvoke(ctx context.Context, account, nameOrARN, qualifier string) (lambda.Resolved, error) {
	return lambda.Resolved{Version: &lambda.Version{DeadLetterTarget: "arn:aws:sqs:us-east-1:111122223333:dlq"}}, nil
}

type sent struct {
	target string
	body   string
	attrs  map[string]async.Attribute
}

type destinations struct {
	mu     sync.Mutex
	sent   []sent
	refuse int // refuse this many sends first
}

func (d *destinations) Send(ctx context.Context, target string, body []byte, attrs map[string]async.Attribute) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.refuse > 0 {
		d.refuse--
		return awserr.New("ServiceUnavailable", 503, "try later")
	}
	d.sent = append(d.sent, sent{target, string(body), attrs})
	return nil
}

func (d *destinations) all() []sent {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]sent(nil), d.sent...)
}

type rig struct {
	st   *store.Store
	box  *secret.Box
	fn   *function
	dest *destinations
	cfg  *lambda.EventInvokeConfig
}

func newRig(t *testing.T, outcomes ...string) *rig {
	t.Helper()
	dir := t.TempDir()
	st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(dir, "db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	key, err := rootkey.LoadOrCreate(filepath.Join(dir, "key"))
	if err != nil {
		t.Fatal(err)
	}
	return &rig{st: st, box: secret.NewBox(key), fn: &function{outcomes: outcomes}, dest: &destinations{}}
}

func (r *rig) start(t *testing.T) *async.Dispatcher {
	t.Helper()
	d, err := async.New(context.Background(), async.Config{Store: r.st, Sealer: r.box, Invoker: r.fn, Functions: configs{r.cfg},
		Destinations: r.dest, RetryDelay: 20 * time.Millisecond, ThrottleDelay: 5 * time.Millisecond, MaxThrottleDelay: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	d.Start()
	t.Cleanup(d.Stop)
	return d
}

func event(id string) async.Event {
	return async.Event{Account: "111122223333", Function: "fn", FunctionARN: "arn:aws:lambda:us-east-1:111122223333:function:fn",
		RequestID: id, Payload: []byte(`{"n":"` + id + `"}`)}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func pending(t *testing.T, d *async.Dispatcher) int {
	n, err := d.Pending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestAnAcceptedEventRunsAndGoesToOnSuccess(t *testing.T) {
	r := newRig(t, "ok")
	r.cfg = &lambda.EventInvokeConfig{OnSuccess: "arn:aws:sqs:us-east-1:111122223333:ok"}
	d := r.start(t)
	if err := d.Enqueue(context.Background(), event("r1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the event to finish", func() bool { return pending(t, d) == 0 && len(r.dest.all()) == 1 })
	s := r.dest.all()[0]
	var rec struct {
		Version        string `json:"version"`
		RequestContext struct {
			RequestID   string `json:"requestId"`
			FunctionARN string `json:"functionArn"`
			Condition   string `json:"condition"`
			Count       int    `json:"approximateInvokeCount"`
		} `json:"requestContext"`
		RequestPayload  map[string]string `json:"requestPayload"`
		ResponseContext struct {
			StatusCode      int    `json:"statusCode"`
			ExecutedVersion string `json:"executedVersion"`
		} `json:"responseContext"`
		ResponsePayload map[string]bool `json:"responsePayload"`
	}
	if err := json.Unmarshal([]byte(s.body), &rec); err != nil {
		t.Fatal(err)
	}
	if s.target != "arn:aws:sqs:us-east-1:111122223333:ok" || rec.Version != "1.0" || rec.RequestContext.Condition != "Success" ||
		rec.RequestContext.RequestID != "r1" || rec.RequestContext.Count != 1 || rec.RequestContext.FunctionARN != "arn:aws:lambda:us-east-1:111122223333:function:fn:$LATEST" ||
		rec.RequestPayload["n"] != "r1" || rec.ResponseContext.StatusCode != 200 || !rec.ResponsePayload["ok"] {
		t.Fatalf("record %s to %s", s.body, s.target)
	}
}

func TestFunctionErrorsAreRetriedThenSentToOnFailureAndTheDeadLetterQueue(t *testing.T) {
	r := newRig(t, "error")
	r.cfg = &lambda.EventInvokeConfig{OnFailure: "arn:aws:sns:us-east-1:111122223333:failed"}
	d := r.start(t)
	if err := d.Enqueue(context.Background(), event("r1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the event to fail", func() bool { return pending(t, d) == 0 })
	if n := r.fn.count(); n != 3 {
		t.Fatalf("invoked %d times, want 1 + 2 retries", n)
	}
	got := map[string]sent{}
	for _, s := range r.dest.all() {
		got[s.target] = s
	}
	rec := got["arn:aws:sns:us-east-1:111122223333:failed"]
	if !strings.Contains(rec.body, `"condition":"RetriesExhausted"`) || !strings.Contains(rec.body, `"approximateInvokeCount":3`) ||
		!strings.Contains(rec.body, `"functionError":"Unhandled"`) {
		t.Fatalf("failure record: %s", rec.body)
	}
	dl := got["arn:aws:sqs:us-east-1:111122223333:dlq"]
	if dl.body != `{"n":"r1"}` || dl.attrs["RequestID"].Value != "r1" || dl.attrs["ErrorCode"].Value != "200" || dl.attrs["ErrorMessage"].Value != "boom" {
		t.Fatalf("dead letter: %+v", dl)
	}
}

func TestRetriesFollowMaximumRetryAttempts(t *testing.T) {
	r := newRig(t, "error", "ok")
	zero := int64(0)
	r.cfg = &lambda.EventInvokeConfig{MaximumRetryAttempts: &zero}
	d := r.start(t)
	if err := d.Enqueue(context.Background(), event("r1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the event to fail", func() bool { return pending(t, d) == 0 })
	if n := r.fn.count(); n != 1 {
		t.Fatalf("invoked %d times with no retries", n)
	}
}

func TestThrottledEventsWaitAndRunWithoutUsingRetries(t *testing.T) {
	r := newRig(t, "throttle", "throttle", "throttle", "error", "ok")
	d := r.start(t)
	if err := d.Enqueue(context.Background(), event("r1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the event to finish", func() bool { return pending(t, d) == 0 })
	if n := r.fn.count(); n != 5 {
		t.Fatalf("calls = %d, want 3 throttles, 1 error, 1 success", n)
	}
}

func TestExpiredEventsGoToTheFailurePath(t *testing.T) {
	r := newRig(t, "throttle")
	age := int64(60)
	r.cfg = &lambda.EventInvokeConfig{MaximumEventAgeInSeconds: &age, OnFailure: "arn:aws:sqs:us-east-1:111122223333:failed"}
	clock := &fakeClock{t: time.Now()}
	d, err := async.New(context.Background(), async.Config{Store: r.st, Sealer: r.box, Invoker: r.fn, Functions: configs{r.cfg},
		Destinations: r.dest, ThrottleDelay: time.Millisecond, MaxThrottleDelay: time.Millisecond, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	d.Start()
	defer d.Stop()
	if err := d.Enqueue(context.Background(), event("r1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a throttled attempt", func() bool { return r.fn.count() > 0 })
	clock.add(61 * time.Second)
	waitFor(t, "the event to expire", func() bool { return pending(t, d) == 0 })
	var conditions []string
	for _, s := range r.dest.all() {
		if strings.Contains(s.body, `"condition":"EventAgeExceeded"`) {
			conditions = append(conditions, s.target)
		}
	}
	if len(conditions) != 1 || conditions[0] != "arn:aws:sqs:us-east-1:111122223333:failed" {
		t.Fatalf("sent: %+v", r.dest.all())
	}
}

func TestEventsOfADeletedFunctionAreDiscarded(t *testing.T) {
	r := newRig(t, "gone")
	d := r.start(t)
	if err := d.Enqueue(context.Background(), event("r1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the event to be discarded", func() bool { return pending(t, d) == 0 })
	if len(r.dest.all()) != 0 {
		t.Fatal("a discarded event reached a destination")
	}
}

func TestARefusingDestinationKeepsTheOutcomeWithoutRunningTheFunctionAgain(t *testing.T) {
	r := newRig(t, "ok")
	r.cfg = &lambda.EventInvokeConfig{OnSuccess: "arn:aws:sqs:us-east-1:111122223333:ok"}
	r.dest.refuse = 3
	d := r.start(t)
	if err := d.Enqueue(context.Background(), event("r1")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the record to be delivered", func() bool { return pending(t, d) == 0 })
	if n := r.fn.count(); n != 1 || len(r.dest.all()) != 1 {
		t.Fatalf("function ran %d times, %d records delivered", n, len(r.dest.all()))
	}
}

func TestEventsSurviveARestartAndPayloadsAreSealed(t *testing.T) {
	r := newRig(t, "ok")
	d, err := async.New(context.Background(), async.Config{Store: r.st, Sealer: r.box, Invoker: r.fn, Functions: configs{}, Destinations: r.dest})
	if err != nil {
		t.Fatal(err)
	}
	// Not started: accepted events wait in the store.
	for _, id := range []string{"a", "b", "c"} {
		if err := d.Enqueue(context.Background(), event(id)); err != nil {
			t.Fatal(err)
		}
	}
	var raw []byte
	if err := r.st.View(context.Background(), func(tx *store.Tx) error {
		return tx.QueryRow(context.Background(), `SELECT payload FROM lambda_async_events LIMIT 1`).Scan(&raw)
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), `"n"`) {
		t.Fatal("payload stored in clear")
	}
	d2 := r.start(t)
	waitFor(t, "the events of the first dispatcher to run", func() bool { return pending(t, d2) == 0 })
	if n := r.fn.count(); n != 3 {
		t.Fatalf("ran %d events", n)
	}
}

func TestPayloadsOverOneMegabyteAreRefused(t *testing.T) {
	r := newRig(t, "ok")
	d := r.start(t)
	ev := event("big")
	ev.Payload = []byte(`"` + strings.Repeat("x", 1<<20) + `"`)
	if err := d.Enqueue(context.Background(), ev); !awserr.Is(err, "RequestTooLargeException") {
		t.Fatalf("err = %v", err)
	}
	if pending(t, d) != 0 {
		t.Fatal("a refused event was stored")
	}
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
