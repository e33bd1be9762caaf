package sqs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/sqs"
)

func TestCreateQueue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.queue(t, "orders", map[string]string{"VisibilityTimeout": "60"})
	tests := []struct {
		name  string
		queue string
		attrs map[string]string
		want  string
	}{
		{"creating it again with the same attributes succeeds", "orders", map[string]string{"VisibilityTimeout": "60"}, ""},
		{"creating it again without attributes succeeds", "orders", nil, ""},
		{"creating it again with a default it has succeeds", "orders", map[string]string{"DelaySeconds": "0"}, ""},
		{"another value for an attribute is QueueAlreadyExists", "orders", map[string]string{"VisibilityTimeout": "61"}, sqs.CodeQueueAlreadyExists},
		{"a name with a dot is InvalidParameterValue", "a.b", nil, sqs.CodeInvalidParameterValue},
		{"a name of 81 characters is InvalidParameterValue", strings.Repeat("a", 81), nil, sqs.CodeInvalidParameterValue},
		{"a .fifo name for a standard queue is InvalidParameterValue", "x.fifo", nil, sqs.CodeInvalidParameterValue},
		{"a FIFO queue without .fifo is InvalidParameterValue", "x", map[string]string{"FifoQueue": "true"}, sqs.CodeInvalidParameterValue},
		{"an unknown attribute is InvalidAttributeName", "u", map[string]string{"Colour": "blue"}, sqs.CodeInvalidAttributeName},
		{"a read-only attribute is InvalidAttributeName", "u", map[string]string{"QueueArn": "x"}, sqs.CodeInvalidAttributeName},
		{"a FIFO attribute on a standard queue is InvalidAttributeName", "u", map[string]string{"ContentBasedDeduplication": "true"}, sqs.CodeInvalidAttributeName},
		{"a visibility timeout over 12 hours is InvalidAttributeValue", "u", map[string]string{"VisibilityTimeout": "43201"}, sqs.CodeInvalidAttributeValue},
		{"a retention period under a minute is InvalidAttributeValue", "u", map[string]string{"MessageRetentionPeriod": "59"}, sqs.CodeInvalidAttributeValue},
		{"a message size over 1 MiB is InvalidAttributeValue", "u", map[string]string{"MaximumMessageSize": "1048577"}, sqs.CodeInvalidAttributeValue},
		{"a policy that is not JSON is InvalidAttributeValue", "u", map[string]string{"Policy": "{"}, sqs.CodeInvalidAttributeValue},
		{"a FIFO queue with a .fifo name is created", "jobs.fifo", map[string]string{"FifoQueue": "true"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.CreateQueue(ctx, ref(tt.queue), tt.attrs, nil)
			if got := code(err); got != tt.want {
				t.Errorf("got %q (%v), want %q", got, err, tt.want)
			}
		})
	}
	t.Run("a deleted name cannot be reused for 60 seconds", func(t *testing.T) {
		f.queue(t, "gone", nil)
		if err := f.svc.DeleteQueue(ctx, ref("gone")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateQueue(ctx, ref("gone"), nil, nil); code(err) != sqs.CodeQueueDeletedRecently {
			t.Fatalf("got %v", err)
		}
		f.clock.Add(61 * time.Second)
		if _, err := f.svc.CreateQueue(ctx, ref("gone"), nil, nil); err != nil {
			t.Fatalf("after 61 s: %v", err)
		}
	})
}

func TestQueueAttributes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	created := f.clock.Now()
	q := f.queue(t, "q", map[string]string{"DelaySeconds": "5"})
	fifo := f.queue(t, "f.fifo", map[string]string{"FifoQueue": "true", "ContentBasedDeduplication": "true"})
	t.Run("All reports defaults, the given values and the computed ones", func(t *testing.T) {
		got, err := f.svc.GetQueueAttributes(ctx, q, []string{"All"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{
			"VisibilityTimeout": "30", "MaximumMessageSize": "1048576", "MessageRetentionPeriod": "345600",
			"DelaySeconds": "5", "ReceiveMessageWaitTimeSeconds": "0", "SqsManagedSseEnabled": "true",
			"QueueArn": "arn:aws:sqs:us-east-1:111122223333:q", "CreatedTimestamp": fmt.Sprint(created.Unix()),
			"LastModifiedTimestamp": fmt.Sprint(created.Unix()), "ApproximateNumberOfMessages": "0",
			"ApproximateNumberOfMessagesNotVisible": "0", "ApproximateNumberOfMessagesDelayed": "0",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got  %v\nwant %v", got, want)
		}
	})
	t.Run("a FIFO queue reports its FIFO attributes", func(t *testing.T) {
		got, _ := f.svc.GetQueueAttributes(ctx, fifo, []string{"FifoQueue", "ContentBasedDeduplication", "DeduplicationScope"})
		if got["FifoQueue"] != "true" || got["ContentBasedDeduplication"] != "true" || got["DeduplicationScope"] != "queue" || len(got) != 3 {
			t.Errorf("got %v", got)
		}
	})
	t.Run("named attributes return only those", func(t *testing.T) {
		got, _ := f.svc.GetQueueAttributes(ctx, q, []string{"QueueArn", "Policy"})
		if len(got) != 1 || got["QueueArn"] == "" {
			t.Errorf("got %v", got)
		}
	})
	t.Run("an unknown name is InvalidAttributeName", func(t *testing.T) {
		if _, err := f.svc.GetQueueAttributes(ctx, q, []string{"Nope"}); code(err) != sqs.CodeInvalidAttributeName {
			t.Errorf("got %v", err)
		}
	})
	t.Run("the counts follow visible, in-flight and delayed messages", func(t *testing.T) {
		f.send(t, q, sqs.SendInput{Body: "delayed"})
		f.send(t, q, sqs.SendInput{Body: "now", DelaySeconds: intp(0)})
		f.send(t, q, sqs.SendInput{Body: "now2", DelaySeconds: intp(0)})
		f.receive(t, q, sqs.ReceiveInput{})
		got, _ := f.svc.GetQueueAttributes(ctx, q, []string{"ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"})
		if got["ApproximateNumberOfMessages"] != "1" || got["ApproximateNumberOfMessagesNotVisible"] != "1" || got["ApproximateNumberOfMessagesDelayed"] != "1" {
			t.Errorf("got %v", got)
		}
	})
	t.Run("SetQueueAttributes changes them and LastModifiedTimestamp", func(t *testing.T) {
		f.clock.Add(10 * time.Second)
		policy := `{"Version":"2012-10-17","Statement":[]}`
		if err := f.svc.SetQueueAttributes(ctx, q, map[string]string{"VisibilityTimeout": "45", "Policy": policy}); err != nil {
			t.Fatal(err)
		}
		got, _ := f.svc.GetQueueAttributes(ctx, q, []string{"VisibilityTimeout", "Policy", "LastModifiedTimestamp"})
		if got["VisibilityTimeout"] != "45" || got["Policy"] != policy || got["LastModifiedTimestamp"] != fmt.Sprint(created.Unix()+10) {
			t.Errorf("got %v", got)
		}
		if err := f.svc.SetQueueAttributes(ctx, q, map[string]string{"Policy": ""}); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.svc.GetQueueAttributes(ctx, q, []string{"Policy"}); len(got) != 0 {
			t.Errorf("an empty Policy did not remove it: %v", got)
		}
	})
	t.Run("FifoQueue cannot be changed", func(t *testing.T) {
		if err := f.svc.SetQueueAttributes(ctx, q, map[string]string{"FifoQueue": "true"}); code(err) != sqs.CodeInvalidAttributeValue {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a missing queue is QueueDoesNotExist", func(t *testing.T) {
		if _, err := f.svc.GetQueueAttributes(ctx, ref("nope"), []string{"All"}); code(err) != sqs.CodeQueueDoesNotExist {
			t.Errorf("got %v", err)
		}
	})
}

func TestListQueues(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, n := range []string{"b-2", "a-1", "b-1", "b-3", "c"} {
		f.queue(t, n, nil)
	}
	if _, err := f.svc.CreateQueue(ctx, sqs.QueueRef{Account: "999988887777", Name: "b-other"}, nil, nil); err != nil {
		t.Fatal(err)
	}
	t.Run("without MaxResults every match comes at once, sorted, without a token", func(t *testing.T) {
		names, next, err := f.svc.ListQueues(ctx, acct, "b-", 0, "")
		if err != nil || next != "" || !slices.Equal(names, []string{"b-1", "b-2", "b-3"}) {
			t.Errorf("got %v %q %v", names, next, err)
		}
	})
	t.Run("pages of two walk every queue of the account once", func(t *testing.T) {
		var all []string
		tok := ""
		for i := 0; i < 5; i++ {
			names, next, err := f.svc.ListQueues(ctx, acct, "", 2, tok)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, names...)
			if next == "" {
				break
			}
			tok = next
		}
		if !slices.Equal(all, []string{"a-1", "b-1", "b-2", "b-3", "c"}) {
			t.Errorf("got %v", all)
		}
	})
	t.Run("a bad token is InvalidParameterValue", func(t *testing.T) {
		if _, _, err := f.svc.ListQueues(ctx, acct, "", 2, "!!"); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("got %v", err)
		}
	})
	t.Run("MaxResults over 1000 is InvalidParameterValue", func(t *testing.T) {
		if _, _, err := f.svc.ListQueues(ctx, acct, "", 1001, ""); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("got %v", err)
		}
	})
}

func TestTagsPurgeAndPermissions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := f.queue(t, "q", nil)
	t.Run("tags are merged, removed and listed", func(t *testing.T) {
		if err := f.svc.TagQueue(ctx, q, map[string]string{"a": "1", "b": "2"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.TagQueue(ctx, q, map[string]string{"b": "3"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.UntagQueue(ctx, q, []string{"a", "missing"}); err != nil {
			t.Fatal(err)
		}
		if tags, _ := f.svc.ListQueueTags(ctx, q); fmt.Sprint(tags) != "map[b:3]" {
			t.Errorf("got %v", tags)
		}
	})
	t.Run("more than 50 tags is InvalidParameterValue", func(t *testing.T) {
		tags := map[string]string{}
		for i := range 50 {
			tags[fmt.Sprint("k", i)] = "v"
		}
		if err := f.svc.TagQueue(ctx, q, tags); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("got %v", err)
		}
	})
	t.Run("PurgeQueue deletes every message, once a minute", func(t *testing.T) {
		f.send(t, q, sqs.SendInput{Body: "a"})
		if err := f.svc.PurgeQueue(ctx, q); err != nil {
			t.Fatal(err)
		}
		if msgs := f.receive(t, q, sqs.ReceiveInput{}); len(msgs) != 0 {
			t.Errorf("after purge: %v", bodies(msgs))
		}
		if err := f.svc.PurgeQueue(ctx, q); code(err) != sqs.CodePurgeQueueInProgress {
			t.Errorf("second purge: %v", err)
		}
		f.clock.Add(time.Minute)
		if err := f.svc.PurgeQueue(ctx, q); err != nil {
			t.Errorf("after a minute: %v", err)
		}
	})
	t.Run("AddPermission writes a statement the resource policy reports", func(t *testing.T) {
		if err := f.svc.AddPermission(ctx, q, "send", []string{"444455556666"}, []string{"SendMessage"}); err != nil {
			t.Fatal(err)
		}
		doc, ok, err := f.svc.ResourcePolicy(ctx, q.ARN(region), "sqs:SendMessage")
		if err != nil || !ok {
			t.Fatalf("got %q %v %v", doc, ok, err)
		}
		var p struct {
			Statement []struct {
				Sid       string
				Principal map[string]string
				Action    string
				Resource  string
			}
		}
		if err := json.Unmarshal([]byte(doc), &p); err != nil || len(p.Statement) != 1 {
			t.Fatalf("policy %s: %v", doc, err)
		}
		st := p.Statement[0]
		if st.Sid != "send" || st.Principal["AWS"] != "arn:aws:iam::444455556666:root" || st.Action != "SQS:SendMessage" || st.Resource != q.ARN(region) {
			t.Errorf("statement %+v", st)
		}
		if err := f.svc.AddPermission(ctx, q, "send", []string{"444455556666"}, []string{"SendMessage"}); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("a second label: %v", err)
		}
	})
	t.Run("RemovePermission removes the statement and the empty policy", func(t *testing.T) {
		if err := f.svc.RemovePermission(ctx, q, "send"); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := f.svc.ResourcePolicy(ctx, q.ARN(region), "sqs:SendMessage"); ok {
			t.Error("policy still there")
		}
		if err := f.svc.RemovePermission(ctx, q, "send"); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("removing it again: %v", err)
		}
	})
	t.Run("a queue without a policy or that does not exist has no resource policy", func(t *testing.T) {
		for _, a := range []string{q.ARN(region), ref("nope").ARN(region), "arn:aws:sqs:us-east-1:bad"} {
			if _, ok, err := f.svc.ResourcePolicy(ctx, a, "sqs:SendMessage"); ok || err != nil {
				t.Errorf("%s: %v %v", a, ok, err)
			}
		}
	})
}

func TestQueueURLsAndARNs(t *testing.T) {
	tests := []struct {
		name, in string
		want     sqs.QueueRef
		ok       bool
	}{
		{"an AWS queue URL names its account and queue", "https://sqs.us-east-1.amazonaws.com/111122223333/q", ref("q"), true},
		{"any host is accepted", "http://127.0.0.1:4566/111122223333/jobs.fifo", ref("jobs.fifo"), true},
		{"a URL without the account is InvalidAddress", "http://h/q", sqs.QueueRef{}, false},
		{"a URL with a short account is InvalidAddress", "http://h/1234/q", sqs.QueueRef{}, false},
		{"a URL with a bad name is InvalidAddress", "http://h/111122223333/a b", sqs.QueueRef{}, false},
		{"a bare name is InvalidAddress", "q", sqs.QueueRef{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sqs.ParseQueueURL(tt.in)
			if got != tt.want || (err == nil) != tt.ok || (err != nil && code(err) != sqs.CodeInvalidAddress) {
				t.Errorf("got %v %v", got, err)
			}
		})
	}
	t.Run("an ARN round-trips", func(t *testing.T) {
		got, err := sqs.ParseARN(ref("q").ARN(region))
		if err != nil || got != ref("q") {
			t.Errorf("got %v %v", got, err)
		}
	})
	t.Run("a URL is built on the endpoint's base", func(t *testing.T) {
		if got := ref("q").URL("http://localhost:4566/"); got != "http://localhost:4566/111122223333/q" {
			t.Errorf("got %s", got)
		}
	})
}
