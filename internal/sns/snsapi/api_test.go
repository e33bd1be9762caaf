package snsapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	snssdk "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

func TestSNSThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	s := aws.String
	created, err := c.CreateTopic(ctx, &snssdk.CreateTopicInput{Name: s("orders"), Attributes: map[string]string{"DisplayName": "Orders"},
		Tags: []types.Tag{{Key: s("team"), Value: s("a")}}})
	if err != nil {
		t.Fatal(err)
	}
	topic := aws.ToString(created.TopicArn)
	queue := "arn:aws:sqs:" + apitest.Region + ":" + e.Account + ":q"
	t.Run("CreateTopic answers the topic's ARN", func(t *testing.T) {
		if topic != e.topicARN("orders") {
			t.Errorf("got %s", topic)
		}
	})
	t.Run("GetTopicAttributes returns the attribute map", func(t *testing.T) {
		out, err := c.GetTopicAttributes(ctx, &snssdk.GetTopicAttributesInput{TopicArn: s(topic)})
		if err != nil || out.Attributes["DisplayName"] != "Orders" || out.Attributes["Owner"] != e.Account || out.Attributes["Policy"] == "" {
			t.Errorf("got %+v, %v", out, err)
		}
	})
	t.Run("ListTopics pages with NextToken", func(t *testing.T) {
		for i := range 100 {
			if _, err := c.CreateTopic(ctx, &snssdk.CreateTopicInput{Name: s(fmt.Sprintf("p%03d", i))}); err != nil {
				t.Fatal(err)
			}
		}
		p := snssdk.NewListTopicsPaginator(c, &snssdk.ListTopicsInput{})
		n, pages := 0, 0
		for p.HasMorePages() {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n += len(out.Topics)
			pages++
		}
		if n != 101 || pages != 2 {
			t.Errorf("got %d topics in %d pages", n, pages)
		}
	})
	sub, err := c.Subscribe(ctx, &snssdk.SubscribeInput{TopicArn: s(topic), Protocol: s("sqs"), Endpoint: s(queue),
		Attributes: map[string]string{"FilterPolicy": `{"kind":["order"]}`}, ReturnSubscriptionArn: true})
	if err != nil {
		t.Fatal(err)
	}
	subARN := aws.ToString(sub.SubscriptionArn)
	t.Run("Publish delivers what passes the filter policy", func(t *testing.T) {
		pub, err := c.Publish(ctx, &snssdk.PublishInput{TopicArn: s(topic), Message: s("placed"), Subject: s("New order"),
			MessageAttributes: map[string]types.MessageAttributeValue{"kind": {DataType: s("String"), StringValue: s("order")}}})
		if err != nil || aws.ToString(pub.MessageId) == "" {
			t.Fatalf("got %+v, %v", pub, err)
		}
		if _, err := c.Publish(ctx, &snssdk.PublishInput{TargetArn: s(topic), Message: s("filtered out")}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() bool { return len(e.Queues.to(queue)) == 1 })
		time.Sleep(20 * time.Millisecond)
		got := e.Queues.to(queue)
		var env map[string]any
		if len(got) != 1 || json.Unmarshal([]byte(got[0]), &env) != nil || env["MessageId"] != aws.ToString(pub.MessageId) || env["Subject"] != "New order" {
			t.Errorf("got %v", got)
		}
	})
	t.Run("PublishBatch reports each entry", func(t *testing.T) {
		out, err := c.PublishBatch(ctx, &snssdk.PublishBatchInput{TopicArn: s(topic), PublishBatchRequestEntries: []types.PublishBatchRequestEntry{
			{Id: s("one"), Message: s("m1")}, {Id: s("two"), Message: s("m2"), MessageStructure: s("json")},
		}})
		if err != nil || len(out.Successful) != 1 || aws.ToString(out.Successful[0].Id) != "one" || len(out.Failed) != 1 ||
			aws.ToString(out.Failed[0].Code) != "InvalidParameter" || !out.Failed[0].SenderFault {
			t.Errorf("got %+v, %v", out, err)
		}
	})
	t.Run("subscriptions are listed with their owner", func(t *testing.T) {
		out, err := c.ListSubscriptionsByTopic(ctx, &snssdk.ListSubscriptionsByTopicInput{TopicArn: s(topic)})
		if err != nil || len(out.Subscriptions) != 1 || aws.ToString(out.Subscriptions[0].SubscriptionArn) != subARN ||
			aws.ToString(out.Subscriptions[0].Owner) != e.Account {
			t.Errorf("got %+v, %v", out, err)
		}
		all, err := c.ListSubscriptions(ctx, &snssdk.ListSubscriptionsInput{})
		if err != nil || len(all.Subscriptions) != 1 {
			t.Errorf("got %+v, %v", all, err)
		}
	})
	t.Run("an http subscription is pending confirmation", func(t *testing.T) {
		out, err := c.Subscribe(ctx, &snssdk.SubscribeInput{TopicArn: s(topic), Protocol: s("http"), Endpoint: s("http://127.0.0.1:1/hook")})
		if err != nil || aws.ToString(out.SubscriptionArn) != "pending confirmation" {
			t.Errorf("got %+v, %v", out, err)
		}
		list, _ := c.ListSubscriptionsByTopic(ctx, &snssdk.ListSubscriptionsByTopicInput{TopicArn: s(topic)})
		pending := 0
		for _, sub := range list.Subscriptions {
			if aws.ToString(sub.SubscriptionArn) == "PendingConfirmation" {
				pending++
			}
		}
		if pending != 1 {
			t.Errorf("got %+v", list.Subscriptions)
		}
	})
	t.Run("subscription attributes are set one at a time", func(t *testing.T) {
		if _, err := c.SetSubscriptionAttributes(ctx, &snssdk.SetSubscriptionAttributesInput{SubscriptionArn: s(subARN),
			AttributeName: s("RawMessageDelivery"), AttributeValue: s("true")}); err != nil {
			t.Fatal(err)
		}
		out, err := c.GetSubscriptionAttributes(ctx, &snssdk.GetSubscriptionAttributesInput{SubscriptionArn: s(subARN)})
		if err != nil || out.Attributes["RawMessageDelivery"] != "true" || out.Attributes["FilterPolicy"] != `{"kind":["order"]}` {
			t.Errorf("got %+v, %v", out, err)
		}
	})
	t.Run("tags are listed", func(t *testing.T) {
		if _, err := c.TagResource(ctx, &snssdk.TagResourceInput{ResourceArn: s(topic), Tags: []types.Tag{{Key: s("env"), Value: s("dev")}}}); err != nil {
			t.Fatal(err)
		}
		out, err := c.ListTagsForResource(ctx, &snssdk.ListTagsForResourceInput{ResourceArn: s(topic)})
		if err != nil || len(out.Tags) != 2 || aws.ToString(out.Tags[1].Key) != "env" {
			t.Errorf("got %+v, %v", out, err)
		}
	})
	t.Run("a FIFO topic answers sequence numbers", func(t *testing.T) {
		f, err := c.CreateTopic(ctx, &snssdk.CreateTopicInput{Name: s("ev.fifo"), Attributes: map[string]string{"FifoTopic": "true", "ContentBasedDeduplication": "true"}})
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.Publish(ctx, &snssdk.PublishInput{TopicArn: f.TopicArn, Message: s("x"), MessageGroupId: s("g")})
		if err != nil || len(aws.ToString(out.SequenceNumber)) != 20 {
			t.Errorf("got %+v, %v", out, err)
		}
	})
	t.Run("Unsubscribe and DeleteTopic", func(t *testing.T) {
		if _, err := c.Unsubscribe(ctx, &snssdk.UnsubscribeInput{SubscriptionArn: s(subARN)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteTopic(ctx, &snssdk.DeleteTopicInput{TopicArn: s(topic)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetTopicAttributes(ctx, &snssdk.GetTopicAttributesInput{TopicArn: s(topic)}); apitest.APICode(err) != "NotFound" {
			t.Errorf("got %v", err)
		}
	})
}

func TestSNSErrorsReachTheClientAsAWSSendsThem(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	s := aws.String
	if _, err := c.CreateTopic(ctx, &snssdk.CreateTopicInput{Name: s("t")}); err != nil {
		t.Fatal(err)
	}
	topic := e.topicARN("t")
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"a missing topic is NotFound", func() error {
			_, err := c.Publish(ctx, &snssdk.PublishInput{TopicArn: s(e.topicARN("nope")), Message: s("m")})
			return err
		}, "NotFound"},
		{"a topic ARN that is not one is InvalidParameter", func() error {
			_, err := c.GetTopicAttributes(ctx, &snssdk.GetTopicAttributesInput{TopicArn: s("orders")})
			return err
		}, "InvalidParameter"},
		{"a bad topic name is InvalidParameter", func() error {
			_, err := c.CreateTopic(ctx, &snssdk.CreateTopicInput{Name: s("a b")})
			return err
		}, "InvalidParameter"},
		{"a Number attribute that is not a number is ParameterValueInvalid", func() error {
			_, err := c.Publish(ctx, &snssdk.PublishInput{TopicArn: s(topic), Message: s("m"),
				MessageAttributes: map[string]types.MessageAttributeValue{"n": {DataType: s("Number"), StringValue: s("x")}}})
			return err
		}, "ParameterValueInvalid"},
		{"an empty batch is EmptyBatchRequest", func() error {
			_, err := c.PublishBatch(ctx, &snssdk.PublishBatchInput{TopicArn: s(topic), PublishBatchRequestEntries: []types.PublishBatchRequestEntry{}})
			return err
		}, "EmptyBatchRequest"},
		{"an unknown subscription attribute is InvalidParameter", func() error {
			_, err := c.Subscribe(ctx, &snssdk.SubscribeInput{TopicArn: s(topic), Protocol: s("sqs"),
				Endpoint: s("arn:aws:sqs:us-east-1:" + e.Account + ":q"), Attributes: map[string]string{"Nope": "x"}})
			return err
		}, "InvalidParameter"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := apitest.APICode(tc.call()); got != tc.code {
				t.Errorf("got %q, want %q", got, tc.code)
			}
		})
	}
}

func TestTopicPoliciesAreEnforced(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.client(e.Admin)
	s := aws.String
	if _, err := admin.CreateTopic(ctx, &snssdk.CreateTopicInput{Name: s("t")}); err != nil {
		t.Fatal(err)
	}
	topic := e.topicARN("t")
	nobody := e.NewUser(t, e.Account, "nobody", "")
	publish := func() error {
		_, err := e.client(nobody).Publish(ctx, &snssdk.PublishInput{TopicArn: s(topic), Message: s("m")})
		return err
	}
	t.Run("the default policy does not let a user without permissions publish", func(t *testing.T) {
		if got := apitest.APICode(publish()); got != "AuthorizationError" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a topic policy naming the user does", func(t *testing.T) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + e.Account +
			`:user/nobody"},"Action":"sns:Publish","Resource":"` + topic + `"}]}`
		if _, err := admin.SetTopicAttributes(ctx, &snssdk.SetTopicAttributesInput{TopicArn: s(topic), AttributeName: s("Policy"), AttributeValue: s(doc)}); err != nil {
			t.Fatal(err)
		}
		if err := publish(); err != nil {
			t.Error(err)
		}
	})
	t.Run("a topic policy with an explicit deny stops even the administrator", func(t *testing.T) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sns:Publish","Resource":"` + topic + `"}]}`
		if _, err := admin.SetTopicAttributes(ctx, &snssdk.SetTopicAttributesInput{TopicArn: s(topic), AttributeName: s("Policy"), AttributeValue: s(doc)}); err != nil {
			t.Fatal(err)
		}
		_, err := admin.Publish(ctx, &snssdk.PublishInput{TopicArn: s(topic), Message: s("m")})
		if got := apitest.APICode(err); got != "AuthorizationError" {
			t.Errorf("got %q", got)
		}
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(2 * time.Millisecond)
	}
}
