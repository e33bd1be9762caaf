// Package iamapi is the wire adapter of the IAM API: it registers one
// awsproto.Op per implemented IAM operation, converting the generated
// iamshapes structs to calls of internal/iam and the results back, and names
// the resource ARNs (and condition keys) each operation is authorized
// against, as AWS's Service Authorization Reference lists them.
//
// It is not for IAM's behaviour (internal/iam) and touches no SQL. Policy
// documents in responses are URL-encoded, as IAM sends them.
package iamapi
