package esm_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/dataplane"
	"github.com/stratus-cloud/stratus/internal/lambda/esm"
)

// fakeQueue is an in-memory SQS queue (of any ARN) with visibility timeouts,
// long polls of whole seconds as SQS takes them and, for ARNs ending in
// .fifo, FIFO message groups: a group with a message in flight delivers
// nothing.
type fakeQueue struct {
	visibility time.Duration

	mu      sync.Mutex // guards the fields below
	msgs    []*fakeMessage
	seq     int
	changed chan struct{} // closed and replaced on every send
}

type fakeMessage struct {
	id, body, group string
	attrs           map[string]esm.MessageAttribute
	handle          string
	receives        int
	invisibleUntil  time.Time
	deleted         bool
}

func newFakeQueue(visibility time.Duration) *fakeQueue {
	return &fakeQueue{visibility: visibility, changed: make(chan struct{})}
}

// send queues a message and returns its id.
func (q *fakeQueue) send(body, group string, attrs map[string]esm.MessageAttribute) string {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.seq++
	id := fmt.Sprintf("m%03d", q.seq)
	q.msgs = append(q.msgs, &fakeMessage{id: id, body: body, group: group, attrs: attrs})
	close(q.changed)
	q.changed = make(chan struct{})
	return id
}

func (q *fakeQueue) Receive(ctx context.Context, queueARN string, max int, wait time.Duration) ([]esm.Message, error) {
	if max < 1 || max > 10 || wait%time.Second != 0 || wait > 20*time.Second {
		return nil, fmt.Errorf("receive of %d messages waiting %v: SQS takes 1-10 and whole seconds up to 20", max, wait)
	}
	deadline := time.Now().Add(wait)
	for {
		q.mu.Lock()
		out := q.takeLocked(strings.HasSuffix(queueARN, ".fifo"), max, queueARN)
		changed := q.changed
		q.mu.Unlock()
		left := time.Until(deadline)
		if len(out) > 0 || left <= 0 {
			return out, nil
		}
		t := time.NewTimer(min(left, 10*time.Millisecond)) // visibility expiries are not signalled
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

func (q *fakeQueue) takeLocked(fifo bool, max int, queueARN string) []esm.Message {
	now := time.Now()
	blocked := map[string]bool{}
	var out []esm.Message
	for _, m := range q.msgs {
		if m.deleted {
			continue
		}
		if m.invisibleUntil.After(now) || (fifo && blocked[m.group]) {
			blocked[m.group] = true
			continue
		}
		if len(out) == max {
			break
		}
		m.receives++
		m.invisibleUntil = now.Add(q.visibility)
		m.handle = fmt.Sprintf("%s#%d", m.id, m.receives)
		attrs := map[string]string{"ApproximateReceiveCount": strconv.Itoa(m.receives), "SentTimestamp": "1700000000000",
			"SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1700000000001", "NotForRecords": "x"}
		if fifo {
			attrs["MessageGroupId"], attrs["MessageDeduplicationId"], attrs["SequenceNumber"] = m.group, m.id, "1"+m.id[1:]
		}
		out = append(out, esm.Message{ID: m.id, ReceiptHandle: m.handle, Body: m.body, Attributes: attrs, MessageAttributes: m.attrs})
	}
	return out
}

func (q *fakeQueue) Delete(ctx context.Context, queueARN, handle string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, m := range q.msgs {
		if m.handle == handle && !m.deleted {
			m.deleted = true
			return nil
		}
	}
	return errors.New("receipt handle is invalid")
}

// remaining returns the ids of the messages not deleted, in order.
func (q *fakeQueue) remaining() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	var ids []string
	for _, m := range q.msgs {
		if !m.deleted {
			ids = append(ids, m.id)
		}
	}
	return ids
}

// fakeInvoker answers invokes with fn and records them.
type fakeInvoker struct {
	fn func(ctx context.Context, req dataplane.Request) (*dataplane.Response, error)

	mu       sync.Mutex // guards the fields below
	calls    []invocation
	inFlight int
	peak     int
}

type invocation struct {
	req dataplane.Request
	at  time.Time
}

func (f *fakeInvoker) Invoke(ctx context.Context, req dataplane.Request) (*dataplane.Response, error) {
	f.mu.Lock()
	f.calls = append(f.calls, invocation{req, time.Now()})
	f.inFlight++
	f.peak = max(f.peak, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	if f.fn == nil {
		return &dataplane.Response{StatusCode: 200, Payload: []byte("null")}, nil
	}
	return f.fn(ctx, req)
}

func (f *fakeInvoker) invocations() []invocation {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]invocation(nil), f.calls...)
}

func (f *fakeInvoker) peakConcurrency() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.peak
}

// fakeMappings holds mappings in memory and signals their changes.
type fakeMappings struct {
	changed chan struct{}

	mu      sync.Mutex // guards the fields below
	all     map[string]*lambda.EventSourceMapping
	results []string // recorded processing results, in order
}

func newFakeMappings(ms ...*lambda.EventSourceMapping) *fakeMappings {
	f := &fakeMappings{changed: make(chan struct{}, 1), all: map[string]*lambda.EventSourceMapping{}}
	for _, m := range ms {
		f.all[m.UUID] = m
	}
	return f
}

func (f *fakeMappings) AllEventSourceMappings(ctx context.Context) ([]*lambda.EventSourceMapping, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []*lambda.EventSourceMapping
	for _, m := range f.all {
		c := *m
		out = append(out, &c)
	}
	return out, nil
}

func (f *fakeMappings) MappingsChanged() <-chan struct{} { return f.changed }

func (f *fakeMappings) RecordProcessingResult(ctx context.Context, uuid, result string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.results = append(f.results, result)
	if m, ok := f.all[uuid]; ok {
		m.LastProcessingResult = result
	}
	return nil
}

// put adds or replaces a mapping (nil fn removes uuid) and signals.
func (f *fakeMappings) put(uuid string, m *lambda.EventSourceMapping) {
	f.mu.Lock()
	if m == nil {
		delete(f.all, uuid)
	} else {
		f.all[uuid] = m
	}
	f.mu.Unlock()
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

func (f *fakeMappings) recorded() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.results...)
}

const (
	account  = "111122223333"
	region   = "us-east-1"
	queueARN = "arn:aws:sqs:us-east-1:111122223333:jobs"
	fifoARN  = "arn:aws:sqs:us-east-1:111122223333:jobs.fifo"
)

// mapping is an Enabled mapping of queue to function "fn" with AWS's
// defaults, after mut.
func mapping(uuid, queue string, mut func(*lambda.EventSourceMapping)) *lambda.EventSourceMapping {
	m := &lambda.EventSourceMapping{UUID: uuid, Account: account, EventSourceARN: queue, FunctionName: "fn",
		FunctionARN: "arn:aws:lambda:us-east-1:111122223333:function:fn", BatchSize: 10, Enabled: true,
		LastProcessingResult: lambda.ESMNoRecords}
	if mut != nil {
		mut(m)
	}
	return m
}

// start runs a Manager over the fakes, stopped when the test ends.
func start(t *testing.T, q *fakeQueue, inv *fakeInvoker, ms *fakeMappings, mut func(*esm.Config)) *esm.Manager {
	t.Helper()
	cfg := esm.Config{Queue: q, Invoker: inv, Mappings: ms, Region: region, MaxWait: time.Second,
		RetryDelay: 50 * time.Millisecond}
	if mut != nil {
		mut(&cfg)
	}
	m := esm.New(cfg)
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

// eventually waits up to 5 s for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
