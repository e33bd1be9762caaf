package confighistory

import "github.com/stratus-cloud/stratus/internal/awserr"

// badRequest is the HTTP status of every error here (400); the package names
// no transport.
const badRequest = 400

// AWS Config error codes the queries return.
const (
	CodeResourceNotDiscovered = "ResourceNotDiscoveredException"
	CodeInvalidTimeRange      = "InvalidTimeRangeException"
	CodeInvalidLimit          = "InvalidLimitException"
	CodeInvalidNextToken      = "InvalidNextTokenException"
	CodeValidation            = "ValidationException"
)

func errNotDiscovered(resourceType, id string) error {
	return awserr.New(CodeResourceNotDiscovered, badRequest,
		"Resource %s of resourceType:%s is unknown or has not been discovered", id, resourceType)
}

func errTimeRange() error {
	return awserr.New(CodeInvalidTimeRange, badRequest,
		"The specified time range is not valid. The earlier time is not chronologically before the later time.")
}

func errLimit(limit, max int) error {
	return awserr.New(CodeInvalidLimit, badRequest,
		"The limit %d is not valid; it must be between 0 and %d.", limit, max)
}

func errNextToken() error {
	return awserr.New(CodeInvalidNextToken, badRequest, "The nextToken provided is invalid")
}

func errValidation(format string, args ...any) error {
	return awserr.New(CodeValidation, badRequest, format, args...)
}
