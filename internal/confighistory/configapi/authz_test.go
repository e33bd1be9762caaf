package configapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	configsdk "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/stratus-cloud/stratus/internal/confighistory"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

// AWS's Service Authorization Reference lists no resource type for these
// actions: a policy grants them on "*" or not at all.
const noResourceType = "AWS Config lists no resource type for it"

func TestEveryOperationIsAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	e.record(t, confighistory.Item{
		Account: e.Account, Region: apitest.Region, ResourceType: fnType, ResourceID: "f", ResourceName: "f", Configuration: `{}`,
	})
	key := types.ResourceKey{ResourceType: fnType, ResourceId: aws.String("f")}
	stars := []apitest.Star[*configsdk.Client]{
		{Op: "GetResourceConfigHistory", Why: noResourceType, Call: func(ctx context.Context, c *configsdk.Client) error {
			_, err := c.GetResourceConfigHistory(ctx, &configsdk.GetResourceConfigHistoryInput{ResourceType: fnType, ResourceId: aws.String("f")})
			return err
		}},
		{Op: "ListDiscoveredResources", Why: noResourceType, Call: func(ctx context.Context, c *configsdk.Client) error {
			_, err := c.ListDiscoveredResources(ctx, &configsdk.ListDiscoveredResourcesInput{ResourceType: fnType})
			return err
		}},
		{Op: "BatchGetResourceConfig", Why: noResourceType, Call: func(ctx context.Context, c *configsdk.Client) error {
			_, err := c.BatchGetResourceConfig(ctx, &configsdk.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{key}})
			return err
		}},
	}
	suite := e.suite()
	suite.Coverage(t, nil, stars)
	suite.RunStars(t, []string{"arn:aws:iam::" + e.Account + ":user/someone"}, stars)
}

func TestACallerWithoutPolicyIsDeniedWithAccessDeniedException(t *testing.T) {
	e := newEnv(t)
	nobody := e.NewUser(t, e.Account, "nobody", "")
	_, err := e.client(nobody).ListDiscoveredResources(context.Background(), &configsdk.ListDiscoveredResourcesInput{ResourceType: fnType})
	if got := apitest.APICode(err); got != "AccessDeniedException" {
		t.Errorf("got %q, want AccessDeniedException", got)
	}
}
