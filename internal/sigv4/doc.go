// Package sigv4 verifies and creates AWS Signature Version 4 (HMAC-SHA256) signatures
// on HTTP requests, in both forms AWS accepts: the Authorization header and the
// presigned query string (X-Amz-Algorithm, X-Amz-Credential, ...).
//
// It is pure: it knows nothing of IAM, accounts or storage. Verify asks the caller for
// the secret of an access key through VerifyOptions.Lookup and answers with the facts
// a caller needs to build a principal (key id, region, service, session token). It is
// not for SigV4a (ECDSA), S3's chunked streaming signatures, or SigV2; requests signed
// that way are rejected.
//
// # The canonical request
//
// Sign, Presign and Verify share one canonicalizer, built as AWS documents it:
//   - the path as sent on the wire (still percent-encoded), with dot segments and empty
//     segments removed, then URI-encoded again ("double encoding"), except for the
//     service "s3", whose path is used exactly as sent;
//   - the query string split on '&', each key and value decoded and re-encoded with
//     the RFC 3986 unreserved set, sorted by encoded key, then encoded value;
//   - each signed header as lower-case name, ':', its values trimmed, runs of spaces
//     folded to one, several values joined by ','; host comes from Request.Host;
//   - the payload hash from X-Amz-Content-Sha256 when present (a hex SHA-256 of the
//     body, which Verify checks against the body, or UNSIGNED-PAYLOAD), else the
//     SHA-256 of the body; presigned "s3" requests use UNSIGNED-PAYLOAD.
//
// Clients disagree on the path: botocore removes dot segments but keeps empty ones,
// the Go SDK v2 normalises nothing. Verify tries the documented form first and, only
// when the path has dot or empty segments and that form did not match, the other two,
// so requests from every real client verify. Likewise a presigned request whose
// X-Amz-Security-Token was added after signing (as the AWS test suite and IoT clients
// do) is accepted: the token is still checked against the credential.
//
// # Errors
//
// Verify returns *awserr.Error values with the codes IAM, STS and the other query
// services use. Services of the json and rest-json protocols spell some of them
// differently; JSONCode gives that spelling, so the transport can adapt:
//
//	MissingAuthenticationToken  403  MissingAuthenticationTokenException
//	IncompleteSignature         400  IncompleteSignatureException
//	InvalidClientTokenId        403  UnrecognizedClientException
//	SignatureDoesNotMatch       403  InvalidSignatureException   (also "Signature expired: ...")
//	ExpiredToken                403  ExpiredTokenException
//	AccessDenied                403  AccessDeniedException       ("Request has expired", presigned)
//	XAmzContentSHA256Mismatch   400  (same in every protocol)
//
// A Lookup error other than ErrUnknownAccessKey is returned wrapped, not as an
// *awserr.Error: it is the server's fault and should reach the client as an internal
// failure.
package sigv4
