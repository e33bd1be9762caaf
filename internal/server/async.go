package server

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda/async"
)

// QueueSender sends a message to an SQS queue by ARN (SQS implements it).
type QueueSender interface {
	SendToQueue(ctx context.Context, queueARN, body string, attrs map[string]async.Attribute) (string, error)
}

// TopicPublisher publishes to an SNS topic by ARN (SNS implements it).
type TopicPublisher interface {
	PublishToTopic(ctx context.Context, topicARN, message string, attrs map[string]async.Attribute) (string, error)
}

// destinations routes asynchronous invocation outcomes and dead letters by
// the service in the target ARN. Queues and topics are nil until their
// services are wired; sends to them then fail and the dispatcher retries.
type destinations struct {
	events *async.Dispatcher
	queues QueueSender
	topics TopicPublisher
}

// Send implements async.Destinations.
func (d *destinations) Send(ctx context.Context, target string, body []byte, attrs map[string]async.Attribute) error {
	a, err := arn.Parse(target)
	if err != nil {
		return fmt.Errorf("destination %s: %w", target, err)
	}
	switch a.Service {
	case "sqs":
		if d.queues == nil {
			return unavailable("SQS")
		}
		_, err = d.queues.SendToQueue(ctx, target, string(body), attrs)
	case "sns":
		if d.topics == nil {
			return unavailable("SNS")
		}
		_, err = d.topics.PublishToTopic(ctx, target, string(body), attrs)
	case "lambda":
		// A function destination is invoked asynchronously with the record.
		err = enqueueForARN(ctx, d.events, target, body)
	default:
		return awserr.New("InvalidParameterValueException", 400, "Stratus cannot deliver to %s destinations yet.", a.Service)
	}
	return err
}

func unavailable(service string) error {
	return awserr.New("ServiceUnavailableException", 503, "%s is not available on this server yet.", service)
}

// newUUID returns a random version 4 UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
