package esm_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/dataplane"
	"github.com/stratus-cloud/stratus/internal/lambda/esm"
)

// event is AWS's SQS event as a function reads it.
type event struct {
	Records []struct {
		MessageID         string            `json:"messageId"`
		ReceiptHandle     string            `json:"receiptHandle"`
		Body              string            `json:"body"`
		Attributes        map[string]string `json:"attributes"`
		MessageAttributes map[string]struct {
			StringValue      *string  `json:"stringValue"`
			BinaryValue      []byte   `json:"binaryValue"`
			StringListValues []string `json:"stringListValues"`
			BinaryListValues []string `json:"binaryListValues"`
			DataType         string   `json:"dataType"`
		} `json:"messageAttributes"`
		MD5OfBody      string `json:"md5OfBody"`
		EventSource    string `json:"eventSource"`
		EventSourceARN string `json:"eventSourceARN"`
		AWSRegion      string `json:"awsRegion"`
	} `json:"Records"`
}

func decode(t *testing.T, payload []byte) event {
	t.Helper()
	var ev event
	if err := json.Unmarshal(payload, &ev); err != nil {
		t.Fatalf("event %s: %v", payload, err)
	}
	return ev
}

func bodies(t *testing.T, payload []byte) []string {
	var out []string
	for _, r := range decode(t, payload).Records {
		out = append(out, r.Body)
	}
	return out
}

func TestEvent(t *testing.T) {
	q := newFakeQueue(time.Minute)
	id := q.send(`{"order":"<7>"}`, "", map[string]esm.MessageAttribute{
		"kind": {DataType: "String", StringValue: "new"},
		"blob": {DataType: "Binary", BinaryValue: []byte{1, 2, 3}},
	})
	inv := &fakeInvoker{}
	ms := newFakeMappings(mapping("u1", queueARN, func(m *lambda.EventSourceMapping) { m.Qualifier = "live" }))
	start(t, q, inv, ms, nil)
	eventually(t, "the message is deleted", func() bool { return len(q.remaining()) == 0 })

	calls := inv.invocations()
	if len(calls) != 1 {
		t.Fatalf("%d invocations", len(calls))
	}
	req := calls[0].req
	t.Run("the invocation names the mapping's function, qualifier and account with a request id", func(t *testing.T) {
		if req.Account != account || req.FunctionName != "fn" || req.Qualifier != "live" || len(req.RequestID) != 36 {
			t.Fatalf("request %+v", req)
		}
	})
	ev := decode(t, req.Payload)
	if len(ev.Records) != 1 {
		t.Fatalf("%d records", len(ev.Records))
	}
	r := ev.Records[0]
	t.Run("the record carries the message as AWS writes it", func(t *testing.T) {
		if r.MessageID != id || r.ReceiptHandle != id+"#1" || r.Body != `{"order":"<7>"}` || r.MD5OfBody != md5Hex(`{"order":"<7>"}`) ||
			r.EventSource != "aws:sqs" || r.EventSourceARN != queueARN || r.AWSRegion != region {
			t.Fatalf("record %+v", r)
		}
	})
	t.Run("the record's attributes are AWS's and nothing else", func(t *testing.T) {
		want := map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": "1700000000000", "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1700000000001"}
		if fmt.Sprint(r.Attributes) != fmt.Sprint(want) {
			t.Fatalf("attributes %v", r.Attributes)
		}
	})
	t.Run("message attributes have stringValue or binaryValue and empty lists", func(t *testing.T) {
		k, b := r.MessageAttributes["kind"], r.MessageAttributes["blob"]
		if k.StringValue == nil || *k.StringValue != "new" || k.DataType != "String" || k.BinaryValue != nil || k.StringListValues == nil || k.BinaryListValues == nil {
			t.Fatalf("kind %+v", k)
		}
		if b.StringValue != nil || string(b.BinaryValue) != "\x01\x02\x03" || b.DataType != "Binary" {
			t.Fatalf("blob %+v", b)
		}
	})
	t.Run("the payload is not HTML-escaped", func(t *testing.T) {
		if !json.Valid(req.Payload) || !strings.Contains(string(req.Payload), `<7>`) {
			t.Fatalf("payload %s", req.Payload)
		}
	})
	t.Run("a processed batch is recorded OK", func(t *testing.T) {
		eventually(t, "the result is recorded", func() bool { return slices.Equal(ms.recorded(), []string{esm.ResultOK}) })
	})
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestBatchingWindow(t *testing.T) {
	t.Run("a window gathers messages sent after the first into one batch", func(t *testing.T) {
		q := newFakeQueue(time.Minute)
		inv := &fakeInvoker{}
		start(t, q, inv, newFakeMappings(mapping("u1", queueARN, func(m *lambda.EventSourceMapping) {
			m.BatchSize, m.MaximumBatchingWindowInSeconds = 20, 1
		})), func(c *esm.Config) { c.Concurrency = 1 })
		first := time.Now()
		for i := range 3 {
			q.send("a"+strconv.Itoa(i), "", nil)
		}
		time.Sleep(300 * time.Millisecond)
		q.send("b", "", nil)
		q.send("c", "", nil)
		eventually(t, "a batch is invoked", func() bool { return len(inv.invocations()) > 0 })
		call := inv.invocations()[0]
		if got := bodies(t, call.req.Payload); len(got) != 5 {
			t.Fatalf("batch %v", got)
		}
		if waited := call.at.Sub(first); waited < 900*time.Millisecond || waited > 2*time.Second {
			t.Fatalf("invoked after %v, want about the 1 s window", waited)
		}
	})
	t.Run("a full batch does not wait for the window", func(t *testing.T) {
		q := newFakeQueue(time.Minute)
		for i := range 25 {
			q.send(strconv.Itoa(i), "", nil)
		}
		inv := &fakeInvoker{}
		began := time.Now()
		start(t, q, inv, newFakeMappings(mapping("u1", queueARN, func(m *lambda.EventSourceMapping) {
			m.BatchSize, m.MaximumBatchingWindowInSeconds = 20, 300
		})), func(c *esm.Config) { c.Concurrency = 1 })
		eventually(t, "a batch is invoked", func() bool { return len(inv.invocations()) > 0 })
		call := inv.invocations()[0]
		if got := bodies(t, call.req.Payload); len(got) != 20 || call.at.Sub(began) > time.Second {
			t.Fatalf("batch of %d after %v", len(got), call.at.Sub(began))
		}
	})
	t.Run("without a window a batch is what one receive finds", func(t *testing.T) {
		q := newFakeQueue(time.Minute)
		inv := &fakeInvoker{}
		start(t, q, inv, newFakeMappings(mapping("u1", queueARN, nil)), nil)
		q.send("x", "", nil)
		q.send("y", "", nil)
		eventually(t, "both are deleted", func() bool { return len(q.remaining()) == 0 })
		var n int
		for _, c := range inv.invocations() {
			n += len(bodies(t, c.req.Payload))
		}
		if n != 2 {
			t.Fatalf("%d records in all", n)
		}
	})
}

func TestPartialBatchFailures(t *testing.T) {
	// The function receives a, b and c in one batch and answers reply(ids by body).
	for _, c := range []struct {
		name   string
		report bool
		reply  func(ids map[string]string) string
		want   []string // bodies left in the queue
		result string
	}{
		{"the messages the function names stay and the others are deleted", true,
			func(ids map[string]string) string {
				return `{"batchItemFailures":[{"itemIdentifier":"` + ids["b"] + `"}]}`
			}, []string{"b"}, esm.ResultOK},
		{"an empty response is a complete success", true, func(map[string]string) string { return "" }, nil, esm.ResultOK},
		{"an empty list of failures is a complete success", true, func(map[string]string) string { return `{"batchItemFailures":[]}` }, nil, esm.ResultOK},
		{"a response that is not JSON fails the whole batch", true, func(map[string]string) string { return `oops` }, []string{"a", "b", "c"}, esm.ResultFailed},
		{"an id not in the batch fails the whole batch", true,
			func(map[string]string) string { return `{"batchItemFailures":[{"itemIdentifier":"other"}]}` }, []string{"a", "b", "c"}, esm.ResultFailed},
		{"an empty itemIdentifier fails the whole batch", true,
			func(map[string]string) string { return `{"batchItemFailures":[{"itemIdentifier":""}]}` }, []string{"a", "b", "c"}, esm.ResultFailed},
		{"without ReportBatchItemFailures a reply naming failures deletes everything", false,
			func(ids map[string]string) string {
				return `{"batchItemFailures":[{"itemIdentifier":"` + ids["b"] + `"}]}`
			}, nil, esm.ResultOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			q := newFakeQueue(time.Minute)
			byID := map[string]string{}
			for _, b := range []string{"a", "b", "c"} {
				byID[q.send(b, "", nil)] = b
			}
			inv := &fakeInvoker{fn: func(ctx context.Context, req dataplane.Request) (*dataplane.Response, error) {
				ids := map[string]string{}
				for _, r := range decode(t, req.Payload).Records {
					ids[r.Body] = r.MessageID
				}
				return &dataplane.Response{StatusCode: 200, Payload: []byte(c.reply(ids))}, nil
			}}
			ms := newFakeMappings(mapping("u1", queueARN, func(m *lambda.EventSourceMapping) {
				if c.report {
					m.FunctionResponseTypes = []string{lambda.ReportBatchItemFailures}
				}
			}))
			start(t, q, inv, ms, nil)
			eventually(t, "the batch is processed", func() bool { return len(ms.recorded()) > 0 })
			var left []string
			for _, id := range q.remaining() {
				left = append(left, byID[id])
			}
			if !slices.Equal(left, c.want) || ms.recorded()[0] != c.result {
				t.Fatalf("left %v, recorded %v; want %v, %s", left, ms.recorded(), c.want, c.result)
			}
		})
	}
}

func TestErrorsLeaveMessages(t *testing.T) {
	t.Run("a function error deletes nothing and the message comes back after its visibility timeout", func(t *testing.T) {
		q := newFakeQueue(200 * time.Millisecond)
		id := q.send("x", "", nil)
		var mu sync.Mutex
		n := 0
		inv := &fakeInvoker{fn: func(ctx context.Context, req dataplane.Request) (*dataplane.Response, error) {
			mu.Lock()
			defer mu.Unlock()
			n++
			if n == 1 {
				return &dataplane.Response{StatusCode: 200, FunctionError: "Unhandled", Payload: []byte(`{"errorMessage":"boom"}`)}, nil
			}
			return &dataplane.Response{StatusCode: 200}, nil
		}}
		ms := newFakeMappings(mapping("u1", queueARN, nil))
		start(t, q, inv, ms, nil)
		eventually(t, "the function failed once", func() bool { return len(inv.invocations()) >= 1 })
		if got := q.remaining(); !slices.Equal(got, []string{id}) {
			t.Fatalf("after the error the queue holds %v", got)
		}
		eventually(t, "the message is processed again and deleted", func() bool { return len(q.remaining()) == 0 })
		calls := inv.invocations()
		second := decode(t, calls[1].req.Payload).Records[0]
		if second.Attributes["ApproximateReceiveCount"] != "2" || calls[1].at.Sub(calls[0].at) < 150*time.Millisecond {
			t.Fatalf("second delivery %v after %v", second.Attributes, calls[1].at.Sub(calls[0].at))
		}
		eventually(t, "both results are recorded", func() bool {
			return slices.Equal(ms.recorded(), []string{esm.ResultFailed, esm.ResultOK})
		})
	})
	t.Run("a throttle deletes nothing and the pollers back off", func(t *testing.T) {
		q := newFakeQueue(20 * time.Millisecond)
		q.send("x", "", nil)
		var mu sync.Mutex
		n := 0
		inv := &fakeInvoker{fn: func(ctx context.Context, req dataplane.Request) (*dataplane.Response, error) {
			mu.Lock()
			defer mu.Unlock()
			n++
			if n <= 2 {
				return nil, awserr.New(lambda.CodeTooManyRequests, 429, "Rate Exceeded.")
			}
			return &dataplane.Response{StatusCode: 200}, nil
		}}
		start(t, q, inv, newFakeMappings(mapping("u1", queueARN, nil)), func(c *esm.Config) {
			c.RetryDelay, c.Concurrency = 300*time.Millisecond, 1
		})
		eventually(t, "the message is deleted", func() bool { return len(q.remaining()) == 0 })
		calls := inv.invocations()
		if len(calls) != 3 {
			t.Fatalf("%d invocations", len(calls))
		}
		if d1, d2 := calls[1].at.Sub(calls[0].at), calls[2].at.Sub(calls[1].at); d1 < 280*time.Millisecond || d2 < 580*time.Millisecond {
			t.Fatalf("retried after %v and %v; want 300 ms then twice that", d1, d2)
		}
	})
}

func TestFIFOOrder(t *testing.T) {
	q := newFakeQueue(time.Minute)
	want := map[string][]string{}
	for i := range 15 {
		for _, g := range []string{"g1", "g2"} {
			body := g + "-" + fmt.Sprintf("%02d", i)
			q.send(body, g, nil)
			want[g] = append(want[g], body)
		}
	}
	var mu sync.Mutex
	got := map[string][]string{}
	inv := &fakeInvoker{fn: func(ctx context.Context, req dataplane.Request) (*dataplane.Response, error) {
		for _, r := range decode(t, req.Payload).Records {
			mu.Lock()
			g := r.Attributes["MessageGroupId"]
			got[g] = append(got[g], r.Body)
			mu.Unlock()
		}
		time.Sleep(5 * time.Millisecond)
		return &dataplane.Response{StatusCode: 200}, nil
	}}
	start(t, q, inv, newFakeMappings(mapping("u1", fifoARN, func(m *lambda.EventSourceMapping) { m.BatchSize = 4 })), nil)
	eventually(t, "every message is processed", func() bool { return len(q.remaining()) == 0 })
	mu.Lock()
	defer mu.Unlock()
	for g, bodies := range want {
		if !slices.Equal(got[g], bodies) {
			t.Errorf("group %s processed in the order %v", g, got[g])
		}
	}
}

func TestStopIsPrompt(t *testing.T) {
	t.Run("pollers in a long poll stop at once", func(t *testing.T) {
		inv := &fakeInvoker{}
		m := esm.New(esm.Config{Queue: newFakeQueue(time.Minute), Invoker: inv, Mappings: newFakeMappings(mapping("u1", queueARN, nil)), Region: region})
		m.Start()
		eventually(t, "the pollers run", func() bool { return len(m.Active()) == 1 })
		began := time.Now()
		m.Stop()
		if d := time.Since(began); d > 500*time.Millisecond {
			t.Fatalf("Stop took %v with a 20 s long poll", d)
		}
	})
	t.Run("an invocation in progress is cancelled and its message stays", func(t *testing.T) {
		q := newFakeQueue(time.Minute)
		id := q.send("x", "", nil)
		inv := &fakeInvoker{fn: func(ctx context.Context, req dataplane.Request) (*dataplane.Response, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}}
		m := esm.New(esm.Config{Queue: q, Invoker: inv, Mappings: newFakeMappings(mapping("u1", queueARN, nil)), Region: region})
		m.Start()
		eventually(t, "the function runs", func() bool { return len(inv.invocations()) == 1 })
		began := time.Now()
		m.Stop()
		if d := time.Since(began); d > 500*time.Millisecond {
			t.Fatalf("Stop took %v", d)
		}
		if !slices.Equal(q.remaining(), []string{id}) {
			t.Fatalf("the queue holds %v", q.remaining())
		}
	})
}

func TestMappingChanges(t *testing.T) {
	q := newFakeQueue(time.Minute)
	inv := &fakeInvoker{}
	ms := newFakeMappings()
	m := start(t, q, inv, ms, nil)
	active := func(want ...string) func() bool {
		return func() bool { return slices.Equal(m.Active(), want) || (len(want) == 0 && len(m.Active()) == 0) }
	}

	t.Run("a new enabled mapping starts pollers that process its queue", func(t *testing.T) {
		ms.put("u1", mapping("u1", queueARN, nil))
		eventually(t, "u1 has pollers", active("u1"))
		q.send("one", "", nil)
		eventually(t, "the message is processed", func() bool { return len(q.remaining()) == 0 })
	})
	t.Run("disabling a mapping stops its pollers", func(t *testing.T) {
		ms.put("u1", mapping("u1", queueARN, func(m *lambda.EventSourceMapping) { m.Enabled = false }))
		eventually(t, "no mapping has pollers", active())
		before := len(inv.invocations())
		q.send("two", "", nil)
		time.Sleep(200 * time.Millisecond)
		if len(inv.invocations()) != before || len(q.remaining()) != 1 {
			t.Fatal("a disabled mapping invoked its function")
		}
	})
	t.Run("enabling it again with a scaling bound processes the queue within the bound", func(t *testing.T) {
		inv.mu.Lock()
		inv.fn = func(ctx context.Context, req dataplane.Request) (*dataplane.Response, error) {
			time.Sleep(30 * time.Millisecond)
			return &dataplane.Response{StatusCode: 200}, nil
		}
		inv.peak = 0
		inv.mu.Unlock()
		for i := range 30 {
			q.send(strconv.Itoa(i), "", nil)
		}
		ms.put("u1", mapping("u1", queueARN, func(m *lambda.EventSourceMapping) { m.BatchSize, m.MaximumConcurrency = 1, 3 }))
		eventually(t, "the queue is empty", func() bool { return len(q.remaining()) == 0 })
		if p := inv.peakConcurrency(); p != 3 {
			t.Fatalf("peak concurrency %d, want 3", p)
		}
	})
	t.Run("without a scaling bound a mapping runs 5 invocations at once", func(t *testing.T) {
		inv.mu.Lock()
		inv.peak = 0
		inv.mu.Unlock()
		ms.put("u1", mapping("u1", queueARN, func(m *lambda.EventSourceMapping) { m.BatchSize = 1 }))
		time.Sleep(50 * time.Millisecond)
		for i := range 40 {
			q.send(strconv.Itoa(i), "", nil)
		}
		eventually(t, "the queue is empty", func() bool { return len(q.remaining()) == 0 })
		if p := inv.peakConcurrency(); p != 5 {
			t.Fatalf("peak concurrency %d, want 5", p)
		}
	})
	t.Run("deleting a mapping stops its pollers", func(t *testing.T) {
		ms.put("u1", nil)
		eventually(t, "no mapping has pollers", active())
	})
}
