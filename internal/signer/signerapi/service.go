package signerapi

import (
	"fmt"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	ss "github.com/stratus-cloud/stratus/internal/awsproto/shapes/signershapes"
	"github.com/stratus-cloud/stratus/internal/signer"
)

type api struct {
	svc *signer.Service
}

// New returns the Signer API for the router: its model, action prefix
// "signer" and the implemented operations.
func New(svc *signer.Service, b *bind.Binder) (*awsproto.Service, error) {
	m, err := ss.Service()
	if err != nil {
		return nil, fmt.Errorf("load signer model: %w", err)
	}
	a := &api{svc: svc}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "signer",
		AccessDeniedCode: "AccessDeniedException",
		Ops:              a.ops(b),
	}, nil
}

func (a *api) ops(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		ss.OpPutSigningProfile:    awsproto.Typed(b, profile(func(in *ss.PutSigningProfileRequest) (*string, *string) { return in.ProfileName, nil }), a.putSigningProfile),
		ss.OpGetSigningProfile:    awsproto.Typed(b, profile(func(in *ss.GetSigningProfileRequest) (*string, *string) { return in.ProfileName, in.ProfileOwner }), a.getSigningProfile),
		ss.OpListSigningProfiles:  awsproto.Typed(b, nil, a.listSigningProfiles),
		ss.OpCancelSigningProfile: awsproto.Typed(b, profile(func(in *ss.CancelSigningProfileRequest) (*string, *string) { return in.ProfileName, nil }), a.cancelSigningProfile),
		ss.OpRevokeSigningProfile: awsproto.Typed(b, profile(func(in *ss.RevokeSigningProfileRequest) (*string, *string) { return in.ProfileName, nil }), a.revokeSigningProfile),
		ss.OpStartSigningJob:      awsproto.Typed(b, profile(func(in *ss.StartSigningJobRequest) (*string, *string) { return in.ProfileName, in.ProfileOwner }), a.startSigningJob),
		ss.OpGetSigningPlatform:   awsproto.Typed(b, nil, a.getSigningPlatform),
		ss.OpListSigningPlatforms: awsproto.Typed(b, nil, a.listSigningPlatforms),
		ss.OpTagResource:          awsproto.Typed(b, resource(func(in *ss.TagResourceRequest) *string { return in.ResourceArn }), a.tagResource),
		ss.OpUntagResource:        awsproto.Typed(b, resource(func(in *ss.UntagResourceRequest) *string { return in.ResourceArn }), a.untagResource),
		ss.OpListTagsForResource:  awsproto.Typed(b, resource(func(in *ss.ListTagsForResourceRequest) *string { return in.ResourceArn }), a.listTagsForResource),
	}
}

func account(c *awsproto.Call) string { return c.Principal.Account }

// profile authorizes against the profile ARN of the named profile in the
// owner's account (the caller's when no owner is given).
func profile[In any](get func(*In) (name, owner *string)) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		name, owner := get(in)
		acct := str(owner)
		if acct == "" {
			acct = account(c)
		}
		return []string{signer.ProfileARN(c.Region, acct, str(name))}, nil
	}
}

// resource authorizes against the ARN the call names.
func resource[In any](get func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) { return []string{str(get(in))}, nil }
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
