package secrets

import "github.com/stratus-cloud/stratus/internal/awserr"

// statusBadRequest is the HTTP status of every Secrets Manager client error;
// the domain does not import net/http.
const statusBadRequest = 400

// Error codes Secrets Manager answers with, as AWS spells them.
const (
	CodeNotFound         = "ResourceNotFoundException"
	CodeExists           = "ResourceExistsException"
	CodeInvalidParameter = "InvalidParameterException"
	CodeInvalidRequest   = "InvalidRequestException"
	CodeInvalidNextToken = "InvalidNextTokenException"
	CodeMalformedPolicy  = "MalformedPolicyDocumentException"
	CodeDecryption       = "DecryptionFailure"
	CodeEncryption       = "EncryptionFailure"
)

func newErr(code, format string, args ...any) *awserr.Error {
	return awserr.New(code, statusBadRequest, format, args...)
}

func notFound() *awserr.Error {
	return newErr(CodeNotFound, "Secrets Manager can't find the specified secret.")
}

func versionNotFound() *awserr.Error {
	return newErr(CodeNotFound, "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT")
}

func invalidParam(format string, args ...any) *awserr.Error {
	return newErr(CodeInvalidParameter, format, args...)
}

func markedForDeletion() *awserr.Error {
	return newErr(CodeInvalidRequest, "You can't perform this operation on the secret because it was marked for deletion.")
}
