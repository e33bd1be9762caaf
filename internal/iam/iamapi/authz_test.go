package iamapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

const (
	allowDoc    = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	readOnlyARN = "arn:aws:iam::aws:policy/ReadOnlyAccess"
)

func trustDoc(account string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + account + `:root"},"Action":"sts:AssumeRole"}]}`
}

type env = apitest.Env

func arnOf(e *env, kind, name string) []string {
	return []string{"arn:aws:iam::" + e.Account + ":" + kind + "/" + name}
}

// Setups.

func newUser(t testing.TB, e *env, name string) string {
	if _, err := e.Service.CreateUser(context.Background(), e.Account, iam.CreateUserInput{Name: name}); err != nil {
		t.Fatal(err)
	}
	return ""
}

func newRole(t testing.TB, e *env, name string) string {
	if _, err := e.Service.CreateRole(context.Background(), e.Account, iam.CreateRoleInput{Name: name, TrustPolicy: trustDoc(e.Account)}); err != nil {
		t.Fatal(err)
	}
	return ""
}

func newGroup(t testing.TB, e *env, name string) string {
	if _, err := e.Service.CreateGroup(context.Background(), e.Account, name, ""); err != nil {
		t.Fatal(err)
	}
	return ""
}

func newPolicy(t testing.TB, e *env, name string) string {
	if _, err := e.Service.CreatePolicy(context.Background(), e.Account, iam.CreatePolicyInput{Name: name, Document: allowDoc}); err != nil {
		t.Fatal(err)
	}
	return ""
}

func withInline(kind iam.EntityKind, create func(testing.TB, *env, string) string) func(testing.TB, *env, string) string {
	return func(t testing.TB, e *env, name string) string {
		create(t, e, name)
		if err := e.Service.PutInlinePolicy(context.Background(), e.Account, iam.Owner{Kind: kind, Name: name}, "p", allowDoc); err != nil {
			t.Fatal(err)
		}
		return ""
	}
}

func withAttached(kind iam.EntityKind, create func(testing.TB, *env, string) string) func(testing.TB, *env, string) string {
	return func(t testing.TB, e *env, name string) string {
		create(t, e, name)
		if err := e.Service.AttachPolicy(context.Background(), e.Account, iam.Owner{Kind: kind, Name: name}, readOnlyARN); err != nil {
			t.Fatal(err)
		}
		return ""
	}
}

func withKey(t testing.TB, e *env, name string) string {
	newUser(t, e, name)
	k, err := e.Service.CreateAccessKey(context.Background(), e.Account, name)
	if err != nil {
		t.Fatal(err)
	}
	return k.ID
}

func withVersion(t testing.TB, e *env, name string) string {
	newPolicy(t, e, name)
	if _, err := e.Service.CreatePolicyVersion(context.Background(), e.Account, policyARN(e, name), allowDoc, false); err != nil {
		t.Fatal(err)
	}
	return ""
}

func withMember(t testing.TB, e *env, name string) string {
	newGroup(t, e, name)
	newUser(t, e, "m-"+name)
	if err := e.Service.AddUserToGroup(context.Background(), e.Account, name, "m-"+name); err != nil {
		t.Fatal(err)
	}
	return ""
}

func policyARN(e *env, name string) string { return "arn:aws:iam::" + e.Account + ":policy/" + name }

// call adapts an IAM SDK call to AuthzCase.Call.
func call(f func(ctx context.Context, c *iamsdk.Client, e *env, target, extra string) error) func(context.Context, *env, apitest.Credentials, string, string) error {
	return func(ctx context.Context, e *env, cred apitest.Credentials, target, extra string) error {
		return f(ctx, e.IAM(cred), e, target, extra)
	}
}

func userRes(e *env, n, _ string) []string   { return arnOf(e, "user", n) }
func roleRes(e *env, n, _ string) []string   { return arnOf(e, "role", n) }
func groupRes(e *env, n, _ string) []string  { return arnOf(e, "group", n) }
func policyRes(e *env, n, _ string) []string { return []string{policyARN(e, n)} }

func TestEveryOperationIsAuthorizedOnItsResource(t *testing.T) {
	e := apitest.New(t)
	s := aws.String
	cases := []apitest.AuthzCase{
		// Users.
		{Op: "CreateUser", Action: "iam:CreateUser", Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.CreateUser(ctx, &iamsdk.CreateUserInput{UserName: s(n)})
				return err
			})},
		{Op: "GetUser", Action: "iam:GetUser", Setup: newUser, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.GetUser(ctx, &iamsdk.GetUserInput{UserName: s(n)})
				return err
			})},
		{Op: "ListUsers", Action: "iam:ListUsers", Setup: nil,
			Resources: func(e *env, n, _ string) []string { return arnOf(e, "user", n+"/") },
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListUsers(ctx, &iamsdk.ListUsersInput{PathPrefix: s("/" + n + "/")})
				return err
			})},
		{Op: "UpdateUser", Action: "iam:UpdateUser", Setup: newUser,
			Resources: func(e *env, n, _ string) []string { return append(arnOf(e, "user", n), arnOf(e, "user", n+"x")...) },
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.UpdateUser(ctx, &iamsdk.UpdateUserInput{UserName: s(n), NewUserName: s(n + "x")})
				return err
			})},
		{Op: "DeleteUser", Action: "iam:DeleteUser", Setup: newUser, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.DeleteUser(ctx, &iamsdk.DeleteUserInput{UserName: s(n)})
				return err
			})},
		{Op: "CreateAccessKey", Action: "iam:CreateAccessKey", Setup: newUser, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.CreateAccessKey(ctx, &iamsdk.CreateAccessKeyInput{UserName: s(n)})
				return err
			})},
		{Op: "ListAccessKeys", Action: "iam:ListAccessKeys", Setup: withKey, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListAccessKeys(ctx, &iamsdk.ListAccessKeysInput{UserName: s(n)})
				return err
			})},
		{Op: "UpdateAccessKey", Action: "iam:UpdateAccessKey", Setup: withKey, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, key string) error {
				_, err := c.UpdateAccessKey(ctx, &iamsdk.UpdateAccessKeyInput{UserName: s(n), AccessKeyId: s(key), Status: types.StatusTypeInactive})
				return err
			})},
		{Op: "DeleteAccessKey", Action: "iam:DeleteAccessKey", Setup: withKey, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, key string) error {
				_, err := c.DeleteAccessKey(ctx, &iamsdk.DeleteAccessKeyInput{UserName: s(n), AccessKeyId: s(key)})
				return err
			})},
		{Op: "PutUserPolicy", Action: "iam:PutUserPolicy", Setup: newUser, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.PutUserPolicy(ctx, &iamsdk.PutUserPolicyInput{UserName: s(n), PolicyName: s("p"), PolicyDocument: s(allowDoc)})
				return err
			})},
		{Op: "GetUserPolicy", Action: "iam:GetUserPolicy", Setup: withInline(iam.KindUser, newUser), Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.GetUserPolicy(ctx, &iamsdk.GetUserPolicyInput{UserName: s(n), PolicyName: s("p")})
				return err
			})},
		{Op: "DeleteUserPolicy", Action: "iam:DeleteUserPolicy", Setup: withInline(iam.KindUser, newUser), Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.DeleteUserPolicy(ctx, &iamsdk.DeleteUserPolicyInput{UserName: s(n), PolicyName: s("p")})
				return err
			})},
		{Op: "ListUserPolicies", Action: "iam:ListUserPolicies", Setup: newUser, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListUserPolicies(ctx, &iamsdk.ListUserPoliciesInput{UserName: s(n)})
				return err
			})},
		{Op: "AttachUserPolicy", Action: "iam:AttachUserPolicy", Setup: newUser, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.AttachUserPolicy(ctx, &iamsdk.AttachUserPolicyInput{UserName: s(n), PolicyArn: s(readOnlyARN)})
				return err
			})},
		{Op: "DetachUserPolicy", Action: "iam:DetachUserPolicy", Setup: withAttached(iam.KindUser, newUser), Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.DetachUserPolicy(ctx, &iamsdk.DetachUserPolicyInput{UserName: s(n), PolicyArn: s(readOnlyARN)})
				return err
			})},
		{Op: "ListAttachedUserPolicies", Action: "iam:ListAttachedUserPolicies", Setup: newUser, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListAttachedUserPolicies(ctx, &iamsdk.ListAttachedUserPoliciesInput{UserName: s(n)})
				return err
			})},
		{Op: "ListGroupsForUser", Action: "iam:ListGroupsForUser", Setup: newUser, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListGroupsForUser(ctx, &iamsdk.ListGroupsForUserInput{UserName: s(n)})
				return err
			})},
		{Op: "SimulatePrincipalPolicy", Action: "iam:SimulatePrincipalPolicy", Setup: newUser, Resources: userRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.SimulatePrincipalPolicy(ctx, &iamsdk.SimulatePrincipalPolicyInput{
					PolicySourceArn: s(userRes(e, n, "")[0]), ActionNames: []string{"s3:GetObject"}})
				return err
			})},

		// Roles.
		{Op: "CreateRole", Action: "iam:CreateRole", Resources: roleRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.CreateRole(ctx, &iamsdk.CreateRoleInput{RoleName: s(n), AssumeRolePolicyDocument: s(trustDoc(e.Account))})
				return err
			})},
		{Op: "GetRole", Action: "iam:GetRole", Setup: newRole, Resources: roleRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.GetRole(ctx, &iamsdk.GetRoleInput{RoleName: s(n)})
				return err
			})},
		{Op: "ListRoles", Action: "iam:ListRoles",
			Resources: func(e *env, n, _ string) []string { return arnOf(e, "role", n+"/") },
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListRoles(ctx, &iamsdk.ListRolesInput{PathPrefix: s("/" + n + "/")})
				return err
			})},
		{Op: "DeleteRole", Action: "iam:DeleteRole", Setup: newRole, Resources: roleRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.DeleteRole(ctx, &iamsdk.DeleteRoleInput{RoleName: s(n)})
				return err
			})},
		{Op: "UpdateAssumeRolePolicy", Action: "iam:UpdateAssumeRolePolicy", Setup: newRole, Resources: roleRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.UpdateAssumeRolePolicy(ctx, &iamsdk.UpdateAssumeRolePolicyInput{RoleName: s(n), PolicyDocument: s(trustDoc("123456789012"))})
				return err
			})},
		{Op: "PutRolePolicy", Action: "iam:PutRolePolicy", Setup: newRole, Resources: roleRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.PutRolePolicy(ctx, &iamsdk.PutRolePolicyInput{RoleName: s(n), PolicyName: s("p"), PolicyDocument: s(allowDoc)})
				return err
			})},
		{Op: "GetRolePolicy", Action: "iam:GetRolePolicy", Setup: withInline(iam.KindRole, newRole), Resources: roleRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.GetRolePolicy(ctx, &iamsdk.GetRolePolicyInput{RoleName: s(n), PolicyName: s("p")})
				return err
			})},
		{Op: "DeleteRolePolicy", Action: "iam:DeleteRolePolicy", Setup: withInline(iam.KindRole, newRole), Resources: roleRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.DeleteRolePolicy(ctx, &iamsdk.DeleteRolePolicyInput{RoleName: s(n), PolicyName: s("p")})
				return err
			})},
		{Op: "ListRolePolicies", Action: "iam:ListRolePolicies", Setup: newRole, Resources: roleRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListRolePolicies(ctx, &iamsdk.ListRolePoliciesInput{RoleName: s(n)})
				return err
			})},
		{Op: "AttachRolePolicy", Action: "iam:AttachRolePolicy", Setup: newRole, Resources: roleRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.AttachRolePolicy(ctx, &iamsdk.AttachRolePolicyInput{RoleName: s(n), PolicyArn: s(readOnlyARN)})
				return err
			})},
		{Op: "DetachRolePolicy", Action: "iam:DetachRolePolicy", Setup: withAttached(iam.KindRole, newRole), Resources: roleRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.DetachRolePolicy(ctx, &iamsdk.DetachRolePolicyInput{RoleName: s(n), PolicyArn: s(readOnlyARN)})
				return err
			})},
		{Op: "ListAttachedRolePolicies", Action: "iam:ListAttachedRolePolicies", Setup: newRole, Resources: roleRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListAttachedRolePolicies(ctx, &iamsdk.ListAttachedRolePoliciesInput{RoleName: s(n)})
				return err
			})},

		// Groups.
		{Op: "CreateGroup", Action: "iam:CreateGroup", Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.CreateGroup(ctx, &iamsdk.CreateGroupInput{GroupName: s(n)})
				return err
			})},
		{Op: "GetGroup", Action: "iam:GetGroup", Setup: newGroup, Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.GetGroup(ctx, &iamsdk.GetGroupInput{GroupName: s(n)})
				return err
			})},
		{Op: "ListGroups", Action: "iam:ListGroups",
			Resources: func(e *env, n, _ string) []string { return arnOf(e, "group", n+"/") },
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListGroups(ctx, &iamsdk.ListGroupsInput{PathPrefix: s("/" + n + "/")})
				return err
			})},
		{Op: "DeleteGroup", Action: "iam:DeleteGroup", Setup: newGroup, Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.DeleteGroup(ctx, &iamsdk.DeleteGroupInput{GroupName: s(n)})
				return err
			})},
		{Op: "AddUserToGroup", Action: "iam:AddUserToGroup",
			Setup:     func(t testing.TB, e *env, n string) string { newGroup(t, e, n); return newUser(t, e, "m-"+n) },
			Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.AddUserToGroup(ctx, &iamsdk.AddUserToGroupInput{GroupName: s(n), UserName: s("m-" + n)})
				return err
			})},
		{Op: "RemoveUserFromGroup", Action: "iam:RemoveUserFromGroup", Setup: withMember, Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.RemoveUserFromGroup(ctx, &iamsdk.RemoveUserFromGroupInput{GroupName: s(n), UserName: s("m-" + n)})
				return err
			})},
		{Op: "PutGroupPolicy", Action: "iam:PutGroupPolicy", Setup: newGroup, Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.PutGroupPolicy(ctx, &iamsdk.PutGroupPolicyInput{GroupName: s(n), PolicyName: s("p"), PolicyDocument: s(allowDoc)})
				return err
			})},
		{Op: "GetGroupPolicy", Action: "iam:GetGroupPolicy", Setup: withInline(iam.KindGroup, newGroup), Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.GetGroupPolicy(ctx, &iamsdk.GetGroupPolicyInput{GroupName: s(n), PolicyName: s("p")})
				return err
			})},
		{Op: "DeleteGroupPolicy", Action: "iam:DeleteGroupPolicy", Setup: withInline(iam.KindGroup, newGroup), Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.DeleteGroupPolicy(ctx, &iamsdk.DeleteGroupPolicyInput{GroupName: s(n), PolicyName: s("p")})
				return err
			})},
		{Op: "ListGroupPolicies", Action: "iam:ListGroupPolicies", Setup: newGroup, Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListGroupPolicies(ctx, &iamsdk.ListGroupPoliciesInput{GroupName: s(n)})
				return err
			})},
		{Op: "AttachGroupPolicy", Action: "iam:AttachGroupPolicy", Setup: newGroup, Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.AttachGroupPolicy(ctx, &iamsdk.AttachGroupPolicyInput{GroupName: s(n), PolicyArn: s(readOnlyARN)})
				return err
			})},
		{Op: "DetachGroupPolicy", Action: "iam:DetachGroupPolicy", Setup: withAttached(iam.KindGroup, newGroup), Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.DetachGroupPolicy(ctx, &iamsdk.DetachGroupPolicyInput{GroupName: s(n), PolicyArn: s(readOnlyARN)})
				return err
			})},
		{Op: "ListAttachedGroupPolicies", Action: "iam:ListAttachedGroupPolicies", Setup: newGroup, Resources: groupRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListAttachedGroupPolicies(ctx, &iamsdk.ListAttachedGroupPoliciesInput{GroupName: s(n)})
				return err
			})},

		// Managed policies.
		{Op: "CreatePolicy", Action: "iam:CreatePolicy", Resources: policyRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.CreatePolicy(ctx, &iamsdk.CreatePolicyInput{PolicyName: s(n), PolicyDocument: s(allowDoc)})
				return err
			})},
		{Op: "GetPolicy", Action: "iam:GetPolicy", Setup: newPolicy, Resources: policyRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.GetPolicy(ctx, &iamsdk.GetPolicyInput{PolicyArn: s(policyARN(e, n))})
				return err
			})},
		{Op: "DeletePolicy", Action: "iam:DeletePolicy", Setup: newPolicy, Resources: policyRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.DeletePolicy(ctx, &iamsdk.DeletePolicyInput{PolicyArn: s(policyARN(e, n))})
				return err
			})},
		{Op: "GetPolicyVersion", Action: "iam:GetPolicyVersion", Setup: newPolicy, Resources: policyRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.GetPolicyVersion(ctx, &iamsdk.GetPolicyVersionInput{PolicyArn: s(policyARN(e, n)), VersionId: s("v1")})
				return err
			})},
		{Op: "CreatePolicyVersion", Action: "iam:CreatePolicyVersion", Setup: newPolicy, Resources: policyRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.CreatePolicyVersion(ctx, &iamsdk.CreatePolicyVersionInput{PolicyArn: s(policyARN(e, n)), PolicyDocument: s(allowDoc)})
				return err
			})},
		{Op: "ListPolicyVersions", Action: "iam:ListPolicyVersions", Setup: newPolicy, Resources: policyRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.ListPolicyVersions(ctx, &iamsdk.ListPolicyVersionsInput{PolicyArn: s(policyARN(e, n))})
				return err
			})},
		{Op: "DeletePolicyVersion", Action: "iam:DeletePolicyVersion", Setup: withVersion, Resources: policyRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.DeletePolicyVersion(ctx, &iamsdk.DeletePolicyVersionInput{PolicyArn: s(policyARN(e, n)), VersionId: s("v2")})
				return err
			})},
		{Op: "SetDefaultPolicyVersion", Action: "iam:SetDefaultPolicyVersion", Setup: withVersion, Resources: policyRes,
			Call: call(func(ctx context.Context, c *iamsdk.Client, e *env, n, _ string) error {
				_, err := c.SetDefaultPolicyVersion(ctx, &iamsdk.SetDefaultPolicyVersionInput{PolicyArn: s(policyARN(e, n)), VersionId: s("v2")})
				return err
			})},
	}
	stars := []apitest.StarCase{
		{Op: "ListPolicies", Action: "iam:ListPolicies", Why: "the reference lists no resource type for iam:ListPolicies",
			Call: func(ctx context.Context, e *env, c apitest.Credentials) error {
				_, err := e.IAM(c).ListPolicies(ctx, &iamsdk.ListPoliciesInput{})
				return err
			}},
		{Op: "SimulateCustomPolicy", Action: "iam:SimulateCustomPolicy", Why: "it simulates policies given inline, not an IAM entity",
			Call: func(ctx context.Context, e *env, c apitest.Credentials) error {
				_, err := e.IAM(c).SimulateCustomPolicy(ctx, &iamsdk.SimulateCustomPolicyInput{
					PolicyInputList: []string{allowDoc}, ActionNames: []string{"s3:GetObject"}})
				return err
			}},
	}
	apitest.CheckCoverage(t, e, "iam", cases, stars)
	apitest.RunAuthzCases(t, e, cases)
	apitest.RunStarCases(t, e, stars)
}
