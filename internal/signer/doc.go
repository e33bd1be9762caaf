// Package signer is the AWS Signer domain as Lambda code signing needs it:
// signing profiles on the one platform AWSLambda-SHA384-ECDSA, their
// versions (a new one each time a canceled or revoked name is put again),
// cancelation, revocation with an effective time, tags, and the platform's
// description.
//
// Stratus signs with KMS, not with ACM certificates: a profile's
// signingMaterial.certificateArn is the ARN of a KMS ECC_NIST_P256
// SIGN_VERIFY key in the profile's region. A profile put without one gets a
// new key made through the Keys interface (KMS in the server). The key ARN
// is what GetSigningProfile reports as certificateArn.
//
// Stratus has no S3, so StartSigningJob answers ValidationException:
// signing is `stratus sign`, which reads the profile with GetSigningProfile
// and signs with kms:Sign under the caller's own credentials, writing the
// signature format of internal/codesign. ProfileVersion serves Lambda's
// checks (it implements codesign.ProfileLookup).
//
// It is not for the wire (internal/signer/signerapi), for the signature
// format (internal/codesign), for signing jobs, signing payloads, profile
// permissions or per-signature revocation, which Stratus does not serve.
package signer
