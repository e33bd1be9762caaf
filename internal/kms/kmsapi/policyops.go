package kmsapi

import (
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/kmsshapes"
	"github.com/stratus-cloud/stratus/internal/kms"
)

// policyOps are the key policy and tag operations, each authorized on its key.
func (a *api) policyOps(b *bind.Binder) map[string]awsproto.Op {
	type (
		gkp = kmsshapes.GetKeyPolicyRequest
		pkp = kmsshapes.PutKeyPolicyRequest
		lkp = kmsshapes.ListKeyPoliciesRequest
		tag = kmsshapes.TagResourceRequest
		utg = kmsshapes.UntagResourceRequest
		lrt = kmsshapes.ListResourceTagsRequest
	)
	return map[string]awsproto.Op{
		kmsshapes.OpGetKeyPolicy:     awsproto.Typed(b, keyRes(a.svc, func(in *gkp) *string { return in.KeyId }), a.getKeyPolicy),
		kmsshapes.OpPutKeyPolicy:     awsproto.Typed(b, keyRes(a.svc, func(in *pkp) *string { return in.KeyId }), a.putKeyPolicy),
		kmsshapes.OpListKeyPolicies:  awsproto.Typed(b, keyRes(a.svc, func(in *lkp) *string { return in.KeyId }), a.listKeyPolicies),
		kmsshapes.OpTagResource:      awsproto.Typed(b, keyRes(a.svc, func(in *tag) *string { return in.KeyId }), a.tagResource),
		kmsshapes.OpUntagResource:    awsproto.Typed(b, keyRes(a.svc, func(in *utg) *string { return in.KeyId }), a.untagResource),
		kmsshapes.OpListResourceTags: awsproto.Typed(b, keyRes(a.svc, func(in *lrt) *string { return in.KeyId }), a.listResourceTags),
	}
}

func (a *api) getKeyPolicy(c *awsproto.Call, in *kmsshapes.GetKeyPolicyRequest) (*kmsshapes.GetKeyPolicyResponse, error) {
	name := str(in.PolicyName)
	p, err := a.svc.GetKeyPolicy(c.Context, account(c), c.Region, str(in.KeyId), name)
	if err != nil {
		return nil, err
	}
	return &kmsshapes.GetKeyPolicyResponse{Policy: ptr(p), PolicyName: ptr(kms.PolicyName)}, nil
}

func (a *api) putKeyPolicy(c *awsproto.Call, in *kmsshapes.PutKeyPolicyRequest) (*none, error) {
	bypass := in.BypassPolicyLockoutSafetyCheck != nil && *in.BypassPolicyLockoutSafetyCheck
	return nil, a.svc.PutKeyPolicy(c.Context, account(c), c.Region, str(in.KeyId), str(in.PolicyName), str(in.Policy), bypass)
}

func (a *api) listKeyPolicies(c *awsproto.Call, in *kmsshapes.ListKeyPoliciesRequest) (*kmsshapes.ListKeyPoliciesResponse, error) {
	if _, err := a.svc.DescribeKey(c.Context, account(c), c.Region, str(in.KeyId)); err != nil {
		return nil, err
	}
	return &kmsshapes.ListKeyPoliciesResponse{PolicyNames: []string{kms.PolicyName}, Truncated: ptr(false)}, nil
}

func (a *api) tagResource(c *awsproto.Call, in *kmsshapes.TagResourceRequest) (*none, error) {
	tags := map[string]string{}
	for _, t := range in.Tags {
		tags[str(t.TagKey)] = str(t.TagValue)
	}
	return nil, a.svc.TagResource(c.Context, account(c), c.Region, str(in.KeyId), tags)
}

func (a *api) untagResource(c *awsproto.Call, in *kmsshapes.UntagResourceRequest) (*none, error) {
	return nil, a.svc.UntagResource(c.Context, account(c), c.Region, str(in.KeyId), in.TagKeys)
}

func (a *api) listResourceTags(c *awsproto.Call, in *kmsshapes.ListResourceTagsRequest) (*kmsshapes.ListResourceTagsResponse, error) {
	tags, err := a.svc.ListResourceTags(c.Context, account(c), c.Region, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	out := &kmsshapes.ListResourceTagsResponse{Tags: []kmsshapes.Tag{}, Truncated: ptr(false)}
	for _, t := range tags {
		out.Tags = append(out.Tags, kmsshapes.Tag{TagKey: ptr(t[0]), TagValue: ptr(t[1])})
	}
	return out, nil
}
