// Package invoke runs Lambda invocations in execution environments: it keeps a pool
// of environments per function version, starts one (sandbox + Runtime API inside its
// network namespace + the runtime's bootstrap) when none is idle, hands the
// invocation to it through the Runtime API, freezes it when it has been idle for a
// short delay, thaws it for the next invocation, and shuts it down when it has been
// idle long enough.
//
// It enforces concurrency (one invocation per environment; a function's reserved
// concurrency; the account's unreserved pool), the timeout (the environment is
// replaced) and collects the function's output and the platform's START / END /
// REPORT lines for the logs and for X-Amz-Log-Result tails.
//
// It is not for the Lambda API (internal/lambda, lambdaapi), for resolving
// qualifiers, or for preparing code on disk: callers hand it a Function whose code
// and layers are already directories.
package invoke
