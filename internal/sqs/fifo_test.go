package sqs_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/sqs"
)

func TestFIFOOrderAndGroups(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := f.queue(t, "jobs.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	for _, m := range []struct{ group, body string }{{"a", "a1"}, {"b", "b1"}, {"a", "a2"}, {"a", "a3"}, {"b", "b2"}} {
		f.send(t, q, sqs.SendInput{Body: m.body, GroupID: m.group})
	}
	var first []sqs.Message
	t.Run("a receive returns messages in order within each group", func(t *testing.T) {
		first = f.receive(t, q, sqs.ReceiveInput{Max: 2, AttributeNames: []string{"MessageGroupId", "SequenceNumber", "MessageDeduplicationId"}})
		if got := bodies(first); !slices.Equal(got, []string{"a1", "b1"}) {
			t.Fatalf("got %v", got)
		}
		a := first[0].Attributes
		if a["MessageGroupId"] != "a" || len(a["SequenceNumber"]) != 20 || len(a["MessageDeduplicationId"]) != 64 {
			t.Errorf("attributes %v", a)
		}
	})
	t.Run("no message of a group with one in flight is returned", func(t *testing.T) {
		if got := bodies(f.receive(t, q, sqs.ReceiveInput{Max: 10})); len(got) != 0 {
			t.Errorf("got %v", got)
		}
	})
	t.Run("deleting the in-flight message releases the group, in order", func(t *testing.T) {
		if err := f.svc.DeleteMessage(ctx, q, first[0].ReceiptHandle); err != nil {
			t.Fatal(err)
		}
		if got := bodies(f.receive(t, q, sqs.ReceiveInput{Max: 10})); !slices.Equal(got, []string{"a2", "a3"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("a message whose visibility times out comes back before the rest of its group", func(t *testing.T) {
		f.clock.Add(31 * time.Second)
		if got := bodies(f.receive(t, q, sqs.ReceiveInput{Max: 10})); !slices.Equal(got, []string{"b1", "a2", "a3", "b2"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("a handle whose visibility timed out is ReceiptHandleIsInvalid on a FIFO queue", func(t *testing.T) {
		f.clock.Add(31 * time.Second)
		if err := f.svc.DeleteMessage(ctx, q, first[1].ReceiptHandle); code(err) != sqs.CodeReceiptHandleIsInvalid {
			t.Errorf("got %v", err)
		}
	})
}

func TestFIFODeduplication(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := f.queue(t, "d.fifo", map[string]string{"FifoQueue": "true"})
	orig := f.send(t, q, sqs.SendInput{Body: "x", GroupID: "g", DeduplicationID: "id-1"})
	t.Run("a repeated deduplication id within five minutes is accepted but not enqueued", func(t *testing.T) {
		dup := f.send(t, q, sqs.SendInput{Body: "other body", GroupID: "g", DeduplicationID: "id-1"})
		if dup.MessageID != orig.MessageID || dup.SequenceNumber != orig.SequenceNumber || dup.MD5OfBody != sqs.MD5OfBody("other body") {
			t.Errorf("orig %+v dup %+v", orig, dup)
		}
		if got := bodies(f.receive(t, q, sqs.ReceiveInput{Max: 10, VisibilityTimeout: intp(0)})); !slices.Equal(got, []string{"x"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("after five minutes the id is new again", func(t *testing.T) {
		f.clock.Add(5*time.Minute + time.Second)
		again := f.send(t, q, sqs.SendInput{Body: "x", GroupID: "g", DeduplicationID: "id-1"})
		if again.MessageID == orig.MessageID || again.SequenceNumber <= orig.SequenceNumber {
			t.Errorf("got %+v", again)
		}
	})
	t.Run("without content-based deduplication an id is required", func(t *testing.T) {
		if _, err := f.svc.Send(ctx, q, sqs.SendInput{Body: "x", GroupID: "g"}); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a FIFO message without a group is MissingParameter", func(t *testing.T) {
		if _, err := f.svc.Send(ctx, q, sqs.SendInput{Body: "x", DeduplicationID: "z"}); code(err) != sqs.CodeMissingParameter {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a per-message delay on a FIFO queue is InvalidParameterValue", func(t *testing.T) {
		if _, err := f.svc.Send(ctx, q, sqs.SendInput{Body: "x", GroupID: "g", DeduplicationID: "z", DelaySeconds: intp(3)}); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("got %v", err)
		}
	})
	t.Run("duplicates within one batch are enqueued once", func(t *testing.T) {
		b, _ := f.svc.CreateQueue(ctx, ref("b.fifo"), map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"}, nil)
		res, errs, err := f.svc.SendBatch(ctx, b.Ref, []sqs.SendInput{{Body: "same", GroupID: "g"}, {Body: "same", GroupID: "g"}})
		if err != nil || errs[0] != nil || errs[1] != nil || res[0].MessageID != res[1].MessageID {
			t.Fatalf("got %+v %v %v", res, errs, err)
		}
	})
	t.Run("with per-group deduplication the same id in two groups is two messages", func(t *testing.T) {
		g := f.queue(t, "g.fifo", map[string]string{"FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})
		a := f.send(t, g, sqs.SendInput{Body: "x", GroupID: "g1", DeduplicationID: "same"})
		b := f.send(t, g, sqs.SendInput{Body: "x", GroupID: "g2", DeduplicationID: "same"})
		if a.MessageID == b.MessageID {
			t.Error("deduplicated across groups")
		}
	})
}

func TestRedrive(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	dlq := f.queue(t, "dlq", nil)
	policy := `{"deadLetterTargetArn":"` + dlq.ARN(region) + `","maxReceiveCount":"2"}`
	src := f.queue(t, "src", map[string]string{"RedrivePolicy": policy, "VisibilityTimeout": "10"})
	sent := f.send(t, src, sqs.SendInput{Body: "poison"})
	t.Run("the policy is reported normalized", func(t *testing.T) {
		got, _ := f.svc.GetQueueAttributes(ctx, src, []string{"RedrivePolicy"})
		if got["RedrivePolicy"] != `{"deadLetterTargetArn":"`+dlq.ARN(region)+`","maxReceiveCount":2}` {
			t.Errorf("got %v", got)
		}
	})
	t.Run("a message is received maxReceiveCount times, then moves", func(t *testing.T) {
		for i := range 2 {
			if len(f.receive(t, src, sqs.ReceiveInput{})) != 1 {
				t.Fatalf("receive %d got nothing", i+1)
			}
			f.clock.Add(11 * time.Second)
		}
		if got := f.receive(t, src, sqs.ReceiveInput{}); len(got) != 0 {
			t.Fatalf("received a third time")
		}
		got := f.receive(t, dlq, sqs.ReceiveInput{AttributeNames: []string{"All"}})
		if len(got) != 1 || got[0].ID != sent.MessageID || got[0].Attributes["DeadLetterQueueSourceArn"] != src.ARN(region) ||
			got[0].Attributes["ApproximateReceiveCount"] != "1" {
			t.Errorf("dead-letter queue has %+v", got)
		}
	})
	t.Run("ListDeadLetterSourceQueues names the source", func(t *testing.T) {
		names, _, err := f.svc.ListDeadLetterSourceQueues(ctx, dlq, 0, "")
		if err != nil || !slices.Equal(names, []string{"src"}) {
			t.Errorf("got %v %v", names, err)
		}
	})
	t.Run("a target that does not exist is InvalidParameterValue", func(t *testing.T) {
		bad := `{"deadLetterTargetArn":"` + ref("nope").ARN(region) + `","maxReceiveCount":3}`
		if _, err := f.svc.CreateQueue(ctx, ref("s2"), map[string]string{"RedrivePolicy": bad}, nil); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a maxReceiveCount of 0 is InvalidParameterValue", func(t *testing.T) {
		bad := `{"deadLetterTargetArn":"` + dlq.ARN(region) + `","maxReceiveCount":0}`
		if err := f.svc.SetQueueAttributes(ctx, src, map[string]string{"RedrivePolicy": bad}); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a FIFO source cannot use a standard dead-letter queue", func(t *testing.T) {
		_, err := f.svc.CreateQueue(ctx, ref("s.fifo"), map[string]string{"FifoQueue": "true", "RedrivePolicy": policy}, nil)
		if code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("got %v", err)
		}
	})
	t.Run("RedriveAllowPolicy decides which sources may use the queue", func(t *testing.T) {
		allowOnly := `{"redrivePermission":"byQueue","sourceQueueArns":["` + ref("allowed").ARN(region) + `"]}`
		if err := f.svc.SetQueueAttributes(ctx, dlq, map[string]string{"RedriveAllowPolicy": allowOnly}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateQueue(ctx, ref("refused"), map[string]string{"RedrivePolicy": policy}, nil); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("a source not listed: %v", err)
		}
		if _, err := f.svc.CreateQueue(ctx, ref("allowed"), map[string]string{"RedrivePolicy": policy}, nil); err != nil {
			t.Errorf("the listed source: %v", err)
		}
		if err := f.svc.SetQueueAttributes(ctx, dlq, map[string]string{"RedriveAllowPolicy": `{"redrivePermission":"denyAll"}`}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.SetQueueAttributes(ctx, ref("allowed"), map[string]string{"RedrivePolicy": policy}); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("denyAll: %v", err)
		}
	})
	t.Run("a malformed RedriveAllowPolicy is InvalidParameterValue", func(t *testing.T) {
		for _, p := range []string{`{`, `{"redrivePermission":"sometimes"}`, `{"redrivePermission":"byQueue"}`, `{"redrivePermission":"allowAll","sourceQueueArns":["x"]}`} {
			if err := f.svc.SetQueueAttributes(ctx, dlq, map[string]string{"RedriveAllowPolicy": p}); code(err) != sqs.CodeInvalidParameterValue {
				t.Errorf("%s: got %v", p, err)
			}
		}
	})
}

func TestFIFORedriveKeepsGroupOrder(t *testing.T) {
	f := newFixture(t)
	dlq := f.queue(t, "dlq.fifo", map[string]string{"FifoQueue": "true"})
	src := f.queue(t, "src.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true",
		"RedrivePolicy": `{"deadLetterTargetArn":"` + dlq.ARN(region) + `","maxReceiveCount":1}`})
	f.send(t, src, sqs.SendInput{Body: "first", GroupID: "g"})
	f.send(t, src, sqs.SendInput{Body: "second", GroupID: "g"})
	if got := bodies(f.receive(t, src, sqs.ReceiveInput{VisibilityTimeout: intp(5)})); !slices.Equal(got, []string{"first"}) {
		t.Fatalf("got %v", got)
	}
	f.clock.Add(6 * time.Second)
	t.Run("the head moves to the dead-letter queue and the group goes on", func(t *testing.T) {
		if got := bodies(f.receive(t, src, sqs.ReceiveInput{})); !slices.Equal(got, []string{"second"}) {
			t.Errorf("source gave %v", got)
		}
		if got := bodies(f.receive(t, dlq, sqs.ReceiveInput{})); !slices.Equal(got, []string{"first"}) {
			t.Errorf("dead-letter queue gave %v", got)
		}
	})
}
