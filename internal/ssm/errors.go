package ssm

import "github.com/stratus-cloud/stratus/internal/awserr"

// statusBadRequest is the HTTP status of every Parameter Store client error;
// the domain does not import net/http.
const statusBadRequest = 400

// Error codes Parameter Store answers with, as AWS spells them.
const (
	CodeValidation            = "ValidationException"
	CodeNotFound              = "ParameterNotFound"
	CodeAlreadyExists         = "ParameterAlreadyExists"
	CodeVersionNotFound       = "ParameterVersionNotFound"
	CodeMaxVersionLimit       = "ParameterMaxVersionLimitExceeded"
	CodePatternMismatch       = "ParameterPatternMismatchException"
	CodeInvalidAllowedPattern = "InvalidAllowedPatternException"
	CodeHierarchyLevelLimit   = "HierarchyLevelLimitExceededException"
	CodeLabelLimit            = "ParameterVersionLabelLimitExceeded"
	CodeInvalidKeyID          = "InvalidKeyId"
	CodeInvalidFilterKey      = "InvalidFilterKey"
	CodeInvalidFilterOption   = "InvalidFilterOption"
	CodeInvalidFilterValue    = "InvalidFilterValue"
	CodeInvalidNextToken      = "InvalidNextToken"
	CodeInvalidResourceID     = "InvalidResourceId"
	CodeInvalidResourceType   = "InvalidResourceType"
	CodeTooManyTags           = "TooManyTagsError"
	CodeTooManyUpdates        = "TooManyUpdates"
)

func newErr(code, format string, args ...any) *awserr.Error {
	return awserr.New(code, statusBadRequest, format, args...)
}

func validation(format string, args ...any) *awserr.Error {
	return newErr(CodeValidation, format, args...)
}

func notFound(name string) *awserr.Error {
	return newErr(CodeNotFound, "Parameter %s not found.", name)
}

func badToken() *awserr.Error {
	return newErr(CodeInvalidNextToken, "The nextToken is not valid.")
}
