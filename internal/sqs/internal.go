package sqs

import (
	"context"
	"time"
)

// The methods in this file are how other Stratus services (Lambda's
// dead-letter queues, destinations and event source mappings, SNS
// subscriptions) use queues: by ARN, without HTTP and without
// authorization, which is the caller's business.

// SendToQueue sends body with attrs to the queue queueARN names and returns
// the message id once it is committed. A FIFO queue needs Send, which takes
// a message group. Returns QueueDoesNotExist, InvalidParameterValue (also
// for a malformed ARN), MissingParameter or InvalidMessageContents.
func (s *Service) SendToQueue(ctx context.Context, queueARN, body string, attrs map[string]MessageAttribute) (string, error) {
	res, err := s.SendByARN(ctx, queueARN, SendInput{Body: body, Attributes: attrs})
	if err != nil {
		return "", err
	}
	return res.MessageID, nil
}

// SendByARN is Send to the queue queueARN names.
func (s *Service) SendByARN(ctx context.Context, queueARN string, in SendInput) (SendResult, error) {
	ref, err := ParseARN(queueARN)
	if err != nil {
		return SendResult{}, err
	}
	return s.Send(ctx, ref, in)
}

// Receive receives up to max (1 to 10) messages from the queue queueARN
// names, with every system and message attribute. visibility overrides the
// queue's visibility timeout (0 keeps the queue's); wait (up to 20 s, whole
// seconds) makes it a long poll, which ctx can end early. Returns
// QueueDoesNotExist or InvalidParameterValue.
func (s *Service) Receive(ctx context.Context, queueARN string, max int, visibility, wait time.Duration) ([]Message, error) {
	ref, err := ParseARN(queueARN)
	if err != nil {
		return nil, err
	}
	if max < 1 || max > MaxReceiveMessages {
		return nil, invalidValue("MaxNumberOfMessages", max, "Must be between 1 and 10, if provided.")
	}
	in := ReceiveInput{Max: max}
	if visibility > 0 {
		v := int((visibility + time.Second - 1) / time.Second)
		in.VisibilityTimeout = &v
	}
	w := int(wait / time.Second)
	in.WaitTimeSeconds = &w
	return s.receive(ctx, ref, in, allAttributes())
}

// DeleteByHandle deletes the message of receiptHandle from the queue
// queueARN names, as DeleteMessage does.
func (s *Service) DeleteByHandle(ctx context.Context, queueARN, receiptHandle string) error {
	ref, err := ParseARN(queueARN)
	if err != nil {
		return err
	}
	return s.DeleteMessage(ctx, ref, receiptHandle)
}

// ChangeVisibilityByHandle makes the message of receiptHandle in the queue
// queueARN names visible again after visibility (rounded up to whole
// seconds; 0 at once), as ChangeMessageVisibility does.
func (s *Service) ChangeVisibilityByHandle(ctx context.Context, queueARN, receiptHandle string, visibility time.Duration) error {
	ref, err := ParseARN(queueARN)
	if err != nil {
		return err
	}
	return s.ChangeVisibility(ctx, ref, receiptHandle, int((visibility+time.Second-1)/time.Second))
}
