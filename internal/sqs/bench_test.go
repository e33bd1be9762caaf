package sqs_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stratus-cloud/stratus/internal/sqs"
	"github.com/stratus-cloud/stratus/internal/store"
)

// BenchmarkSend measures durable SendMessage through the domain with many
// concurrent senders (group commit gathers them), the path the SendMessage
// throughput target is about.
func BenchmarkSend(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(b.TempDir(), "stratus.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc, err := sqs.New(ctx, sqs.Config{Store: st, Region: region})
	if err != nil {
		b.Fatal(err)
	}
	q := ref("bench")
	if _, err := svc.CreateQueue(ctx, q, nil, nil); err != nil {
		b.Fatal(err)
	}
	in := sqs.SendInput{Body: `{"order":12345,"items":["a","b"],"note":"a typical small message body"}`,
		Attributes: map[string]sqs.MessageAttribute{"kind": {DataType: "String", StringValue: "order"}}}
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Send(ctx, q, in); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkReceiveDelete measures receiving and deleting batches of ten from
// a deep standard queue.
func BenchmarkReceiveDelete(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(b.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	svc, err := sqs.New(ctx, sqs.Config{Store: st, Region: region})
	if err != nil {
		b.Fatal(err)
	}
	q := ref("bench")
	if _, err := svc.CreateQueue(ctx, q, nil, nil); err != nil {
		b.Fatal(err)
	}
	batch := make([]sqs.SendInput, 10)
	for i := range batch {
		batch[i] = sqs.SendInput{Body: "message"}
	}
	for range b.N + 100 {
		if _, _, err := svc.SendBatch(ctx, q, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		msgs, err := svc.ReceiveMessages(ctx, q, sqs.ReceiveInput{Max: 10, WaitTimeSeconds: intp(0)})
		if err != nil || len(msgs) != 10 {
			b.Fatalf("got %d, %v", len(msgs), err)
		}
		handles := make([]string, len(msgs))
		for i, m := range msgs {
			handles[i] = m.ReceiptHandle
		}
		if _, err := svc.DeleteMessages(ctx, q, handles); err != nil {
			b.Fatal(err)
		}
	}
}
