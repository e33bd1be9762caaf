package signerapi

import (
	"github.com/stratus-cloud/stratus/internal/awsproto"
	ss "github.com/stratus-cloud/stratus/internal/awsproto/shapes/signershapes"
	"github.com/stratus-cloud/stratus/internal/codesign"
	"github.com/stratus-cloud/stratus/internal/signer"
)

func (a *api) putSigningProfile(c *awsproto.Call, in *ss.PutSigningProfileRequest) (*ss.PutSigningProfileResponse, error) {
	pin := signer.PutInput{Name: str(in.ProfileName), PlatformID: str(in.PlatformId), Tags: in.Tags}
	if in.SigningMaterial != nil {
		pin.KeyARN = str(in.SigningMaterial.CertificateArn)
	}
	if v := in.SignatureValidityPeriod; v != nil && (v.Value != nil || v.Type != nil) {
		pin.Validity = &codesign.Validity{Type: str(v.Type)}
		if v.Value != nil {
			pin.Validity.Value = *v.Value
		}
	}
	p, err := a.svc.PutSigningProfile(c.Context, account(c), c.Region, pin)
	if err != nil {
		return nil, err
	}
	return &ss.PutSigningProfileResponse{Arn: ptr(p.ARN()), ProfileVersion: ptr(p.Version), ProfileVersionArn: ptr(p.VersionARN())}, nil
}

func displayName(id string) *string {
	if id == signer.PlatformLambda {
		return ptr("AWS Lambda")
	}
	return nil
}

func validity(v codesign.Validity) *ss.SignatureValidityPeriod {
	return &ss.SignatureValidityPeriod{Value: ptr(v.Value), Type: ptr(v.Type)}
}

func (a *api) getSigningProfile(c *awsproto.Call, in *ss.GetSigningProfileRequest) (*ss.GetSigningProfileResponse, error) {
	p, err := a.svc.GetSigningProfile(c.Context, account(c), c.Region, str(in.ProfileName), str(in.ProfileOwner))
	if err != nil {
		return nil, err
	}
	out := &ss.GetSigningProfileResponse{
		ProfileName: ptr(p.Name), ProfileVersion: ptr(p.Version), ProfileVersionArn: ptr(p.VersionARN()),
		SigningMaterial: &ss.SigningMaterial{CertificateArn: ptr(p.KeyARN)}, PlatformId: ptr(p.PlatformID),
		PlatformDisplayName: displayName(p.PlatformID), SignatureValidityPeriod: validity(p.Validity),
		Status: ptr(p.Status), StatusReason: optional(p.StatusReason), Arn: ptr(p.ARN()), Tags: p.Tags,
	}
	if r := p.Revocation; r != nil {
		out.RevocationRecord = &ss.SigningProfileRevocationRecord{
			RevocationEffectiveFrom: timePtr(r.EffectiveFrom), RevokedAt: timePtr(r.RevokedAt), RevokedBy: optional(r.RevokedBy),
		}
	}
	return out, nil
}

func (a *api) listSigningProfiles(c *awsproto.Call, in *ss.ListSigningProfilesRequest) (*ss.ListSigningProfilesResponse, error) {
	lin := signer.ListInput{
		IncludeCanceled: in.IncludeCanceled != nil && *in.IncludeCanceled, Statuses: in.Statuses,
		PlatformID: str(in.PlatformId), NextToken: str(in.NextToken),
	}
	if in.MaxResults != nil {
		lin.Max = int(*in.MaxResults)
	}
	list, next, err := a.svc.ListSigningProfiles(c.Context, account(c), c.Region, lin)
	if err != nil {
		return nil, err
	}
	out := &ss.ListSigningProfilesResponse{Profiles: make([]ss.SigningProfile, len(list)), NextToken: optional(next)}
	for i, p := range list {
		out.Profiles[i] = ss.SigningProfile{
			ProfileName: ptr(p.Name), ProfileVersion: ptr(p.Version), ProfileVersionArn: ptr(p.VersionARN()),
			SigningMaterial: &ss.SigningMaterial{CertificateArn: ptr(p.KeyARN)}, SignatureValidityPeriod: validity(p.Validity),
			PlatformId: ptr(p.PlatformID), PlatformDisplayName: displayName(p.PlatformID), Status: ptr(p.Status),
			Arn: ptr(p.ARN()), Tags: p.Tags,
		}
	}
	return out, nil
}

func (a *api) cancelSigningProfile(c *awsproto.Call, in *ss.CancelSigningProfileRequest) (*struct{}, error) {
	return nil, a.svc.CancelSigningProfile(c.Context, account(c), c.Region, str(in.ProfileName))
}

func (a *api) revokeSigningProfile(c *awsproto.Call, in *ss.RevokeSigningProfileRequest) (*struct{}, error) {
	rin := signer.RevokeInput{
		Name: str(in.ProfileName), Version: str(in.ProfileVersion), Reason: str(in.Reason), RevokedBy: c.Principal.ARN,
	}
	if in.EffectiveTime != nil {
		rin.EffectiveTime = *in.EffectiveTime
	}
	return nil, a.svc.RevokeSigningProfile(c.Context, account(c), c.Region, rin)
}

func (a *api) startSigningJob(c *awsproto.Call, in *ss.StartSigningJobRequest) (*ss.StartSigningJobResponse, error) {
	return nil, a.svc.StartSigningJob(str(in.ProfileName))
}

func platformOut(p signer.Platform) ss.SigningPlatform {
	return ss.SigningPlatform{
		PlatformId: ptr(p.ID), DisplayName: ptr(p.DisplayName), Partner: ptr(p.Partner), Target: ptr(p.Target),
		Category: ptr(p.Category),
		SigningConfiguration: &ss.SigningConfiguration{
			EncryptionAlgorithmOptions: &ss.EncryptionAlgorithmOptions{AllowedValues: p.EncryptionAlgorithms, DefaultValue: ptr(p.DefaultEncryptionAlgorithm)},
			HashAlgorithmOptions:       &ss.HashAlgorithmOptions{AllowedValues: p.HashAlgorithms, DefaultValue: ptr(p.DefaultHashAlgorithm)},
		},
		SigningImageFormat:  &ss.SigningImageFormat{SupportedFormats: p.ImageFormats, DefaultFormat: ptr(p.DefaultImageFormat)},
		MaxSizeInMB:         ptr(p.MaxSizeInMB),
		RevocationSupported: ptr(p.RevocationSupported),
	}
}

func (a *api) getSigningPlatform(c *awsproto.Call, in *ss.GetSigningPlatformRequest) (*ss.GetSigningPlatformResponse, error) {
	p, err := a.svc.GetSigningPlatform(str(in.PlatformId))
	if err != nil {
		return nil, err
	}
	o := platformOut(*p)
	return &ss.GetSigningPlatformResponse{
		PlatformId: o.PlatformId, DisplayName: o.DisplayName, Partner: o.Partner, Target: o.Target, Category: o.Category,
		SigningConfiguration: o.SigningConfiguration, SigningImageFormat: o.SigningImageFormat, MaxSizeInMB: o.MaxSizeInMB,
		RevocationSupported: o.RevocationSupported,
	}, nil
}

func (a *api) listSigningPlatforms(c *awsproto.Call, in *ss.ListSigningPlatformsRequest) (*ss.ListSigningPlatformsResponse, error) {
	list := a.svc.ListSigningPlatforms(str(in.Category), str(in.Partner), str(in.Target))
	out := &ss.ListSigningPlatformsResponse{Platforms: make([]ss.SigningPlatform, len(list))}
	for i, p := range list {
		out.Platforms[i] = platformOut(p)
	}
	return out, nil
}

func (a *api) tagResource(c *awsproto.Call, in *ss.TagResourceRequest) (*ss.TagResourceResponse, error) {
	if err := a.svc.TagResource(c.Context, account(c), c.Region, str(in.ResourceArn), in.Tags); err != nil {
		return nil, err
	}
	return &ss.TagResourceResponse{}, nil
}

func (a *api) untagResource(c *awsproto.Call, in *ss.UntagResourceRequest) (*ss.UntagResourceResponse, error) {
	if err := a.svc.UntagResource(c.Context, account(c), c.Region, str(in.ResourceArn), in.TagKeys); err != nil {
		return nil, err
	}
	return &ss.UntagResourceResponse{}, nil
}

func (a *api) listTagsForResource(c *awsproto.Call, in *ss.ListTagsForResourceRequest) (*ss.ListTagsForResourceResponse, error) {
	tags, err := a.svc.ListTagsForResource(c.Context, account(c), c.Region, str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	if tags == nil {
		tags = map[string]string{}
	}
	return &ss.ListTagsForResourceResponse{Tags: tags}, nil
}
