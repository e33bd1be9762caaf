// Package lambda is the domain of Stratus's Lambda control plane: functions,
// their versions and aliases, layers, reserved concurrency, tags and account
// settings, kept in the state store (owner "lambda"), with code and layer zips
// validated and kept in the content-addressed blob store (internal/blob).
//
// # Lifecycle
//
// A function's code is validated (see [ValidateZip]) and written durably to the
// blob store before the function's row is committed; nothing is stored for code
// that fails validation. Functions then move through the states AWS documents
// once the data plane calls [Service.StartPreparing]: CreateFunction commits
// State Pending, the data plane extracts the code and layers in the background
// (the [Preparer]) and the function becomes Active, or Failed with the reason.
// Invokes, updates and PublishVersion of a Pending function conflict, as on AWS.
// Pending functions left by a crash are prepared at the next start. Without a
// data plane (a host that cannot run sandboxes) functions are Active at once.
// UpdateFunctionCode/Configuration commit LastUpdateStatus Successful: the
// update is complete when it is acknowledged.
//
// Environment variables are encrypted with KMS ([Keys]) under the function's
// KMSKeyArn or the AWS managed key aws/lambda, and decrypted only for
// responses to the caller and for [Service.ResolveForInvoke], which also fails
// invokes while a customer managed key is disabled or pending deletion.
//
// Also here: code signing configurations and the deployment checks
// ([CodeVerifier]), function and layer resource policies evaluated with the
// IAM policy language (internal/iam/policy), and the configuration items every
// change records in its own transaction ([History]).
//
// It is not the wire adapter (internal/lambda/lambdaapi), nor the invoke path or
// execution environments (other packages), and it does not import the IAM
// service: the execution-role check goes through the [Roles] interface.
package lambda
