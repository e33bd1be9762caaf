// Package sns is the Amazon SNS domain: topics (standard and FIFO) with their
// attributes, tags and access policies, subscriptions (sqs, lambda, http and
// https, with the confirmation handshake for the last two), publishing with
// message attributes and subscription filter policies, and the durable
// delivery of every published message to every matching subscription.
//
// # Delivery
//
// Publish commits the message and one delivery row per matching
// subscription in one store Update before it answers, so an acknowledged
// message survives a crash. A dispatcher goroutine and a pool of workers,
// owned by the Service (Start, Stop), read due rows from the delivery table,
// send them through the interfaces the server wires (QueueSender for SQS,
// FunctionInvoker for Lambda, HTTPPoster for http and https) and delete the
// row once the endpoint accepted it. A failed attempt is retried on AWS's
// schedule for the protocol (the subscription's or topic's DeliveryPolicy for
// http/https); when the retries are exhausted the message goes to the
// subscription's dead-letter queue (RedrivePolicy) or is dropped. Delivery is
// at least once: a crash between sending and deleting the row sends again
// after the restart. Rows of a FIFO topic are delivered one at a time per
// subscription and message group, in publish order.
//
// # Message format and signatures
//
// Notifications reach SQS (unless RawMessageDelivery) and http/https
// endpoints in AWS's JSON envelope and Lambda functions in AWS's SNS event.
// Envelopes of standard topics are signed like AWS signs them (SHA1withRSA
// for SignatureVersion 1, SHA256withRSA for 2, over AWS's canonical string)
// with an RSA key Stratus creates on first start and keeps in the store,
// sealed by Config.Sealer. Its self-signed certificate is served at the
// SigningCertURL, under URLPath on the Stratus endpoint, by the wire adapter's
// Handler, which also answers the SubscribeURL and UnsubscribeURL links that
// endpoints follow without AWS credentials.
//
// It is not for the wire (internal/sns/snsapi decodes requests, names the
// ARNs calls are authorized against and encodes results), not for speaking
// HTTP (deliveries go through HTTPPoster, implemented in snsapi) and not for
// SMS, email or mobile push, which Stratus does not deliver.
package sns
