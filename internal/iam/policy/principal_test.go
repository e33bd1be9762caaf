package policy

import (
	"testing"

	"github.com/stratus-cloud/stratus/internal/identity"
)

func TestPrincipalFromIdentity(t *testing.T) {
	tests := []struct {
		name string
		in   *identity.Principal
		want PrincipalInfo
	}{
		{"a user keeps its ARN and unique id",
			&identity.Principal{Kind: identity.KindUser, Account: acct, ARN: userARN, UserID: "AIDAEXAMPLEUSER00001"},
			PrincipalInfo{Type: PrincipalUser, ARN: userARN, Account: acct, UniqueID: "AIDAEXAMPLEUSER00001"}},
		{"a GetSessionToken session acts as its user",
			&identity.Principal{Kind: identity.KindSessionUser, Account: acct, ARN: userARN, UserID: "AIDAEXAMPLEUSER00001"},
			PrincipalInfo{Type: PrincipalUser, ARN: userARN, Account: acct, UniqueID: "AIDAEXAMPLEUSER00001"}},
		{"a role session carries its role and the role's unique id",
			&identity.Principal{Kind: identity.KindAssumedRole, Account: acct, ARN: sessARN, IdentityARN: roleARN, UserID: "AROAEXAMPLEROLE00001:build-42"},
			PrincipalInfo{Type: PrincipalAssumedRole, ARN: sessARN, IdentityARN: roleARN, Account: acct, UniqueID: "AROAEXAMPLEROLE00001"}},
		{"the root user has no unique id",
			&identity.Principal{Kind: identity.KindRoot, Account: acct, ARN: "arn:aws:iam::111122223333:root", UserID: acct},
			PrincipalInfo{Type: PrincipalRoot, ARN: "arn:aws:iam::111122223333:root", Account: acct}},
		{"no principal is anonymous", nil, PrincipalInfo{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PrincipalFromIdentity(tc.in); got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestContextKeysAreCaseInsensitive(t *testing.T) {
	c := Context{}
	c.Set("AWS:SourceIp", StringValue("10.0.0.1"))
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{"a key is found in the case it was set", "AWS:SourceIp", true},
		{"a key is found in another case", "aws:sourceip", true},
		{"another key is not found", "aws:SourceVpc", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := c.Get(tc.key)
			if ok != tc.ok || (ok && v.Values[0] != "10.0.0.1") {
				t.Errorf("got %+v %v", v, ok)
			}
		})
	}
}
