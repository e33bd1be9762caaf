package bench

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/async"
	"github.com/stratus-cloud/stratus/internal/lambda/dataplane"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/sqs"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Targets of the async issue.
const (
	targetAcceptRate  = 20000.0
	targetAcceptP99   = 5 * time.Millisecond
	targetDispatchP50 = 5 * time.Millisecond
)

// startedInvoker records when each event reached the function, and answers at once.
type startedInvoker struct {
	mu      sync.Mutex
	started map[string]time.Time
	notify  chan string
}

func (s *startedInvoker) Invoke(ctx context.Context, req dataplane.Request) (*dataplane.Response, error) {
	s.mu.Lock()
	s.started[req.RequestID] = time.Now()
	s.mu.Unlock()
	if s.notify != nil {
		s.notify <- req.RequestID
	}
	return &dataplane.Response{StatusCode: 200, ExecutedVersion: "$LATEST", Payload: []byte("null")}, nil
}

type noConfigs struct{}

func (noConfigs) EventConfigFor(ctx context.Context, account, name, qualifier string) (*lambda.EventInvokeConfig, error) {
	return nil, nil
}

func (noConfigs) ResolveForInvoke(ctx context.Context, account, nameOrARN, qualifier string) (lambda.Resolved, error) {
	return lambda.Resolved{Version: &lambda.Version{}}, nil
}

type noDestinations struct{}

func (noDestinations) Send(ctx context.Context, target string, body []byte, attrs map[string]async.Attribute) error {
	return nil
}

// benchStoreKey encrypts the benchmarks' stores as the server's is.
var benchStoreKey = bytes.Repeat([]byte{7}, store.KeySize)

// newBenchDispatcher is the real queue on a real, synced, encrypted store.
func newBenchDispatcher(b *testing.B, inv async.Invoker) *async.Dispatcher {
	b.Helper()
	dir := b.TempDir()
	st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(dir, "stratus.db"), Key: benchStoreKey})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	key, err := rootkey.LoadOrCreate(filepath.Join(dir, "root.key"))
	if err != nil {
		b.Fatal(err)
	}
	d, err := async.New(context.Background(), async.Config{Store: st, Sealer: secret.NewBox(key), Invoker: inv,
		Functions: noConfigs{}, Destinations: noDestinations{}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(d.Stop)
	return d
}

// BenchmarkAsync measures Lambda's asynchronous invocation queue with the real
// store (fsync on, group commit):
//
//   - Accept64: events accepted per second by 64 concurrent producers, and the
//     latency of an accept (Enqueue returns once the event is synced). The
//     HTTP API in front adds what BenchmarkGetCallerIdentity measures.
//   - Dispatch: from an accepted event to the function's invocation starting,
//     when capacity is free, one event at a time.
//   - SQSSend64: SendMessage accepted per second by 64 concurrent producers
//     through the SQS domain on the same kind of store.
func BenchmarkAsync(b *testing.B) {
	payload := []byte(`{"order":12345,"items":["a","b","c"]}`)
	var accept, dispatch latencyResult
	b.Run("Accept64", func(b *testing.B) {
		d := newBenchDispatcher(b, &startedInvoker{started: map[string]time.Time{}})
		var rec recorder
		const producers = 64
		per := b.N/producers + 1
		var wg sync.WaitGroup
		b.ResetTimer()
		began := time.Now()
		for p := range producers {
			wg.Go(func() {
				lat := make([]time.Duration, 0, per)
				for i := range per {
					t0 := time.Now()
					err := d.Enqueue(context.Background(), async.Event{Account: "111122223333", Function: "fn",
						FunctionARN: "arn:aws:lambda:us-east-1:111122223333:function:fn", RequestID: fmt.Sprintf("%d-%d", p, i), Payload: payload})
					if err != nil {
						rec.add(nil, 1, err)
						return
					}
					lat = append(lat, time.Since(t0))
				}
				rec.add(lat, 0, nil)
			})
		}
		wg.Wait()
		accept = rec.result(time.Since(began))
		accept.report(b, true)
	})
	b.Run("Dispatch", func(b *testing.B) {
		inv := &startedInvoker{started: map[string]time.Time{}, notify: make(chan string, 1)}
		d := newBenchDispatcher(b, inv)
		d.Start()
		var rec recorder
		b.ResetTimer()
		for i := range b.N {
			id := fmt.Sprintf("d-%d", i)
			if err := d.Enqueue(context.Background(), async.Event{Account: "111122223333", Function: "fn",
				FunctionARN: "arn:aws:lambda:us-east-1:111122223333:function:fn", RequestID: id, Payload: payload}); err != nil {
				b.Fatal(err)
			}
			accepted := time.Now()
			<-inv.notify
			inv.mu.Lock()
			rec.one(inv.started[id].Sub(accepted), nil)
			inv.mu.Unlock()
		}
		dispatch = rec.result(0)
		dispatch.report(b, false)
	})
	var send latencyResult
	b.Run("SQSSend64", func(b *testing.B) {
		st, err := store.Open(context.Background(), store.Options{Path: filepath.Join(b.TempDir(), "stratus.db"), Key: benchStoreKey})
		if err != nil {
			b.Fatal(err)
		}
		defer st.Close()
		svc, err := sqs.New(context.Background(), sqs.Config{Store: st, Region: "us-east-1"})
		if err != nil {
			b.Fatal(err)
		}
		q := sqs.QueueRef{Account: "111122223333", Name: "bench"}
		if _, err := svc.CreateQueue(context.Background(), q, nil, nil); err != nil {
			b.Fatal(err)
		}
		in := sqs.SendInput{Body: string(payload), Attributes: map[string]sqs.MessageAttribute{"kind": {DataType: "String", StringValue: "order"}}}
		var rec recorder
		const producers = 64
		per := b.N/producers + 1
		var wg sync.WaitGroup
		b.ResetTimer()
		began := time.Now()
		for range producers {
			wg.Go(func() {
				lat := make([]time.Duration, 0, per)
				for range per {
					t0 := time.Now()
					if _, err := svc.Send(context.Background(), q, in); err != nil {
						rec.add(nil, 1, err)
						return
					}
					lat = append(lat, time.Since(t0))
				}
				rec.add(lat, 0, nil)
			})
		}
		wg.Wait()
		send = rec.result(time.Since(began))
		send.report(b, true)
	})
	fmt.Printf("\n=== Lambda async queue and SQS (store synced, group commit) ===\n")
	fmt.Printf("SQS SendMessage, 64 producers: %s  %.0f msgs/s\n", send.format(false), send.perSec)
	fmt.Printf("accept, 64 producers: %s  %.0f events/s; target >= %.0f/s and p99 <= %s: %s\n", accept.format(false),
		accept.perSec, targetAcceptRate, targetAcceptP99, verdict(accept.perSec >= targetAcceptRate && accept.p99 <= targetAcceptP99))
	fmt.Printf("dispatch (accepted -> function invoked), capacity free: %s; target p50 <= %s: %s\n", dispatch.format(false),
		targetDispatchP50, verdict(dispatch.p50 <= targetDispatchP50))
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
