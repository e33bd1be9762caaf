package sqs_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/clocktest"
	"github.com/stratus-cloud/stratus/internal/sqs"
	"github.com/stratus-cloud/stratus/internal/store"
)

// realClockService is a Service on the real clock, for long polls, whose
// timers run in real time.
func realClockService(t *testing.T) *sqs.Service {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc, err := sqs.New(ctx, sqs.Config{Store: st, Region: region})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop(context.Background()) })
	return svc
}

type polled struct {
	msgs    []sqs.Message
	err     error
	elapsed time.Duration
}

// poll starts a long poll of wait seconds and returns where its outcome will
// arrive.
func poll(ctx context.Context, svc *sqs.Service, q sqs.QueueRef, wait int) <-chan polled {
	ch := make(chan polled, 1)
	go func() {
		start := time.Now()
		msgs, err := svc.ReceiveMessages(ctx, q, sqs.ReceiveInput{WaitTimeSeconds: &wait})
		ch <- polled{msgs, err, time.Since(start)}
	}()
	return ch
}

func TestLongPolling(t *testing.T) {
	svc := realClockService(t)
	ctx := context.Background()
	q := ref("q")
	if _, err := svc.CreateQueue(ctx, q, nil, nil); err != nil {
		t.Fatal(err)
	}
	t.Run("a waiting receive returns as soon as a message is sent", func(t *testing.T) {
		ch := poll(ctx, svc, q, 10)
		time.Sleep(50 * time.Millisecond)
		if _, err := svc.Send(ctx, q, sqs.SendInput{Body: "hi"}); err != nil {
			t.Fatal(err)
		}
		r := <-ch
		if r.err != nil || len(r.msgs) != 1 || r.elapsed > 2*time.Second {
			t.Errorf("got %d messages after %v: %v", len(r.msgs), r.elapsed, r.err)
		}
	})
	t.Run("a waiting receive returns when an in-flight message becomes visible", func(t *testing.T) {
		if _, err := svc.Send(ctx, q, sqs.SendInput{Body: "again"}); err != nil {
			t.Fatal(err)
		}
		if msgs, err := svc.ReceiveMessages(ctx, q, sqs.ReceiveInput{VisibilityTimeout: intp(1), WaitTimeSeconds: intp(0)}); err != nil || len(msgs) != 1 {
			t.Fatalf("got %v %v", msgs, err)
		}
		r := <-poll(ctx, svc, q, 10)
		if r.err != nil || len(r.msgs) != 1 || r.elapsed < 500*time.Millisecond || r.elapsed > 3*time.Second {
			t.Errorf("got %d messages after %v: %v", len(r.msgs), r.elapsed, r.err)
		}
	})
	t.Run("every one of several waiters gets one of as many messages", func(t *testing.T) {
		p := ref("many")
		if _, err := svc.CreateQueue(ctx, p, nil, nil); err != nil {
			t.Fatal(err)
		}
		const n = 5
		var chans []<-chan polled
		for range n {
			chans = append(chans, poll(ctx, svc, p, 10))
		}
		time.Sleep(50 * time.Millisecond)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc.Send(ctx, p, sqs.SendInput{Body: "m"})
			}()
		}
		wg.Wait()
		for i, ch := range chans {
			r := <-ch
			if r.err != nil || len(r.msgs) != 1 || r.elapsed > 3*time.Second {
				t.Errorf("waiter %d: %d messages after %v: %v", i, len(r.msgs), r.elapsed, r.err)
			}
		}
	})
	t.Run("a wait with nothing to receive returns empty when the time is up", func(t *testing.T) {
		r := <-poll(ctx, svc, ref("many"), 1)
		if r.err != nil || len(r.msgs) != 0 || r.elapsed < 900*time.Millisecond {
			t.Errorf("got %d messages after %v: %v", len(r.msgs), r.elapsed, r.err)
		}
	})
	t.Run("cancelling the context ends the wait", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		ch := poll(cctx, svc, ref("many"), 10)
		time.Sleep(50 * time.Millisecond)
		cancel()
		if r := <-ch; r.err == nil || r.elapsed > 2*time.Second {
			t.Errorf("got %v after %v", r.err, r.elapsed)
		}
	})
	t.Run("deleting the queue ends the wait with QueueDoesNotExist", func(t *testing.T) {
		d := ref("doomed")
		if _, err := svc.CreateQueue(ctx, d, nil, nil); err != nil {
			t.Fatal(err)
		}
		ch := poll(ctx, svc, d, 10)
		time.Sleep(50 * time.Millisecond)
		if err := svc.DeleteQueue(ctx, d); err != nil {
			t.Fatal(err)
		}
		if r := <-ch; code(r.err) != sqs.CodeQueueDoesNotExist || r.elapsed > 2*time.Second {
			t.Errorf("got %v after %v", r.err, r.elapsed)
		}
	})
	t.Run("Stop ends every wait", func(t *testing.T) {
		ch := poll(ctx, svc, ref("many"), 10)
		time.Sleep(50 * time.Millisecond)
		if err := svc.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		if r := <-ch; r.err != nil || len(r.msgs) != 0 || r.elapsed > 2*time.Second {
			t.Errorf("got %v after %v", r.err, r.elapsed)
		}
	})
}

func TestTheSweeperRunsUntilStopped(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	c := clocktest.New(time.Now())
	svc, err := sqs.New(ctx, sqs.Config{Store: st, Region: region, Now: c.Now, SweepEvery: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	q := ref("q")
	svc.CreateQueue(ctx, q, map[string]string{"MessageRetentionPeriod": "60"}, nil)
	svc.Send(ctx, q, sqs.SendInput{Body: "x"})
	c.Add(2 * time.Minute)
	svc.Start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := svc.GetQueueAttributes(ctx, q, []string{"ApproximateNumberOfMessages"})
		if got["ApproximateNumberOfMessages"] == "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sweeper did not delete the expired message")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := svc.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestInternalAPIByARN(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := f.queue(t, "events", nil)
	arn := q.ARN(region)
	id, err := f.svc.SendToQueue(ctx, arn, "payload", map[string]sqs.MessageAttribute{"k": {DataType: "String", StringValue: "v"}})
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := f.svc.Receive(ctx, arn, 10, 5*time.Second, 0)
	t.Run("Receive returns the message with every attribute", func(t *testing.T) {
		if err != nil || len(msgs) != 1 || msgs[0].ID != id || msgs[0].Body != "payload" || msgs[0].MD5OfBody != sqs.MD5OfBody("payload") ||
			msgs[0].MessageAttributes["k"].StringValue != "v" || msgs[0].Attributes["ApproximateReceiveCount"] != "1" || msgs[0].Attributes["SenderId"] != acct {
			t.Fatalf("got %+v %v", msgs, err)
		}
	})
	t.Run("ChangeVisibilityByHandle makes it visible again", func(t *testing.T) {
		if err := f.svc.ChangeVisibilityByHandle(ctx, arn, msgs[0].ReceiptHandle, 0); err != nil {
			t.Fatal(err)
		}
		again, err := f.svc.Receive(ctx, arn, 1, 0, 0)
		if err != nil || len(again) != 1 {
			t.Fatalf("got %v %v", again, err)
		}
		msgs = again
	})
	t.Run("DeleteByHandle deletes it", func(t *testing.T) {
		if err := f.svc.DeleteByHandle(ctx, arn, msgs[0].ReceiptHandle); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Hour)
		if left, _ := f.svc.Receive(ctx, arn, 10, 0, 0); len(left) != 0 {
			t.Errorf("left %v", left)
		}
	})
	t.Run("a malformed ARN is InvalidParameterValue and a missing queue QueueDoesNotExist", func(t *testing.T) {
		if _, err := f.svc.SendToQueue(ctx, "arn:aws:sns:us-east-1:111122223333:t", "x", nil); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("got %v", err)
		}
		if _, err := f.svc.Receive(ctx, ref("nope").ARN(region), 1, 0, 0); code(err) != sqs.CodeQueueDoesNotExist {
			t.Errorf("got %v", err)
		}
	})
	t.Run("SendByARN reaches FIFO queues with a group", func(t *testing.T) {
		fq := f.queue(t, "e.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
		res, err := f.svc.SendByARN(ctx, fq.ARN(region), sqs.SendInput{Body: "x", GroupID: "g"})
		if err != nil || res.SequenceNumber == "" {
			t.Errorf("got %+v %v", res, err)
		}
	})
}
