package stsapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/identity"
)

type env = apitest.Env

func trustDoc(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal + `"},"Action":"sts:AssumeRole"}]}`
}

func newRole(t testing.TB, e *env, name, trust string) string {
	t.Helper()
	r, err := e.Service.CreateRole(context.Background(), e.Account, iam.CreateRoleInput{Name: name, TrustPolicy: trust})
	if err != nil {
		t.Fatal(err)
	}
	return r.ARN
}

func creds(c *ststypes.Credentials) apitest.Credentials {
	return apitest.Credentials{AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey), SessionToken: aws.ToString(c.SessionToken)}
}

const allowAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

func TestEveryOperationIsAuthorizedOnItsResource(t *testing.T) {
	e := apitest.New(t)
	cases := []apitest.AuthzCase{{
		Op: "AssumeRole", Action: "sts:AssumeRole",
		Setup: func(t testing.TB, e *env, n string) string {
			return newRole(t, e, n, trustDoc("arn:aws:iam::"+e.Account+":root"))
		},
		Resources: func(e *env, n, roleARN string) []string { return []string{roleARN} },
		Call: func(ctx context.Context, e *env, c apitest.Credentials, n, roleARN string) error {
			_, err := e.STS(c).AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ss")})
			return err
		},
	}}
	stars := []apitest.StarCase{
		{Op: "GetSessionToken", Action: "sts:GetSessionToken", Why: "the reference lists no resource type for sts:GetSessionToken",
			Call: func(ctx context.Context, e *env, c apitest.Credentials) error {
				_, err := e.STS(c).GetSessionToken(ctx, &stssdk.GetSessionTokenInput{})
				return err
			}},
	}
	// GetCallerIdentity needs no permission at all; TestGetCallerIdentity checks it.
	ops := map[string]bool{}
	for op := range e.Services["sts"].Ops {
		ops[op] = true
	}
	delete(ops, "GetCallerIdentity")
	if len(ops) != len(cases)+len(stars) {
		t.Errorf("registered operations %v do not match the cases", ops)
	}
	apitest.RunAuthzCases(t, e, cases)
	apitest.RunStarCases(t, e, stars)
}

func TestGetCallerIdentity(t *testing.T) {
	e := apitest.New(t)
	ctx := context.Background()
	t.Run("a user with no policy at all may call it", func(t *testing.T) {
		c := e.NewUser(t, e.Account, "nobody", "")
		out, err := e.STS(c).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(out.Arn) != "arn:aws:iam::"+e.Account+":user/nobody" || aws.ToString(out.Account) != e.Account ||
			!strings.HasPrefix(aws.ToString(out.UserId), "AIDA") {
			t.Errorf("got %s %s %s", aws.ToString(out.Arn), aws.ToString(out.Account), aws.ToString(out.UserId))
		}
	})
	t.Run("even an explicit deny does not stop it", func(t *testing.T) {
		c := e.NewUser(t, e.Account, "denied", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}`)
		if _, err := e.STS(c).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{}); err != nil {
			t.Errorf("got %v", err)
		}
	})
}

func TestAssumeRole(t *testing.T) {
	e := apitest.New(t)
	ctx := context.Background()
	admin := e.STS(e.Admin)
	roleARN := newRole(t, e, "deploy", trustDoc("arn:aws:iam::"+e.Account+":root"))
	if err := e.Service.PutInlinePolicy(ctx, e.Account, iam.Owner{Kind: iam.KindRole, Name: "deploy"}, "all", allowAll); err != nil {
		t.Fatal(err)
	}

	out, err := admin.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("ci")})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the session has ASIA credentials, a token and a one-hour expiry", func(t *testing.T) {
		c := out.Credentials
		if !strings.HasPrefix(aws.ToString(c.AccessKeyId), "ASIA") || aws.ToString(c.SessionToken) == "" {
			t.Errorf("credentials %+v", c)
		}
		if d := time.Until(aws.ToTime(c.Expiration)); d < 59*time.Minute || d > 61*time.Minute {
			t.Errorf("expires in %v", d)
		}
		if got, want := aws.ToString(out.AssumedRoleUser.Arn), "arn:aws:sts::"+e.Account+":assumed-role/deploy/ci"; got != want {
			t.Errorf("arn %s, want %s", got, want)
		}
		if id := aws.ToString(out.AssumedRoleUser.AssumedRoleId); !strings.HasPrefix(id, "AROA") || !strings.HasSuffix(id, ":ci") {
			t.Errorf("assumed role id %s", id)
		}
	})
	t.Run("the session signs requests as the assumed role", func(t *testing.T) {
		who, err := e.STS(creds(out.Credentials)).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
		if err != nil {
			t.Fatal(err)
		}
		if aws.ToString(who.Arn) != aws.ToString(out.AssumedRoleUser.Arn) || aws.ToString(who.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
			t.Errorf("caller %s %s", aws.ToString(who.Arn), aws.ToString(who.UserId))
		}
		if _, err := e.IAM(creds(out.Credentials)).ListRoles(ctx, &iamsdk.ListRolesInput{}); err != nil {
			t.Errorf("the role's policy should allow ListRoles: %v", err)
		}
	})
	t.Run("a session without its token is refused", func(t *testing.T) {
		c := creds(out.Credentials)
		c.SessionToken = ""
		_, err := e.STS(c).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
		if apitest.APICode(err) != "InvalidClientTokenId" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a session policy narrows what the session may do", func(t *testing.T) {
		narrow, err := admin.AssumeRole(ctx, &stssdk.AssumeRoleInput{
			RoleArn: aws.String(roleARN), RoleSessionName: aws.String("narrow"),
			Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		if narrow.PackedPolicySize == nil || *narrow.PackedPolicySize <= 0 {
			t.Errorf("PackedPolicySize %v", narrow.PackedPolicySize)
		}
		c := e.IAM(creds(narrow.Credentials))
		if _, err := c.ListUsers(ctx, &iamsdk.ListUsersInput{}); err != nil {
			t.Errorf("ListUsers: %v", err)
		}
		_, err = c.ListRoles(ctx, &iamsdk.ListRolesInput{})
		if apitest.APICode(err) != "AccessDenied" || !strings.Contains(err.Error(), "because no session policy allows the iam:ListRoles action") {
			t.Errorf("ListRoles: %v", err)
		}
	})
	t.Run("a duration beyond the role's maximum is a validation error", func(t *testing.T) {
		_, err := admin.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("xx"), DurationSeconds: aws.Int32(7200)})
		if apitest.APICode(err) != "ValidationError" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a role chain is limited to one hour", func(t *testing.T) {
		if _, err := e.Service.CreateRole(ctx, e.Account, iam.CreateRoleInput{
			Name: "long", TrustPolicy: trustDoc("arn:aws:iam::" + e.Account + ":root"), MaxSessionDuration: 7200,
		}); err != nil {
			t.Fatal(err)
		}
		longARN := "arn:aws:iam::" + e.Account + ":role/long"
		if _, err := admin.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(longARN), RoleSessionName: aws.String("user"), DurationSeconds: aws.Int32(7200)}); err != nil {
			t.Fatalf("a user may ask for the role's maximum: %v", err)
		}
		_, err := e.STS(creds(out.Credentials)).AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(longARN), RoleSessionName: aws.String("chain"), DurationSeconds: aws.Int32(7200)})
		if apitest.APICode(err) != "ValidationError" || !strings.Contains(err.Error(), "role chaining") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a role that does not trust the caller cannot be assumed", func(t *testing.T) {
		other := newRole(t, e, "locked", trustDoc("arn:aws:iam::123456789012:root"))
		_, err := admin.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(other), RoleSessionName: aws.String("xx")})
		if apitest.APICode(err) != "AccessDenied" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a trust policy naming the user lets it assume without an identity policy", func(t *testing.T) {
		c := e.NewUser(t, e.Account, "trusted", "")
		arn := newRole(t, e, "direct", trustDoc("arn:aws:iam::"+e.Account+":user/trusted"))
		if _, err := e.STS(c).AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("xx")}); err != nil {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a trust policy naming the account needs the caller's identity policy too", func(t *testing.T) {
		c := e.NewUser(t, e.Account, "untrusted", "")
		_, err := e.STS(c).AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("xx")})
		if apitest.APICode(err) != "AccessDenied" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("expired session credentials are refused with ExpiredToken", func(t *testing.T) {
		// Create the session twenty minutes in the past, so that its fifteen
		// minutes are over now.
		caller, err := e.Service.GetUser(ctx, e.Account, "admin")
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Add(-20 * time.Minute)
		old, err := e.Service.AssumeRole(ctx, &identity.Principal{Kind: identity.KindUser, Account: e.Account, ARN: caller.ARN, Name: "admin"},
			iam.AssumeRoleInput{RoleARN: roleARN, SessionName: "old", DurationSeconds: 900})
		e.Clock.Add(20 * time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		c := apitest.Credentials{AccessKeyID: old.AccessKeyID, SecretAccessKey: old.Secret, SessionToken: old.Token}
		_, err = e.STS(c).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
		if apitest.APICode(err) != "ExpiredToken" {
			t.Errorf("got %v", err)
		}
	})
}

func TestGetSessionToken(t *testing.T) {
	e := apitest.New(t)
	ctx := context.Background()
	out, err := e.STS(e.Admin).GetSessionToken(ctx, &stssdk.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the session lasts twelve hours by default and acts as the user", func(t *testing.T) {
		if d := time.Until(aws.ToTime(out.Credentials.Expiration)); d < 11*time.Hour || d > 13*time.Hour {
			t.Errorf("expires in %v", d)
		}
		who, err := e.STS(creds(out.Credentials)).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
		if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::"+e.Account+":user/admin" {
			t.Errorf("got %v %v", who, err)
		}
	})
	t.Run("session credentials cannot get another session token", func(t *testing.T) {
		_, err := e.STS(creds(out.Credentials)).GetSessionToken(ctx, &stssdk.GetSessionTokenInput{})
		if apitest.APICode(err) != "AccessDenied" {
			t.Errorf("got %v", err)
		}
	})
}

func TestLongTermKeys(t *testing.T) {
	e := apitest.New(t)
	ctx := context.Background()
	c := e.NewUser(t, e.Account, "k", "")
	t.Run("an inactive key is refused and works again once reactivated", func(t *testing.T) {
		if _, err := e.STS(c).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{}); err != nil {
			t.Fatalf("active: %v", err) // and now cached by the Authenticator
		}
		if err := e.Service.UpdateAccessKey(ctx, e.Account, "k", c.AccessKeyID, iam.StatusInactive); err != nil {
			t.Fatal(err)
		}
		_, err := e.STS(c).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
		if apitest.APICode(err) != "InvalidClientTokenId" {
			t.Errorf("inactive: %v", err)
		}
		if err := e.Service.UpdateAccessKey(ctx, e.Account, "k", c.AccessKeyID, iam.StatusActive); err != nil {
			t.Fatal(err)
		}
		if _, err := e.STS(c).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{}); err != nil {
			t.Errorf("reactivated: %v", err)
		}
	})
	t.Run("a deleted key is refused at once", func(t *testing.T) {
		if err := e.Service.DeleteAccessKey(ctx, e.Account, "k", c.AccessKeyID); err != nil {
			t.Fatal(err)
		}
		_, err := e.STS(c).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
		if apitest.APICode(err) != "InvalidClientTokenId" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a wrong secret does not match the signature", func(t *testing.T) {
		bad := e.Admin
		first := "x"
		if bad.SecretAccessKey[0] == 'x' {
			first = "y" // the secret may start with x itself
		}
		bad.SecretAccessKey = first + bad.SecretAccessKey[1:]
		_, err := e.STS(bad).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
		if apitest.APICode(err) != "SignatureDoesNotMatch" {
			t.Errorf("got %v", err)
		}
	})
}
