package iamapi

import (
	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
	"github.com/stratus-cloud/stratus/internal/iam"
)

func (a *api) createRoleResources(c *awsproto.Call, in *iamshapes.CreateRoleRequest) ([]string, error) {
	return []string{arn.IAM(account(c), "role", str(in.Path), str(in.RoleName))}, nil
}

func createRoleConditions(c *awsproto.Call, in *iamshapes.CreateRoleRequest) (map[string][]string, error) {
	return boundaryCondition(in.PermissionsBoundary), nil
}

func (a *api) createRole(c *awsproto.Call, in *iamshapes.CreateRoleRequest) (*iamshapes.CreateRoleResponse, error) {
	var maxSession int64
	if in.MaxSessionDuration != nil {
		maxSession = *in.MaxSessionDuration
	}
	r, err := a.svc.CreateRole(c.Context, account(c), iam.CreateRoleInput{
		Name: str(in.RoleName), Path: str(in.Path), TrustPolicy: str(in.AssumeRolePolicyDocument),
		Description: str(in.Description), MaxSessionDuration: maxSession,
		PermissionsBoundary: str(in.PermissionsBoundary), Tags: tagsIn(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	out := roleOut(r, false)
	out.Tags = tagsOut(r.Tags)
	return &iamshapes.CreateRoleResponse{Role: &out}, nil
}

func (a *api) getRole(c *awsproto.Call, in *iamshapes.GetRoleRequest) (*iamshapes.GetRoleResponse, error) {
	r, err := a.svc.GetRole(c.Context, account(c), str(in.RoleName))
	if err != nil {
		return nil, err
	}
	out := roleOut(r, true)
	return &iamshapes.GetRoleResponse{Role: &out}, nil
}

func (a *api) listRoles(c *awsproto.Call, in *iamshapes.ListRolesRequest) (*iamshapes.ListRolesResponse, error) {
	roles, next, err := a.svc.ListRoles(c.Context, account(c), str(in.PathPrefix), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &iamshapes.ListRolesResponse{Roles: make([]iamshapes.Role, len(roles))}
	for i := range roles {
		out.Roles[i] = roleOut(&roles[i], false)
	}
	out.IsTruncated, out.Marker = truncation(next)
	return out, nil
}

func (a *api) deleteRole(c *awsproto.Call, in *iamshapes.DeleteRoleRequest) (*none, error) {
	return nil, a.svc.DeleteRole(c.Context, account(c), str(in.RoleName))
}

func (a *api) updateAssumeRolePolicy(c *awsproto.Call, in *iamshapes.UpdateAssumeRolePolicyRequest) (*none, error) {
	return nil, a.svc.UpdateAssumeRolePolicy(c.Context, account(c), str(in.RoleName), str(in.PolicyDocument))
}
