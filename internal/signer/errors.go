package signer

import "github.com/stratus-cloud/stratus/internal/awserr"

// Error codes Signer answers with, as AWS spells them, and their statuses
// (the domain does not import net/http).
const (
	CodeValidation  = "ValidationException"       // 400
	CodeNotFound    = "ResourceNotFoundException" // 404, profile operations
	CodeTagNotFound = "NotFoundException"         // 404, tagging operations
	CodeBadRequest  = "BadRequestException"       // 400, tagging operations
)

func validation(format string, args ...any) *awserr.Error {
	return awserr.New(CodeValidation, 400, format, args...)
}

func badRequest(format string, args ...any) *awserr.Error {
	return awserr.New(CodeBadRequest, 400, format, args...)
}

func notFound(format string, args ...any) *awserr.Error {
	return awserr.New(CodeNotFound, 404, format, args...)
}

func profileNotFound(name string) *awserr.Error {
	return notFound("Signing profile %s does not exist.", name)
}

func tagNotFound(arn string) *awserr.Error {
	return awserr.New(CodeTagNotFound, 404, "Resource %s does not exist.", arn)
}
