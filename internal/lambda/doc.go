// Package lambda is the domain of Stratus's Lambda control plane: functions,
// their versions and aliases, layers, reserved concurrency, tags and account
// settings, kept in the state store (owner "lambda"), with code and layer zips
// validated and kept in the content-addressed blob store (internal/blob).
//
// # Lifecycle
//
// A function's code is validated (see [ValidateZip]) and written durably to the
// blob store before the function's row is committed; nothing is stored for code
// that fails validation. Because the code is stored and checked before the row
// exists, the Pending state AWS reports while it fetches and optimizes code is
// never observable here: CreateFunction commits the function directly in State
// Active, and UpdateFunctionCode/Configuration commit LastUpdateStatus
// Successful. The invoke path extracts code lazily with [ExtractZip] under the
// same checks.
//
// Environment variables are sealed under the root key (a [Sealer]) and opened
// only for responses to the function's owner and for [Service.ResolveForInvoke].
//
// It is not the wire adapter (internal/lambda/lambdaapi), nor the invoke path or
// execution environments (other packages), and it does not import IAM: the
// execution-role check goes through the [Roles] interface.
package lambda
