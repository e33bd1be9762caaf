// Package esm runs Lambda's event source mappings for SQS: a Manager keeps a
// set of pollers for every Enabled mapping, started and stopped as mappings
// change (lambda.Service signals MappingsChanged after every write), and each
// set long-polls its queue, gathers up to BatchSize messages within
// MaximumBatchingWindowInSeconds, and invokes the function synchronously with
// AWS's SQS event ({"Records":[...]}).
//
// A batch that succeeds is deleted from the queue. With
// ReportBatchItemFailures, every message but those the function names in
// {"batchItemFailures":[{"itemIdentifier":ID}]} is deleted; a response that
// does not parse, or names an ID that is not in the batch, fails the whole
// batch, as on AWS. A function error or a throttle deletes nothing: the
// messages come back after the queue's visibility timeout and follow its
// redrive policy. Throttles and invoke failures pause the mapping's pollers
// with a doubling delay.
//
// Concurrency: a mapping runs at most ScalingConfig.MaximumConcurrency
// invocations at once (5 when unset), each with its own batch. FIFO order
// follows from the queue: a message group with messages in flight delivers
// nothing more until they are deleted or visible again.
//
// Delivery is at least once: a message is deleted only after the invocation
// that processed it returned; a stop between the two delivers it again.
//
// It is not the queue (internal/sqs, behind Queue), nor the invoke path
// (internal/lambda/dataplane, behind Invoker), nor the mappings' API and
// storage (internal/lambda and lambdaapi).
package esm
