package sqs_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/sqs"
)

func TestSendAndReceive(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := f.queue(t, "q", nil)
	attrs := map[string]sqs.MessageAttribute{
		"city":   {DataType: "String", StringValue: "Any City"},
		"n":      {DataType: "Number.int", StringValue: "42"},
		"bin":    {DataType: "Binary", BinaryValue: []byte{0, 1, 2}},
		"tenant": {DataType: "String", StringValue: "t1"},
	}
	trace := map[string]sqs.MessageAttribute{"AWSTraceHeader": {DataType: "String", StringValue: "Root=1-5759e988-bd862e3fe1be46a994272793"}}
	sent := f.send(t, q, sqs.SendInput{Body: "hello", Attributes: attrs, SystemAttributes: trace, SenderID: "AIDAEXAMPLE"})
	t.Run("SendMessage reports the id and the three digests", func(t *testing.T) {
		if len(sent.MessageID) != 36 || sent.MD5OfBody != sqs.MD5OfBody("hello") || sent.MD5OfAttributes != sqs.MD5OfAttributes(attrs) ||
			sent.MD5OfSystemAttributes != sqs.MD5OfAttributes(trace) || sent.SequenceNumber != "" {
			t.Errorf("got %+v", sent)
		}
	})
	var first sqs.Message
	t.Run("ReceiveMessage returns it with the requested attributes", func(t *testing.T) {
		msgs := f.receive(t, q, sqs.ReceiveInput{AttributeNames: []string{"All"}, MessageAttributeNames: []string{"city", "n"}})
		if len(msgs) != 1 {
			t.Fatalf("got %d messages", len(msgs))
		}
		first = msgs[0]
		m := first
		if m.ID != sent.MessageID || m.Body != "hello" || m.MD5OfBody != sent.MD5OfBody || m.ReceiptHandle == "" {
			t.Errorf("got %+v", m)
		}
		a := m.Attributes
		if a["SenderId"] != "AIDAEXAMPLE" || a["ApproximateReceiveCount"] != "1" || a["AWSTraceHeader"] == "" ||
			a["SentTimestamp"] != a["ApproximateFirstReceiveTimestamp"] || a["SequenceNumber"] != "" {
			t.Errorf("attributes %v", a)
		}
		want := map[string]sqs.MessageAttribute{"city": attrs["city"], "n": attrs["n"]}
		if len(m.MessageAttributes) != 2 || m.MD5OfMessageAttributes != sqs.MD5OfAttributes(want) {
			t.Errorf("message attributes %v, md5 %s", m.MessageAttributes, m.MD5OfMessageAttributes)
		}
	})
	t.Run("an in-flight message is not received again", func(t *testing.T) {
		if msgs := f.receive(t, q, sqs.ReceiveInput{}); len(msgs) != 0 {
			t.Errorf("got %v", bodies(msgs))
		}
	})
	var second sqs.Message
	t.Run("after the visibility timeout it is received again with a new handle", func(t *testing.T) {
		f.clock.Add(30 * time.Second)
		msgs := f.receive(t, q, sqs.ReceiveInput{AttributeNames: []string{"ApproximateReceiveCount"}, MessageAttributeNames: []string{"All"}})
		if len(msgs) != 1 || msgs[0].ReceiptHandle == first.ReceiptHandle || msgs[0].Attributes["ApproximateReceiveCount"] != "2" || len(msgs[0].Attributes) != 1 {
			t.Fatalf("got %+v", msgs)
		}
		if len(msgs[0].MessageAttributes) != 4 || msgs[0].MD5OfMessageAttributes != sent.MD5OfAttributes {
			t.Errorf("All returned %v", msgs[0].MessageAttributes)
		}
		second = msgs[0]
	})
	t.Run("deleting with the old handle succeeds and deletes nothing", func(t *testing.T) {
		if err := f.svc.DeleteMessage(ctx, q, first.ReceiptHandle); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(30 * time.Second)
		if msgs := f.receive(t, q, sqs.ReceiveInput{}); len(msgs) != 1 {
			t.Fatalf("the message is gone")
		} else {
			second = msgs[0]
		}
	})
	t.Run("deleting with the latest handle deletes it, and again succeeds", func(t *testing.T) {
		if err := f.svc.DeleteMessage(ctx, q, second.ReceiptHandle); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteMessage(ctx, q, second.ReceiptHandle); err != nil {
			t.Fatalf("second delete: %v", err)
		}
		f.clock.Add(time.Hour)
		if msgs := f.receive(t, q, sqs.ReceiveInput{}); len(msgs) != 0 {
			t.Errorf("got %v", bodies(msgs))
		}
	})
	t.Run("a handle that is not one is ReceiptHandleIsInvalid", func(t *testing.T) {
		for _, h := range []string{"", "abc", strings.Repeat("A", 44)} {
			if err := f.svc.DeleteMessage(ctx, q, h); code(err) != sqs.CodeReceiptHandleIsInvalid {
				t.Errorf("%q: got %v", h, err)
			}
		}
	})
	t.Run("a handle of another queue is ReceiptHandleIsInvalid", func(t *testing.T) {
		other := f.queue(t, "other", nil)
		f.send(t, other, sqs.SendInput{Body: "x"})
		m := f.receive(t, other, sqs.ReceiveInput{})
		if err := f.svc.DeleteMessage(ctx, q, m[0].ReceiptHandle); code(err) != sqs.CodeReceiptHandleIsInvalid {
			t.Errorf("got %v", err)
		}
	})
}

func TestReceiveOrderAndLimits(t *testing.T) {
	f := newFixture(t)
	q := f.queue(t, "q", nil)
	for _, b := range []string{"1", "2", "3", "4", "5"} {
		f.send(t, q, sqs.SendInput{Body: b})
		f.clock.Add(time.Millisecond)
	}
	t.Run("a standard queue returns the oldest visible messages first, up to the maximum", func(t *testing.T) {
		if got := bodies(f.receive(t, q, sqs.ReceiveInput{Max: 3})); !slices.Equal(got, []string{"1", "2", "3"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("a visibility timeout of 0 leaves messages visible", func(t *testing.T) {
		got := bodies(f.receive(t, q, sqs.ReceiveInput{Max: 10, VisibilityTimeout: intp(0)}))
		again := bodies(f.receive(t, q, sqs.ReceiveInput{Max: 10, VisibilityTimeout: intp(0)}))
		if !slices.Equal(got, []string{"4", "5"}) || !slices.Equal(again, got) {
			t.Errorf("got %v then %v", got, again)
		}
	})
	t.Run("out-of-range parameters are InvalidParameterValue", func(t *testing.T) {
		for _, in := range []sqs.ReceiveInput{{Max: 11}, {Max: -1}, {VisibilityTimeout: intp(43201)}, {WaitTimeSeconds: intp(21)}} {
			if _, err := f.svc.ReceiveMessages(context.Background(), q, in); code(err) != sqs.CodeInvalidParameterValue {
				t.Errorf("%+v: got %v", in, err)
			}
		}
	})
	t.Run("an unknown attribute name is InvalidAttributeName", func(t *testing.T) {
		if _, err := f.svc.ReceiveMessages(context.Background(), q, sqs.ReceiveInput{AttributeNames: []string{"Bogus"}}); code(err) != sqs.CodeInvalidAttributeName {
			t.Errorf("got %v", err)
		}
	})
}

func TestMessageAttributeSelection(t *testing.T) {
	f := newFixture(t)
	q := f.queue(t, "q", nil)
	attrs := map[string]sqs.MessageAttribute{
		"app.a": {DataType: "String", StringValue: "1"}, "app.b": {DataType: "String", StringValue: "2"},
		"other": {DataType: "String", StringValue: "3"},
	}
	tests := []struct {
		name  string
		names []string
		want  []string
	}{
		{"no names return none", nil, nil},
		{"a prefix.* selects by prefix", []string{"app.*"}, []string{"app.a", "app.b"}},
		{".* selects all", []string{".*"}, []string{"app.a", "app.b", "other"}},
		{"exact names select those", []string{"other", "missing"}, []string{"other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f.send(t, q, sqs.SendInput{Body: "m", Attributes: attrs})
			m := f.receive(t, q, sqs.ReceiveInput{MessageAttributeNames: tt.names})[0]
			got := make([]string, 0)
			for n := range m.MessageAttributes {
				got = append(got, n)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) && !(len(got) == 0 && len(tt.want) == 0) {
				t.Errorf("got %v", got)
			}
			if (m.MD5OfMessageAttributes == "") != (len(tt.want) == 0) {
				t.Errorf("md5 %q for %v", m.MD5OfMessageAttributes, got)
			}
		})
	}
}

func TestSendValidation(t *testing.T) {
	f := newFixture(t)
	q := f.queue(t, "q", map[string]string{"MaximumMessageSize": "1024"})
	big := strings.Repeat("x", 1025)
	tests := []struct {
		name string
		in   sqs.SendInput
		want string
	}{
		{"an empty body is MissingParameter", sqs.SendInput{}, sqs.CodeMissingParameter},
		{"a body over the queue's maximum is InvalidParameterValue", sqs.SendInput{Body: big}, sqs.CodeInvalidParameterValue},
		{"attributes count against the maximum", sqs.SendInput{Body: strings.Repeat("x", 1000), Attributes: map[string]sqs.MessageAttribute{
			"a": {DataType: "String", StringValue: strings.Repeat("y", 30)}}}, sqs.CodeInvalidParameterValue},
		{"a control character is InvalidMessageContents", sqs.SendInput{Body: "a\x01b"}, sqs.CodeInvalidMessageContents},
		{"invalid UTF-8 is InvalidMessageContents", sqs.SendInput{Body: "a\xffb"}, sqs.CodeInvalidMessageContents},
		{"a delay over 900 s is InvalidParameterValue", sqs.SendInput{Body: "a", DelaySeconds: intp(901)}, sqs.CodeInvalidParameterValue},
		{"a deduplication id on a standard queue is InvalidParameterValue", sqs.SendInput{Body: "a", DeduplicationID: "d"}, sqs.CodeInvalidParameterValue},
		{"an attribute without a value is InvalidParameterValue", sqs.SendInput{Body: "a", Attributes: map[string]sqs.MessageAttribute{"a": {DataType: "String"}}}, sqs.CodeInvalidParameterValue},
		{"an attribute of an unknown type is InvalidParameterValue", sqs.SendInput{Body: "a", Attributes: map[string]sqs.MessageAttribute{"a": {DataType: "Date", StringValue: "x"}}}, sqs.CodeInvalidParameterValue},
		{"a Number that is not one is InvalidParameterValue", sqs.SendInput{Body: "a", Attributes: map[string]sqs.MessageAttribute{"a": {DataType: "Number", StringValue: "1x"}}}, sqs.CodeInvalidParameterValue},
		{"an attribute name starting with AWS. is InvalidParameterValue", sqs.SendInput{Body: "a", Attributes: map[string]sqs.MessageAttribute{"aws.x": {DataType: "String", StringValue: "x"}}}, sqs.CodeInvalidParameterValue},
		{"list values are InvalidParameterValue", sqs.SendInput{Body: "a", HasListValues: true}, sqs.CodeInvalidParameterValue},
		{"a system attribute other than AWSTraceHeader is InvalidParameterValue", sqs.SendInput{Body: "a", SystemAttributes: map[string]sqs.MessageAttribute{"X": {DataType: "String", StringValue: "x"}}}, sqs.CodeInvalidParameterValue},
		{"a body at the maximum is accepted", sqs.SendInput{Body: big[:1024]}, ""},
		{"a Number with a fraction and exponent is accepted", sqs.SendInput{Body: "a", Attributes: map[string]sqs.MessageAttribute{"a": {DataType: "Number", StringValue: "-1.5e10"}}}, ""},
		{"a body with emoji and tabs is accepted", sqs.SendInput{Body: "a\tb\n😀"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.svc.Send(context.Background(), q, tt.in)
			if got := code(err); got != tt.want {
				t.Errorf("got %q (%v), want %q", got, err, tt.want)
			}
		})
	}
	t.Run("more than ten attributes are InvalidParameterValue", func(t *testing.T) {
		attrs := map[string]sqs.MessageAttribute{}
		for _, n := range strings.Split("a b c d e f g h i j k", " ") {
			attrs[n] = sqs.MessageAttribute{DataType: "String", StringValue: "v"}
		}
		if _, err := f.svc.Send(context.Background(), q, sqs.SendInput{Body: "a", Attributes: attrs}); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a missing queue is QueueDoesNotExist", func(t *testing.T) {
		if _, err := f.svc.Send(context.Background(), ref("nope"), sqs.SendInput{Body: "a"}); code(err) != sqs.CodeQueueDoesNotExist {
			t.Errorf("got %v", err)
		}
	})
}

func TestBatches(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := f.queue(t, "q", nil)
	t.Run("batch ids follow AWS's rules", func(t *testing.T) {
		tests := []struct {
			ids  []string
			want string
		}{
			{nil, sqs.CodeEmptyBatchRequest},
			{strings.Split("1 2 3 4 5 6 7 8 9 10 11", " "), sqs.CodeTooManyEntriesInBatchRequest},
			{[]string{"a", "a"}, sqs.CodeBatchEntryIdsNotDistinct},
			{[]string{"a b"}, sqs.CodeInvalidBatchEntryID},
			{[]string{strings.Repeat("a", 81)}, sqs.CodeInvalidBatchEntryID},
			{[]string{"a-1", "B_2"}, ""},
		}
		for _, tt := range tests {
			if got := code(sqs.CheckBatchIDs("SendMessageBatchRequestEntry", tt.ids)); got != tt.want {
				t.Errorf("%v: got %q, want %q", tt.ids, got, tt.want)
			}
		}
	})
	t.Run("SendBatch reports each entry's result or error", func(t *testing.T) {
		res, errs, err := f.svc.SendBatch(ctx, q, []sqs.SendInput{{Body: "a"}, {Body: ""}, {Body: "c"}})
		if err != nil {
			t.Fatal(err)
		}
		if res[0].MessageID == "" || code(errs[1]) != sqs.CodeMissingParameter || res[2].MD5OfBody != sqs.MD5OfBody("c") || errs[0] != nil {
			t.Errorf("results %+v errors %v", res, errs)
		}
		if got := bodies(f.receive(t, q, sqs.ReceiveInput{Max: 10})); !slices.Equal(got, []string{"a", "c"}) {
			t.Errorf("received %v", got)
		}
	})
	t.Run("a batch over 1 MiB in total is BatchRequestTooLong", func(t *testing.T) {
		body := strings.Repeat("x", 300000)
		_, _, err := f.svc.SendBatch(ctx, q, []sqs.SendInput{{Body: body}, {Body: body}, {Body: body}, {Body: body}})
		if code(err) != sqs.CodeBatchRequestTooLong {
			t.Errorf("got %v", err)
		}
	})
	t.Run("DeleteMessages and ChangeVisibilities report per entry", func(t *testing.T) {
		f.send(t, q, sqs.SendInput{Body: "d"})
		f.clock.Add(time.Minute)
		msgs := f.receive(t, q, sqs.ReceiveInput{Max: 10})
		if len(msgs) != 3 {
			t.Fatalf("got %v", bodies(msgs))
		}
		errs, err := f.svc.ChangeVisibilities(ctx, q, []sqs.VisibilityChange{{ReceiptHandle: msgs[0].ReceiptHandle, VisibilityTimeout: 0}, {ReceiptHandle: "bad", VisibilityTimeout: 1}})
		if err != nil || errs[0] != nil || code(errs[1]) != sqs.CodeReceiptHandleIsInvalid {
			t.Fatalf("got %v %v", errs, err)
		}
		errs, err = f.svc.DeleteMessages(ctx, q, []string{msgs[1].ReceiptHandle, "bad", msgs[2].ReceiptHandle})
		if err != nil || errs[0] != nil || code(errs[1]) != sqs.CodeReceiptHandleIsInvalid || errs[2] != nil {
			t.Fatalf("got %v %v", errs, err)
		}
		if got := bodies(f.receive(t, q, sqs.ReceiveInput{Max: 10})); len(got) != 1 || got[0] != msgs[0].Body {
			t.Errorf("left %v", got)
		}
	})
}

func TestChangeVisibility(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := f.queue(t, "q", nil)
	f.send(t, q, sqs.SendInput{Body: "a"})
	m := f.receive(t, q, sqs.ReceiveInput{})[0]
	t.Run("extending it keeps the message invisible longer", func(t *testing.T) {
		if err := f.svc.ChangeVisibility(ctx, q, m.ReceiptHandle, 120); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(60 * time.Second)
		if msgs := f.receive(t, q, sqs.ReceiveInput{}); len(msgs) != 0 {
			t.Errorf("visible after 60 s")
		}
	})
	t.Run("more than 12 hours after the receive is InvalidParameterValue", func(t *testing.T) {
		if err := f.svc.ChangeVisibility(ctx, q, m.ReceiptHandle, 43200); code(err) != sqs.CodeInvalidParameterValue {
			t.Errorf("got %v", err)
		}
	})
	t.Run("0 makes it visible at once", func(t *testing.T) {
		if err := f.svc.ChangeVisibility(ctx, q, m.ReceiptHandle, 0); err != nil {
			t.Fatal(err)
		}
		if msgs := f.receive(t, q, sqs.ReceiveInput{}); len(msgs) != 1 {
			t.Fatal("not visible")
		}
	})
	t.Run("the old handle of a message received again is ReceiptHandleIsInvalid", func(t *testing.T) {
		if err := f.svc.ChangeVisibility(ctx, q, m.ReceiptHandle, 10); code(err) != sqs.CodeReceiptHandleIsInvalid {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a message that is not in flight is MessageNotInflight", func(t *testing.T) {
		f.clock.Add(time.Minute)
		m2 := f.receive(t, q, sqs.ReceiveInput{VisibilityTimeout: intp(1)})[0]
		f.clock.Add(2 * time.Second)
		if err := f.svc.ChangeVisibility(ctx, q, m2.ReceiptHandle, 10); code(err) != sqs.CodeMessageNotInflight {
			t.Errorf("got %v", err)
		}
	})
}

func TestRetentionAndSweep(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	q := f.queue(t, "q", map[string]string{"MessageRetentionPeriod": "60"})
	f.send(t, q, sqs.SendInput{Body: "old"})
	f.clock.Add(30 * time.Second)
	f.send(t, q, sqs.SendInput{Body: "new"})
	f.clock.Add(31 * time.Second)
	t.Run("a receive skips and drops a message past retention", func(t *testing.T) {
		if got := bodies(f.receive(t, q, sqs.ReceiveInput{Max: 10, VisibilityTimeout: intp(0)})); !slices.Equal(got, []string{"new"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("the sweeper deletes what has expired", func(t *testing.T) {
		f.clock.Add(time.Minute)
		n, err := f.svc.Sweep(ctx)
		if err != nil || n != 1 {
			t.Errorf("swept %d, %v", n, err)
		}
		got, _ := f.svc.GetQueueAttributes(ctx, q, []string{"ApproximateNumberOfMessages"})
		if got["ApproximateNumberOfMessages"] != "0" {
			t.Errorf("got %v", got)
		}
	})
}

func TestAcknowledgedStateSurvivesARestart(t *testing.T) {
	f := newFixture(t)
	q := f.queue(t, "q", nil)
	fq := f.queue(t, "f.fifo", map[string]string{"FifoQueue": "true"})
	f.send(t, q, sqs.SendInput{Body: "a"})
	f.send(t, q, sqs.SendInput{Body: "b"})
	before := f.send(t, fq, sqs.SendInput{Body: "x", GroupID: "g", DeduplicationID: "1"}).SequenceNumber
	m := f.receive(t, q, sqs.ReceiveInput{})
	f.reopen(t)
	t.Run("the received message stays in flight and the other is there", func(t *testing.T) {
		got := f.receive(t, q, sqs.ReceiveInput{Max: 10})
		if !slices.Equal(bodies(got), []string{"b"}) {
			t.Errorf("got %v", bodies(got))
		}
	})
	t.Run("its receive count and handle survive", func(t *testing.T) {
		f.clock.Add(time.Minute)
		got := f.receive(t, q, sqs.ReceiveInput{Max: 10, AttributeNames: []string{"ApproximateReceiveCount"}})
		counts := map[string]string{}
		for _, x := range got {
			counts[x.Body] = x.Attributes["ApproximateReceiveCount"]
		}
		if counts["a"] != "2" {
			t.Errorf("got %v", counts)
		}
		if err := f.svc.DeleteMessage(context.Background(), q, m[0].ReceiptHandle); err != nil {
			t.Errorf("old handle after restart: %v", err)
		}
	})
	t.Run("FIFO sequence numbers keep increasing and deduplication remembers", func(t *testing.T) {
		dup := f.send(t, fq, sqs.SendInput{Body: "x", GroupID: "g", DeduplicationID: "1"})
		next := f.send(t, fq, sqs.SendInput{Body: "y", GroupID: "g", DeduplicationID: "2"})
		if dup.SequenceNumber != before || next.SequenceNumber <= before {
			t.Errorf("before %s, duplicate %s, next %s", before, dup.SequenceNumber, next.SequenceNumber)
		}
	})
}

func TestAnAttributeKeepsOnlyTheValueOfItsType(t *testing.T) {
	f := newFixture(t)
	q := f.queue(t, "q", nil)
	attrs := map[string]sqs.MessageAttribute{
		"s": {DataType: "String", StringValue: "v", BinaryValue: []byte("stray")},
		"b": {DataType: "Binary.raw", StringValue: "stray", BinaryValue: []byte{7}},
	}
	sent := f.send(t, q, sqs.SendInput{Body: "m", Attributes: attrs})
	m := f.receive(t, q, sqs.ReceiveInput{MessageAttributeNames: []string{"All"}})[0]
	s, b := m.MessageAttributes["s"], m.MessageAttributes["b"]
	if s.BinaryValue != nil || s.StringValue != "v" || b.StringValue != "" || string(b.BinaryValue) != "\x07" {
		t.Errorf("got %+v and %+v", s, b)
	}
	if m.MD5OfMessageAttributes != sent.MD5OfAttributes {
		t.Errorf("digest %s on receive, %s on send", m.MD5OfMessageAttributes, sent.MD5OfAttributes)
	}
}

func TestCheckPolicyGuardsThePolicyAttribute(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	svc, err := sqs.New(ctx, sqs.Config{Store: f.st, Region: region, Now: f.clock.Now, CheckPolicy: func(doc string) error {
		if strings.Contains(doc, "Perhaps") {
			return errors.New("bad effect")
		}
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateQueue(ctx, ref("p"), map[string]string{"Policy": `{"Statement":[{"Effect":"Perhaps"}]}`}, nil); code(err) != sqs.CodeInvalidAttributeValue {
		t.Errorf("CreateQueue: %v", err)
	}
	f.queue(t, "p", nil)
	if err := svc.SetQueueAttributes(ctx, ref("p"), map[string]string{"Policy": `{"Statement":[{"Effect":"Perhaps"}]}`}); code(err) != sqs.CodeInvalidAttributeValue {
		t.Errorf("SetQueueAttributes: %v", err)
	}
	if err := svc.SetQueueAttributes(ctx, ref("p"), map[string]string{"Policy": `{"Statement":[{"Effect":"Allow"}]}`}); err != nil {
		t.Errorf("a good policy: %v", err)
	}
}
