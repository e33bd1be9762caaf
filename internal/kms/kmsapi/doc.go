// Package kmsapi is the AWS KMS wire API (JSON 1.1, TrentService) over the
// internal/kms domain: it turns the generated kmsshapes structs into domain
// calls, names the key ARN each call is authorized against (aliases resolved
// to their key first; CreateKey, ListKeys and ListAliases on "*") and encodes
// the results.
//
// It is not for behaviour (internal/kms decides states, limits and
// cryptography) and not for wiring (internal/server registers it).
package kmsapi
