package sqsapi

import (
	"fmt"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/sqsshapes"
	"github.com/stratus-cloud/stratus/internal/sigv4"
	"github.com/stratus-cloud/stratus/internal/sqs"
)

// queryNamespace is the XML namespace of SQS's query protocol responses.
const queryNamespace = "http://queue.amazonaws.com/doc/2012-11-05/"

// errorCode is the code and HTTP status an SQS exception has on the wire.
type errorCode struct {
	code   string
	status int
}

// errorCodes are SQS's modeled exceptions with the code its query protocol
// answers them with, which json clients read from x-amzn-query-error. AWS's
// current model carries them as awsQueryError traits; the pinned botocore
// model does not, so New adds them. Exceptions not listed keep their name as
// code (InvalidAttributeName, InvalidMessageContents, ...).
func errorCodes() map[string]errorCode {
	return map[string]errorCode{
		"QueueDoesNotExist":            {sqs.CodeQueueDoesNotExist, 400},
		"QueueDeletedRecently":         {sqs.CodeQueueDeletedRecently, 400},
		"QueueNameExists":              {sqs.CodeQueueAlreadyExists, 400},
		"ReceiptHandleIsInvalid":       {sqs.CodeReceiptHandleIsInvalid, 404},
		"MessageNotInflight":           {sqs.CodeMessageNotInflight, 400},
		"PurgeQueueInProgress":         {sqs.CodePurgeQueueInProgress, 403},
		"EmptyBatchRequest":            {sqs.CodeEmptyBatchRequest, 400},
		"TooManyEntriesInBatchRequest": {sqs.CodeTooManyEntriesInBatchRequest, 400},
		"BatchEntryIdsNotDistinct":     {sqs.CodeBatchEntryIdsNotDistinct, 400},
		"InvalidBatchEntryId":          {sqs.CodeInvalidBatchEntryID, 400},
		"BatchRequestTooLong":          {sqs.CodeBatchRequestTooLong, 400},
		"UnsupportedOperation":         {"AWS.SimpleQueueService.UnsupportedOperation", 400},
		"InvalidAddress":               {sqs.CodeInvalidAddress, 404},
		"InvalidSecurity":              {"InvalidSecurity", 403},
		"OverLimit":                    {sqs.CodeOverLimit, 403},
		"RequestThrottled":             {"RequestThrottled", 403},
		"ResourceNotFoundException":    {"ResourceNotFoundException", 404},
		"KmsAccessDenied":              {"KMS.AccessDeniedException", 400},
		"KmsDisabled":                  {"KMS.DisabledException", 400},
		"KmsInvalidKeyUsage":           {"KMS.InvalidKeyUsageException", 400},
		"KmsInvalidState":              {"KMS.InvalidStateException", 400},
		"KmsNotFound":                  {"KMS.NotFoundException", 400},
		"KmsOptInRequired":             {"KMS.OptInRequired", 403},
		"KmsThrottled":                 {"KMS.ThrottlingException", 400},
	}
}

// wireName is a query wire name: of structure member Member of Shape, or of
// the element ("member"), key ("key") or value ("value") of list or map
// Shape.
type wireName struct {
	Shape, Member, Name string
}

// queryNames are the wire names SQS's query protocol used, which the json
// model no longer carries: older clients send Attribute.1.Name=...,
// MessageAttribute.1.Value.StringValue=..., SendMessageBatchRequestEntry.1.Id=...
// and read <Attribute>, <QueueUrl> and <Message> elements.
func queryNames() []wireName {
	names := []wireName{
		{"CreateQueueRequest", "Attributes", "Attribute"},
		{"SetQueueAttributesRequest", "Attributes", "Attribute"},
		{"GetQueueAttributesResult", "Attributes", "Attribute"},
		{"Message", "Attributes", "Attribute"},
		{"Message", "MessageAttributes", "MessageAttribute"},
		{"SendMessageRequest", "MessageAttributes", "MessageAttribute"},
		{"SendMessageBatchRequestEntry", "MessageAttributes", "MessageAttribute"},
		{"SendMessageRequest", "MessageSystemAttributes", "MessageSystemAttribute"},
		{"SendMessageBatchRequestEntry", "MessageSystemAttributes", "MessageSystemAttribute"},
		{"CreateQueueRequest", "tags", "Tag"},
		{"TagQueueRequest", "Tags", "Tag"},
		{"ListQueueTagsResult", "Tags", "Tag"},
		{"MessageAttributeValue", "StringListValues", "StringListValue"},
		{"MessageAttributeValue", "BinaryListValues", "BinaryListValue"},
		{"MessageSystemAttributeValue", "StringListValues", "StringListValue"},
		{"MessageSystemAttributeValue", "BinaryListValues", "BinaryListValue"},
	}
	for list, elem := range map[string]string{
		"AttributeNameList":                            "AttributeName",
		"MessageSystemAttributeList":                   "MessageSystemAttributeName",
		"MessageAttributeNameList":                     "MessageAttributeName",
		"QueueUrlList":                                 "QueueUrl",
		"TagKeyList":                                   "TagKey",
		"AWSAccountIdList":                             "AWSAccountId",
		"ActionNameList":                               "ActionName",
		"MessageList":                                  "Message",
		"StringList":                                   "StringListValue",
		"BinaryList":                                   "BinaryListValue",
		"BatchResultErrorEntryList":                    "BatchResultErrorEntry",
		"SendMessageBatchRequestEntryList":             "SendMessageBatchRequestEntry",
		"SendMessageBatchResultEntryList":              "SendMessageBatchResultEntry",
		"DeleteMessageBatchRequestEntryList":           "DeleteMessageBatchRequestEntry",
		"DeleteMessageBatchResultEntryList":            "DeleteMessageBatchResultEntry",
		"ChangeMessageVisibilityBatchRequestEntryList": "ChangeMessageVisibilityBatchRequestEntry",
		"ChangeMessageVisibilityBatchResultEntryList":  "ChangeMessageVisibilityBatchResultEntry",
	} {
		names = append(names, wireName{list, "member", elem})
	}
	for _, m := range []string{"QueueAttributeMap", "MessageBodyAttributeMap", "MessageBodySystemAttributeMap", "MessageSystemAttributeMap"} {
		names = append(names, wireName{m, "key", "Name"}, wireName{m, "value", "Value"})
	}
	names = append(names, wireName{"TagMap", "key", "Key"}, wireName{"TagMap", "value", "Value"})
	return names
}

// jsonModel is the SQS model the SDKs speak today (json 1.0), adapted.
func jsonModel() (*model.Service, error) {
	m, err := sqsshapes.Service()
	if err != nil {
		return nil, err
	}
	if err := adapt(m); err != nil {
		return nil, err
	}
	return m, nil
}

// queryModel is the SQS model as older clients speak it: the query protocol
// with the wire names of queryNames and results wrapped in <OpResult>,
// adapted.
func queryModel() (*model.Service, error) {
	m, err := sqsshapes.Service()
	if err != nil {
		return nil, err
	}
	if err := adapt(m); err != nil {
		return nil, err
	}
	m.Protocol, m.Protocols = model.Query, []string{model.Query}
	m.XMLNamespace, m.QueryCompatible, m.TargetPrefix, m.JSONVersion = queryNamespace, false, "", ""
	for name, op := range m.Operations {
		if op.Output != nil {
			op.ResultWrapper = name + "Result"
		}
	}
	for _, w := range queryNames() {
		ref, err := wireRef(m, w)
		if err != nil {
			return nil, err
		}
		ref.LocationName = w.Name
	}
	return m, nil
}

// wireRef finds the member reference w names.
func wireRef(m *model.Service, w wireName) (*model.Member, error) {
	s := m.Shapes[w.Shape]
	if s == nil {
		return nil, fmt.Errorf("sqs model has no shape %s", w.Shape)
	}
	var ref *model.Member
	switch w.Member {
	case "member":
		ref = s.Member
	case "key":
		ref = s.Key
	case "value":
		ref = s.Value
	default:
		ref = s.MemberNamed(w.Member)
	}
	if ref == nil {
		return nil, fmt.Errorf("sqs model shape %s has no %s", w.Shape, w.Member)
	}
	return ref, nil
}

// domainEnums are enums SQS checks itself: an unknown queue or message
// attribute name is InvalidAttributeName ("Unknown Attribute X."), not the
// validation error a codec would answer.
func domainEnums() []string {
	return []string{"QueueAttributeName", "MessageSystemAttributeName", "MessageSystemAttributeNameForSends"}
}

// authErrors are the authentication and authorization errors the router
// answers json services with under their json names
// (AccessDeniedException, ...). SQS's json clients read the query code from
// x-amzn-query-error, where SQS reports the query spelling (AccessDenied,
// InvalidClientTokenId, ...), so the json model gets an exception of each
// json name carrying its query code.
func authErrors() []string {
	return []string{sigv4.CodeMissingAuthenticationToken, sigv4.CodeIncompleteSignature, sigv4.CodeInvalidClientTokenID,
		sigv4.CodeSignatureDoesNotMatch, sigv4.CodeExpiredToken, sigv4.CodeAccessDenied}
}

// adapt applies what both models need: the error codes, the authentication
// errors, and no enum constraint where the domain checks the names.
func adapt(m *model.Service) error {
	for _, code := range authErrors() {
		name, _ := sigv4.JSONCode(code)
		m.Shapes[name] = &model.Shape{Name: name, Type: model.Structure, Exception: true, ErrorCode: code, ErrorSender: true}
	}
	for _, name := range domainEnums() {
		s := m.Shapes[name]
		if s == nil {
			return fmt.Errorf("sqs model has no shape %s", name)
		}
		s.Enum = nil
	}
	return addErrorCodes(m)
}

func addErrorCodes(m *model.Service) error {
	for name, c := range errorCodes() {
		s := m.Shapes[name]
		if s == nil || !s.Exception {
			return fmt.Errorf("sqs model has no exception %s", name)
		}
		s.ErrorCode, s.ErrorStatus, s.ErrorSender = c.code, c.status, true
	}
	return nil
}
