// Package signerapi is the AWS Signer wire adapter (rest-json): it decodes
// requests into internal/awsproto/shapes/signershapes, names the ARNs each
// call is authorized against (the signing profile ARN, without version, as
// AWS's Service Authorization Reference lists it; "*" for listing and for
// platforms), calls internal/signer and encodes the results.
//
// It is not for behaviour (internal/signer) and does not register the
// operations Stratus does not serve (signing jobs other than StartSigningJob,
// SignPayload, profile permissions, per-signature revocation); the router
// answers those as not implemented.
package signerapi
