package snsapi

import (
	"fmt"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/snsshapes"
	"github.com/stratus-cloud/stratus/internal/sns"
)

// none is the output of operations that return nothing.
type none = struct{}

// api implements the operations over the SNS domain.
type api struct {
	svc *sns.Service
}

// New returns the SNS API for the router: its model, action prefix "sns",
// AWS's AuthorizationError for denied calls and the implemented operations.
func New(svc *sns.Service, b *bind.Binder) (*awsproto.Service, error) {
	m, err := snsshapes.Service()
	if err != nil {
		return nil, fmt.Errorf("load sns model: %w", err)
	}
	a := &api{svc: svc}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "sns",
		AccessDeniedCode: sns.CodeAuthorizationError,
		Ops:              a.ops(b),
	}, nil
}

func (a *api) ops(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		snsshapes.OpCreateTopic: awsproto.Typed(b, func(c *awsproto.Call, in *snsshapes.CreateTopicInput) ([]string, error) {
			return []string{sns.TopicARN(c.Region, account(c), str(in.Name))}, nil
		}, a.createTopic),
		snsshapes.OpDeleteTopic: awsproto.Typed(b, topicRes(func(in *snsshapes.DeleteTopicInput) *string { return in.TopicArn }), a.deleteTopic),
		snsshapes.OpListTopics:  awsproto.Typed(b, nil, a.listTopics),
		snsshapes.OpGetTopicAttributes: awsproto.Typed(b, topicRes(func(in *snsshapes.GetTopicAttributesInput) *string { return in.TopicArn }),
			a.getTopicAttributes),
		snsshapes.OpSetTopicAttributes: awsproto.Typed(b, topicRes(func(in *snsshapes.SetTopicAttributesInput) *string { return in.TopicArn }),
			a.setTopicAttributes),
		snsshapes.OpSubscribe: awsproto.Typed(b, topicRes(func(in *snsshapes.SubscribeInput) *string { return in.TopicArn }), a.subscribe),
		snsshapes.OpConfirmSubscription: awsproto.Typed(b, topicRes(func(in *snsshapes.ConfirmSubscriptionInput) *string { return in.TopicArn }),
			a.confirmSubscription),
		snsshapes.OpUnsubscribe:       awsproto.Typed(b, subRes(func(in *snsshapes.UnsubscribeInput) *string { return in.SubscriptionArn }), a.unsubscribe),
		snsshapes.OpListSubscriptions: awsproto.Typed(b, nil, a.listSubscriptions),
		snsshapes.OpListSubscriptionsByTopic: awsproto.Typed(b, topicRes(func(in *snsshapes.ListSubscriptionsByTopicInput) *string { return in.TopicArn }),
			a.listSubscriptionsByTopic),
		snsshapes.OpGetSubscriptionAttributes: awsproto.Typed(b, subRes(func(in *snsshapes.GetSubscriptionAttributesInput) *string { return in.SubscriptionArn }),
			a.getSubscriptionAttributes),
		snsshapes.OpSetSubscriptionAttributes: awsproto.Typed(b, subRes(func(in *snsshapes.SetSubscriptionAttributesInput) *string { return in.SubscriptionArn }),
			a.setSubscriptionAttributes),
		snsshapes.OpPublish: awsproto.Typed(b, func(c *awsproto.Call, in *snsshapes.PublishInput) ([]string, error) {
			t, err := publishTarget(in)
			if err != nil {
				return nil, err
			}
			return topicResource(c, t)
		}, a.publish),
		snsshapes.OpPublishBatch: awsproto.WithAction(awsproto.Typed(b, topicRes(func(in *snsshapes.PublishBatchInput) *string { return in.TopicArn }),
			a.publishBatch), "sns:Publish"),
		snsshapes.OpTagResource: awsproto.Typed(b, topicRes(func(in *snsshapes.TagResourceRequest) *string { return in.ResourceArn }), a.tagResource),
		snsshapes.OpUntagResource: awsproto.Typed(b, topicRes(func(in *snsshapes.UntagResourceRequest) *string { return in.ResourceArn }),
			a.untagResource),
		snsshapes.OpListTagsForResource: awsproto.Typed(b, topicRes(func(in *snsshapes.ListTagsForResourceRequest) *string { return in.ResourceArn }),
			a.listTagsForResource),
		snsshapes.OpAddPermission: awsproto.Typed(b, topicRes(func(in *snsshapes.AddPermissionInput) *string { return in.TopicArn }), a.addPermission),
		snsshapes.OpRemovePermission: awsproto.Typed(b, topicRes(func(in *snsshapes.RemovePermissionInput) *string { return in.TopicArn }),
			a.removePermission),
	}
}

// Resources.

func account(c *awsproto.Call) string { return c.Principal.Account }

// topicResource checks that s is a topic ARN of the call's region and
// returns it as the call's resource.
func topicResource(c *awsproto.Call, s string) ([]string, error) {
	region, _, _, ok := sns.ParseTopicARN(s)
	if !ok || region != c.Region {
		return nil, awserr.New(sns.CodeInvalidParameter, 400, "Invalid parameter: TopicArn")
	}
	return []string{s}, nil
}

func topicRes[In any](arnOf func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) { return topicResource(c, str(arnOf(in))) }
}

// subRes authorizes subscription operations against the subscription's
// topic.
func subRes[In any](arnOf func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		t, ok := sns.TopicOfSubscription(str(arnOf(in)))
		if !ok {
			return nil, awserr.New(sns.CodeInvalidParameter, 400, "Invalid parameter: SubscriptionArn Reason: An ARN must have at least 6 elements, not 1")
		}
		if _, err := topicResource(c, t); err != nil {
			return nil, awserr.New(sns.CodeInvalidParameter, 400, "Invalid parameter: SubscriptionArn")
		}
		return []string{t}, nil
	}
}

// publishTarget is the topic a Publish names by TopicArn or TargetArn.
func publishTarget(in *snsshapes.PublishInput) (string, error) {
	topic, target := str(in.TopicArn), str(in.TargetArn)
	switch {
	case str(in.PhoneNumber) != "":
		return "", awserr.New(sns.CodeInvalidParameter, 400, "Invalid parameter: PhoneNumber Reason: Stratus does not send SMS")
	case topic != "" && target != "":
		return "", awserr.New(sns.CodeInvalidParameter, 400, "Invalid parameter: TopicArn or TargetArn Reason: Only one of TopicArn and TargetArn may be specified")
	case topic == "" && target == "":
		return "", awserr.New(sns.CodeInvalidParameter, 400, "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter")
	case topic != "":
		return topic, nil
	}
	return target, nil
}

// Conversions.

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
