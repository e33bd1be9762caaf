package sns_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/sns"
)

func TestNotificationsReachSQSInAWSEnvelope(t *testing.T) {
	f := newFixture(t)
	topic := f.topic(t, "orders", nil)
	v2 := f.topic(t, "orders-v2", map[string]string{"SignatureVersion": "2"})
	sub := f.subscribe(t, topic, "sqs", queueARN("q"), nil)
	f.subscribe(t, v2, "sqs", queueARN("q2"), nil)
	attrs := map[string]sns.MessageAttribute{
		"kind": {DataType: "String", StringValue: "order"},
		"blob": {DataType: "Binary", BinaryValue: []byte{0xff, 0x00}},
	}
	res := f.publish(t, sns.PublishInput{TopicARN: topic, Message: `hello <&> "world"`, Subject: "Greetings", Attributes: attrs})
	f.publish(t, sns.PublishInput{TopicARN: v2, Message: "v2"})
	f.drained(t)
	got := f.queues.to(queueARN("q"))
	if len(got) != 1 {
		t.Fatalf("the queue got %d messages", len(got))
	}
	e := decode(t, got[0].Body)
	t.Run("the envelope carries AWS's fields", func(t *testing.T) {
		want := map[string]string{"Type": "Notification", "MessageId": res.MessageID, "TopicArn": topic, "Subject": "Greetings",
			"Message": `hello <&> "world"`, "SignatureVersion": "1"}
		for k, v := range want {
			if e.s(k) != v {
				t.Errorf("%s = %q, want %q", k, e.s(k), v)
			}
		}
		if _, err := time.Parse("2006-01-02T15:04:05.000Z", e.s("Timestamp")); err != nil {
			t.Errorf("Timestamp %q: %v", e.s("Timestamp"), err)
		}
		if !strings.Contains(e.s("UnsubscribeURL"), "Action=Unsubscribe&SubscriptionArn=") || !strings.Contains(e.s("UnsubscribeURL"), sub.ARN[len(sub.ARN)-36:]) {
			t.Errorf("UnsubscribeURL = %s", e.s("UnsubscribeURL"))
		}
		if got[0].Attrs != nil {
			t.Errorf("a non-raw delivery passed SQS attributes: %v", got[0].Attrs)
		}
		if !strings.Contains(got[0].Body, `<&>`) {
			t.Errorf("the body escapes HTML characters: %s", got[0].Body)
		}
	})
	t.Run("message attributes are in the envelope, binary ones base64", func(t *testing.T) {
		ma, _ := e["MessageAttributes"].(map[string]any)
		kind, _ := ma["kind"].(map[string]any)
		blob, _ := ma["blob"].(map[string]any)
		if kind["Type"] != "String" || kind["Value"] != "order" || blob["Type"] != "Binary" || blob["Value"] != "/wA=" {
			t.Errorf("got %v", ma)
		}
	})
	t.Run("the signature verifies with the certificate served at SigningCertURL", func(t *testing.T) {
		resp, err := http.Get(e.s("SigningCertURL"))
		if err != nil {
			t.Fatal(err)
		}
		pemBytes, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(e.s("SigningCertURL"), f.links.URL+sns.URLPath+"SimpleNotificationService-") {
			t.Fatalf("GET %s: %d", e.s("SigningCertURL"), resp.StatusCode)
		}
		verify(t, e, pemBytes)
	})
	t.Run("SignatureVersion 2 signs with SHA256", func(t *testing.T) {
		e2 := decode(t, f.queues.to(queueARN("q2"))[0].Body)
		_, pemBytes := f.svc.CertificatePEM()
		if e2.s("SignatureVersion") != "2" {
			t.Fatalf("got %v", e2)
		}
		verify(t, e2, pemBytes)
	})
}

func TestRawDeliveryLambdaAndMessageStructure(t *testing.T) {
	f := newFixture(t)
	topic := f.topic(t, "t", nil)
	fn := "arn:aws:lambda:us-east-1:111122223333:function:handler"
	sub := f.subscribe(t, topic, "lambda", fn, nil)
	f.subscribe(t, topic, "sqs", queueARN("raw"), map[string]string{"RawMessageDelivery": "true"})
	attrs := map[string]sns.MessageAttribute{"n": {DataType: "Number", StringValue: "42"}}
	res := f.publish(t, sns.PublishInput{TopicARN: topic, Message: `{"default":"for all","sqs":"for queues"}`, Structure: "json", Attributes: attrs})
	f.drained(t)
	t.Run("raw delivery sends the protocol's message with the attributes", func(t *testing.T) {
		got := f.queues.to(queueARN("raw"))
		if len(got) != 1 || got[0].Body != "for queues" || got[0].Attrs["n"].StringValue != "42" {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("Lambda gets AWS's SNS event with the default message", func(t *testing.T) {
		calls := f.functions.all()
		if len(calls) != 1 || calls[0].Target != fn {
			t.Fatalf("got %+v", calls)
		}
		var ev struct {
			Records []struct {
				EventSource, EventVersion, EventSubscriptionArn string
				Sns                                             map[string]any
			}
		}
		if err := json.Unmarshal(calls[0].FunctionPayload, &ev); err != nil || len(ev.Records) != 1 {
			t.Fatalf("got %s, %v", calls[0].FunctionPayload, err)
		}
		r := ev.Records[0]
		if r.EventSource != "aws:sns" || r.EventVersion != "1.0" || r.EventSubscriptionArn != sub.ARN {
			t.Errorf("got %+v", r)
		}
		if r.Sns["Message"] != "for all" || r.Sns["MessageId"] != res.MessageID || r.Sns["Subject"] != nil ||
			r.Sns["SigningCertUrl"] == nil || r.Sns["UnsubscribeUrl"] == nil || r.Sns["Type"] != "Notification" {
			t.Errorf("got %v", r.Sns)
		}
		n, _ := r.Sns["MessageAttributes"].(map[string]any)["n"].(map[string]any)
		if n["Type"] != "Number" || n["Value"] != "42" {
			t.Errorf("attributes: %v", r.Sns["MessageAttributes"])
		}
	})
}

func TestFilterPoliciesChooseTheSubscriptions(t *testing.T) {
	f := newFixture(t)
	topic := f.topic(t, "t", nil)
	f.subscribe(t, topic, "sqs", queueARN("cheap"), map[string]string{"FilterPolicy": `{"price":[{"numeric":["<",100]}]}`})
	f.subscribe(t, topic, "sqs", queueARN("eu"), map[string]string{"FilterPolicy": `{"order":{"region":[{"prefix":"eu-"}]}}`, "FilterPolicyScope": "MessageBody"})
	f.subscribe(t, topic, "sqs", queueARN("all"), nil)
	pub := func(msg, price string) {
		in := sns.PublishInput{TopicARN: topic, Message: msg}
		if price != "" {
			in.Attributes = map[string]sns.MessageAttribute{"price": {DataType: "Number", StringValue: price}}
		}
		f.publish(t, in)
	}
	pub(`{"order":{"region":"eu-west-1"}}`, "500")
	pub(`{"order":{"region":"us-east-1"}}`, "5")
	pub(`not json`, "")
	f.drained(t)
	for q, want := range map[string]int{"cheap": 1, "eu": 1, "all": 3} {
		if got := len(f.queues.to(queueARN(q))); got != want {
			t.Errorf("queue %s got %d messages, want %d", q, got, want)
		}
	}
	if m := decode(t, f.queues.to(queueARN("eu"))[0].Body).s("Message"); !strings.Contains(m, "eu-west-1") {
		t.Errorf("eu got %s", m)
	}
}

func TestSQSDeliveriesAreRetried(t *testing.T) {
	f := newFixture(t)
	topic := f.topic(t, "t", nil)
	f.subscribe(t, topic, "sqs", queueARN("flaky"), nil)
	var mu sync.Mutex
	failures := 0
	f.queues.setFail(func(string, string) bool {
		mu.Lock()
		defer mu.Unlock()
		failures++
		return failures <= 4 // three immediate retries fail, the fourth waits a second
	})
	f.publish(t, sns.PublishInput{TopicARN: topic, Message: "m"})
	eventually(t, "four attempts failed", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failures >= 4
	})
	time.Sleep(20 * time.Millisecond)
	if got := len(f.queues.to(queueARN("flaky"))); got != 0 {
		t.Fatalf("delivered before the one-second retry: %d", got)
	}
	f.clock.Add(time.Second)
	f.drained(t)
	if got := len(f.queues.to(queueARN("flaky"))); got != 1 {
		t.Errorf("delivered %d times", got)
	}
}

// endpoint is an http subscriber: it records every request and answers
// with status(request).
type endpoint struct {
	*httptest.Server
	mu     sync.Mutex // guards reqs
	reqs   []request
	status func(r request) int
}

type request struct {
	Header http.Header
	Body   string
}

func newEndpoint(t *testing.T, status func(request) int) *endpoint {
	ep := &endpoint{status: status}
	ep.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req := request{Header: r.Header.Clone(), Body: string(b)}
		ep.mu.Lock()
		ep.reqs = append(ep.reqs, req)
		ep.mu.Unlock()
		w.WriteHeader(ep.status(req))
	}))
	t.Cleanup(ep.Close)
	return ep
}

func (ep *endpoint) of(typ string) []request {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	var out []request
	for _, r := range ep.reqs {
		if r.Header.Get("x-amz-sns-message-type") == typ {
			out = append(out, r)
		}
	}
	return out
}

func ok200(request) int { return 200 }

// confirmHTTP subscribes ep and confirms it by following the SubscribeURL
// of the confirmation message, as an endpoint does.
func confirmHTTP(t *testing.T, f *fixture, topic string, ep *endpoint, attrs map[string]string) *sns.Subscription {
	t.Helper()
	sub := f.subscribe(t, topic, "http", ep.URL+"/hook", attrs)
	if !sub.Pending {
		t.Fatalf("an http subscription is not pending: %+v", sub)
	}
	eventually(t, "the confirmation arrived", func() bool { return len(ep.of("SubscriptionConfirmation")) > 0 })
	c := decode(t, ep.of("SubscriptionConfirmation")[0].Body)
	resp, err := http.Get(c.s("SubscribeURL"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), "<SubscriptionArn>"+sub.ARN+"</SubscriptionArn>") {
		t.Fatalf("GET SubscribeURL: %d %s", resp.StatusCode, b)
	}
	return sub
}

func TestHTTPSubscriptionHandshake(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	topic := f.topic(t, "t", nil)
	ep := newEndpoint(t, ok200)
	sub := confirmHTTP(t, f, topic, ep, nil)
	c := decode(t, ep.of("SubscriptionConfirmation")[0].Body)
	_, certPEM := f.svc.CertificatePEM()
	t.Run("the confirmation message is AWS's, signed", func(t *testing.T) {
		if c.s("TopicArn") != topic || len(c.s("Token")) < 64 || !strings.Contains(c.s("SubscribeURL"), "Action=ConfirmSubscription") ||
			!strings.Contains(c.s("Message"), "You have chosen to subscribe to the topic "+topic) {
			t.Errorf("got %v", c)
		}
		verify(t, c, certPEM)
	})
	t.Run("following the SubscribeURL confirmed it, unauthenticated", func(t *testing.T) {
		a, _ := f.svc.GetSubscriptionAttributes(ctx, sub.ARN)
		if a["PendingConfirmation"] != "false" || a["ConfirmationWasAuthenticated"] != "false" {
			t.Errorf("got %v", a)
		}
	})
	t.Run("a wrong token is InvalidParameter", func(t *testing.T) {
		if _, err := f.svc.ConfirmSubscription(ctx, topic, "nope", true, false); code(err) != sns.CodeInvalidParameter {
			t.Errorf("got %v", err)
		}
	})
	t.Run("notifications are POSTed with AWS's headers", func(t *testing.T) {
		res := f.publish(t, sns.PublishInput{TopicARN: topic, Message: "hi"})
		eventually(t, "the notification arrived", func() bool { return len(ep.of("Notification")) == 1 })
		r := ep.of("Notification")[0]
		for k, want := range map[string]string{"x-amz-sns-message-id": res.MessageID, "x-amz-sns-topic-arn": topic,
			"x-amz-sns-subscription-arn": sub.ARN, "Content-Type": "text/plain; charset=UTF-8", "User-Agent": "Amazon Simple Notification Service Agent"} {
			if got := r.Header.Get(k); got != want {
				t.Errorf("%s = %q, want %q", k, got, want)
			}
		}
		verify(t, decode(t, r.Body), certPEM)
	})
	t.Run("the UnsubscribeURL deletes it and sends an UnsubscribeConfirmation", func(t *testing.T) {
		e := decode(t, ep.of("Notification")[0].Body)
		resp, err := http.Get(e.s("UnsubscribeURL"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET UnsubscribeURL: %d", resp.StatusCode)
		}
		eventually(t, "the unsubscribe confirmation arrived", func() bool { return len(ep.of("UnsubscribeConfirmation")) == 1 })
		if _, err := f.svc.GetSubscription(ctx, sub.ARN); code(err) != sns.CodeNotFound {
			t.Errorf("still subscribed: %v", err)
		}
	})
}

func TestHTTPRetriesFollowTheDeliveryPolicyThenTheDeadLetterQueue(t *testing.T) {
	f := newFixture(t)
	topic := f.topic(t, "t", nil)
	failing := newEndpoint(t, func(r request) int {
		if r.Header.Get("x-amz-sns-message-type") == "Notification" {
			return 503
		}
		return 200
	})
	confirmHTTP(t, f, topic, failing, map[string]string{
		"DeliveryPolicy": `{"healthyRetryPolicy":{"minDelayTarget":1,"maxDelayTarget":1,"numRetries":2}}`,
		"RedrivePolicy":  `{"deadLetterTargetArn":"` + queueARN("dlq") + `"}`,
	})
	gone := newEndpoint(t, func(r request) int {
		if r.Header.Get("x-amz-sns-message-type") == "Notification" {
			return 404
		}
		return 200
	})
	confirmHTTP(t, f, topic, gone, nil)
	f.publish(t, sns.PublishInput{TopicARN: topic, Message: "m"})
	for attempt := 1; attempt <= 3; attempt++ {
		eventually(t, fmt.Sprintf("attempt %d", attempt), func() bool { return len(failing.of("Notification")) >= attempt })
		f.clock.Add(time.Second)
	}
	f.drained(t)
	t.Run("the endpoint got the first attempt and two retries", func(t *testing.T) {
		if got := len(failing.of("Notification")); got != 3 {
			t.Errorf("got %d attempts", got)
		}
	})
	t.Run("the message then went to the dead-letter queue", func(t *testing.T) {
		dlq := f.queues.to(queueARN("dlq"))
		if len(dlq) != 1 || decode(t, dlq[0].Body).s("Message") != "m" || dlq[0].Attrs["ErrorCode"].StringValue == "" {
			t.Errorf("got %+v", dlq)
		}
	})
	t.Run("a 4xx answer ends the delivery without retries", func(t *testing.T) {
		if got := len(gone.of("Notification")); got != 1 {
			t.Errorf("got %d attempts", got)
		}
	})
}

func TestFIFOTopicsDeliverInOrderPerGroupAndDeduplicate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	topic := f.topic(t, "t.fifo", map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"})
	q := queueARN("q.fifo")
	f.subscribe(t, topic, "sqs", q, nil)
	var mu sync.Mutex
	seen := map[string]bool{}
	f.queues.setFail(func(_, body string) bool {
		// Every message fails its first attempt: a retry must not let
		// the group's next message overtake it.
		mu.Lock()
		defer mu.Unlock()
		first := !seen[body]
		seen[body] = true
		return first
	})
	var want []string
	for i := range 10 {
		g := []string{"a", "b"}[i%2]
		msg := fmt.Sprintf("%s-%d", g, i)
		want = append(want, msg)
		r := f.publish(t, sns.PublishInput{TopicARN: topic, Message: msg, GroupID: g})
		if len(r.SequenceNumber) != 20 {
			t.Fatalf("sequence number %q", r.SequenceNumber)
		}
	}
	f.drained(t)
	got := f.queues.to(q)
	order := map[string][]string{}
	for _, s := range got {
		e := decode(t, s.Body)
		if !s.FIFO || s.Group != e.s("Message")[:1] || s.Dedup == "" || e.s("SequenceNumber") == "" || e.s("Signature") != "" {
			t.Fatalf("got %+v / %v", s, e)
		}
		order[s.Group] = append(order[s.Group], e.s("Message"))
	}
	t.Run("each group arrives in publish order", func(t *testing.T) {
		if strings.Join(order["a"], ",") != "a-0,a-2,a-4,a-6,a-8" || strings.Join(order["b"], ",") != "b-1,b-3,b-5,b-7,b-9" {
			t.Errorf("got %v", order)
		}
	})
	t.Run("a duplicate within five minutes gets the first id and is not delivered", func(t *testing.T) {
		first := f.publish(t, sns.PublishInput{TopicARN: topic, Message: "dup", GroupID: "a", DedupID: "d1"})
		second := f.publish(t, sns.PublishInput{TopicARN: topic, Message: "dup", GroupID: "a", DedupID: "d1"})
		if first.MessageID != second.MessageID || first.SequenceNumber != second.SequenceNumber {
			t.Errorf("got %+v and %+v", first, second)
		}
		f.drained(t)
		if n := len(f.queues.to(q)); n != 11 {
			t.Errorf("the queue has %d messages, want 11", n)
		}
	})
	t.Run("the FIFO rules of Publish", func(t *testing.T) {
		strict := f.topic(t, "strict.fifo", map[string]string{"FifoTopic": "true"})
		std := f.topic(t, "std", nil)
		for _, tc := range []struct {
			name string
			in   sns.PublishInput
		}{
			{"no group id", sns.PublishInput{TopicARN: topic, Message: "x"}},
			{"no deduplication id without content-based deduplication", sns.PublishInput{TopicARN: strict, Message: "x", GroupID: "g"}},
			{"a deduplication id on a standard topic", sns.PublishInput{TopicARN: std, Message: "x", DedupID: "d"}},
		} {
			if _, err := f.svc.Publish(ctx, tc.in); code(err) != sns.CodeInvalidParameter {
				t.Errorf("%s: got %v", tc.name, err)
			}
		}
	})
}

func TestPublishedMessagesSurviveARestart(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	topic := f.topic(t, "t", nil)
	f.subscribe(t, topic, "sqs", queueARN("q"), nil)
	if err := f.svc.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	res := f.publish(t, sns.PublishInput{TopicARN: topic, Message: "kept"})
	f.close()
	if len(f.queues.to(queueARN("q"))) != 0 {
		t.Fatal("delivered while stopped")
	}
	f.open(t)
	f.drained(t)
	got := f.queues.to(queueARN("q"))
	if len(got) != 1 || decode(t, got[0].Body).s("MessageId") != res.MessageID {
		t.Errorf("got %+v", got)
	}
}

func TestPublishValidation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	topic := f.topic(t, "t", nil)
	tests := []struct {
		name string
		in   sns.PublishInput
		code string
	}{
		{"an empty message", sns.PublishInput{TopicARN: topic}, sns.CodeInvalidParameter},
		{"a message over 256 KiB", sns.PublishInput{TopicARN: topic, Message: strings.Repeat("x", 256*1024+1)}, sns.CodeInvalidParameter},
		{"a subject with a newline", sns.PublishInput{TopicARN: topic, Message: "m", Subject: "a\nb"}, sns.CodeInvalidParameter},
		{"a JSON structure without default", sns.PublishInput{TopicARN: topic, Message: `{"sqs":"x"}`, Structure: "json"}, sns.CodeInvalidParameter},
		{"a JSON structure that is not JSON", sns.PublishInput{TopicARN: topic, Message: `nope`, Structure: "json"}, sns.CodeInvalidParameter},
		{"a Number attribute that is not a number", sns.PublishInput{TopicARN: topic, Message: "m",
			Attributes: map[string]sns.MessageAttribute{"n": {DataType: "Number", StringValue: "ten"}}}, sns.CodeInvalidParameterValue},
		{"an attribute without a value", sns.PublishInput{TopicARN: topic, Message: "m",
			Attributes: map[string]sns.MessageAttribute{"s": {DataType: "String"}}}, sns.CodeInvalidParameterValue},
		{"an attribute of an unknown type", sns.PublishInput{TopicARN: topic, Message: "m",
			Attributes: map[string]sns.MessageAttribute{"s": {DataType: "Date", StringValue: "x"}}}, sns.CodeInvalidParameterValue},
		{"a String.Array that is not an array", sns.PublishInput{TopicARN: topic, Message: "m",
			Attributes: map[string]sns.MessageAttribute{"s": {DataType: "String.Array", StringValue: "x"}}}, sns.CodeInvalidParameterValue},
		{"an attribute name starting with AWS.", sns.PublishInput{TopicARN: topic, Message: "m",
			Attributes: map[string]sns.MessageAttribute{"AWS.x": {DataType: "String", StringValue: "x"}}}, sns.CodeInvalidParameter},
		{"a missing topic", sns.PublishInput{TopicARN: sns.TopicARN(region, acct, "nope"), Message: "m"}, sns.CodeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			if _, err := f.svc.Publish(ctx, tc.in); code(err) != tc.code {
				t.Errorf("got %v, want %s", err, tc.code)
			}
		})
	}
	t.Run("PublishBatch fails bad entries alone", func(t *testing.T) {
		res, err := f.svc.PublishBatch(ctx, topic, []sns.BatchEntry{
			{ID: "ok", PublishInput: sns.PublishInput{Message: "m"}},
			{ID: "bad", PublishInput: sns.PublishInput{Message: ""}},
		})
		if err != nil || len(res) != 2 || res[0].Err != nil || res[0].MessageID == "" || code(res[1].Err) != sns.CodeInvalidParameter {
			t.Errorf("got %+v, %v", res, err)
		}
	})
	t.Run("PublishBatch checks the batch", func(t *testing.T) {
		e := sns.BatchEntry{ID: "a", PublishInput: sns.PublishInput{Message: "m"}}
		eleven := make([]sns.BatchEntry, 11)
		for i := range eleven {
			eleven[i] = sns.BatchEntry{ID: fmt.Sprint("e", i), PublishInput: e.PublishInput}
		}
		for name, tc := range map[string]struct {
			entries []sns.BatchEntry
			code    string
		}{
			"empty":            {nil, sns.CodeEmptyBatch},
			"eleven entries":   {eleven, sns.CodeTooManyEntries},
			"duplicate ids":    {[]sns.BatchEntry{e, e}, sns.CodeBatchIDsNotDistinct},
			"an id with a dot": {[]sns.BatchEntry{{ID: "a.b", PublishInput: e.PublishInput}}, sns.CodeInvalidBatchEntryID},
		} {
			if _, err := f.svc.PublishBatch(ctx, topic, tc.entries); code(err) != tc.code {
				t.Errorf("%s: got %v, want %s", name, err, tc.code)
			}
		}
	})
}
