// Package sqs is the Amazon SQS domain: standard and FIFO queues with their
// attributes, tags and access policy, and the messages in them, kept in the
// control-plane store.
//
// Every acknowledged change is durable: SendMessage, DeleteMessage,
// ChangeMessageVisibility and ReceiveMessage (receive counts and visibility)
// commit through store.Update, which syncs with group commit, before they
// return. Messages are indexed by (queue, visible at, sequence), so a standard
// receive reads only the messages it returns; a FIFO receive walks the queue
// from its head past the message groups that have a message in flight. Long
// polls wait in memory: a send, a visibility change or the next visibility
// deadline wakes them, never a sleep loop. Messages past a queue's retention
// period, and expired FIFO deduplication ids, are deleted by a sweeper the
// Service owns (Start, Stop); reads never return such messages whether or not
// it has run.
//
// Dead-letter queues follow AWS: a message received more than its queue's
// maxReceiveCount times moves to the RedrivePolicy's target, which must be a
// queue of the same account and type whose RedriveAllowPolicy admits the
// source. MD5OfMessageBody, MD5OfMessageAttributes and
// MD5OfMessageSystemAttributes are computed exactly as AWS computes them,
// since the SDKs verify them.
//
// Other services reach queues without HTTP through the methods taking a queue
// ARN (SendToQueue, Send, Receive, DeleteByHandle, ChangeVisibilityByHandle),
// and the IAM authorizer reads queue policies through ResourcePolicy.
//
// It is not for the wire (internal/sqs/sqsapi decodes requests, resolves
// queue URLs, names the ARNs calls are authorized against and encodes
// results) and not for policy evaluation (internal/iam does it). It does not
// encrypt messages (KmsMasterKeyId and SqsManagedSseEnabled are kept and
// reported) and has no message move tasks.
package sqs
