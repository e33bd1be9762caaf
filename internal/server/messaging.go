package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/async"
	"github.com/stratus-cloud/stratus/internal/lambda/esm"
	"github.com/stratus-cloud/stratus/internal/sns"
	"github.com/stratus-cloud/stratus/internal/sqs"
)

// The adapters below let Lambda, SQS and SNS reach each other without
// importing each other: each service defines the interface it needs and the
// server implements it over the other.

// sqsQueues sends to SQS queues for Lambda destinations and dead letters
// (async.Attribute) and for SNS subscriptions (sns.MessageAttribute).
type sqsQueues struct{ sqs *sqs.Service }

// SendToQueue implements QueueSender (Lambda's destinations).
func (q sqsQueues) SendToQueue(ctx context.Context, queueARN, body string, attrs map[string]async.Attribute) (string, error) {
	out := make(map[string]sqs.MessageAttribute, len(attrs))
	for k, a := range attrs {
		out[k] = sqs.MessageAttribute{DataType: a.DataType, StringValue: a.Value}
	}
	return q.sqs.SendToQueue(ctx, queueARN, body, out)
}

// snsQueues is sqsQueues as SNS's QueueSender and FIFOQueueSender.
type snsQueues struct{ sqs *sqs.Service }

func snsToSQS(attrs map[string]sns.MessageAttribute) map[string]sqs.MessageAttribute {
	out := make(map[string]sqs.MessageAttribute, len(attrs))
	for k, a := range attrs {
		out[k] = sqs.MessageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
	}
	return out
}

// SendToQueue implements sns.QueueSender.
func (q snsQueues) SendToQueue(ctx context.Context, queueARN, body string, attrs map[string]sns.MessageAttribute) (string, error) {
	return q.sqs.SendToQueue(ctx, queueARN, body, snsToSQS(attrs))
}

// SendToFIFOQueue implements sns.FIFOQueueSender.
func (q snsQueues) SendToFIFOQueue(ctx context.Context, queueARN, body string, attrs map[string]sns.MessageAttribute, groupID, dedupID string) (string, error) {
	res, err := q.sqs.SendByARN(ctx, queueARN, sqs.SendInput{Body: body, Attributes: snsToSQS(attrs), GroupID: groupID, DeduplicationID: dedupID})
	if err != nil {
		return "", err
	}
	return res.MessageID, nil
}

// snsTopics publishes to SNS topics for Lambda's destinations and dead letters.
type snsTopics struct{ sns *sns.Service }

// PublishToTopic implements TopicPublisher.
func (t snsTopics) PublishToTopic(ctx context.Context, topicARN, message string, attrs map[string]async.Attribute) (string, error) {
	out := make(map[string]sns.MessageAttribute, len(attrs))
	for k, a := range attrs {
		out[k] = sns.MessageAttribute{DataType: a.DataType, StringValue: a.Value}
	}
	return t.sns.PublishToTopic(ctx, topicARN, message, out)
}

// lambdaEvents invokes functions asynchronously for SNS subscriptions. The
// dispatcher is set once function execution is up; until then (or on a
// host that cannot run functions) deliveries fail and SNS retries them.
type lambdaEvents struct {
	mu     sync.Mutex // guards events, functions
	events *async.Dispatcher
	// functions answers whether a function's policy lets SNS invoke it.
	functions *lambda.Service
}

func (l *lambdaEvents) set(d *async.Dispatcher, functions *lambda.Service) {
	l.mu.Lock()
	l.events, l.functions = d, functions
	l.mu.Unlock()
}

// InvokeAsync implements sns.FunctionInvoker: as on AWS, the function's
// resource policy must let sns.amazonaws.com invoke it for this topic.
func (l *lambdaEvents) InvokeAsync(ctx context.Context, functionARN, topicARN string, payload []byte) error {
	l.mu.Lock()
	d, fns := l.events, l.functions
	l.mu.Unlock()
	if d == nil {
		return unavailable("Lambda function execution")
	}
	topic, err := arn.Parse(topicARN)
	if err != nil {
		return fmt.Errorf("topic ARN %q: %w", topicARN, err)
	}
	if err := fns.PermitService(ctx, functionARN, "sns.amazonaws.com", topicARN, topic.Account); err != nil {
		return err
	}
	return enqueueForARN(ctx, d, functionARN, payload)
}

// enqueueForARN accepts an asynchronous invocation of the function an ARN
// names (function:NAME[:QUALIFIER]).
func enqueueForARN(ctx context.Context, d *async.Dispatcher, functionARN string, payload []byte) error {
	a, err := arn.Parse(functionARN)
	parts := strings.Split(a.Resource, ":")
	if err != nil || a.Service != "lambda" || len(parts) < 2 || parts[0] != "function" {
		return awserr.New("InvalidParameterValueException", 400, "%s is not a function ARN.", functionARN)
	}
	ev := async.Event{Account: a.Account, Function: parts[1], FunctionARN: functionARN, RequestID: newUUID(), Payload: payload}
	if len(parts) > 2 {
		ev.Qualifier = parts[2]
	}
	return d.Enqueue(ctx, ev)
}

// esmQueue is SQS as the event source mappings' queue.
type esmQueue struct{ sqs *sqs.Service }

// Receive implements esm.Queue with the queue's visibility timeout.
func (q esmQueue) Receive(ctx context.Context, queueARN string, max int, wait time.Duration) ([]esm.Message, error) {
	ms, err := q.sqs.Receive(ctx, queueARN, max, 0, wait)
	if err != nil {
		return nil, err
	}
	out := make([]esm.Message, len(ms))
	for i, m := range ms {
		attrs := make(map[string]esm.MessageAttribute, len(m.MessageAttributes))
		for k, a := range m.MessageAttributes {
			attrs[k] = esm.MessageAttribute{DataType: a.DataType, StringValue: a.StringValue, BinaryValue: a.BinaryValue}
		}
		out[i] = esm.Message{ID: m.ID, ReceiptHandle: m.ReceiptHandle, Body: m.Body, MD5OfBody: m.MD5OfBody,
			Attributes: m.Attributes, MessageAttributes: attrs}
	}
	return out, nil
}

// Delete implements esm.Queue.
func (q esmQueue) Delete(ctx context.Context, queueARN, receiptHandle string) error {
	return q.sqs.DeleteByHandle(ctx, queueARN, receiptHandle)
}

// sqsSourceAccess is lambda.SourceAccess: an event source mapping polls with
// its function's execution role, so the role (and the queue's policy) must
// allow what the poller does, as AWS checks when the mapping is created.
func sqsSourceAccess(authz *iam.Authorizer) lambda.SourceAccess {
	return func(ctx context.Context, account, roleARN, queueARN string) error {
		name := roleARN[strings.LastIndex(roleARN, "/")+1:]
		p := &identity.Principal{Kind: identity.KindAssumedRole, Account: account, Name: name, SessionName: "lambda-event-source",
			ARN: "arn:aws:sts::" + account + ":assumed-role/" + name + "/lambda-event-source", IdentityARN: roleARN}
		for _, action := range []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"} {
			err := authz.Authorize(ctx, &awsproto.AuthzRequest{Principal: p, Action: action, Resource: queueARN})
			var ae *awserr.Error
			switch {
			case err == nil:
			case errors.As(err, &ae) && ae.Status == 403:
				return lambda.SourceAccessDenied(strings.TrimPrefix(action, "sqs:"))
			default:
				return err
			}
		}
		return nil
	}
}
