package iam

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/identity"
)

func userPrincipal(t testing.TB, svc *Service, account, name string) *identity.Principal {
	t.Helper()
	u, err := svc.GetUser(context.Background(), account, name)
	if err != nil {
		t.Fatal(err)
	}
	return &identity.Principal{Kind: identity.KindUser, Account: account, ARN: u.ARN, UserID: u.ID, Name: u.Name, IdentityARN: u.ARN,
		SourceIP: "10.1.2.3"}
}

// fakeResourcePolicies serves one resource policy per ARN.
type fakeResourcePolicies map[string]string

func (f fakeResourcePolicies) ResourcePolicy(_ context.Context, resourceARN, _ string) (string, bool, error) {
	doc, ok := f[resourceARN]
	return doc, ok, nil
}

func TestAuthorizer(t *testing.T) {
	ctx := context.Background()
	svc, _ := newTestService(t)
	const acct, other = "111122223333", "444455556666"
	queueARN := "arn:aws:sqs:us-east-1:" + other + ":q"
	authz := NewAuthorizer(AuthorizerConfig{Service: svc, ResourcePolicies: map[string]ResourcePolicySource{
		"sqs": fakeResourcePolicies{queueARN: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/bob"},"Action":"sqs:SendMessage","Resource":"*"}]}`},
	}})
	put := func(owner Owner, doc string) {
		t.Helper()
		if err := svc.PutInlinePolicy(ctx, acct, owner, "p", doc); err != nil {
			t.Fatal(err)
		}
	}
	must[*User](t)(svc.CreateUser(ctx, acct, CreateUserInput{Name: "bob"}))
	must[*User](t)(svc.CreateUser(ctx, acct, CreateUserInput{Name: "carol"}))
	must[*Group](t)(svc.CreateGroup(ctx, acct, "ops", ""))
	if err := svc.AddUserToGroup(ctx, acct, "ops", "carol"); err != nil {
		t.Fatal(err)
	}
	put(Owner{KindUser, "bob"}, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:Get*","iam:ListUsers","sqs:SendMessage"],"Resource":"*"},
		{"Effect":"Deny","Action":"iam:GetRole","Resource":"*"},
		{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"},
		{"Effect":"Allow","Action":"ec2:DescribeVpcs","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}},
		{"Effect":"Allow","Action":"ec2:DescribeSubnets","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"192.168.0.0/16"}}},
		{"Effect":"Allow","Action":"iam:TagUser","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":"eu-west-1"}}}
	]}`)
	put(Owner{KindGroup, "ops"}, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)
	if err := svc.AttachPolicy(ctx, acct, Owner{KindGroup, "ops"}, ReadOnlyAccessARN); err != nil {
		t.Fatal(err)
	}
	bob, carol := userPrincipal(t, svc, acct, "bob"), userPrincipal(t, svc, acct, "carol")

	tests := []struct {
		name     string
		p        *identity.Principal
		action   string
		resource string
		region   string
		wantErr  string // substring of the AccessDenied message, "" for allowed
	}{
		{"an inline allow with a wildcard action allows", bob, "iam:GetUser", "arn:aws:iam::" + acct + ":user/x", "", ""},
		{"nothing allowing the action denies with AWS's message", bob, "iam:ListRoles", "arn:aws:iam::" + acct + ":role/",
			"", "User: arn:aws:iam::" + acct + ":user/bob is not authorized to perform: iam:ListRoles on resource: arn:aws:iam::" + acct + ":role/ because no identity-based policy allows the iam:ListRoles action"},
		{"an explicit deny wins over an allow", bob, "iam:GetRole", "arn:aws:iam::" + acct + ":role/r",
			"", "is not authorized to perform: iam:GetRole on resource: arn:aws:iam::" + acct + ":role/r with an explicit deny in an identity-based policy"},
		{"policy variables resolve to the caller's name", bob, "s3:GetObject", "arn:aws:s3:::home/bob/notes.txt", "", ""},
		{"policy variables do not match other users' resources", bob, "s3:GetObject", "arn:aws:s3:::home/carol/notes.txt", "", "no identity-based policy allows"},
		{"aws:SourceIp comes from the request", bob, "ec2:DescribeVpcs", "*", "", ""},
		{"a source IP outside the range does not match", bob, "ec2:DescribeSubnets", "*", "", "no identity-based policy allows"},
		{"aws:RequestedRegion comes from the request's region", bob, "iam:TagUser", "arn:aws:iam::" + acct + ":user/x", "eu-west-1", ""},
		{"another region does not match", bob, "iam:TagUser", "arn:aws:iam::" + acct + ":user/x", "us-east-1", "no identity-based policy allows"},
		{"a group's inline policy applies to its members", carol, "iam:ListRoles", "arn:aws:iam::" + acct + ":role/", "", ""},
		{"a group's attached AWS managed policy applies to its members", carol, "lambda:ListFunctions", "*", "", ""},
		{"ReadOnlyAccess does not allow writes", carol, "iam:CreateUser", "arn:aws:iam::" + acct + ":user/x", "", "no identity-based policy allows"},
		{"an action without a resource leaves the resource out of the message", carol, "sts:GetSessionToken", "*", "",
			"is not authorized to perform: sts:GetSessionToken because no identity-based policy allows"},
		{"another account's resource needs its resource policy", carol, "sqs:SendMessage", queueARN, "", "because no resource-based policy allows the sqs:SendMessage action"},
		{"identity and resource policy together allow across accounts", bob, "sqs:SendMessage", queueARN, "", ""},
		{"GetCallerIdentity is always allowed", carol, "sts:GetCallerIdentity", "*", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := authz.Authorize(ctx, &awsproto.AuthzRequest{Principal: tc.p, Action: tc.action, Resource: tc.resource, Region: tc.region, Time: time.Now()})
			if tc.wantErr == "" {
				if err != nil {
					t.Errorf("denied: %v", err)
				}
				return
			}
			if errCode(err) != CodeAccessDenied || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("got %v, want AccessDenied containing %q", err, tc.wantErr)
			}
		})
	}

	t.Run("a policy change takes effect with the next request", func(t *testing.T) {
		req := &awsproto.AuthzRequest{Principal: carol, Action: "iam:CreateGroup", Resource: "arn:aws:iam::" + acct + ":group/g"}
		if err := authz.Authorize(ctx, req); err == nil {
			t.Fatal("allowed before the policy")
		}
		if err := svc.AttachPolicy(ctx, acct, Owner{KindUser, "carol"}, AdministratorAccessARN); err != nil {
			t.Fatal(err)
		}
		if err := authz.Authorize(ctx, req); err != nil {
			t.Errorf("after attaching: %v", err)
		}
		if err := svc.DetachPolicy(ctx, acct, Owner{KindUser, "carol"}, AdministratorAccessARN); err != nil {
			t.Fatal(err)
		}
		if err := authz.Authorize(ctx, req); err == nil {
			t.Error("still allowed after detaching")
		}
	})
	t.Run("a permissions boundary limits what the identity policy allows", func(t *testing.T) {
		bp := must[*ManagedPolicy](t)(svc.CreatePolicy(ctx, acct, CreatePolicyInput{Name: "boundary",
			Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:List*","Resource":"*"}]}`}))
		must[*User](t)(svc.CreateUser(ctx, acct, CreateUserInput{Name: "bounded", PermissionsBoundary: bp.ARN}))
		if err := svc.AttachPolicy(ctx, acct, Owner{KindUser, "bounded"}, AdministratorAccessARN); err != nil {
			t.Fatal(err)
		}
		p := userPrincipal(t, svc, acct, "bounded")
		if err := authz.Authorize(ctx, &awsproto.AuthzRequest{Principal: p, Action: "iam:ListUsers", Resource: "arn:aws:iam::" + acct + ":user/"}); err != nil {
			t.Errorf("inside the boundary: %v", err)
		}
		err := authz.Authorize(ctx, &awsproto.AuthzRequest{Principal: p, Action: "iam:CreateUser", Resource: "arn:aws:iam::" + acct + ":user/x"})
		if !strings.Contains(errString(err), "because no permissions boundary allows the iam:CreateUser action") {
			t.Errorf("outside the boundary: %v", err)
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestPolicyCache(t *testing.T) {
	c := newPolicyCache(2)
	docs := []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:A","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"b:B","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"c:C","Resource":"*"}]}`,
	}
	t.Run("the same document is parsed once", func(t *testing.T) {
		p1, err := c.parse(docs[0], identityKindForTest)
		if err != nil {
			t.Fatal(err)
		}
		p2, _ := c.parse(docs[0], identityKindForTest)
		if p1 != p2 {
			t.Error("a second parse returned a different policy")
		}
	})
	t.Run("the cache holds at most its bound, dropping the least recently used", func(t *testing.T) {
		first, _ := c.parse(docs[0], identityKindForTest)
		c.parse(docs[1], identityKindForTest)
		c.parse(docs[0], identityKindForTest) // docs[0] is now the most recent
		c.parse(docs[2], identityKindForTest) // evicts docs[1]
		if n := c.len(); n != 2 {
			t.Errorf("len = %d, want 2", n)
		}
		if again, _ := c.parse(docs[0], identityKindForTest); again != first {
			t.Error("the recently used entry was evicted")
		}
	})
	t.Run("parse errors are returned and not cached", func(t *testing.T) {
		before := c.len()
		if _, err := c.parse(`{`, identityKindForTest); err == nil {
			t.Error("no error")
		}
		if c.len() != before {
			t.Error("an error was cached")
		}
	})
}
