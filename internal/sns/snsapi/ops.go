package snsapi

import (
	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/snsshapes"
	"github.com/stratus-cloud/stratus/internal/sns"
)

// Topics.

func (a *api) createTopic(c *awsproto.Call, in *snsshapes.CreateTopicInput) (*snsshapes.CreateTopicResponse, error) {
	arn, err := a.svc.CreateTopic(c.Context, account(c), c.Region, str(in.Name), in.Attributes, tagsIn(in.Tags))
	if err != nil {
		return nil, err
	}
	return &snsshapes.CreateTopicResponse{TopicArn: ptr(arn)}, nil
}

func (a *api) deleteTopic(c *awsproto.Call, in *snsshapes.DeleteTopicInput) (*none, error) {
	return nil, a.svc.DeleteTopic(c.Context, str(in.TopicArn))
}

func (a *api) listTopics(c *awsproto.Call, in *snsshapes.ListTopicsInput) (*snsshapes.ListTopicsResponse, error) {
	arns, next, err := a.svc.ListTopics(c.Context, account(c), c.Region, str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &snsshapes.ListTopicsResponse{Topics: make([]snsshapes.Topic, len(arns))}
	for i, t := range arns {
		out.Topics[i] = snsshapes.Topic{TopicArn: ptr(t)}
	}
	if next != "" {
		out.NextToken = ptr(next)
	}
	return out, nil
}

func (a *api) getTopicAttributes(c *awsproto.Call, in *snsshapes.GetTopicAttributesInput) (*snsshapes.GetTopicAttributesResponse, error) {
	attrs, err := a.svc.GetTopicAttributes(c.Context, str(in.TopicArn))
	if err != nil {
		return nil, err
	}
	return &snsshapes.GetTopicAttributesResponse{Attributes: attrs}, nil
}

func (a *api) setTopicAttributes(c *awsproto.Call, in *snsshapes.SetTopicAttributesInput) (*none, error) {
	return nil, a.svc.SetTopicAttributes(c.Context, str(in.TopicArn), str(in.AttributeName), str(in.AttributeValue))
}

// Tags and permissions.

func tagsIn(tags []snsshapes.Tag) []sns.Tag {
	out := make([]sns.Tag, len(tags))
	for i, t := range tags {
		out[i] = sns.Tag{Key: str(t.Key), Value: str(t.Value)}
	}
	return out
}

func (a *api) tagResource(c *awsproto.Call, in *snsshapes.TagResourceRequest) (*snsshapes.TagResourceResponse, error) {
	return &snsshapes.TagResourceResponse{}, a.svc.TagResource(c.Context, str(in.ResourceArn), tagsIn(in.Tags))
}

func (a *api) untagResource(c *awsproto.Call, in *snsshapes.UntagResourceRequest) (*snsshapes.UntagResourceResponse, error) {
	return &snsshapes.UntagResourceResponse{}, a.svc.UntagResource(c.Context, str(in.ResourceArn), in.TagKeys)
}

func (a *api) listTagsForResource(c *awsproto.Call, in *snsshapes.ListTagsForResourceRequest) (*snsshapes.ListTagsForResourceResponse, error) {
	tags, err := a.svc.ListTags(c.Context, str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	out := &snsshapes.ListTagsForResourceResponse{Tags: make([]snsshapes.Tag, len(tags))}
	for i, t := range tags {
		out.Tags[i] = snsshapes.Tag{Key: ptr(t.Key), Value: ptr(t.Value)}
	}
	return out, nil
}

func (a *api) addPermission(c *awsproto.Call, in *snsshapes.AddPermissionInput) (*none, error) {
	return nil, a.svc.AddPermission(c.Context, str(in.TopicArn), str(in.Label), in.AWSAccountId, in.ActionName)
}

func (a *api) removePermission(c *awsproto.Call, in *snsshapes.RemovePermissionInput) (*none, error) {
	return nil, a.svc.RemovePermission(c.Context, str(in.TopicArn), str(in.Label))
}

// Subscriptions.

// pendingARN is what Subscribe answers for a subscription awaiting
// confirmation, and pendingListed what the List calls show for it.
const (
	pendingARN    = "pending confirmation"
	pendingListed = "PendingConfirmation"
)

func (a *api) subscribe(c *awsproto.Call, in *snsshapes.SubscribeInput) (*snsshapes.SubscribeResponse, error) {
	sub, err := a.svc.Subscribe(c.Context, account(c), str(in.TopicArn), str(in.Protocol), str(in.Endpoint), in.Attributes)
	if err != nil {
		return nil, err
	}
	arn := sub.ARN
	if sub.Pending && (in.ReturnSubscriptionArn == nil || !*in.ReturnSubscriptionArn) {
		arn = pendingARN
	}
	return &snsshapes.SubscribeResponse{SubscriptionArn: ptr(arn)}, nil
}

func (a *api) confirmSubscription(c *awsproto.Call, in *snsshapes.ConfirmSubscriptionInput) (*snsshapes.ConfirmSubscriptionResponse, error) {
	authOnUnsub := false
	switch v := str(in.AuthenticateOnUnsubscribe); v {
	case "", "false", "False", "FALSE":
	case "true", "True", "TRUE":
		authOnUnsub = true
	default:
		return nil, awserr.New(sns.CodeInvalidParameter, 400, "Invalid parameter: AuthenticateOnUnsubscribe")
	}
	arn, err := a.svc.ConfirmSubscription(c.Context, str(in.TopicArn), str(in.Token), true, authOnUnsub)
	if err != nil {
		return nil, err
	}
	return &snsshapes.ConfirmSubscriptionResponse{SubscriptionArn: ptr(arn)}, nil
}

func (a *api) unsubscribe(c *awsproto.Call, in *snsshapes.UnsubscribeInput) (*none, error) {
	return nil, a.svc.Unsubscribe(c.Context, str(in.SubscriptionArn), false)
}

func subscriptionsOut(subs []sns.Subscription) []snsshapes.Subscription {
	out := make([]snsshapes.Subscription, len(subs))
	for i, s := range subs {
		arn := s.ARN
		if s.Pending {
			arn = pendingListed
		}
		out[i] = snsshapes.Subscription{
			SubscriptionArn: ptr(arn), Owner: ptr(s.Owner), Protocol: ptr(s.Protocol), Endpoint: ptr(s.Endpoint), TopicArn: ptr(s.TopicARN),
		}
	}
	return out
}

func (a *api) listSubscriptions(c *awsproto.Call, in *snsshapes.ListSubscriptionsInput) (*snsshapes.ListSubscriptionsResponse, error) {
	subs, next, err := a.svc.ListSubscriptions(c.Context, account(c), c.Region, str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &snsshapes.ListSubscriptionsResponse{Subscriptions: subscriptionsOut(subs)}
	if next != "" {
		out.NextToken = ptr(next)
	}
	return out, nil
}

func (a *api) listSubscriptionsByTopic(c *awsproto.Call, in *snsshapes.ListSubscriptionsByTopicInput) (*snsshapes.ListSubscriptionsByTopicResponse, error) {
	subs, next, err := a.svc.ListSubscriptionsByTopic(c.Context, str(in.TopicArn), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &snsshapes.ListSubscriptionsByTopicResponse{Subscriptions: subscriptionsOut(subs)}
	if next != "" {
		out.NextToken = ptr(next)
	}
	return out, nil
}

func (a *api) getSubscriptionAttributes(c *awsproto.Call, in *snsshapes.GetSubscriptionAttributesInput) (*snsshapes.GetSubscriptionAttributesResponse, error) {
	attrs, err := a.svc.GetSubscriptionAttributes(c.Context, str(in.SubscriptionArn))
	if err != nil {
		return nil, err
	}
	return &snsshapes.GetSubscriptionAttributesResponse{Attributes: attrs}, nil
}

func (a *api) setSubscriptionAttributes(c *awsproto.Call, in *snsshapes.SetSubscriptionAttributesInput) (*none, error) {
	return nil, a.svc.SetSubscriptionAttributes(c.Context, str(in.SubscriptionArn), str(in.AttributeName), str(in.AttributeValue))
}

// Publishing.

func attributesIn(attrs map[string]snsshapes.MessageAttributeValue) map[string]sns.MessageAttribute {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]sns.MessageAttribute, len(attrs))
	for k, v := range attrs {
		out[k] = sns.MessageAttribute{DataType: str(v.DataType), StringValue: str(v.StringValue), BinaryValue: v.BinaryValue}
	}
	return out
}

func (a *api) publish(c *awsproto.Call, in *snsshapes.PublishInput) (*snsshapes.PublishResponse, error) {
	topic, err := publishTarget(in)
	if err != nil {
		return nil, err
	}
	res, err := a.svc.Publish(c.Context, sns.PublishInput{
		TopicARN: topic, Message: str(in.Message), Subject: str(in.Subject), Structure: str(in.MessageStructure),
		Attributes: attributesIn(in.MessageAttributes), GroupID: str(in.MessageGroupId), DedupID: str(in.MessageDeduplicationId),
	})
	if err != nil {
		return nil, err
	}
	out := &snsshapes.PublishResponse{MessageId: ptr(res.MessageID)}
	if res.SequenceNumber != "" {
		out.SequenceNumber = ptr(res.SequenceNumber)
	}
	return out, nil
}

func (a *api) publishBatch(c *awsproto.Call, in *snsshapes.PublishBatchInput) (*snsshapes.PublishBatchResponse, error) {
	entries := make([]sns.BatchEntry, len(in.PublishBatchRequestEntries))
	for i, e := range in.PublishBatchRequestEntries {
		entries[i] = sns.BatchEntry{ID: str(e.Id), PublishInput: sns.PublishInput{
			Message: str(e.Message), Subject: str(e.Subject), Structure: str(e.MessageStructure),
			Attributes: attributesIn(e.MessageAttributes), GroupID: str(e.MessageGroupId), DedupID: str(e.MessageDeduplicationId),
		}}
	}
	results, err := a.svc.PublishBatch(c.Context, str(in.TopicArn), entries)
	if err != nil {
		return nil, err
	}
	out := &snsshapes.PublishBatchResponse{Successful: []snsshapes.PublishBatchResultEntry{}, Failed: []snsshapes.BatchResultErrorEntry{}}
	for _, r := range results {
		if r.Err != nil {
			e, ok := awserr.As(r.Err)
			if !ok {
				return nil, r.Err
			}
			out.Failed = append(out.Failed, snsshapes.BatchResultErrorEntry{
				Id: ptr(r.ID), Code: ptr(e.Code), Message: ptr(e.Message), SenderFault: ptr(!e.Server),
			})
			continue
		}
		ok := snsshapes.PublishBatchResultEntry{Id: ptr(r.ID), MessageId: ptr(r.MessageID)}
		if r.SequenceNumber != "" {
			ok.SequenceNumber = ptr(r.SequenceNumber)
		}
		out.Successful = append(out.Successful, ok)
	}
	return out, nil
}
