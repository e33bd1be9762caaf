// Package sqsapi is the wire adapter of the Amazon SQS API. It serves the
// json 1.0 protocol the SDKs speak today (target prefix AmazonSQS) and, for
// older clients that still send form-encoded Action=... requests, the query
// protocol, from one set of operations: it registers one awsproto.Op per
// implemented operation, converting the generated sqsshapes structs to calls
// of internal/sqs and the results back.
//
// Queue URLs are built on the endpoint the client reached
// (http(s)://HOST/ACCOUNT/NAME) and resolved by their path alone, so any
// host works. Every operation on a queue is authorized against the queue's
// ARN, of whichever account the URL names, so that a queue policy can admit
// other accounts; the batch operations are authorized as their single
// counterparts (sqs:SendMessage, ...), as AWS does, and ListQueues against
// "*". Errors carry SQS's query codes: json clients get the modeled
// exception's name in __type and the query code in x-amzn-query-error
// ("AWS.SimpleQueueService.NonExistentQueue;Sender").
//
// It is not for the behaviour of SQS (internal/sqs) and touches no SQL.
// Message move tasks are not implemented.
package sqsapi
