package signerapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	signersdk "github.com/aws/aws-sdk-go-v2/service/signer"
	"github.com/aws/aws-sdk-go-v2/service/signer/types"

	"github.com/stratus-cloud/stratus/internal/codesign"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

const platform = "AWSLambda-SHA384-ECDSA"

func TestProfilesThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	put, err := c.PutSigningProfile(ctx, &signersdk.PutSigningProfileInput{
		ProfileName: aws.String("app_signer"), PlatformId: aws.String(platform), Tags: map[string]string{"team": "web"},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantARN := "arn:aws:signer:" + apitest.Region + ":" + e.Account + ":/signing-profiles/app_signer"
	t.Run("PutSigningProfile answers the profile ARN and its version ARN", func(t *testing.T) {
		if aws.ToString(put.Arn) != wantARN || aws.ToString(put.ProfileVersionArn) != wantARN+"/"+aws.ToString(put.ProfileVersion) ||
			len(aws.ToString(put.ProfileVersion)) != 10 {
			t.Errorf("got %s %s %s", aws.ToString(put.Arn), aws.ToString(put.ProfileVersion), aws.ToString(put.ProfileVersionArn))
		}
	})
	t.Run("GetSigningProfile reports the new KMS key as the signing material", func(t *testing.T) {
		got, err := c.GetSigningProfile(ctx, &signersdk.GetSigningProfileInput{ProfileName: aws.String("app_signer")})
		if err != nil {
			t.Fatal(err)
		}
		key := aws.ToString(got.SigningMaterial.CertificateArn)
		if !strings.HasPrefix(key, "arn:aws:kms:"+apitest.Region+":"+e.Account+":key/") {
			t.Errorf("signing material %q", key)
		}
		desc, err := e.kmsClient(e.Admin).DescribeKey(ctx, &kmssdk.DescribeKeyInput{KeyId: aws.String(key)})
		if err != nil || desc.KeyMetadata.KeySpec != kmstypes.KeySpecEccNistP256 || desc.KeyMetadata.KeyUsage != kmstypes.KeyUsageTypeSignVerify {
			t.Errorf("key %+v %v", desc, err)
		}
		if got.Status != types.SigningProfileStatusActive || got.SignatureValidityPeriod.Value != 135 ||
			got.SignatureValidityPeriod.Type != types.ValidityTypeMonths || aws.ToString(got.PlatformDisplayName) != "AWS Lambda" ||
			got.Tags["team"] != "web" || aws.ToString(got.Arn) != wantARN || got.RevocationRecord != nil {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("a platform other than Lambda's is ValidationException", func(t *testing.T) {
		_, err := c.PutSigningProfile(ctx, &signersdk.PutSigningProfileInput{ProfileName: aws.String("iot"), PlatformId: aws.String("AmazonFreeRTOS-Default")})
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("an unknown profile is ResourceNotFoundException", func(t *testing.T) {
		_, err := c.GetSigningProfile(ctx, &signersdk.GetSigningProfileInput{ProfileName: aws.String("ghost")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("tags are set, listed and removed by profile ARN", func(t *testing.T) {
		if _, err := c.TagResource(ctx, &signersdk.TagResourceInput{ResourceArn: put.Arn, Tags: map[string]string{"env": "prod"}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.UntagResource(ctx, &signersdk.UntagResourceInput{ResourceArn: put.Arn, TagKeys: []string{"team"}}); err != nil {
			t.Fatal(err)
		}
		got, err := c.ListTagsForResource(ctx, &signersdk.ListTagsForResourceInput{ResourceArn: put.Arn})
		if err != nil || len(got.Tags) != 1 || got.Tags["env"] != "prod" {
			t.Errorf("got %v %v", got, err)
		}
	})
	t.Run("StartSigningJob is ValidationException that points at stratus sign", func(t *testing.T) {
		_, err := c.StartSigningJob(ctx, &signersdk.StartSigningJobInput{
			ProfileName: aws.String("app_signer"), ClientRequestToken: aws.String("t"),
			Source:      &types.Source{S3: &types.S3Source{BucketName: aws.String("b"), Key: aws.String("k"), Version: aws.String("1")}},
			Destination: &types.Destination{S3: &types.S3Destination{BucketName: aws.String("b")}},
		})
		var ve *types.ValidationException
		if !errors.As(err, &ve) || !strings.Contains(aws.ToString(ve.Message), "stratus sign") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("the Lambda platform is listed and described", func(t *testing.T) {
		list, err := c.ListSigningPlatforms(ctx, &signersdk.ListSigningPlatformsInput{})
		if err != nil || len(list.Platforms) != 1 || aws.ToString(list.Platforms[0].PlatformId) != platform {
			t.Fatalf("got %+v %v", list, err)
		}
		got, err := c.GetSigningPlatform(ctx, &signersdk.GetSigningPlatformInput{PlatformId: aws.String(platform)})
		if err != nil || aws.ToString(got.Partner) != "AWSLambda" || !got.RevocationSupported ||
			got.SigningConfiguration.HashAlgorithmOptions.DefaultValue != types.HashAlgorithm("SHA384") {
			t.Errorf("got %+v %v", got, err)
		}
	})
	t.Run("a canceled profile is listed only with includeCanceled", func(t *testing.T) {
		if _, err := c.PutSigningProfile(ctx, &signersdk.PutSigningProfileInput{ProfileName: aws.String("old_one"), PlatformId: aws.String(platform)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.CancelSigningProfile(ctx, &signersdk.CancelSigningProfileInput{ProfileName: aws.String("old_one")}); err != nil {
			t.Fatal(err)
		}
		active, err := c.ListSigningProfiles(ctx, &signersdk.ListSigningProfilesInput{})
		if err != nil || len(active.Profiles) != 1 || aws.ToString(active.Profiles[0].ProfileName) != "app_signer" {
			t.Errorf("active: %+v %v", active, err)
		}
		all, err := c.ListSigningProfiles(ctx, &signersdk.ListSigningProfilesInput{IncludeCanceled: true})
		if err != nil || len(all.Profiles) != 2 || all.Profiles[1].Status != types.SigningProfileStatusCanceled {
			t.Errorf("all: %+v %v", all, err)
		}
	})
}

// kmsSigner is codesign.Signer over the KMS API, as `stratus sign` signs.
type kmsSigner struct{ c *kmssdk.Client }

func (s kmsSigner) SignDigest(ctx context.Context, keyARN string, digest []byte) ([]byte, error) {
	out, err := s.c.Sign(ctx, &kmssdk.SignInput{
		KeyId: aws.String(keyARN), Message: digest, MessageType: kmstypes.MessageTypeDigest,
		SigningAlgorithm: kmstypes.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, err
	}
	return out.Signature, nil
}

func testZip(t *testing.T) []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, _ := w.Create("index.py")
	f.Write([]byte("def handler(event, context):\n    return 'ok'\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSignAndCheckThroughTheAPIs(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	if _, err := c.PutSigningProfile(ctx, &signersdk.PutSigningProfileInput{
		ProfileName: aws.String("ci"), PlatformId: aws.String(platform),
		SignatureValidityPeriod: &types.SignatureValidityPeriod{Value: 10, Type: types.ValidityTypeDays},
	}); err != nil {
		t.Fatal(err)
	}
	prof, err := c.GetSigningProfile(ctx, &signersdk.GetSigningProfileInput{ProfileName: aws.String("ci")})
	if err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now().UTC().Truncate(time.Second)
	signedZip, p, err := codesign.Sign(ctx, testZip(t), codesign.Payload{
		ProfileVersionARN: aws.ToString(prof.ProfileVersionArn), JobID: "6f1c7a52-3c1b-4d6e-9a0b-2f4e8d1c3b5a",
		SignedAt: now, ExpiresAt: now.AddDate(0, 0, 10), KeyARN: aws.ToString(prof.SigningMaterial.CertificateArn),
	}, kmsSigner{c: e.kmsClient(e.Admin)})
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{aws.ToString(prof.ProfileVersionArn)}
	t.Run("a zip signed with the profile's KMS key passes every check", func(t *testing.T) {
		r, err := codesign.Check(ctx, signedZip, allowed, e.Signer, e.Keys, now)
		if err != nil || !r.OK() {
			t.Errorf("got %+v %v", r, err)
		}
	})
	t.Run("ten days and a second later the signature has expired", func(t *testing.T) {
		r, err := codesign.Check(ctx, signedZip, allowed, e.Signer, e.Keys, p.ExpiresAt.Add(time.Second))
		if err != nil || !r.Expired || r.Integrity != nil {
			t.Errorf("got %+v %v", r, err)
		}
	})
	t.Run("revoking from before the signing time fails the revocation check", func(t *testing.T) {
		if _, err := c.RevokeSigningProfile(ctx, &signersdk.RevokeSigningProfileInput{
			ProfileName: aws.String("ci"), ProfileVersion: prof.ProfileVersion, Reason: aws.String("leaked"),
			EffectiveTime: aws.Time(now.Add(-time.Minute)),
		}); err != nil {
			t.Fatal(err)
		}
		r, err := codesign.Check(ctx, signedZip, allowed, e.Signer, e.Keys, now)
		if err != nil || !r.Revoked || r.Integrity != nil {
			t.Errorf("got %+v %v", r, err)
		}
		got, err := c.GetSigningProfile(ctx, &signersdk.GetSigningProfileInput{ProfileName: aws.String("ci")})
		if err != nil || got.Status != types.SigningProfileStatusRevoked || got.RevocationRecord == nil ||
			!aws.ToTime(got.RevocationRecord.RevocationEffectiveFrom).Equal(now.Add(-time.Minute)) ||
			!strings.Contains(aws.ToString(got.RevocationRecord.RevokedBy), e.Account) {
			t.Errorf("got %+v %v", got, err)
		}
	})
	t.Run("a revocation effective in the future is ValidationException", func(t *testing.T) {
		_, err := c.RevokeSigningProfile(ctx, &signersdk.RevokeSigningProfileInput{
			ProfileName: aws.String("ci"), ProfileVersion: prof.ProfileVersion, Reason: aws.String("later"),
			EffectiveTime: aws.Time(e.Clock.Now().Add(time.Hour)),
		})
		var ve *types.ValidationException
		if !errors.As(err, &ve) {
			t.Errorf("got %v", err)
		}
	})
}
