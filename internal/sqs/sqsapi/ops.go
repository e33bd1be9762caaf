package sqsapi

import (
	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/sqsshapes"
	"github.com/stratus-cloud/stratus/internal/sqs"
)

// Queues.

func (a *api) createQueue(c *awsproto.Call, in *sqsshapes.CreateQueueRequest) (*sqsshapes.CreateQueueResult, error) {
	q, err := a.svc.CreateQueue(c.Context, sqs.QueueRef{Account: account(c), Name: str(in.QueueName)}, in.Attributes, in.Tags)
	if err != nil {
		return nil, err
	}
	return &sqsshapes.CreateQueueResult{QueueUrl: ptr(q.Ref.URL(baseURL(c)))}, nil
}

// ownedRef is the queue GetQueueUrl asks for: in the caller's account unless
// QueueOwnerAWSAccountId names another.
func ownedRef(c *awsproto.Call, in *sqsshapes.GetQueueUrlRequest) sqs.QueueRef {
	owner := str(in.QueueOwnerAWSAccountId)
	if owner == "" {
		owner = account(c)
	}
	return sqs.QueueRef{Account: owner, Name: str(in.QueueName)}
}

func (a *api) getQueueURL(c *awsproto.Call, in *sqsshapes.GetQueueUrlRequest) (*sqsshapes.GetQueueUrlResult, error) {
	q, err := a.svc.GetQueue(c.Context, ownedRef(c, in))
	if err != nil {
		return nil, err
	}
	return &sqsshapes.GetQueueUrlResult{QueueUrl: ptr(q.Ref.URL(baseURL(c)))}, nil
}

func (a *api) listQueues(c *awsproto.Call, in *sqsshapes.ListQueuesRequest) (*sqsshapes.ListQueuesResult, error) {
	names, next, err := a.svc.ListQueues(c.Context, account(c), str(in.QueueNamePrefix), intOf(in.MaxResults), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &sqsshapes.ListQueuesResult{QueueUrls: urls(c, account(c), names), NextToken: opt(next)}
	if len(names) == 0 {
		out.QueueUrls = nil
	}
	return out, nil
}

func urls(c *awsproto.Call, owner string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = sqs.QueueRef{Account: owner, Name: n}.URL(baseURL(c))
	}
	return out
}

func (a *api) deleteQueue(c *awsproto.Call, in *sqsshapes.DeleteQueueRequest) (*none, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteQueue(c.Context, ref)
}

func (a *api) getQueueAttributes(c *awsproto.Call, in *sqsshapes.GetQueueAttributesRequest) (*sqsshapes.GetQueueAttributesResult, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	attrs, err := a.svc.GetQueueAttributes(c.Context, ref, in.AttributeNames)
	if err != nil {
		return nil, err
	}
	if len(attrs) == 0 {
		attrs = nil
	}
	return &sqsshapes.GetQueueAttributesResult{Attributes: attrs}, nil
}

func (a *api) setQueueAttributes(c *awsproto.Call, in *sqsshapes.SetQueueAttributesRequest) (*none, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return nil, a.svc.SetQueueAttributes(c.Context, ref, in.Attributes)
}

func (a *api) purgeQueue(c *awsproto.Call, in *sqsshapes.PurgeQueueRequest) (*none, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return nil, a.svc.PurgeQueue(c.Context, ref)
}

func (a *api) tagQueue(c *awsproto.Call, in *sqsshapes.TagQueueRequest) (*none, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return nil, a.svc.TagQueue(c.Context, ref, in.Tags)
}

func (a *api) untagQueue(c *awsproto.Call, in *sqsshapes.UntagQueueRequest) (*none, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return nil, a.svc.UntagQueue(c.Context, ref, in.TagKeys)
}

func (a *api) listQueueTags(c *awsproto.Call, in *sqsshapes.ListQueueTagsRequest) (*sqsshapes.ListQueueTagsResult, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	tags, err := a.svc.ListQueueTags(c.Context, ref)
	if err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		tags = nil
	}
	return &sqsshapes.ListQueueTagsResult{Tags: tags}, nil
}

func (a *api) addPermission(c *awsproto.Call, in *sqsshapes.AddPermissionRequest) (*none, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return nil, a.svc.AddPermission(c.Context, ref, str(in.Label), in.AWSAccountIds, in.Actions)
}

func (a *api) removePermission(c *awsproto.Call, in *sqsshapes.RemovePermissionRequest) (*none, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return nil, a.svc.RemovePermission(c.Context, ref, str(in.Label))
}

func (a *api) listDeadLetterSourceQueues(c *awsproto.Call, in *sqsshapes.ListDeadLetterSourceQueuesRequest) (*sqsshapes.ListDeadLetterSourceQueuesResult, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	names, next, err := a.svc.ListDeadLetterSourceQueues(c.Context, ref, intOf(in.MaxResults), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	return &sqsshapes.ListDeadLetterSourceQueuesResult{QueueUrls: urls(c, ref.Account, names), NextToken: opt(next)}, nil
}

// Messages.

// sendInput converts the members SendMessage and its batch entries share.
func sendInput(c *awsproto.Call, body *string, delay *int64, attrs map[string]sqsshapes.MessageAttributeValue,
	system map[string]sqsshapes.MessageSystemAttributeValue, dedup, group *string) sqs.SendInput {
	in := sqs.SendInput{
		Body: str(body), DelaySeconds: intPtr(delay), DeduplicationID: str(dedup), GroupID: str(group), SenderID: c.Principal.UserID,
	}
	if in.SenderID == "" {
		in.SenderID = account(c)
	}
	if len(attrs) > 0 {
		in.Attributes = make(map[string]sqs.MessageAttribute, len(attrs))
		for n, v := range attrs {
			in.Attributes[n] = sqs.MessageAttribute{DataType: str(v.DataType), StringValue: str(v.StringValue), BinaryValue: v.BinaryValue}
			in.HasListValues = in.HasListValues || len(v.StringListValues) > 0 || len(v.BinaryListValues) > 0
		}
	}
	if len(system) > 0 {
		in.SystemAttributes = make(map[string]sqs.MessageAttribute, len(system))
		for n, v := range system {
			in.SystemAttributes[n] = sqs.MessageAttribute{DataType: str(v.DataType), StringValue: str(v.StringValue), BinaryValue: v.BinaryValue}
			in.HasListValues = in.HasListValues || len(v.StringListValues) > 0 || len(v.BinaryListValues) > 0
		}
	}
	return in
}

func (a *api) sendMessage(c *awsproto.Call, in *sqsshapes.SendMessageRequest) (*sqsshapes.SendMessageResult, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	res, err := a.svc.Send(c.Context, ref, sendInput(c, in.MessageBody, in.DelaySeconds, in.MessageAttributes, in.MessageSystemAttributes, in.MessageDeduplicationId, in.MessageGroupId))
	if err != nil {
		return nil, err
	}
	return &sqsshapes.SendMessageResult{
		MessageId: ptr(res.MessageID), MD5OfMessageBody: ptr(res.MD5OfBody), MD5OfMessageAttributes: opt(res.MD5OfAttributes),
		MD5OfMessageSystemAttributes: opt(res.MD5OfSystemAttributes), SequenceNumber: opt(res.SequenceNumber),
	}, nil
}

func (a *api) sendMessageBatch(c *awsproto.Call, in *sqsshapes.SendMessageBatchRequest) (*sqsshapes.SendMessageBatchResult, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	entries := make([]sqs.SendInput, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = str(e.Id)
		entries[i] = sendInput(c, e.MessageBody, e.DelaySeconds, e.MessageAttributes, e.MessageSystemAttributes, e.MessageDeduplicationId, e.MessageGroupId)
	}
	if err := sqs.CheckBatchIDs("SendMessageBatchRequestEntry", ids); err != nil {
		return nil, err
	}
	results, errs, err := a.svc.SendBatch(c.Context, ref, entries)
	if err != nil {
		return nil, err
	}
	out := &sqsshapes.SendMessageBatchResult{Successful: []sqsshapes.SendMessageBatchResultEntry{}, Failed: []sqsshapes.BatchResultErrorEntry{}}
	for i, id := range ids {
		if errs[i] != nil {
			out.Failed = append(out.Failed, batchError(id, errs[i]))
			continue
		}
		r := results[i]
		out.Successful = append(out.Successful, sqsshapes.SendMessageBatchResultEntry{
			Id: ptr(id), MessageId: ptr(r.MessageID), MD5OfMessageBody: ptr(r.MD5OfBody), MD5OfMessageAttributes: opt(r.MD5OfAttributes),
			MD5OfMessageSystemAttributes: opt(r.MD5OfSystemAttributes), SequenceNumber: opt(r.SequenceNumber),
		})
	}
	return out, nil
}

// batchError is the Failed entry for err.
func batchError(id string, err error) sqsshapes.BatchResultErrorEntry {
	e, ok := awserr.As(err)
	if !ok {
		e = awserr.Internal()
	}
	return sqsshapes.BatchResultErrorEntry{Id: ptr(id), Code: ptr(e.Code), Message: ptr(e.Message), SenderFault: ptr(e.HTTPStatus() < 500)}
}

func (a *api) receiveMessage(c *awsproto.Call, in *sqsshapes.ReceiveMessageRequest) (*sqsshapes.ReceiveMessageResult, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	msgs, err := a.svc.ReceiveMessages(c.Context, ref, sqs.ReceiveInput{
		Max: intOf(in.MaxNumberOfMessages), VisibilityTimeout: intPtr(in.VisibilityTimeout), WaitTimeSeconds: intPtr(in.WaitTimeSeconds),
		AttributeNames:        append(append([]string(nil), in.AttributeNames...), in.MessageSystemAttributeNames...),
		MessageAttributeNames: in.MessageAttributeNames,
	})
	if err != nil {
		return nil, err
	}
	out := &sqsshapes.ReceiveMessageResult{}
	for _, m := range msgs {
		msg := sqsshapes.Message{
			MessageId: ptr(m.ID), ReceiptHandle: ptr(m.ReceiptHandle), MD5OfBody: ptr(m.MD5OfBody), Body: ptr(m.Body),
			MD5OfMessageAttributes: opt(m.MD5OfMessageAttributes),
		}
		if len(m.Attributes) > 0 {
			msg.Attributes = m.Attributes
		}
		if len(m.MessageAttributes) > 0 {
			msg.MessageAttributes = make(map[string]sqsshapes.MessageAttributeValue, len(m.MessageAttributes))
			for n, v := range m.MessageAttributes {
				av := sqsshapes.MessageAttributeValue{DataType: ptr(v.DataType)}
				if v.BinaryValue != nil {
					av.BinaryValue = v.BinaryValue
				} else {
					av.StringValue = ptr(v.StringValue)
				}
				msg.MessageAttributes[n] = av
			}
		}
		out.Messages = append(out.Messages, msg)
	}
	return out, nil
}

func (a *api) deleteMessage(c *awsproto.Call, in *sqsshapes.DeleteMessageRequest) (*none, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return nil, a.svc.DeleteMessage(c.Context, ref, str(in.ReceiptHandle))
}

func (a *api) deleteMessageBatch(c *awsproto.Call, in *sqsshapes.DeleteMessageBatchRequest) (*sqsshapes.DeleteMessageBatchResult, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	handles := make([]string, len(in.Entries))
	for i, e := range in.Entries {
		ids[i], handles[i] = str(e.Id), str(e.ReceiptHandle)
	}
	if err := sqs.CheckBatchIDs("DeleteMessageBatchRequestEntry", ids); err != nil {
		return nil, err
	}
	errs, err := a.svc.DeleteMessages(c.Context, ref, handles)
	if err != nil {
		return nil, err
	}
	out := &sqsshapes.DeleteMessageBatchResult{Successful: []sqsshapes.DeleteMessageBatchResultEntry{}, Failed: []sqsshapes.BatchResultErrorEntry{}}
	for i, id := range ids {
		if errs[i] != nil {
			out.Failed = append(out.Failed, batchError(id, errs[i]))
			continue
		}
		out.Successful = append(out.Successful, sqsshapes.DeleteMessageBatchResultEntry{Id: ptr(id)})
	}
	return out, nil
}

func (a *api) changeMessageVisibility(c *awsproto.Call, in *sqsshapes.ChangeMessageVisibilityRequest) (*none, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	return nil, a.svc.ChangeVisibility(c.Context, ref, str(in.ReceiptHandle), intOf(in.VisibilityTimeout))
}

func (a *api) changeMessageVisibilityBatch(c *awsproto.Call, in *sqsshapes.ChangeMessageVisibilityBatchRequest) (*sqsshapes.ChangeMessageVisibilityBatchResult, error) {
	ref, err := sqs.ParseQueueURL(str(in.QueueUrl))
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(in.Entries))
	changes := make([]sqs.VisibilityChange, len(in.Entries))
	for i, e := range in.Entries {
		ids[i] = str(e.Id)
		changes[i] = sqs.VisibilityChange{ReceiptHandle: str(e.ReceiptHandle), VisibilityTimeout: intOf(e.VisibilityTimeout)}
	}
	if err := sqs.CheckBatchIDs("ChangeMessageVisibilityBatchRequestEntry", ids); err != nil {
		return nil, err
	}
	errs, err := a.svc.ChangeVisibilities(c.Context, ref, changes)
	if err != nil {
		return nil, err
	}
	out := &sqsshapes.ChangeMessageVisibilityBatchResult{Successful: []sqsshapes.ChangeMessageVisibilityBatchResultEntry{}, Failed: []sqsshapes.BatchResultErrorEntry{}}
	for i, id := range ids {
		if errs[i] != nil {
			out.Failed = append(out.Failed, batchError(id, errs[i]))
			continue
		}
		out.Successful = append(out.Successful, sqsshapes.ChangeMessageVisibilityBatchResultEntry{Id: ptr(id)})
	}
	return out, nil
}

// Conversions.

func account(c *awsproto.Call) string { return c.Principal.Account }

// baseURL is the endpoint the client reached, which queue URLs are built on.
func baseURL(c *awsproto.Call) string {
	scheme := "http"
	if c.Principal.SecureTransport {
		scheme = "https"
	}
	host := c.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// opt is nil for "", which leaves the member out.
func opt(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func intOf(p *int64) int {
	if p == nil {
		return 0
	}
	return clampInt(*p)
}

func intPtr(p *int64) *int {
	if p == nil {
		return nil
	}
	return ptr(clampInt(*p))
}

// clampInt converts v, keeping values far outside every SQS range outside
// it (so that they are refused) without overflowing int.
func clampInt(v int64) int {
	const limit = 1 << 31
	switch {
	case v > limit:
		return limit
	case v < -limit:
		return -limit
	}
	return int(v)
}
