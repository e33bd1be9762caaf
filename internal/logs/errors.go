package logs

import "github.com/stratus-cloud/stratus/internal/awserr"

// statusBadRequest is the HTTP status of every CloudWatch Logs client error;
// the domain does not import net/http.
const statusBadRequest = 400

// Error codes CloudWatch Logs answers with, as AWS spells them.
const (
	CodeResourceNotFound      = "ResourceNotFoundException"
	CodeResourceAlreadyExists = "ResourceAlreadyExistsException"
	CodeInvalidParameter      = "InvalidParameterException"
	CodeLimitExceeded         = "LimitExceededException"
)

func invalidParameter(format string, args ...any) *awserr.Error {
	return awserr.New(CodeInvalidParameter, statusBadRequest, format, args...)
}

func groupNotFound() *awserr.Error {
	return awserr.New(CodeResourceNotFound, statusBadRequest, "The specified log group does not exist.")
}

func streamNotFound() *awserr.Error {
	return awserr.New(CodeResourceNotFound, statusBadRequest, "The specified log stream does not exist.")
}

func groupExists() *awserr.Error {
	return awserr.New(CodeResourceAlreadyExists, statusBadRequest, "The specified log group already exists")
}

func streamExists() *awserr.Error {
	return awserr.New(CodeResourceAlreadyExists, statusBadRequest, "The specified log stream already exists")
}

func invalidToken() *awserr.Error {
	return invalidParameter("The specified nextToken is invalid.")
}

// awsCode returns err's AWS error code, "" if it has none.
func awsCode(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return ""
}
