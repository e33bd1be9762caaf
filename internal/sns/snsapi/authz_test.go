package snsapi_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	snssdk "github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sns/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/store"
)

// topic is an authorization case's target: a topic's name and what the
// case's setup returned (a subscription's ARN or a confirmation token).
type topic struct{ name, extra string }

// setup adapts a with* helper to a case's Setup, keeping what it returns.
func (e *env) setup(with func(t testing.TB, e *env, name string) string) func(testing.TB, *topic) {
	return func(t testing.TB, tg *topic) { tg.extra = with(t, e, tg.name) }
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
	cases := []apitest.Case[*snssdk.Client, *topic]{
		{Op: "CreateTopic", Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.CreateTopic(ctx, &snssdk.CreateTopicInput{Name: s(tg.name)})
			return err
		}},
		{Op: "DeleteTopic", Setup: e.setup(withTopic), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.DeleteTopic(ctx, &snssdk.DeleteTopicInput{TopicArn: s(e.topicARN(tg.name))})
			return err
		}},
		{Op: "GetTopicAttributes", Setup: e.setup(withTopic), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.GetTopicAttributes(ctx, &snssdk.GetTopicAttributesInput{TopicArn: s(e.topicARN(tg.name))})
			return err
		}},
		{Op: "SetTopicAttributes", Setup: e.setup(withTopic), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.SetTopicAttributes(ctx, &snssdk.SetTopicAttributesInput{TopicArn: s(e.topicARN(tg.name)), AttributeName: s("DisplayName"), AttributeValue: s("x")})
			return err
		}},
		{Op: "Subscribe", Setup: e.setup(withTopic), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.Subscribe(ctx, &snssdk.SubscribeInput{TopicArn: s(e.topicARN(tg.name)), Protocol: s("sqs"), Endpoint: s("arn:aws:sqs:us-east-1:" + e.Account + ":q")})
			return err
		}},
		{Op: "ConfirmSubscription", Setup: e.setup(withPending), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.ConfirmSubscription(ctx, &snssdk.ConfirmSubscriptionInput{TopicArn: s(e.topicARN(tg.name)), Token: s(tg.extra)})
			return err
		}},
		{Op: "Unsubscribe", Setup: e.setup(withSubscription), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.Unsubscribe(ctx, &snssdk.UnsubscribeInput{SubscriptionArn: s(tg.extra)})
			return err
		}},
		{Op: "GetSubscriptionAttributes", Setup: e.setup(withSubscription), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.GetSubscriptionAttributes(ctx, &snssdk.GetSubscriptionAttributesInput{SubscriptionArn: s(tg.extra)})
			return err
		}},
		{Op: "SetSubscriptionAttributes", Setup: e.setup(withSubscription), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.SetSubscriptionAttributes(ctx, &snssdk.SetSubscriptionAttributesInput{SubscriptionArn: s(tg.extra), AttributeName: s("RawMessageDelivery"), AttributeValue: s("true")})
			return err
		}},
		{Op: "ListSubscriptionsByTopic", Setup: e.setup(withSubscription), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.ListSubscriptionsByTopic(ctx, &snssdk.ListSubscriptionsByTopicInput{TopicArn: s(e.topicARN(tg.name))})
			return err
		}},
		{Op: "Publish", Setup: e.setup(withSubscription), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.Publish(ctx, &snssdk.PublishInput{TopicArn: s(e.topicARN(tg.name)), Message: s("m")})
			return err
		}},
		{Op: "PublishBatch", Action: "sns:Publish", Setup: e.setup(withSubscription), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			out, err := c.PublishBatch(ctx, &snssdk.PublishBatchInput{TopicArn: s(e.topicARN(tg.name)),
				PublishBatchRequestEntries: []types.PublishBatchRequestEntry{{Id: s("a"), Message: s("m")}}})
			if err == nil && len(out.Failed) > 0 {
				return fmt.Errorf("entry failed: %s", aws.ToString(out.Failed[0].Message))
			}
			return err
		}},
		{Op: "TagResource", Setup: e.setup(withTopic), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.TagResource(ctx, &snssdk.TagResourceInput{ResourceArn: s(e.topicARN(tg.name)), Tags: []types.Tag{{Key: s("k"), Value: s("v")}}})
			return err
		}},
		{Op: "UntagResource", Setup: e.setup(withTopic), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.UntagResource(ctx, &snssdk.UntagResourceInput{ResourceArn: s(e.topicARN(tg.name)), TagKeys: []string{"k"}})
			return err
		}},
		{Op: "ListTagsForResource", Setup: e.setup(withTopic), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.ListTagsForResource(ctx, &snssdk.ListTagsForResourceInput{ResourceArn: s(e.topicARN(tg.name))})
			return err
		}},
		{Op: "AddPermission", Setup: e.setup(withTopic), Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.AddPermission(ctx, &snssdk.AddPermissionInput{TopicArn: s(e.topicARN(tg.name)), Label: s("l"), AWSAccountId: []string{"444455556666"}, ActionName: []string{"Publish"}})
			return err
		}},
		{Op: "RemovePermission", Setup: func(t testing.TB, tg *topic) {
			withTopic(t, e, tg.name)
			if err := e.SNS.AddPermission(context.Background(), e.topicARN(tg.name), "l", []string{"444455556666"}, []string{"Publish"}); err != nil {
				t.Fatal(err)
			}
		}, Call: func(ctx context.Context, c *snssdk.Client, tg *topic) error {
			_, err := c.RemovePermission(ctx, &snssdk.RemovePermissionInput{TopicArn: s(e.topicARN(tg.name)), Label: s("l")})
			return err
		}},
	}
	suite := e.suite()
	suite.Coverage(t, cases, listings())
	suite.Run(t, cases)
}

// listings are the operations AWS authorizes against "*".
func listings() []apitest.Star[*snssdk.Client] {
	return []apitest.Star[*snssdk.Client]{
		{Op: "ListTopics", Call: func(ctx context.Context, c *snssdk.Client) error {
			_, err := c.ListTopics(ctx, &snssdk.ListTopicsInput{})
			return err
		}},
		{Op: "ListSubscriptions", Call: func(ctx context.Context, c *snssdk.Client) error {
			_, err := c.ListSubscriptions(ctx, &snssdk.ListSubscriptionsInput{})
			return err
		}},
	}
}

func TestListingsAreAuthorizedAgainstStar(t *testing.T) {
	e := newEnvDelivering(t, false)
	withTopic(t, e, "t")
	e.suite().RunStars(t, []string{e.topicARN("t")}, listings())
}
