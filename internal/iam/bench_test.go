package iam

import (
	"context"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/identity"
)

// benchPrincipal sets up a user with inline, attached and group policies and
// returns the service and the user's principal.
func benchPrincipal(b *testing.B) (*Service, *identity.Principal) {
	ctx := context.Background()
	svc, _ := newTestService(b)
	const acct = "111122223333"
	must[*User](b)(svc.CreateUser(ctx, acct, CreateUserInput{Name: "bench"}))
	must[*Group](b)(svc.CreateGroup(ctx, acct, "g", ""))
	if err := svc.AddUserToGroup(ctx, acct, "g", "bench"); err != nil {
		b.Fatal(err)
	}
	for _, o := range []Owner{{KindUser, "bench"}, {KindGroup, "g"}} {
		if err := svc.PutInlinePolicy(ctx, acct, o, "p", BenchPolicy); err != nil {
			b.Fatal(err)
		}
	}
	if err := svc.AttachPolicy(ctx, acct, Owner{KindUser, "bench"}, ReadOnlyAccessARN); err != nil {
		b.Fatal(err)
	}
	k := must[*AccessKey](b)(svc.CreateAccessKey(ctx, acct, "bench"))
	c, _, err := svc.LookupCredential(ctx, k.ID)
	if err != nil {
		b.Fatal(err)
	}
	p := c.Principal
	p.SourceIP = "10.0.0.1"
	return svc, &p
}

// BenchPolicy is a four-statement identity policy with a wildcard, a deny, a
// policy variable and a condition.
const BenchPolicy = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"arn:aws:iam::111122223333:user/*"},
	{"Effect":"Deny","Action":"iam:Delete*","Resource":"*"},
	{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"},
	{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`

// BenchmarkAuthorize is the Authorizer on the request path: the principal's
// policies cached (no IAM write since the last request).
func BenchmarkAuthorize(b *testing.B) {
	svc, p := benchPrincipal(b)
	authz := NewAuthorizer(AuthorizerConfig{Service: svc})
	ctx := context.Background()
	req := &awsproto.AuthzRequest{Principal: p, Action: "iam:ListUsers", Resource: "arn:aws:iam::111122223333:user/", Region: "us-east-1", Time: time.Now()}
	for b.Loop() {
		if err := authz.Authorize(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthorizeAfterWrite is the first request after an IAM write: the
// principal's policies are read from the store again (parsing stays cached).
func BenchmarkAuthorizeAfterWrite(b *testing.B) {
	svc, p := benchPrincipal(b)
	authz := NewAuthorizer(AuthorizerConfig{Service: svc})
	ctx := context.Background()
	req := &awsproto.AuthzRequest{Principal: p, Action: "iam:ListUsers", Resource: "arn:aws:iam::111122223333:user/", Region: "us-east-1", Time: time.Now()}
	for b.Loop() {
		svc.gen.Add(1)
		if err := authz.Authorize(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
