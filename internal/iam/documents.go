package iam

import (
	"unicode"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/iam/policy"
)

// Policy size quotas in characters, whitespace excluded, as IAM counts them.
const (
	maxUserInlineSize  = 2048
	maxGroupInlineSize = 5120
	maxRoleInlineSize  = 10240
	maxManagedSize     = 6144
	maxTrustPolicySize = 2048
)

// policySize counts the characters of doc that IAM counts against quotas: all
// but whitespace.
func policySize(doc string) int {
	n := 0
	for _, r := range doc {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// checkDocument validates doc as a policy of kind. Returns MalformedPolicyDocument.
func checkDocument(doc string, kind policy.Kind) error {
	_, err := policy.Parse(doc, kind)
	if err == nil {
		return nil
	}
	if _, ok := awserr.As(err); ok {
		return err
	}
	return malformedPolicy("Syntax errors in policy.")
}

// checkTrustPolicy validates a role trust policy and its size.
func checkTrustPolicy(doc string) error {
	if err := checkDocument(doc, policy.Trust); err != nil {
		return err
	}
	if policySize(doc) > maxTrustPolicySize {
		return limitExceeded("Cannot exceed quota for ACLSizePerRole: %d", maxTrustPolicySize)
	}
	return nil
}

// inlineLimit is the inline policy quota of an owner kind.
func inlineLimit(k EntityKind) int {
	switch k {
	case KindGroup:
		return maxGroupInlineSize
	case KindRole:
		return maxRoleInlineSize
	}
	return maxUserInlineSize
}

// awsCode returns the awserr code of err, or "".
func awsCode(err error) string {
	if e, ok := awserr.As(err); ok {
		return e.Code
	}
	return ""
}
