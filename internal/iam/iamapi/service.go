package iamapi

import (
	"context"
	"fmt"

	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/identity"
)

// none is the output of operations that return nothing.
type none = struct{}

// api implements the operations over the IAM domain.
type api struct {
	svc   *iam.Service
	authz *iam.Authorizer
}

// New returns the IAM API for the router: its model, action prefix "iam" and
// the implemented operations. authz is used by the Simulate operations.
func New(svc *iam.Service, authz *iam.Authorizer, b *bind.Binder) (*awsproto.Service, error) {
	m, err := iamshapes.Service()
	if err != nil {
		return nil, fmt.Errorf("load iam model: %w", err)
	}
	a := &api{svc: svc, authz: authz}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "iam",
		AccessDeniedCode: "AccessDenied",
		Ops:              a.ops(b),
	}, nil
}

func (a *api) ops(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		// Users.
		iamshapes.OpCreateUser: awsproto.WithConditions(awsproto.Typed(b, a.createUserResources, a.createUser), createUserConditions),
		iamshapes.OpGetUser:    awsproto.Typed(b, a.getUserResources, a.getUser),
		iamshapes.OpListUsers:  awsproto.Typed(b, listResources[iamshapes.ListUsersRequest]("user", func(in *iamshapes.ListUsersRequest) *string { return in.PathPrefix }), a.listUsers),
		iamshapes.OpUpdateUser: awsproto.Typed(b, a.updateUserResources, a.updateUser),
		iamshapes.OpDeleteUser: awsproto.Typed(b, userResource(a, func(in *iamshapes.DeleteUserRequest) *string { return in.UserName }), a.deleteUser),

		// Access keys.
		iamshapes.OpCreateAccessKey: awsproto.Typed(b, selfOrUser(a, func(in *iamshapes.CreateAccessKeyRequest) *string { return in.UserName }), a.createAccessKey),
		iamshapes.OpListAccessKeys:  awsproto.Typed(b, selfOrUser(a, func(in *iamshapes.ListAccessKeysRequest) *string { return in.UserName }), a.listAccessKeys),
		iamshapes.OpUpdateAccessKey: awsproto.Typed(b, selfOrUser(a, func(in *iamshapes.UpdateAccessKeyRequest) *string { return in.UserName }), a.updateAccessKey),
		iamshapes.OpDeleteAccessKey: awsproto.Typed(b, selfOrUser(a, func(in *iamshapes.DeleteAccessKeyRequest) *string { return in.UserName }), a.deleteAccessKey),

		// Roles.
		iamshapes.OpCreateRole:             awsproto.WithConditions(awsproto.Typed(b, a.createRoleResources, a.createRole), createRoleConditions),
		iamshapes.OpGetRole:                awsproto.Typed(b, roleResource(a, func(in *iamshapes.GetRoleRequest) *string { return in.RoleName }), a.getRole),
		iamshapes.OpListRoles:              awsproto.Typed(b, listResources[iamshapes.ListRolesRequest]("role", func(in *iamshapes.ListRolesRequest) *string { return in.PathPrefix }), a.listRoles),
		iamshapes.OpDeleteRole:             awsproto.Typed(b, roleResource(a, func(in *iamshapes.DeleteRoleRequest) *string { return in.RoleName }), a.deleteRole),
		iamshapes.OpUpdateAssumeRolePolicy: awsproto.Typed(b, roleResource(a, func(in *iamshapes.UpdateAssumeRolePolicyRequest) *string { return in.RoleName }), a.updateAssumeRolePolicy),

		// Inline policies.
		iamshapes.OpPutRolePolicy:     awsproto.Typed(b, roleResource(a, func(in *iamshapes.PutRolePolicyRequest) *string { return in.RoleName }), a.putRolePolicy),
		iamshapes.OpGetRolePolicy:     awsproto.Typed(b, roleResource(a, func(in *iamshapes.GetRolePolicyRequest) *string { return in.RoleName }), a.getRolePolicy),
		iamshapes.OpDeleteRolePolicy:  awsproto.Typed(b, roleResource(a, func(in *iamshapes.DeleteRolePolicyRequest) *string { return in.RoleName }), a.deleteRolePolicy),
		iamshapes.OpListRolePolicies:  awsproto.Typed(b, roleResource(a, func(in *iamshapes.ListRolePoliciesRequest) *string { return in.RoleName }), a.listRolePolicies),
		iamshapes.OpPutUserPolicy:     awsproto.Typed(b, userResource(a, func(in *iamshapes.PutUserPolicyRequest) *string { return in.UserName }), a.putUserPolicy),
		iamshapes.OpGetUserPolicy:     awsproto.Typed(b, userResource(a, func(in *iamshapes.GetUserPolicyRequest) *string { return in.UserName }), a.getUserPolicy),
		iamshapes.OpDeleteUserPolicy:  awsproto.Typed(b, userResource(a, func(in *iamshapes.DeleteUserPolicyRequest) *string { return in.UserName }), a.deleteUserPolicy),
		iamshapes.OpListUserPolicies:  awsproto.Typed(b, userResource(a, func(in *iamshapes.ListUserPoliciesRequest) *string { return in.UserName }), a.listUserPolicies),
		iamshapes.OpPutGroupPolicy:    awsproto.Typed(b, groupResource(a, func(in *iamshapes.PutGroupPolicyRequest) *string { return in.GroupName }), a.putGroupPolicy),
		iamshapes.OpGetGroupPolicy:    awsproto.Typed(b, groupResource(a, func(in *iamshapes.GetGroupPolicyRequest) *string { return in.GroupName }), a.getGroupPolicy),
		iamshapes.OpDeleteGroupPolicy: awsproto.Typed(b, groupResource(a, func(in *iamshapes.DeleteGroupPolicyRequest) *string { return in.GroupName }), a.deleteGroupPolicy),
		iamshapes.OpListGroupPolicies: awsproto.Typed(b, groupResource(a, func(in *iamshapes.ListGroupPoliciesRequest) *string { return in.GroupName }), a.listGroupPolicies),

		// Managed policies.
		iamshapes.OpCreatePolicy:            awsproto.Typed(b, a.createPolicyResources, a.createPolicy),
		iamshapes.OpGetPolicy:               awsproto.Typed(b, policyResource(func(in *iamshapes.GetPolicyRequest) *string { return in.PolicyArn }), a.getPolicy),
		iamshapes.OpDeletePolicy:            awsproto.Typed(b, policyResource(func(in *iamshapes.DeletePolicyRequest) *string { return in.PolicyArn }), a.deletePolicy),
		iamshapes.OpListPolicies:            awsproto.Typed(b, nil, a.listPolicies),
		iamshapes.OpGetPolicyVersion:        awsproto.Typed(b, policyResource(func(in *iamshapes.GetPolicyVersionRequest) *string { return in.PolicyArn }), a.getPolicyVersion),
		iamshapes.OpCreatePolicyVersion:     awsproto.Typed(b, policyResource(func(in *iamshapes.CreatePolicyVersionRequest) *string { return in.PolicyArn }), a.createPolicyVersion),
		iamshapes.OpListPolicyVersions:      awsproto.Typed(b, policyResource(func(in *iamshapes.ListPolicyVersionsRequest) *string { return in.PolicyArn }), a.listPolicyVersions),
		iamshapes.OpDeletePolicyVersion:     awsproto.Typed(b, policyResource(func(in *iamshapes.DeletePolicyVersionRequest) *string { return in.PolicyArn }), a.deletePolicyVersion),
		iamshapes.OpSetDefaultPolicyVersion: awsproto.Typed(b, policyResource(func(in *iamshapes.SetDefaultPolicyVersionRequest) *string { return in.PolicyArn }), a.setDefaultPolicyVersion),

		// Attachments.
		iamshapes.OpAttachRolePolicy:          attachOp(b, a, iam.KindRole, attachRole),
		iamshapes.OpDetachRolePolicy:          detachOp(b, a, iam.KindRole, detachRole),
		iamshapes.OpAttachUserPolicy:          attachOp(b, a, iam.KindUser, attachUser),
		iamshapes.OpDetachUserPolicy:          detachOp(b, a, iam.KindUser, detachUser),
		iamshapes.OpAttachGroupPolicy:         attachOp(b, a, iam.KindGroup, attachGroup),
		iamshapes.OpDetachGroupPolicy:         detachOp(b, a, iam.KindGroup, detachGroup),
		iamshapes.OpListAttachedRolePolicies:  awsproto.Typed(b, roleResource(a, func(in *iamshapes.ListAttachedRolePoliciesRequest) *string { return in.RoleName }), a.listAttachedRolePolicies),
		iamshapes.OpListAttachedUserPolicies:  awsproto.Typed(b, userResource(a, func(in *iamshapes.ListAttachedUserPoliciesRequest) *string { return in.UserName }), a.listAttachedUserPolicies),
		iamshapes.OpListAttachedGroupPolicies: awsproto.Typed(b, groupResource(a, func(in *iamshapes.ListAttachedGroupPoliciesRequest) *string { return in.GroupName }), a.listAttachedGroupPolicies),

		// Groups.
		iamshapes.OpCreateGroup:         awsproto.Typed(b, a.createGroupResources, a.createGroup),
		iamshapes.OpGetGroup:            awsproto.Typed(b, groupResource(a, func(in *iamshapes.GetGroupRequest) *string { return in.GroupName }), a.getGroup),
		iamshapes.OpListGroups:          awsproto.Typed(b, listResources[iamshapes.ListGroupsRequest]("group", func(in *iamshapes.ListGroupsRequest) *string { return in.PathPrefix }), a.listGroups),
		iamshapes.OpDeleteGroup:         awsproto.Typed(b, groupResource(a, func(in *iamshapes.DeleteGroupRequest) *string { return in.GroupName }), a.deleteGroup),
		iamshapes.OpAddUserToGroup:      awsproto.Typed(b, groupResource(a, func(in *iamshapes.AddUserToGroupRequest) *string { return in.GroupName }), a.addUserToGroup),
		iamshapes.OpRemoveUserFromGroup: awsproto.Typed(b, groupResource(a, func(in *iamshapes.RemoveUserFromGroupRequest) *string { return in.GroupName }), a.removeUserFromGroup),
		iamshapes.OpListGroupsForUser:   awsproto.Typed(b, userResource(a, func(in *iamshapes.ListGroupsForUserRequest) *string { return in.UserName }), a.listGroupsForUser),

		// Simulation.
		iamshapes.OpSimulatePrincipalPolicy: awsproto.Typed(b, func(c *awsproto.Call, in *iamshapes.SimulatePrincipalPolicyRequest) ([]string, error) {
			return []string{str(in.PolicySourceArn)}, nil
		}, a.simulatePrincipalPolicy),
		iamshapes.OpSimulateCustomPolicy: awsproto.Typed(b, nil, a.simulateCustomPolicy),
	}
}

// Resource helpers. Each returns the ARNs an operation is authorized against.

func account(c *awsproto.Call) string { return c.Principal.Account }

func (a *api) entityARN(c *awsproto.Call, kind iam.EntityKind, name string) ([]string, error) {
	s, err := a.svc.EntityARN(c.Context, account(c), kind, name)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func userResource[In any](a *api, name func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) { return a.entityARN(c, iam.KindUser, str(name(in))) }
}

func roleResource[In any](a *api, name func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) { return a.entityARN(c, iam.KindRole, str(name(in))) }
}

func groupResource[In any](a *api, name func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) { return a.entityARN(c, iam.KindGroup, str(name(in))) }
}

func policyResource[In any](arnOf func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) { return []string{str(arnOf(in))}, nil }
}

// listResources authorizes List* calls on arn:aws:iam::account:<kind>/<path
// prefix>, as IAM does.
func listResources[In any](kind string, prefix func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		return []string{arn.IAM(account(c), kind, str(prefix(in)), "")}, nil
	}
}

// selfOrUser authorizes on the named user, or on the calling user when the
// request names none.
func selfOrUser[In any](a *api, name func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		n, err := userOrSelf(c, name(in))
		if err != nil {
			return nil, err
		}
		return a.entityARN(c, iam.KindUser, n)
	}
}

// userOrSelf returns the named user, or the caller's user name when none is
// named. Returns ValidationError when the caller is not an IAM user.
func userOrSelf(c *awsproto.Call, name *string) (string, error) {
	if n := str(name); n != "" {
		return n, nil
	}
	p := c.Principal
	if p.Kind != identity.KindUser && p.Kind != identity.KindSessionUser {
		return "", awserr.New(iam.CodeValidationError, 400, "Must specify userName when calling with non-User credentials")
	}
	return p.Name, nil
}

func ctxOf(c *awsproto.Call) context.Context { return c.Context }
