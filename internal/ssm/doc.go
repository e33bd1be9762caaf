// Package ssm is the AWS Systems Manager Parameter Store domain: parameters
// (String, StringList, SecureString) in a name hierarchy ("/a/b/c"), each put
// making a new numbered version (the last 100 are kept), version labels,
// tiers (Standard up to 4 KB, Advanced up to 8 KB), allowed patterns, tags,
// and the listings GetParametersByPath, DescribeParameters and
// GetParameterHistory with AWS's filters and pagination.
//
// SecureString values never rest in the clear: each version's value is
// sealed with a fresh AES-256-GCM data key, and the data key is encrypted
// through the Keys interface (KMS in the server) under the parameter's key
// (DefaultKeyAlias unless the caller names one) with the encryption context
// {"PARAMETER_ARN": arn}, as AWS does. Only that envelope is stored; reading
// a SecureString without decryption answers the envelope in base64, as AWS
// answers its ciphertext. String and StringList values are stored as given
// (they are not secret on AWS either).
//
// It is not for the wire (internal/ssm/ssmapi decodes requests, names the
// ARNs calls are authorized against and encodes results), and not for
// parameter policies (expiration, notifications), public parameters under
// /aws/, sharing, or the rest of Systems Manager.
package ssm
