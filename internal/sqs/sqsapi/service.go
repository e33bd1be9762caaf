package sqsapi

import (
	"fmt"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/sqsshapes"
	"github.com/stratus-cloud/stratus/internal/sqs"
)

// none is the output of operations that return nothing.
type none = struct{}

// api implements the operations over the SQS domain.
type api struct {
	svc *sqs.Service
}

// New returns the SQS API for the router: the json model with SQS's query
// error codes, the same model as query-protocol clients speak it, action
// prefix "sqs" and the implemented operations.
func New(svc *sqs.Service, b *bind.Binder) (*awsproto.Service, error) {
	m, err := jsonModel()
	if err != nil {
		return nil, fmt.Errorf("load sqs model: %w", err)
	}
	q, err := queryModel()
	if err != nil {
		return nil, fmt.Errorf("load sqs query model: %w", err)
	}
	a := &api{svc: svc}
	return &awsproto.Service{
		Model:            m,
		QueryModel:       q,
		ActionPrefix:     "sqs",
		AccessDeniedCode: "AccessDenied",
		Ops:              a.ops(b),
	}, nil
}

func (a *api) ops(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		sqsshapes.OpCreateQueue: awsproto.Typed(b, func(c *awsproto.Call, in *sqsshapes.CreateQueueRequest) ([]string, error) {
			return []string{sqs.QueueRef{Account: account(c), Name: str(in.QueueName)}.ARN(a.svc.Region())}, nil
		}, a.createQueue),
		sqsshapes.OpGetQueueUrl: awsproto.Typed(b, func(c *awsproto.Call, in *sqsshapes.GetQueueUrlRequest) ([]string, error) {
			return []string{ownedRef(c, in).ARN(a.svc.Region())}, nil
		}, a.getQueueURL),
		sqsshapes.OpListQueues:                   awsproto.Typed(b, nil, a.listQueues),
		sqsshapes.OpDeleteQueue:                  typedOnQueue(b, a, func(in *sqsshapes.DeleteQueueRequest) *string { return in.QueueUrl }, a.deleteQueue),
		sqsshapes.OpGetQueueAttributes:           typedOnQueue(b, a, func(in *sqsshapes.GetQueueAttributesRequest) *string { return in.QueueUrl }, a.getQueueAttributes),
		sqsshapes.OpSetQueueAttributes:           typedOnQueue(b, a, func(in *sqsshapes.SetQueueAttributesRequest) *string { return in.QueueUrl }, a.setQueueAttributes),
		sqsshapes.OpPurgeQueue:                   typedOnQueue(b, a, func(in *sqsshapes.PurgeQueueRequest) *string { return in.QueueUrl }, a.purgeQueue),
		sqsshapes.OpTagQueue:                     typedOnQueue(b, a, func(in *sqsshapes.TagQueueRequest) *string { return in.QueueUrl }, a.tagQueue),
		sqsshapes.OpUntagQueue:                   typedOnQueue(b, a, func(in *sqsshapes.UntagQueueRequest) *string { return in.QueueUrl }, a.untagQueue),
		sqsshapes.OpListQueueTags:                typedOnQueue(b, a, func(in *sqsshapes.ListQueueTagsRequest) *string { return in.QueueUrl }, a.listQueueTags),
		sqsshapes.OpAddPermission:                typedOnQueue(b, a, func(in *sqsshapes.AddPermissionRequest) *string { return in.QueueUrl }, a.addPermission),
		sqsshapes.OpRemovePermission:             typedOnQueue(b, a, func(in *sqsshapes.RemovePermissionRequest) *string { return in.QueueUrl }, a.removePermission),
		sqsshapes.OpListDeadLetterSourceQueues:   typedOnQueue(b, a, func(in *sqsshapes.ListDeadLetterSourceQueuesRequest) *string { return in.QueueUrl }, a.listDeadLetterSourceQueues),
		sqsshapes.OpSendMessage:                  typedOnQueue(b, a, func(in *sqsshapes.SendMessageRequest) *string { return in.QueueUrl }, a.sendMessage),
		sqsshapes.OpReceiveMessage:               typedOnQueue(b, a, func(in *sqsshapes.ReceiveMessageRequest) *string { return in.QueueUrl }, a.receiveMessage),
		sqsshapes.OpDeleteMessage:                typedOnQueue(b, a, func(in *sqsshapes.DeleteMessageRequest) *string { return in.QueueUrl }, a.deleteMessage),
		sqsshapes.OpChangeMessageVisibility:      typedOnQueue(b, a, func(in *sqsshapes.ChangeMessageVisibilityRequest) *string { return in.QueueUrl }, a.changeMessageVisibility),
		sqsshapes.OpSendMessageBatch:             awsproto.WithAction(typedOnQueue(b, a, func(in *sqsshapes.SendMessageBatchRequest) *string { return in.QueueUrl }, a.sendMessageBatch), "sqs:SendMessage"),
		sqsshapes.OpDeleteMessageBatch:           awsproto.WithAction(typedOnQueue(b, a, func(in *sqsshapes.DeleteMessageBatchRequest) *string { return in.QueueUrl }, a.deleteMessageBatch), "sqs:DeleteMessage"),
		sqsshapes.OpChangeMessageVisibilityBatch: awsproto.WithAction(typedOnQueue(b, a, func(in *sqsshapes.ChangeMessageVisibilityBatchRequest) *string { return in.QueueUrl }, a.changeMessageVisibilityBatch), "sqs:ChangeMessageVisibility"),
	}
}

// typedOnQueue is an Op on the queue its input's QueueUrl names, authorized
// against that queue's ARN (whatever account owns it: a queue policy may let
// other accounts in).
func typedOnQueue[In, Out any](b *bind.Binder, a *api, queueURL func(*In) *string, run func(*awsproto.Call, *In) (*Out, error)) awsproto.Op {
	return awsproto.Typed(b, func(c *awsproto.Call, in *In) ([]string, error) {
		ref, err := sqs.ParseQueueURL(str(queueURL(in)))
		if err != nil {
			return nil, err
		}
		return []string{ref.ARN(a.svc.Region())}, nil
	}, run)
}
