package iamapi

import (
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
	"github.com/stratus-cloud/stratus/internal/iam"
)

// The inline policy operations of users, groups and roles differ only in the
// owner kind and field names.

func (a *api) putInline(c *awsproto.Call, kind iam.EntityKind, owner, name, doc *string) (*none, error) {
	return nil, a.svc.PutInlinePolicy(c.Context, account(c), iam.Owner{Kind: kind, Name: str(owner)}, str(name), str(doc))
}

func (a *api) getInline(c *awsproto.Call, kind iam.EntityKind, owner, name *string) (*iam.InlinePolicy, error) {
	return a.svc.GetInlinePolicy(c.Context, account(c), iam.Owner{Kind: kind, Name: str(owner)}, str(name))
}

func (a *api) deleteInline(c *awsproto.Call, kind iam.EntityKind, owner, name *string) (*none, error) {
	return nil, a.svc.DeleteInlinePolicy(c.Context, account(c), iam.Owner{Kind: kind, Name: str(owner)}, str(name))
}

func (a *api) listInline(c *awsproto.Call, kind iam.EntityKind, owner, marker *string, maxItems *int64) ([]string, *bool, *string, error) {
	names, next, err := a.svc.ListInlinePolicies(c.Context, account(c), iam.Owner{Kind: kind, Name: str(owner)}, page(marker, maxItems))
	if err != nil {
		return nil, nil, nil, err
	}
	if names == nil {
		names = []string{}
	}
	t, m := truncation(next)
	return names, t, m, nil
}

func (a *api) putRolePolicy(c *awsproto.Call, in *iamshapes.PutRolePolicyRequest) (*none, error) {
	return a.putInline(c, iam.KindRole, in.RoleName, in.PolicyName, in.PolicyDocument)
}

func (a *api) getRolePolicy(c *awsproto.Call, in *iamshapes.GetRolePolicyRequest) (*iamshapes.GetRolePolicyResponse, error) {
	p, err := a.getInline(c, iam.KindRole, in.RoleName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamshapes.GetRolePolicyResponse{RoleName: in.RoleName, PolicyName: ptr(p.Name), PolicyDocument: encodeDocument(p.Document)}, nil
}

func (a *api) deleteRolePolicy(c *awsproto.Call, in *iamshapes.DeleteRolePolicyRequest) (*none, error) {
	return a.deleteInline(c, iam.KindRole, in.RoleName, in.PolicyName)
}

func (a *api) listRolePolicies(c *awsproto.Call, in *iamshapes.ListRolePoliciesRequest) (*iamshapes.ListRolePoliciesResponse, error) {
	names, t, m, err := a.listInline(c, iam.KindRole, in.RoleName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamshapes.ListRolePoliciesResponse{PolicyNames: names, IsTruncated: t, Marker: m}, nil
}

func (a *api) putUserPolicy(c *awsproto.Call, in *iamshapes.PutUserPolicyRequest) (*none, error) {
	return a.putInline(c, iam.KindUser, in.UserName, in.PolicyName, in.PolicyDocument)
}

func (a *api) getUserPolicy(c *awsproto.Call, in *iamshapes.GetUserPolicyRequest) (*iamshapes.GetUserPolicyResponse, error) {
	p, err := a.getInline(c, iam.KindUser, in.UserName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamshapes.GetUserPolicyResponse{UserName: in.UserName, PolicyName: ptr(p.Name), PolicyDocument: encodeDocument(p.Document)}, nil
}

func (a *api) deleteUserPolicy(c *awsproto.Call, in *iamshapes.DeleteUserPolicyRequest) (*none, error) {
	return a.deleteInline(c, iam.KindUser, in.UserName, in.PolicyName)
}

func (a *api) listUserPolicies(c *awsproto.Call, in *iamshapes.ListUserPoliciesRequest) (*iamshapes.ListUserPoliciesResponse, error) {
	names, t, m, err := a.listInline(c, iam.KindUser, in.UserName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamshapes.ListUserPoliciesResponse{PolicyNames: names, IsTruncated: t, Marker: m}, nil
}

func (a *api) putGroupPolicy(c *awsproto.Call, in *iamshapes.PutGroupPolicyRequest) (*none, error) {
	return a.putInline(c, iam.KindGroup, in.GroupName, in.PolicyName, in.PolicyDocument)
}

func (a *api) getGroupPolicy(c *awsproto.Call, in *iamshapes.GetGroupPolicyRequest) (*iamshapes.GetGroupPolicyResponse, error) {
	p, err := a.getInline(c, iam.KindGroup, in.GroupName, in.PolicyName)
	if err != nil {
		return nil, err
	}
	return &iamshapes.GetGroupPolicyResponse{GroupName: in.GroupName, PolicyName: ptr(p.Name), PolicyDocument: encodeDocument(p.Document)}, nil
}

func (a *api) deleteGroupPolicy(c *awsproto.Call, in *iamshapes.DeleteGroupPolicyRequest) (*none, error) {
	return a.deleteInline(c, iam.KindGroup, in.GroupName, in.PolicyName)
}

func (a *api) listGroupPolicies(c *awsproto.Call, in *iamshapes.ListGroupPoliciesRequest) (*iamshapes.ListGroupPoliciesResponse, error) {
	names, t, m, err := a.listInline(c, iam.KindGroup, in.GroupName, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamshapes.ListGroupPoliciesResponse{PolicyNames: names, IsTruncated: t, Marker: m}, nil
}
