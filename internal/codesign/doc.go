// Package codesign is the Stratus code signature format for Lambda
// deployment packages (zip files), and the checks Lambda makes on it.
//
// # Where the signature travels
//
// The signature is the zip's archive comment, the free text at the end of
// the End Of Central Directory record (EOCD). Zip readers ignore the
// comment, so a signed zip unpacks and runs unchanged. The comment is
//
//	STRATUS-SIGNATURE-1 <base64url, unpadded, of the envelope JSON>
//
// and the envelope JSON is
//
//	{"payload": {...}, "signature": "<base64url, unpadded, of the DER ECDSA signature>"}
//
// with the payload fields
//
//	profileVersionArn  arn:aws:signer:REGION:ACCOUNT:/signing-profiles/NAME/VERSION
//	jobId              a random UUID (version 4) naming this signing
//	signedAt           RFC 3339 UTC, whole seconds
//	expiresAt          signedAt plus the profile's signature validity period
//	keyArn             the KMS key (ECC_NIST_P256, SIGN_VERIFY) that signed
//	algorithm          ECDSA_SHA_256
//	codeDigest         lowercase hex SHA-256 of the zip with its comment removed
//	                   and the EOCD's comment length field set to zero
//
// Fields the JSON holds beyond these are ignored; none may contain a line
// feed.
//
// # What is signed
//
// The signature is ECDSA P-256 over SHA-256 of the canonical payload bytes:
// the line "STRATUS-SIGNATURE-1" and then one line "name:value" per payload
// field in the order listed above, each line ending in a line feed. The
// digest of those bytes is what KMS Sign receives with MessageType DIGEST
// and SigningAlgorithm ECDSA_SHA_256. Because the code digest leaves out the
// comment, signing a zip again replaces the signature without changing what
// is signed.
//
// # The checks
//
// Check makes Lambda's four code signing checks: integrity (the format is
// sound, the code digest matches the bytes, the signature verifies under the
// public key of the profile version's key, and keyArn is that key), expiry
// (now is past expiresAt), mismatch (the profile version is not among the
// allowed publishers) and revocation (the profile version is revoked with
// an effective time at or before signedAt).
//
// It is not for signing profiles (internal/signer), for calling KMS (the
// caller supplies a Signer and PublicKeys), or for deciding what Lambda does
// with a failed check (a code signing config's Warn or Enforce policy).
package codesign
