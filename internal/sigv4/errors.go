package sigv4

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

// The error codes Verify returns, as query-protocol services (IAM, STS) spell them.
const (
	CodeMissingAuthenticationToken = "MissingAuthenticationToken"
	CodeIncompleteSignature        = "IncompleteSignature"
	CodeInvalidClientTokenID       = "InvalidClientTokenId"
	CodeSignatureDoesNotMatch      = "SignatureDoesNotMatch"
	CodeExpiredToken               = "ExpiredToken"
	CodeAccessDenied               = "AccessDenied"
	CodeContentSHA256Mismatch      = "XAmzContentSHA256Mismatch"
)

// JSONCode returns how services of the json and rest-json protocols spell the
// authentication error code, and whether it differs from code at all. For any
// other code it returns code, false.
func JSONCode(code string) (string, bool) {
	switch code {
	case CodeMissingAuthenticationToken:
		return "MissingAuthenticationTokenException", true
	case CodeIncompleteSignature:
		return "IncompleteSignatureException", true
	case CodeInvalidClientTokenID:
		return "UnrecognizedClientException", true
	case CodeSignatureDoesNotMatch:
		return "InvalidSignatureException", true
	case CodeExpiredToken:
		return "ExpiredTokenException", true
	case CodeAccessDenied:
		return "AccessDeniedException", true
	}
	return code, false
}

// MissingAuthenticationToken is the answer to a request that carries no SigV4
// authentication at all. The message is what STS and IAM answer.
func MissingAuthenticationToken() *awserr.Error {
	return &awserr.Error{Code: CodeMissingAuthenticationToken, Message: "Request is missing Authentication Token", Status: http.StatusForbidden}
}

// IncompleteSignature is the answer to authentication data that cannot be parsed
// or lacks a part.
func IncompleteSignature(msg string) *awserr.Error {
	return &awserr.Error{Code: CodeIncompleteSignature, Message: msg, Status: http.StatusBadRequest}
}

// InvalidClientTokenID is the answer to an unknown access key id or a session token
// that does not belong to it.
func InvalidClientTokenID() *awserr.Error {
	return &awserr.Error{Code: CodeInvalidClientTokenID, Message: "The security token included in the request is invalid.", Status: http.StatusForbidden}
}

// SignatureDoesNotMatch is the answer to a signature that is not the one computed.
func SignatureDoesNotMatch() *awserr.Error {
	return signatureError("The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
}

// SignatureExpired is the answer to a request signed at t, more than skew before now.
func SignatureExpired(t, now time.Time, skew time.Duration) *awserr.Error {
	return signatureError(fmt.Sprintf("Signature expired: %s is now earlier than %s (%s - %s.)",
		t.UTC().Format(timeFormat), now.Add(-skew).UTC().Format(timeFormat), now.UTC().Format(timeFormat), skewText(skew)))
}

// SignatureNotYetCurrent is the answer to a request signed at t, more than skew after
// now.
func SignatureNotYetCurrent(t, now time.Time, skew time.Duration) *awserr.Error {
	return signatureError(fmt.Sprintf("Signature not yet current: %s is still later than %s (%s + %s.)",
		t.UTC().Format(timeFormat), now.Add(skew).UTC().Format(timeFormat), now.UTC().Format(timeFormat), skewText(skew)))
}

// ExpiredToken is the answer to a session token past its expiry.
func ExpiredToken() *awserr.Error {
	return &awserr.Error{Code: CodeExpiredToken, Message: "The security token included in the request is expired", Status: http.StatusForbidden}
}

// RequestExpired is the answer to a presigned request used after its X-Amz-Expires
// window. Like S3 it reports the window and the server's time beside the message.
func RequestExpired(expires time.Duration, deadline, now time.Time) *awserr.Error {
	return &awserr.Error{
		Code: CodeAccessDenied, Message: "Request has expired", Status: http.StatusForbidden,
		Fields: map[string]any{
			"X-Amz-Expires": strconv.FormatInt(int64(expires/time.Second), 10),
			"Expires":       deadline.UTC().Format(time.RFC3339),
			"ServerTime":    now.UTC().Format(time.RFC3339),
		},
	}
}

// ContentSHA256Mismatch is the answer to an X-Amz-Content-Sha256 header that is not
// the SHA-256 of the body.
func ContentSHA256Mismatch() *awserr.Error {
	return &awserr.Error{Code: CodeContentSHA256Mismatch, Message: "The provided 'x-amz-content-sha256' header does not match what was computed.", Status: http.StatusBadRequest}
}

func signatureError(msg string) *awserr.Error {
	return &awserr.Error{Code: CodeSignatureDoesNotMatch, Message: msg, Status: http.StatusForbidden}
}

// skewText writes a skew the way AWS does: "15 min".
func skewText(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec"
}
