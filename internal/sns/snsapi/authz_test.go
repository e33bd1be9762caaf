package snsapi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	snssdk "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/store"
)

// authzCase checks that one operation is authorized against the topic it
// names and nothing broader: a caller allowed the action on one topic
// succeeds on it and is denied (AuthorizationError), with nothing changed,
// on a sibling topic.
type authzCase struct {
	op string
	// action is the IAM action; "" means sns:<op>.
	action string
	// setup prepares the topic (and what else the call needs) and returns
	// a value call receives; may be nil.
	setup func(t testing.TB, e *env, topic string) string
	call  func(ctx context.Context, c *snssdk.Client, e *env, topic, extra string) error
}

func allowDoc(action string, resources ...string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":["` + strings.Join(resources, `","`) + `"]}]}`
}

func withTopic(t testing.TB, e *env, name string) string {
	t.Helper()
	if _, err := e.SNS.CreateTopic(context.Background(), e.Account, apitest.Region, name, nil, nil); err != nil {
		t.Fatal(err)
	}
	return ""
}

// withSubscription creates the topic with an SQS subscription and returns
// the subscription's ARN.
func withSubscription(t testing.TB, e *env, name string) string {
	t.Helper()
	withTopic(t, e, name)
	sub, err := e.SNS.Subscribe(context.Background(), e.Account, e.topicARN(name), "sqs", "arn:aws:sqs:us-east-1:"+e.Account+":"+name, nil)
	if err != nil {
		t.Fatal(err)
	}
	return sub.ARN
}

// withPending creates the topic with an http subscription awaiting
// confirmation and returns its token.
func withPending(t testing.TB, e *env, name string) string {
	t.Helper()
	withTopic(t, e, name)
	ctx := context.Background()
	if _, err := e.SNS.Subscribe(ctx, e.Account, e.topicARN(name), "http", "http://127.0.0.1:1/"+name, nil); err != nil {
		t.Fatal(err)
	}
	var token string
	err := e.Store.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT token FROM sns_subscriptions WHERE topic_arn = ?`, e.topicARN(name)).Scan(&token)
	})
	if err != nil {
		t.Fatal(err)
	}
	return token
}

func TestEveryOperationIsAuthorizedOnItsTopic(t *testing.T) {
	e := newEnvDelivering(t, false)
	s := aws.String
	cases := []authzCase{
		{op: "CreateTopic", call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.CreateTopic(ctx, &snssdk.CreateTopicInput{Name: s(topic)})
			return err
		}},
		{op: "DeleteTopic", setup: withTopic, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.DeleteTopic(ctx, &snssdk.DeleteTopicInput{TopicArn: s(e.topicARN(topic))})
			return err
		}},
		{op: "GetTopicAttributes", setup: withTopic, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.GetTopicAttributes(ctx, &snssdk.GetTopicAttributesInput{TopicArn: s(e.topicARN(topic))})
			return err
		}},
		{op: "SetTopicAttributes", setup: withTopic, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.SetTopicAttributes(ctx, &snssdk.SetTopicAttributesInput{TopicArn: s(e.topicARN(topic)), AttributeName: s("DisplayName"), AttributeValue: s("x")})
			return err
		}},
		{op: "Subscribe", setup: withTopic, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.Subscribe(ctx, &snssdk.SubscribeInput{TopicArn: s(e.topicARN(topic)), Protocol: s("sqs"), Endpoint: s("arn:aws:sqs:us-east-1:" + e.Account + ":q")})
			return err
		}},
		{op: "ConfirmSubscription", setup: withPending, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, token string) error {
			_, err := c.ConfirmSubscription(ctx, &snssdk.ConfirmSubscriptionInput{TopicArn: s(e.topicARN(topic)), Token: s(token)})
			return err
		}},
		{op: "Unsubscribe", setup: withSubscription, call: func(ctx context.Context, c *snssdk.Client, e *env, _, sub string) error {
			_, err := c.Unsubscribe(ctx, &snssdk.UnsubscribeInput{SubscriptionArn: s(sub)})
			return err
		}},
		{op: "GetSubscriptionAttributes", setup: withSubscription, call: func(ctx context.Context, c *snssdk.Client, e *env, _, sub string) error {
			_, err := c.GetSubscriptionAttributes(ctx, &snssdk.GetSubscriptionAttributesInput{SubscriptionArn: s(sub)})
			return err
		}},
		{op: "SetSubscriptionAttributes", setup: withSubscription, call: func(ctx context.Context, c *snssdk.Client, e *env, _, sub string) error {
			_, err := c.SetSubscriptionAttributes(ctx, &snssdk.SetSubscriptionAttributesInput{SubscriptionArn: s(sub), AttributeName: s("RawMessageDelivery"), AttributeValue: s("true")})
			return err
		}},
		{op: "ListSubscriptionsByTopic", setup: withSubscription, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.ListSubscriptionsByTopic(ctx, &snssdk.ListSubscriptionsByTopicInput{TopicArn: s(e.topicARN(topic))})
			return err
		}},
		{op: "Publish", setup: withSubscription, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.Publish(ctx, &snssdk.PublishInput{TopicArn: s(e.topicARN(topic)), Message: s("m")})
			return err
		}},
		{op: "PublishBatch", action: "sns:Publish", setup: withSubscription, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			out, err := c.PublishBatch(ctx, &snssdk.PublishBatchInput{TopicArn: s(e.topicARN(topic)),
				PublishBatchRequestEntries: []types.PublishBatchRequestEntry{{Id: s("a"), Message: s("m")}}})
			if err == nil && len(out.Failed) > 0 {
				return fmt.Errorf("entry failed: %s", aws.ToString(out.Failed[0].Message))
			}
			return err
		}},
		{op: "TagResource", setup: withTopic, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.TagResource(ctx, &snssdk.TagResourceInput{ResourceArn: s(e.topicARN(topic)), Tags: []types.Tag{{Key: s("k"), Value: s("v")}}})
			return err
		}},
		{op: "UntagResource", setup: withTopic, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.UntagResource(ctx, &snssdk.UntagResourceInput{ResourceArn: s(e.topicARN(topic)), TagKeys: []string{"k"}})
			return err
		}},
		{op: "ListTagsForResource", setup: withTopic, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.ListTagsForResource(ctx, &snssdk.ListTagsForResourceInput{ResourceArn: s(e.topicARN(topic))})
			return err
		}},
		{op: "AddPermission", setup: withTopic, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.AddPermission(ctx, &snssdk.AddPermissionInput{TopicArn: s(e.topicARN(topic)), Label: s("l"), AWSAccountId: []string{"444455556666"}, ActionName: []string{"Publish"}})
			return err
		}},
		{op: "RemovePermission", setup: func(t testing.TB, e *env, topic string) string {
			withTopic(t, e, topic)
			if err := e.SNS.AddPermission(context.Background(), e.topicARN(topic), "l", []string{"444455556666"}, []string{"Publish"}); err != nil {
				t.Fatal(err)
			}
			return ""
		}, call: func(ctx context.Context, c *snssdk.Client, e *env, topic, _ string) error {
			_, err := c.RemovePermission(ctx, &snssdk.RemovePermissionInput{TopicArn: s(e.topicARN(topic)), Label: s("l")})
			return err
		}},
	}
	checkCoverage(t, e, cases, "ListTopics", "ListSubscriptions")
	for i, tc := range cases {
		t.Run(tc.op+" is allowed on the named topic and denied on its sibling", func(t *testing.T) {
			ctx := context.Background()
			ok, sibling := fmt.Sprintf("t%dok", i), fmt.Sprintf("t%dno", i)
			var extraOK, extraNo string
			if tc.setup != nil {
				extraOK, extraNo = tc.setup(t, e, ok), tc.setup(t, e, sibling)
			}
			action := tc.action
			if action == "" {
				action = "sns:" + tc.op
			}
			caller := e.NewUser(t, e.Account, fmt.Sprintf("caller%d", i), allowDoc(action, e.topicARN(ok)))
			c := e.client(caller)
			before := snapshot(t, e.Store)
			if err := tc.call(ctx, c, e, sibling, extraNo); apitest.APICode(err) != "AuthorizationError" {
				t.Fatalf("on the sibling: got %v, want AuthorizationError", err)
			}
			if after := snapshot(t, e.Store); after != before {
				t.Errorf("the denied call changed the store:\nbefore %s\nafter  %s", before, after)
			}
			if err := tc.call(ctx, c, e, ok, extraOK); err != nil {
				t.Errorf("on the allowed topic: %v", err)
			}
		})
	}
}

func TestListingsAreAuthorizedAgainstStar(t *testing.T) {
	e := newEnvDelivering(t, false)
	ctx := context.Background()
	withTopic(t, e, "t")
	for i, tc := range []struct {
		op   string
		call func(c *snssdk.Client) error
	}{
		{"ListTopics", func(c *snssdk.Client) error { _, err := c.ListTopics(ctx, &snssdk.ListTopicsInput{}); return err }},
		{"ListSubscriptions", func(c *snssdk.Client) error {
			_, err := c.ListSubscriptions(ctx, &snssdk.ListSubscriptionsInput{})
			return err
		}},
	} {
		t.Run(tc.op+" needs the action on every resource", func(t *testing.T) {
			narrow := e.NewUser(t, e.Account, fmt.Sprint("narrow", i), allowDoc("sns:"+tc.op, e.topicARN("t")))
			if got := apitest.APICode(tc.call(e.client(narrow))); got != "AuthorizationError" {
				t.Errorf("allowed on one topic: got %q", got)
			}
			wide := e.NewUser(t, e.Account, fmt.Sprint("wide", i), allowDoc("sns:"+tc.op, "*"))
			if err := tc.call(e.client(wide)); err != nil {
				t.Errorf("allowed on *: %v", err)
			}
		})
	}
}

// checkCoverage fails t unless every registered operation has exactly one
// case (or is one of the others, tested on their own).
func checkCoverage(t *testing.T, e *env, cases []authzCase, others ...string) {
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.op]++
	}
	for _, o := range others {
		seen[o]++
	}
	var bad []string
	for op := range e.API.Ops {
		if seen[op] != 1 {
			bad = append(bad, fmt.Sprintf("%s (%d cases)", op, seen[op]))
		}
		delete(seen, op)
	}
	for op := range seen {
		bad = append(bad, op+" (not registered)")
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("operations without exactly one authorization case: %s", strings.Join(bad, ", "))
	}
}
