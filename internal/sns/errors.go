package sns

import (
	"fmt"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

// HTTP statuses of SNS errors; the domain does not import net/http.
const (
	statusBadRequest = 400
	statusForbidden  = 403
	statusNotFound   = 404
)

// Error codes SNS answers with, as AWS spells them.
const (
	CodeInvalidParameter      = "InvalidParameter"
	CodeInvalidParameterValue = "ParameterValueInvalid"
	CodeNotFound              = "NotFound"
	CodeResourceNotFound      = "ResourceNotFound"
	CodeAuthorizationError    = "AuthorizationError"
	CodeTagLimitExceeded      = "TagLimitExceeded"
	CodeTagPolicy             = "TagPolicy"
	CodeFilterPolicyLimit     = "FilterPolicyLimitExceeded"
	CodeEmptyBatch            = "EmptyBatchRequest"
	CodeTooManyEntries        = "TooManyEntriesInBatchRequest"
	CodeBatchIDsNotDistinct   = "BatchEntryIdsNotDistinct"
	CodeInvalidBatchEntryID   = "InvalidBatchEntryId"
	CodeBatchRequestTooLong   = "BatchRequestTooLong"
)

// invalidParameter is AWS's InvalidParameter; its messages start with
// "Invalid parameter: ".
func invalidParameter(format string, args ...any) *awserr.Error {
	return awserr.New(CodeInvalidParameter, statusBadRequest, "%s", "Invalid parameter: "+fmt.Sprintf(format, args...))
}

func invalidValue(format string, args ...any) *awserr.Error {
	return awserr.New(CodeInvalidParameterValue, statusBadRequest, format, args...)
}

func topicNotFound() *awserr.Error {
	return awserr.New(CodeNotFound, statusNotFound, "Topic does not exist")
}

func subscriptionNotFound() *awserr.Error {
	return awserr.New(CodeNotFound, statusNotFound, "Subscription does not exist")
}

func resourceNotFound() *awserr.Error {
	return awserr.New(CodeResourceNotFound, statusNotFound, "Resource does not exist")
}

func authorizationError(format string, args ...any) *awserr.Error {
	return awserr.New(CodeAuthorizationError, statusForbidden, format, args...)
}

func newError(code string, status int, format string, args ...any) *awserr.Error {
	return awserr.New(code, status, format, args...)
}

func asError(err error) (*awserr.Error, bool) { return awserr.As(err) }
