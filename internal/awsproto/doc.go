// Package awsproto is the request path every AWS API call of Stratus takes: it finds
// the service a request is for (credential scope, X-Amz-Target, path), authenticates
// it, identifies and decodes the operation with the service's wire codec, authorizes
// the call against an IAM action and resource ARNs, runs the service's handler and
// encodes the result or the AWS error.
//
// Services plug in by registering a Service: their model, their IAM action prefix and
// one Op per implemented operation. Operations of the model without an Op answer 501
// NotImplemented. No service parses HTTP and no Op runs unauthorized.
//
// It is not for the protocols themselves (internal/awsproto/codec/...), for signature
// verification (internal/sigv4) or for policy evaluation (internal/iam/policy).
package awsproto
