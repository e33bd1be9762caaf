package signerapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	signersdk "github.com/aws/aws-sdk-go-v2/service/signer"
	"github.com/aws/aws-sdk-go-v2/service/signer/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/signer"
)

// target is a signing profile every authorization case works on.
type target struct {
	name, arn, version string
}

func newTarget(t testing.TB, e *env, name string) target {
	t.Helper()
	p, err := e.Signer.PutSigningProfile(context.Background(), e.Account, apitest.Region, signer.PutInput{Name: name, PlatformID: platform})
	if err != nil {
		t.Fatal(err)
	}
	return target{name: name, arn: p.ARN(), version: p.Version}
}

func TestEveryOperationIsAuthorizedOnItsProfile(t *testing.T) {
	e := newEnv(t)
	s := aws.String
	cases := []apitest.Case[*signersdk.Client, target]{
		{Op: "PutSigningProfile", Resources: func(tg target) []string {
			return []string{signer.ProfileARN(apitest.Region, e.Account, tg.name+"_new")}
		}, Call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.PutSigningProfile(ctx, &signersdk.PutSigningProfileInput{ProfileName: s(tg.name + "_new"), PlatformId: s(platform)})
			return err
		}},
		{Op: "GetSigningProfile", Call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.GetSigningProfile(ctx, &signersdk.GetSigningProfileInput{ProfileName: s(tg.name)})
			return err
		}},
		{Op: "CancelSigningProfile", Call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.CancelSigningProfile(ctx, &signersdk.CancelSigningProfileInput{ProfileName: s(tg.name)})
			return err
		}},
		{Op: "RevokeSigningProfile", Call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.RevokeSigningProfile(ctx, &signersdk.RevokeSigningProfileInput{ProfileName: s(tg.name),
				ProfileVersion: s(tg.version), Reason: s("r"), EffectiveTime: aws.Time(time.Now().Add(-time.Hour))})
			return err
		}},
		{Op: "StartSigningJob", Call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.StartSigningJob(ctx, &signersdk.StartSigningJobInput{ProfileName: s(tg.name), ClientRequestToken: s("t"),
				Source:      &types.Source{S3: &types.S3Source{BucketName: s("b"), Key: s("k"), Version: s("1")}},
				Destination: &types.Destination{S3: &types.S3Destination{BucketName: s("b")}}})
			if apitest.APICode(err) == "ValidationException" {
				return nil // authorized, and told to use stratus sign
			}
			return err
		}},
		{Op: "TagResource", Call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.TagResource(ctx, &signersdk.TagResourceInput{ResourceArn: s(tg.arn), Tags: map[string]string{"k": "v"}})
			return err
		}},
		{Op: "UntagResource", Call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.UntagResource(ctx, &signersdk.UntagResourceInput{ResourceArn: s(tg.arn), TagKeys: []string{"k"}})
			return err
		}},
		{Op: "ListTagsForResource", Call: func(ctx context.Context, c *signersdk.Client, tg target) error {
			_, err := c.ListTagsForResource(ctx, &signersdk.ListTagsForResourceInput{ResourceArn: s(tg.arn)})
			return err
		}},
	}
	suite := e.suite()
	suite.Coverage(t, cases, starCases())
	suite.Run(t, cases)
}

// starCases are the operations AWS authorizes against "*".
func starCases() []apitest.Star[*signersdk.Client] {
	return []apitest.Star[*signersdk.Client]{
		{Op: "ListSigningProfiles", Call: func(ctx context.Context, c *signersdk.Client) error {
			_, err := c.ListSigningProfiles(ctx, &signersdk.ListSigningProfilesInput{})
			return err
		}},
		{Op: "ListSigningPlatforms", Call: func(ctx context.Context, c *signersdk.Client) error {
			_, err := c.ListSigningPlatforms(ctx, &signersdk.ListSigningPlatformsInput{})
			return err
		}},
		{Op: "GetSigningPlatform", Call: func(ctx context.Context, c *signersdk.Client) error {
			_, err := c.GetSigningPlatform(ctx, &signersdk.GetSigningPlatformInput{PlatformId: aws.String(platform)})
			return err
		}},
	}
}

func TestListingAndPlatformsAreAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	e.suite().RunStars(t, []string{newTarget(t, e, "some").arn}, starCases())
}
