package policy

import (
	"testing"
)

const (
	acct      = "111122223333"
	otherAcct = "444455556666"
	userARN   = "arn:aws:iam::111122223333:user/alice"
	roleARN   = "arn:aws:iam::111122223333:role/ops/Deployer"
	sessARN   = "arn:aws:sts::111122223333:assumed-role/Deployer/build-42"
	fedARN    = "arn:aws:sts::111122223333:federated-user/bob"
)

func mustParse(t testing.TB, doc string, kind Kind) *Policy {
	t.Helper()
	p, err := Parse(doc, kind)
	if err != nil {
		t.Fatalf("parse %s policy: %v\n%s", kind, err, doc)
	}
	return p
}

// src parses an identity policy into a Source with the given id.
func src(t testing.TB, id, doc string) Source {
	t.Helper()
	return Source{ID: id, Type: "user", Policy: mustParse(t, doc, Identity)}
}

func resourceSrc(t testing.TB, doc string) *Source {
	t.Helper()
	return &Source{ID: "resource", Type: "resource", Policy: mustParse(t, doc, Resource)}
}

func trustSrc(t testing.TB, doc string) *Source {
	t.Helper()
	return &Source{ID: "trust", Type: "resource", Policy: mustParse(t, doc, Trust)}
}

func user() PrincipalInfo {
	return PrincipalInfo{Type: PrincipalUser, ARN: userARN, Account: acct, UniqueID: "AIDAEXAMPLEUSER00001"}
}

func roleSession() PrincipalInfo {
	return PrincipalInfo{Type: PrincipalAssumedRole, ARN: sessARN, IdentityARN: roleARN, Account: acct, UniqueID: "AROAEXAMPLEROLE00001"}
}

func federatedUser() PrincipalInfo {
	return PrincipalInfo{Type: PrincipalFederatedUser, ARN: fedARN, IdentityARN: userARN, Account: acct}
}

func root() PrincipalInfo {
	return PrincipalInfo{Type: PrincipalRoot, ARN: "arn:aws:iam::111122223333:root", Account: acct}
}

func foreignUser() PrincipalInfo {
	return PrincipalInfo{Type: PrincipalUser, ARN: "arn:aws:iam::444455556666:user/eve", Account: otherAcct}
}

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
