package iamapi_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

// apiCode returns the AWS error code of err ("" for nil).
func apiCode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "?" + err.Error()
}

func TestUserLifecycleThroughTheSDK(t *testing.T) {
	env := apitest.New(t)
	ctx := context.Background()
	c := env.IAM(env.Admin)

	out, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/eng/")})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("CreateUser returns the user with its ARN", func(t *testing.T) {
		if got, want := aws.ToString(out.User.Arn), "arn:aws:iam::"+env.Account+":user/eng/bob"; got != want {
			t.Errorf("arn = %s, want %s", got, want)
		}
		if out.User.CreateDate == nil || out.User.CreateDate.IsZero() {
			t.Error("no CreateDate")
		}
	})
	t.Run("GetUser without a name returns the caller", func(t *testing.T) {
		got, err := c.GetUser(ctx, &iamsdk.GetUserInput{})
		if err != nil || aws.ToString(got.User.UserName) != "admin" {
			t.Errorf("got %v, %v", got, err)
		}
	})
	t.Run("a missing user is NoSuchEntity with AWS's message", func(t *testing.T) {
		_, err := c.GetUser(ctx, &iamsdk.GetUserInput{UserName: aws.String("nobody")})
		if apiCode(err) != "NoSuchEntity" || !strings.Contains(err.Error(), "The user with name nobody cannot be found.") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("inline policy documents come back URL-encoded and decode to what was put", func(t *testing.T) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::b/a b"}]}`
		if _, err := c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetUserPolicy(ctx, &iamsdk.GetUserPolicyInput{UserName: aws.String("bob"), PolicyName: aws.String("p")})
		if err != nil {
			t.Fatal(err)
		}
		raw := aws.ToString(got.PolicyDocument)
		if strings.ContainsAny(raw, `{" `) {
			t.Errorf("document is not URL-encoded: %s", raw)
		}
		dec, err := url.PathUnescape(raw)
		if err != nil || dec != doc {
			t.Errorf("decoded %q, %v", dec, err)
		}
	})
	t.Run("pagination with MaxItems walks every user", func(t *testing.T) {
		for _, n := range []string{"u1", "u2", "u3"} {
			if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: aws.String(n)}); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		p := iamsdk.NewListUsersPaginator(c, &iamsdk.ListUsersInput{MaxItems: aws.Int32(2)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range page.Users {
				names = append(names, aws.ToString(u.UserName))
			}
		}
		if got := strings.Join(names, ","); got != "admin,bob,u1,u2,u3" {
			t.Errorf("got %s", got)
		}
	})
}

func TestErrorsReachTheClientAsAWSSendsThem(t *testing.T) {
	env := apitest.New(t)
	ctx := context.Background()
	c := env.IAM(env.Admin)
	s := aws.String
	if _, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("dup")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s("r"), AssumeRolePolicyDocument: s(trustDoc(env.Account))}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: s("r"), PolicyName: s("p"), PolicyDocument: s(allowDoc)}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"a duplicate user is EntityAlreadyExists", func() error {
			_, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("DUP")})
			return err
		}, "EntityAlreadyExists"},
		{"a role with policies cannot be deleted", func() error {
			_, err := c.DeleteRole(ctx, &iamsdk.DeleteRoleInput{RoleName: s("r")})
			return err
		}, "DeleteConflict"},
		{"a third access key is over the limit", func() error {
			for i := 0; i < 3; i++ {
				if _, err := c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: s("dup")}); err != nil {
					return err
				}
			}
			return nil
		}, "LimitExceeded"},
		{"a broken policy is MalformedPolicyDocument", func() error {
			_, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s("bad"), PolicyDocument: s(`{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Action":"s3:*","Resource":"*"}]}`)})
			return err
		}, "MalformedPolicyDocument"},
		{"a name the model forbids is a ValidationError", func() error {
			_, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s("no spaces")})
			return err
		}, "ValidationError"},
		{"an unknown policy is NoSuchEntity", func() error {
			_, err := c.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: s("r"), PolicyArn: s("arn:aws:iam::aws:policy/Nope")})
			return err
		}, "NoSuchEntity"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := apiCode(tc.call()); got != tc.code {
				t.Errorf("got %q, want %q", got, tc.code)
			}
		})
	}
	t.Run("GetRole returns the trust policy URL-encoded", func(t *testing.T) {
		out, err := c.GetRole(ctx, &iamsdk.GetRoleInput{RoleName: s("r")})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
		if err != nil || dec != trustDoc(env.Account) {
			t.Errorf("got %q %v", dec, err)
		}
		if aws.ToInt32(out.Role.MaxSessionDuration) != 3600 {
			t.Errorf("MaxSessionDuration %d", aws.ToInt32(out.Role.MaxSessionDuration))
		}
	})
}
