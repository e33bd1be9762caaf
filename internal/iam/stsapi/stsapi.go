// Package stsapi is the wire adapter of the STS API: GetCallerIdentity,
// AssumeRole and GetSessionToken over internal/iam, with the resource ARNs each
// is authorized against (a role's ARN for sts:AssumeRole, whose trust policy the
// Authorizer checks as the role's resource policy).
//
// It is not for issuing or checking credentials itself: internal/iam creates
// sessions and its Authenticator accepts them.
package stsapi

import (
	"fmt"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/stsshapes"
	"github.com/stratus-cloud/stratus/internal/iam"
)

type api struct {
	svc *iam.Service
}

// New returns the STS API for the router. sts:GetCallerIdentity needs no
// permission (the Authorizer allows it to every authenticated caller, as AWS
// does).
func New(svc *iam.Service, b *bind.Binder) (*awsproto.Service, error) {
	m, err := stsshapes.Service()
	if err != nil {
		return nil, fmt.Errorf("load sts model: %w", err)
	}
	a := &api{svc: svc}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "sts",
		AccessDeniedCode: "AccessDenied",
		Ops: map[string]awsproto.Op{
			stsshapes.OpGetCallerIdentity: awsproto.Typed(b, nil, a.getCallerIdentity),
			stsshapes.OpAssumeRole: awsproto.Typed(b, func(c *awsproto.Call, in *stsshapes.AssumeRoleRequest) ([]string, error) {
				return []string{str(in.RoleArn)}, nil
			}, a.assumeRole),
			stsshapes.OpGetSessionToken: awsproto.Typed(b, nil, a.getSessionToken),
		},
	}, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func (a *api) getCallerIdentity(c *awsproto.Call, _ *stsshapes.GetCallerIdentityRequest) (*stsshapes.GetCallerIdentityResponse, error) {
	p := c.Principal
	return &stsshapes.GetCallerIdentityResponse{UserId: ptr(p.UserID), Account: ptr(p.Account), Arn: ptr(p.ARN)}, nil
}

func credentialsOut(s *iam.Session) *stsshapes.Credentials {
	return &stsshapes.Credentials{
		AccessKeyId: ptr(s.AccessKeyID), SecretAccessKey: ptr(s.Secret), SessionToken: ptr(s.Token), Expiration: ptr(s.Expires),
	}
}

func (a *api) assumeRole(c *awsproto.Call, in *stsshapes.AssumeRoleRequest) (*stsshapes.AssumeRoleResponse, error) {
	var dur int64
	if in.DurationSeconds != nil {
		dur = *in.DurationSeconds
	}
	arns := make([]string, 0, len(in.PolicyArns))
	for _, p := range in.PolicyArns {
		arns = append(arns, str(p.Arn))
	}
	s, err := a.svc.AssumeRole(c.Context, c.Principal, iam.AssumeRoleInput{
		RoleARN: str(in.RoleArn), SessionName: str(in.RoleSessionName), DurationSeconds: dur,
		Policy: str(in.Policy), PolicyARNs: arns, Region: c.Region,
	})
	if err != nil {
		return nil, err
	}
	out := &stsshapes.AssumeRoleResponse{
		Credentials:     credentialsOut(s),
		AssumedRoleUser: &stsshapes.AssumedRoleUser{AssumedRoleId: ptr(s.AssumedRoleID), Arn: ptr(s.AssumedRoleARN)},
	}
	if s.PackedPolicySize > 0 {
		out.PackedPolicySize = ptr(s.PackedPolicySize)
	}
	return out, nil
}

func (a *api) getSessionToken(c *awsproto.Call, in *stsshapes.GetSessionTokenRequest) (*stsshapes.GetSessionTokenResponse, error) {
	var dur int64
	if in.DurationSeconds != nil {
		dur = *in.DurationSeconds
	}
	s, err := a.svc.GetSessionToken(c.Context, c.Principal, dur)
	if err != nil {
		return nil, err
	}
	return &stsshapes.GetSessionTokenResponse{Credentials: credentialsOut(s)}, nil
}
