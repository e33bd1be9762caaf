package iamapi

import (
	"github.com/stratus-cloud/stratus/internal/arn"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
	"github.com/stratus-cloud/stratus/internal/iam"
)

func (a *api) createPolicyResources(c *awsproto.Call, in *iamshapes.CreatePolicyRequest) ([]string, error) {
	return []string{arn.IAM(account(c), "policy", str(in.Path), str(in.PolicyName))}, nil
}

func (a *api) createPolicy(c *awsproto.Call, in *iamshapes.CreatePolicyRequest) (*iamshapes.CreatePolicyResponse, error) {
	p, err := a.svc.CreatePolicy(c.Context, account(c), iam.CreatePolicyInput{
		Name: str(in.PolicyName), Path: str(in.Path), Document: str(in.PolicyDocument),
		Description: str(in.Description), Tags: tagsIn(in.Tags),
	})
	if err != nil {
		return nil, err
	}
	out := policyOut(p)
	return &iamshapes.CreatePolicyResponse{Policy: &out}, nil
}

func (a *api) getPolicy(c *awsproto.Call, in *iamshapes.GetPolicyRequest) (*iamshapes.GetPolicyResponse, error) {
	p, err := a.svc.GetPolicy(c.Context, account(c), str(in.PolicyArn))
	if err != nil {
		return nil, err
	}
	out := policyOut(p)
	return &iamshapes.GetPolicyResponse{Policy: &out}, nil
}

func (a *api) deletePolicy(c *awsproto.Call, in *iamshapes.DeletePolicyRequest) (*none, error) {
	return nil, a.svc.DeletePolicy(c.Context, account(c), str(in.PolicyArn))
}

func (a *api) listPolicies(c *awsproto.Call, in *iamshapes.ListPoliciesRequest) (*iamshapes.ListPoliciesResponse, error) {
	only := in.OnlyAttached != nil && *in.OnlyAttached
	ps, next, err := a.svc.ListPolicies(c.Context, account(c), iam.ListPoliciesInput{
		Scope: str(in.Scope), OnlyAttached: only, PathPrefix: str(in.PathPrefix),
	}, page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &iamshapes.ListPoliciesResponse{Policies: make([]iamshapes.Policy, len(ps))}
	for i := range ps {
		out.Policies[i] = policyOut(&ps[i])
		out.Policies[i].Description, out.Policies[i].Tags = nil, nil // not in list results
	}
	out.IsTruncated, out.Marker = truncation(next)
	return out, nil
}

func (a *api) getPolicyVersion(c *awsproto.Call, in *iamshapes.GetPolicyVersionRequest) (*iamshapes.GetPolicyVersionResponse, error) {
	v, err := a.svc.GetPolicyVersion(c.Context, account(c), str(in.PolicyArn), str(in.VersionId))
	if err != nil {
		return nil, err
	}
	return &iamshapes.GetPolicyVersionResponse{PolicyVersion: versionOut(v, true)}, nil
}

func (a *api) createPolicyVersion(c *awsproto.Call, in *iamshapes.CreatePolicyVersionRequest) (*iamshapes.CreatePolicyVersionResponse, error) {
	setDefault := in.SetAsDefault != nil && *in.SetAsDefault
	v, err := a.svc.CreatePolicyVersion(c.Context, account(c), str(in.PolicyArn), str(in.PolicyDocument), setDefault)
	if err != nil {
		return nil, err
	}
	return &iamshapes.CreatePolicyVersionResponse{PolicyVersion: versionOut(v, false)}, nil
}

func (a *api) listPolicyVersions(c *awsproto.Call, in *iamshapes.ListPolicyVersionsRequest) (*iamshapes.ListPolicyVersionsResponse, error) {
	vs, next, err := a.svc.ListPolicyVersions(c.Context, account(c), str(in.PolicyArn), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &iamshapes.ListPolicyVersionsResponse{Versions: make([]iamshapes.PolicyVersion, len(vs))}
	for i := range vs {
		out.Versions[i] = *versionOut(&vs[i], false)
	}
	out.IsTruncated, out.Marker = truncation(next)
	return out, nil
}

func (a *api) deletePolicyVersion(c *awsproto.Call, in *iamshapes.DeletePolicyVersionRequest) (*none, error) {
	return nil, a.svc.DeletePolicyVersion(c.Context, account(c), str(in.PolicyArn), str(in.VersionId))
}

func (a *api) setDefaultPolicyVersion(c *awsproto.Call, in *iamshapes.SetDefaultPolicyVersionRequest) (*none, error) {
	return nil, a.svc.SetDefaultPolicyVersion(c.Context, account(c), str(in.PolicyArn), str(in.VersionId))
}

// Attachments: Attach*/Detach* are authorized on the user, group or role, with
// the iam:PolicyARN condition key.

func attachRole(in *iamshapes.AttachRolePolicyRequest) (*string, *string) {
	return in.RoleName, in.PolicyArn
}
func detachRole(in *iamshapes.DetachRolePolicyRequest) (*string, *string) {
	return in.RoleName, in.PolicyArn
}
func attachUser(in *iamshapes.AttachUserPolicyRequest) (*string, *string) {
	return in.UserName, in.PolicyArn
}
func detachUser(in *iamshapes.DetachUserPolicyRequest) (*string, *string) {
	return in.UserName, in.PolicyArn
}
func attachGroup(in *iamshapes.AttachGroupPolicyRequest) (*string, *string) {
	return in.GroupName, in.PolicyArn
}
func detachGroup(in *iamshapes.DetachGroupPolicyRequest) (*string, *string) {
	return in.GroupName, in.PolicyArn
}

func attachmentOp[In any](b *bind.Binder, a *api, kind iam.EntityKind, fields func(*In) (owner, policyARN *string),
	run func(c *awsproto.Call, o iam.Owner, policyARN string) error) awsproto.Op {
	op := awsproto.Typed(b,
		func(c *awsproto.Call, in *In) ([]string, error) {
			o, _ := fields(in)
			return a.entityARN(c, kind, str(o))
		},
		func(c *awsproto.Call, in *In) (*none, error) {
			o, p := fields(in)
			return nil, run(c, iam.Owner{Kind: kind, Name: str(o)}, str(p))
		})
	return awsproto.WithConditions(op, func(c *awsproto.Call, in *In) (map[string][]string, error) {
		_, p := fields(in)
		return map[string][]string{"iam:PolicyARN": {str(p)}}, nil
	})
}

func attachOp[In any](b *bind.Binder, a *api, kind iam.EntityKind, fields func(*In) (*string, *string)) awsproto.Op {
	return attachmentOp(b, a, kind, fields, func(c *awsproto.Call, o iam.Owner, p string) error {
		return a.svc.AttachPolicy(c.Context, account(c), o, p)
	})
}

func detachOp[In any](b *bind.Binder, a *api, kind iam.EntityKind, fields func(*In) (*string, *string)) awsproto.Op {
	return attachmentOp(b, a, kind, fields, func(c *awsproto.Call, o iam.Owner, p string) error {
		return a.svc.DetachPolicy(c.Context, account(c), o, p)
	})
}

func (a *api) listAttached(c *awsproto.Call, kind iam.EntityKind, owner, prefix, marker *string, maxItems *int64) ([]iamshapes.AttachedPolicy, *bool, *string, error) {
	ps, next, err := a.svc.ListAttachedPolicies(c.Context, account(c), iam.Owner{Kind: kind, Name: str(owner)}, str(prefix), page(marker, maxItems))
	if err != nil {
		return nil, nil, nil, err
	}
	out := make([]iamshapes.AttachedPolicy, len(ps))
	for i, p := range ps {
		out[i] = iamshapes.AttachedPolicy{PolicyName: ptr(p.Name), PolicyArn: ptr(p.ARN)}
	}
	t, m := truncation(next)
	return out, t, m, nil
}

func (a *api) listAttachedRolePolicies(c *awsproto.Call, in *iamshapes.ListAttachedRolePoliciesRequest) (*iamshapes.ListAttachedRolePoliciesResponse, error) {
	ps, t, m, err := a.listAttached(c, iam.KindRole, in.RoleName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamshapes.ListAttachedRolePoliciesResponse{AttachedPolicies: ps, IsTruncated: t, Marker: m}, nil
}

func (a *api) listAttachedUserPolicies(c *awsproto.Call, in *iamshapes.ListAttachedUserPoliciesRequest) (*iamshapes.ListAttachedUserPoliciesResponse, error) {
	ps, t, m, err := a.listAttached(c, iam.KindUser, in.UserName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamshapes.ListAttachedUserPoliciesResponse{AttachedPolicies: ps, IsTruncated: t, Marker: m}, nil
}

func (a *api) listAttachedGroupPolicies(c *awsproto.Call, in *iamshapes.ListAttachedGroupPoliciesRequest) (*iamshapes.ListAttachedGroupPoliciesResponse, error) {
	ps, t, m, err := a.listAttached(c, iam.KindGroup, in.GroupName, in.PathPrefix, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &iamshapes.ListAttachedGroupPoliciesResponse{AttachedPolicies: ps, IsTruncated: t, Marker: m}, nil
}
