package authapi_test

import (
	"bytes"
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/sigv4"
)

// signed returns a ListUsers request signed with c now.
func signed(t testing.TB, c apitest.Credentials) (*http.Request, []byte) {
	t.Helper()
	body := []byte("Action=ListUsers&Version=2010-05-08")
	r, err := http.NewRequest(http.MethodPost, "https://iam.amazonaws.com/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	cred := sigv4.Credential{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if err := sigv4.Sign(r, body, cred, "us-east-1", "iam", time.Now()); err != nil {
		t.Fatal(err)
	}
	return r, body
}

func TestAuthenticate(t *testing.T) {
	e := apitest.New(t)
	ctx := context.Background()
	a := authapi.New(e.Service, e.Clock.Now)
	roleARN := "arn:aws:iam::" + e.Account + ":role/app/worker"
	if _, err := e.Service.CreateRole(ctx, e.Account, iam.CreateRoleInput{Name: "worker", Path: "/app/",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + e.Account + `"},"Action":"sts:AssumeRole"}]}`}); err != nil {
		t.Fatal(err)
	}
	r, body := signed(t, e.Admin)
	admin, err := a.Authenticate(ctx, r, body, "iam")
	if err != nil {
		t.Fatal(err)
	}
	sess, err := e.Service.AssumeRole(ctx, admin, iam.AssumeRoleInput{RoleARN: roleARN, SessionName: "job-1",
		Policy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		creds apitest.Credentials
		want  identity.Principal
	}{
		{"a long-term key signs as its user", e.Admin, identity.Principal{
			Kind: identity.KindUser, Account: e.Account, ARN: "arn:aws:iam::" + e.Account + ":user/admin", Name: "admin",
			IdentityARN: "arn:aws:iam::" + e.Account + ":user/admin", AccessKeyID: e.Admin.AccessKeyID}},
		{"a role session signs as the assumed role, with the role's path only in IdentityARN",
			apitest.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.Secret, SessionToken: sess.Token},
			identity.Principal{Kind: identity.KindAssumedRole, Account: e.Account, ARN: "arn:aws:sts::" + e.Account + ":assumed-role/worker/job-1",
				Name: "worker", SessionName: "job-1", IdentityARN: roleARN, AccessKeyID: sess.AccessKeyID}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, body := signed(t, tc.creds)
			p, err := a.Authenticate(ctx, r, body, "iam")
			if err != nil {
				t.Fatal(err)
			}
			got := *p
			got.UserID, got.SessionPolicies = "", nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	t.Run("a role session carries its session policies", func(t *testing.T) {
		r, body := signed(t, apitest.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.Secret, SessionToken: sess.Token})
		p, err := a.Authenticate(ctx, r, body, "iam")
		if err != nil || len(p.SessionPolicies) != 1 {
			t.Errorf("got %+v %v", p, err)
		}
	})
	t.Run("an unknown key id is InvalidClientTokenId", func(t *testing.T) {
		r, body := signed(t, apitest.Credentials{AccessKeyID: "AKIAAAAAAAAAAAAAAAAA", SecretAccessKey: "x"})
		_, err := a.Authenticate(ctx, r, body, "iam")
		if !awserr.Is(err, "InvalidClientTokenId") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a request for another service's scope is refused", func(t *testing.T) {
		r, body := signed(t, e.Admin)
		if _, err := a.Authenticate(ctx, r, body, "sts"); err == nil {
			t.Error("accepted an iam-scoped signature for sts")
		}
	})
}

// benchPolicy is a four-statement identity policy with a wildcard, a deny, a
// policy variable and a condition.
const benchPolicy = `{"Version":"2012-10-17","Statement":[
	{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"arn:aws:iam::*:user/*"},
	{"Effect":"Deny","Action":"iam:Delete*","Resource":"*"},
	{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"},
	{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`

// BenchmarkAuthenticateAndAuthorize is the whole per-request cost of IAM on
// the request path: SigV4 verification with a cached credential, then the
// Authorizer with cached policies, for a user with an inline policy, a group
// policy and ReadOnlyAccess.
func BenchmarkAuthenticateAndAuthorize(b *testing.B) {
	e := apitest.New(b)
	ctx := context.Background()
	c := e.NewUser(b, e.Account, "bench", benchPolicy)
	if err := e.Service.AttachPolicy(ctx, e.Account, iam.Owner{Kind: iam.KindUser, Name: "bench"}, iam.ReadOnlyAccessARN); err != nil {
		b.Fatal(err)
	}
	a := authapi.New(e.Service, e.Clock.Now)
	r, body := signed(b, c)
	for _, bench := range []struct {
		name  string
		authz bool
	}{{"Authenticate", false}, {"AuthenticateAndAuthorize", true}} {
		b.Run(bench.name, func(b *testing.B) {
			for b.Loop() {
				p, err := a.Authenticate(ctx, r, body, "iam")
				if err != nil {
					b.Fatal(err)
				}
				if !bench.authz {
					continue
				}
				if err := e.Authz.Authorize(ctx, &awsproto.AuthzRequest{Principal: p, Action: "iam:ListUsers",
					Resource: "arn:aws:iam::" + e.Account + ":user/", Region: "us-east-1", Time: time.Now()}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
