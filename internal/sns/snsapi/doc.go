// Package snsapi is the wire adapter of the Amazon SNS API (query protocol,
// XML responses): it registers one awsproto.Op per implemented operation,
// converting the generated snsshapes structs to calls of internal/sns and
// the results back, and names the resources each call is authorized
// against: the topic's ARN for topic operations and for Publish and
// PublishBatch (authorized as sns:Publish, as on AWS), the topic of the
// subscription for Unsubscribe and the subscription attribute operations,
// and "*" for ListTopics and ListSubscriptions.
//
// It also holds what speaks HTTP for the domain: NewHTTPPoster delivers to
// http/https subscriptions with net/http, and Handler serves the links SNS
// puts in messages (the signing certificate, SubscribeURL and
// UnsubscribeURL), which endpoints follow without AWS credentials.
//
// It is not for the behaviour of SNS (internal/sns) and touches no SQL.
package snsapi
