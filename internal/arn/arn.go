// Package arn parses and formats Amazon Resource Names
// (arn:partition:service:region:account-id:resource) and builds the IAM, STS and
// Organizations ARNs Stratus hands out.
//
// It is not for matching ARNs against policy patterns (internal/iam/policy does
// that) and knows nothing about which resources exist.
package arn

import (
	"errors"
	"strings"
)

// Partition is the only partition Stratus serves.
const Partition = "aws"

// ARN is a parsed Amazon Resource Name.
type ARN struct {
	Partition string
	Service   string
	Region    string
	// Account is the 12-digit account id, "aws" for AWS managed policies, or empty
	// for resources without an owner account (e.g. S3 buckets).
	Account string
	// Resource is everything after the fifth colon, e.g. "user/path/bob".
	Resource string
}

// ErrMalformed is returned by Parse for strings that are not ARNs.
var ErrMalformed = errors.New("malformed arn")

// Parse splits s into its parts. It checks only the structure (the "arn" prefix
// and six colon-separated parts with non-empty partition, service and resource).
func Parse(s string) (ARN, error) {
	rest, ok := strings.CutPrefix(s, "arn:")
	if !ok {
		return ARN{}, ErrMalformed
	}
	var parts [4]string
	for i := range parts {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return ARN{}, ErrMalformed
		}
		parts[i], rest = rest[:j], rest[j+1:]
	}
	a := ARN{Partition: parts[0], Service: parts[1], Region: parts[2], Account: parts[3], Resource: rest}
	if a.Partition == "" || a.Service == "" || a.Resource == "" {
		return ARN{}, ErrMalformed
	}
	return a, nil
}

// String formats a.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// Account returns the account field of s, or "" when s is not an ARN (e.g. "*").
func Account(s string) string {
	a, err := Parse(s)
	if err != nil {
		return ""
	}
	return a.Account
}

// IAM returns arn:aws:iam::account:<kind>/<path><name> with path normalised to
// begin and end with "/" (an empty path is "/"). kind is "user", "group",
// "role", "policy" or "instance-profile".
func IAM(account, kind, path, name string) string {
	return "arn:" + Partition + ":iam::" + account + ":" + kind + NormalizePath(path) + name
}

// IAMRoot returns the account root principal ARN, arn:aws:iam::account:root.
func IAMRoot(account string) string {
	return "arn:" + Partition + ":iam::" + account + ":root"
}

// AssumedRole returns arn:aws:sts::account:assumed-role/role/session.
// AWS leaves the role's path out of session ARNs.
func AssumedRole(account, role, session string) string {
	return "arn:" + Partition + ":sts::" + account + ":assumed-role/" + role + "/" + session
}

// NormalizePath returns path with a leading and trailing "/", "/" when empty.
func NormalizePath(path string) string {
	if path == "" {
		return "/"
	}
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	if !strings.HasSuffix(path, "/") {
		path += "/"
	}
	return path
}

// IAMResource splits the resource part of an IAM ARN (e.g. "user/dev/bob") into
// its kind ("user"), path ("/dev/") and name ("bob"). ok is false when resource
// has no "/".
func IAMResource(resource string) (kind, path, name string, ok bool) {
	i := strings.IndexByte(resource, '/')
	if i < 0 {
		return "", "", "", false
	}
	kind = resource[:i]
	j := strings.LastIndexByte(resource, '/')
	return kind, resource[i : j+1], resource[j+1:], true
}

// Organization returns arn:aws:organizations::management:organization/orgID.
func Organization(management, orgID string) string {
	return "arn:" + Partition + ":organizations::" + management + ":organization/" + orgID
}

// OrgAccount returns arn:aws:organizations::management:account/orgID/account.
func OrgAccount(management, orgID, account string) string {
	return "arn:" + Partition + ":organizations::" + management + ":account/" + orgID + "/" + account
}

// OrgRoot returns arn:aws:organizations::management:root/orgID/rootID.
func OrgRoot(management, orgID, rootID string) string {
	return "arn:" + Partition + ":organizations::" + management + ":root/" + orgID + "/" + rootID
}
