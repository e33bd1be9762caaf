package sqs

import (
	"fmt"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

// HTTP statuses of SQS errors; the domain does not import net/http.
const (
	statusBadRequest = 400
	statusForbidden  = 403
	statusNotFound   = 404
)

// Error codes SQS answers with, as its query protocol spells them (the json
// protocol reports them in x-amzn-query-error beside the modeled exception's
// name; internal/sqs/sqsapi maps one to the other).
const (
	CodeQueueDoesNotExist            = "AWS.SimpleQueueService.NonExistentQueue"
	CodeQueueDeletedRecently         = "AWS.SimpleQueueService.QueueDeletedRecently"
	CodeQueueAlreadyExists           = "QueueAlreadyExists"
	CodeInvalidParameterValue        = "InvalidParameterValue"
	CodeMissingParameter             = "MissingParameter"
	CodeInvalidAttributeName         = "InvalidAttributeName"
	CodeInvalidAttributeValue        = "InvalidAttributeValue"
	CodeInvalidMessageContents       = "InvalidMessageContents"
	CodeInvalidAddress               = "InvalidAddress"
	CodeReceiptHandleIsInvalid       = "ReceiptHandleIsInvalid"
	CodeMessageNotInflight           = "AWS.SimpleQueueService.MessageNotInflight"
	CodePurgeQueueInProgress         = "AWS.SimpleQueueService.PurgeQueueInProgress"
	CodeEmptyBatchRequest            = "AWS.SimpleQueueService.EmptyBatchRequest"
	CodeTooManyEntriesInBatchRequest = "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"
	CodeBatchEntryIdsNotDistinct     = "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"
	CodeInvalidBatchEntryID          = "AWS.SimpleQueueService.InvalidBatchEntryId"
	CodeBatchRequestTooLong          = "AWS.SimpleQueueService.BatchRequestTooLong"
	CodeOverLimit                    = "OverLimit"
)

func invalidParameter(format string, args ...any) *awserr.Error {
	return awserr.New(CodeInvalidParameterValue, statusBadRequest, format, args...)
}

// invalidValue is AWS's message for a parameter whose value breaks a rule.
func invalidValue(param string, value any, reason string) *awserr.Error {
	return invalidParameter("Value %v for parameter %s is invalid. Reason: %s", value, param, reason)
}

func missingParameter(name string) *awserr.Error {
	return awserr.New(CodeMissingParameter, statusBadRequest, "The request must contain the parameter %s.", name)
}

func queueNotFound() *awserr.Error {
	return awserr.New(CodeQueueDoesNotExist, statusBadRequest, "The specified queue does not exist.")
}

func invalidAttributeName(name string) *awserr.Error {
	return awserr.New(CodeInvalidAttributeName, statusBadRequest, "Unknown Attribute %s.", name)
}

func invalidAttributeValue(name, reason string) *awserr.Error {
	msg := fmt.Sprintf("Invalid value for the parameter %s.", name)
	if reason != "" {
		msg += " Reason: " + reason
	}
	return awserr.New(CodeInvalidAttributeValue, statusBadRequest, "%s", msg)
}

func invalidHandle(handle string) *awserr.Error {
	return awserr.New(CodeReceiptHandleIsInvalid, statusNotFound, "The input receipt handle %q is not a valid receipt handle.", truncate(handle, 100))
}

func expiredHandle() *awserr.Error {
	return awserr.New(CodeReceiptHandleIsInvalid, statusNotFound, "The receipt handle has expired.")
}

func notInflight() *awserr.Error {
	return awserr.New(CodeMessageNotInflight, statusBadRequest, "Message does not exist or is not available for visibility timeout change.")
}

// wrongQueueType is what AWS answers a parameter the queue's type does not take.
func wrongQueueType(param string, value any) *awserr.Error {
	return invalidValue(param, value, "The request include parameter that is not valid for this queue type.")
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// awsCode returns err's AWS error code, "" if it has none.
func awsCode(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return ""
}
