package kms

import "github.com/stratus-cloud/stratus/internal/awserr"

// statusBadRequest is the HTTP status of every KMS client error; the domain
// does not import net/http.
const statusBadRequest = 400

// Error codes KMS answers with, as AWS spells them.
const (
	CodeNotFound          = "NotFoundException"
	CodeAlreadyExists     = "AlreadyExistsException"
	CodeDisabled          = "DisabledException"
	CodeInvalidState      = "KMSInvalidStateException"
	CodeInvalidCiphertext = "InvalidCiphertextException"
	CodeInvalidKeyUsage   = "InvalidKeyUsageException"
	CodeIncorrectKey      = "IncorrectKeyException"
	CodeValidation        = "ValidationException"
	CodeInvalidAliasName  = "InvalidAliasNameException"
	CodeInvalidMarker     = "InvalidMarkerException"
	CodeUnsupportedOp     = "UnsupportedOperationException"
	CodeMalformedPolicy   = "MalformedPolicyDocumentException"
	CodeTag               = "TagException"
	CodeNotAuthorized     = "NotAuthorizedException"
	CodeInvalidSignature  = "KMSInvalidSignatureException"
)

func newErr(code, format string, args ...any) *awserr.Error {
	return awserr.New(code, statusBadRequest, format, args...)
}

func validation(format string, args ...any) *awserr.Error {
	return newErr(CodeValidation, format, args...)
}

func keyDisabled(arn string) *awserr.Error {
	return newErr(CodeDisabled, "%s is disabled.", arn)
}

func pendingDeletion(arn string) *awserr.Error {
	return newErr(CodeInvalidState, "%s is pending deletion.", arn)
}

func invalidCiphertext() *awserr.Error {
	return awserr.New(CodeInvalidCiphertext, statusBadRequest, "")
}

// awsCode returns err's AWS error code, "" if it has none.
func awsCode(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return ""
}
