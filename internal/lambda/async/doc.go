// Package async runs Lambda's asynchronous invocations (InvocationType Event)
// without losing what it accepted: Enqueue answers only once the event is
// committed and synced (group commit), and a dispatcher delivers queued events
// to the function through the synchronous invoke path, within its
// concurrency. Throttled events wait and retry with backoff; function errors
// are retried MaximumRetryAttempts times (one and then two RetryDelay apart,
// a minute by default as on AWS); events older than MaximumEventAgeInSeconds
// go to the failure path. Outcomes go to the OnSuccess / OnFailure
// destinations in AWS's invocation-record format, and failures to the
// function's dead-letter queue or topic with AWS's RequestID, ErrorCode and
// ErrorMessage attributes.
//
// Delivery is at least once. An event is deleted only after its outcome was
// handed to every destination; a crash after an invocation and before that
// commit runs the invocation again at restart, and a crash after a
// destination accepted a record and before the event's deletion sends the
// record again. Nothing else duplicates.
//
// It is not the synchronous invoke path (internal/lambda/dataplane) nor the
// queues and topics destinations write to (SQS and SNS, behind Destinations).
package async
