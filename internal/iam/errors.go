package iam

import "github.com/stratus-cloud/stratus/internal/awserr"

// HTTP statuses of the errors below. They are written as numbers because the
// domain does not import net/http; the wire adapters carry them.
const (
	statusBadRequest = 400
	statusForbidden  = 403
	statusNotFound   = 404
	statusConflict   = 409
)

// Error codes IAM, STS and Organizations answer with, as AWS spells them.
const (
	CodeNoSuchEntity            = "NoSuchEntity"
	CodeEntityAlreadyExists     = "EntityAlreadyExists"
	CodeLimitExceeded           = "LimitExceeded"
	CodeDeleteConflict          = "DeleteConflict"
	CodeMalformedPolicyDocument = "MalformedPolicyDocument"
	CodeInvalidInput            = "InvalidInput"
	CodeValidationError         = "ValidationError"
	CodeAccessDenied            = "AccessDenied"
	CodePackedPolicyTooLarge    = "PackedPolicyTooLarge"

	CodeOrgAccessDenied                = "AccessDeniedException"
	CodeOrgNotInUse                    = "AWSOrganizationsNotInUseException"
	CodeOrgAccountNotFound             = "AccountNotFoundException"
	CodeOrgCreateAccountStatusNotFound = "CreateAccountStatusNotFoundException"
	CodeOrgInvalidInput                = "InvalidInputException"
)

func noSuchEntity(format string, args ...any) *awserr.Error {
	return awserr.New(CodeNoSuchEntity, statusNotFound, format, args...)
}

func alreadyExists(format string, args ...any) *awserr.Error {
	return awserr.New(CodeEntityAlreadyExists, statusConflict, format, args...)
}

func limitExceeded(format string, args ...any) *awserr.Error {
	return awserr.New(CodeLimitExceeded, statusConflict, format, args...)
}

func deleteConflict(format string, args ...any) *awserr.Error {
	return awserr.New(CodeDeleteConflict, statusConflict, format, args...)
}

func invalidInput(format string, args ...any) *awserr.Error {
	return awserr.New(CodeInvalidInput, statusBadRequest, format, args...)
}

func validationError(format string, args ...any) *awserr.Error {
	return awserr.New(CodeValidationError, statusBadRequest, format, args...)
}

func malformedPolicy(format string, args ...any) *awserr.Error {
	return awserr.New(CodeMalformedPolicyDocument, statusBadRequest, format, args...)
}

func accessDenied(format string, args ...any) *awserr.Error {
	return awserr.New(CodeAccessDenied, statusForbidden, format, args...)
}

func orgError(code, format string, args ...any) *awserr.Error {
	return awserr.New(code, statusBadRequest, format, args...)
}

// noSuchEntityFor is the NoSuchEntity message AWS uses for a named user, group or
// role: "The user with name bob cannot be found."
func noSuchEntityFor(kind EntityKind, name string) *awserr.Error {
	return noSuchEntity("The %s with name %s cannot be found.", kind, name)
}

func noSuchPolicy(arn string) *awserr.Error {
	return noSuchEntity("Policy %s does not exist or is not attachable.", arn)
}
