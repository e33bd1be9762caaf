package lambda

import (
	"github.com/stratus-cloud/stratus/internal/awserr"
)

// Error codes as AWS Lambda spells them.
const (
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceConflict      = "ResourceConflictException"
	CodeInvalidParameterValue = "InvalidParameterValueException"
	CodePreconditionFailed    = "PreconditionFailedException"
	CodeTooManyRequests       = "TooManyRequestsException"
	CodeCodeStorageExceeded   = "CodeStorageExceededException"
	CodeRequestTooLarge       = "RequestTooLargeException"
)

// unzipMessage is what AWS says about code it cannot unzip.
const unzipMessage = "Could not unzip uploaded file. Please check your file, then try to upload again."

func invalidParameter(format string, args ...any) *awserr.Error {
	return awserr.New(CodeInvalidParameterValue, 400, format, args...)
}

func notFound(format string, args ...any) *awserr.Error {
	return awserr.New(CodeResourceNotFound, 404, format, args...)
}

func conflict(format string, args ...any) *awserr.Error {
	return awserr.New(CodeResourceConflict, 409, format, args...)
}

func functionNotFound(arn string) *awserr.Error { return notFound("Function not found: %s", arn) }

func staleRevision() *awserr.Error {
	return awserr.New(CodePreconditionFailed, 412,
		"The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id")
}

func badZip() *awserr.Error { return invalidParameter(unzipMessage) }

// InvalidParameter is InvalidParameterValueException, for the wire adapter's
// own checks.
func InvalidParameter(format string, args ...any) error { return invalidParameter(format, args...) }
