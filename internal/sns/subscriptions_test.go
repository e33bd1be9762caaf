package sns_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/sns"
)

func TestSubscriptions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	topic := f.topic(t, "t", nil)
	fifo := f.topic(t, "t.fifo", map[string]string{"FifoTopic": "true"})
	tests := []struct {
		name               string
		topic              string
		protocol, endpoint string
		attrs              map[string]string
		code               string
	}{
		{"an SQS queue of the account is confirmed at once", topic, "sqs", queueARN("q1"), nil, ""},
		{"a Lambda function is confirmed at once", topic, "lambda", "arn:aws:lambda:us-east-1:111122223333:function:fn", nil, ""},
		{"an SQS endpoint that is not a queue ARN is InvalidParameter", topic, "sqs", "https://sqs.example/q", nil, sns.CodeInvalidParameter},
		{"an http endpoint with https is InvalidParameter", topic, "http", "https://example.com/", nil, sns.CodeInvalidParameter},
		{"email is refused, Stratus sends no mail", topic, "email", "a@example.com", nil, sns.CodeInvalidParameter},
		{"an unknown protocol is InvalidParameter", topic, "carrier-pigeon", "x", nil, sns.CodeInvalidParameter},
		{"a FIFO topic takes only FIFO queues", fifo, "sqs", queueARN("plain"), nil, sns.CodeInvalidParameter},
		{"a FIFO topic refuses Lambda", fifo, "lambda", "arn:aws:lambda:us-east-1:111122223333:function:fn", nil, sns.CodeInvalidParameter},
		{"a FIFO queue is refused on a standard topic", topic, "sqs", queueARN("q.fifo"), nil, sns.CodeInvalidParameter},
		{"a FIFO queue on a FIFO topic is confirmed", fifo, "sqs", queueARN("q.fifo"), nil, ""},
		{"raw delivery is refused for Lambda", topic, "lambda", "arn:aws:lambda:us-east-1:111122223333:function:g",
			map[string]string{"RawMessageDelivery": "true"}, sns.CodeInvalidParameter},
		{"an invalid filter policy is InvalidParameter", topic, "sqs", queueARN("q2"), map[string]string{"FilterPolicy": `{"a":"b"}`}, sns.CodeInvalidParameter},
		{"a nested filter policy needs the MessageBody scope", topic, "sqs", queueARN("q3"),
			map[string]string{"FilterPolicy": `{"a":{"b":["c"]}}`}, sns.CodeInvalidParameter},
		{"a nested filter policy with the MessageBody scope is accepted", topic, "sqs", queueARN("q4"),
			map[string]string{"FilterPolicy": `{"a":{"b":["c"]}}`, "FilterPolicyScope": "MessageBody"}, ""},
		{"a RedrivePolicy must name a queue", topic, "sqs", queueARN("q5"), map[string]string{"RedrivePolicy": `{"deadLetterTargetArn":"x"}`}, sns.CodeInvalidParameter},
		{"an unknown attribute is InvalidParameter", topic, "sqs", queueARN("q6"), map[string]string{"Colour": "blue"}, sns.CodeInvalidParameter},
		{"a missing topic is NotFound", sns.TopicARN(region, acct, "nope"), "sqs", queueARN("q7"), nil, sns.CodeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sub, err := f.svc.Subscribe(ctx, acct, tc.topic, tc.protocol, tc.endpoint, tc.attrs)
			if got := code(err); got != tc.code {
				t.Fatalf("got %v, want %q", err, tc.code)
			}
			if err == nil && (sub.Pending || !strings.HasPrefix(sub.ARN, tc.topic+":")) {
				t.Errorf("got %+v", sub)
			}
		})
	}
	t.Run("subscribing again returns the same subscription", func(t *testing.T) {
		a := f.subscribe(t, topic, "sqs", queueARN("q1"), nil)
		b := f.subscribe(t, topic, "sqs", queueARN("q1"), nil)
		if a.ARN != b.ARN {
			t.Errorf("got %s and %s", a.ARN, b.ARN)
		}
		_, err := f.svc.Subscribe(ctx, acct, topic, "sqs", queueARN("q1"), map[string]string{"RawMessageDelivery": "true"})
		if code(err) != sns.CodeInvalidParameter {
			t.Errorf("with other attributes: got %v", err)
		}
	})
	t.Run("a queue of another account subscribed by the topic owner is pending", func(t *testing.T) {
		sub := f.subscribe(t, topic, "sqs", "arn:aws:sqs:us-east-1:"+other+":theirs", nil)
		if !sub.Pending {
			t.Errorf("got %+v", sub)
		}
		f.drained(t)
		got := f.queues.to("arn:aws:sqs:us-east-1:" + other + ":theirs")
		if len(got) != 1 || decode(t, got[0].Body).s("Type") != "SubscriptionConfirmation" {
			t.Fatalf("the queue got %v", got)
		}
		arn, err := f.svc.ConfirmSubscription(ctx, topic, decode(t, got[0].Body).s("Token"), true, false)
		if err != nil || arn != sub.ARN {
			t.Errorf("confirm: %s, %v", arn, err)
		}
	})
	t.Run("attributes show defaults and computed values", func(t *testing.T) {
		sub := f.subscribe(t, topic, "sqs", queueARN("attrs"), map[string]string{"FilterPolicy": `{"a":["b"]}`})
		a, err := f.svc.GetSubscriptionAttributes(ctx, sub.ARN)
		if err != nil {
			t.Fatal(err)
		}
		for k, want := range map[string]string{"Owner": acct, "Protocol": "sqs", "Endpoint": queueARN("attrs"), "TopicArn": topic,
			"PendingConfirmation": "false", "RawMessageDelivery": "false", "FilterPolicyScope": "MessageAttributes"} {
			if a[k] != want {
				t.Errorf("%s = %q, want %q", k, a[k], want)
			}
		}
		if err := f.svc.SetSubscriptionAttributes(ctx, sub.ARN, "FilterPolicy", ""); err != nil {
			t.Fatal(err)
		}
		a, _ = f.svc.GetSubscriptionAttributes(ctx, sub.ARN)
		if _, ok := a["FilterPolicy"]; ok {
			t.Errorf("an empty FilterPolicy did not remove it: %v", a)
		}
		if err := f.svc.SetSubscriptionAttributes(ctx, sub.ARN, "RawMessageDelivery", "maybe"); code(err) != sns.CodeInvalidParameter {
			t.Errorf("bad RawMessageDelivery: got %v", err)
		}
	})
	t.Run("unsubscribing removes it, counts it and succeeds again", func(t *testing.T) {
		sub := f.subscribe(t, topic, "sqs", queueARN("gone"), nil)
		for range 2 {
			if err := f.svc.Unsubscribe(ctx, sub.ARN, false); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.svc.GetSubscriptionAttributes(ctx, sub.ARN); code(err) != sns.CodeNotFound {
			t.Errorf("got %v", err)
		}
		a, _ := f.svc.GetTopicAttributes(ctx, topic)
		if a["SubscriptionsDeleted"] != "1" {
			t.Errorf("SubscriptionsDeleted = %s", a["SubscriptionsDeleted"])
		}
	})
	t.Run("ListSubscriptionsByTopic lists the topic's subscriptions", func(t *testing.T) {
		subs, next, err := f.svc.ListSubscriptionsByTopic(ctx, fifo, "")
		if err != nil || next != "" || len(subs) != 1 || subs[0].Endpoint != queueARN("q.fifo") {
			t.Errorf("got %v, %q, %v", subs, next, err)
		}
		all, _, _ := f.svc.ListSubscriptions(ctx, acct, region, "")
		if len(all) < 5 {
			t.Errorf("ListSubscriptions got %d", len(all))
		}
	})
}
