// Package dataplane serves Lambda invokes: it resolves the function name and
// qualifier to a concrete version (weighted aliases included), makes the
// version's code and layers available as read-only directories in a cache
// outside the encrypted blob store, and runs the invocation in the invoke
// pool, enforcing AWS's payload limits.
//
// It is not for the wire (lambdaapi turns HTTP requests into Requests) nor for
// running environments (internal/lambda/invoke).
package dataplane
