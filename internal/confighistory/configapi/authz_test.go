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
	cases := []apitest.StarCase{
		{Op: "GetResourceConfigHistory", Action: "config:GetResourceConfigHistory", Why: noResourceType,
			Call: func(ctx context.Context, _ *apitest.Env, c apitest.Credentials) error {
				_, err := e.client(c).GetResourceConfigHistory(ctx, &configsdk.GetResourceConfigHistoryInput{ResourceType: fnType, ResourceId: aws.String("f")})
				return err
			}},
		{Op: "ListDiscoveredResources", Action: "config:ListDiscoveredResources", Why: noResourceType,
			Call: func(ctx context.Context, _ *apitest.Env, c apitest.Credentials) error {
				_, err := e.client(c).ListDiscoveredResources(ctx, &configsdk.ListDiscoveredResourcesInput{ResourceType: fnType})
				return err
			}},
		{Op: "BatchGetResourceConfig", Action: "config:BatchGetResourceConfig", Why: noResourceType,
			Call: func(ctx context.Context, _ *apitest.Env, c apitest.Credentials) error {
				_, err := e.client(c).BatchGetResourceConfig(ctx, &configsdk.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{key}})
				return err
			}},
	}
	apitest.CheckCoverage(t, e.Env, "config", nil, cases)
	apitest.RunStarCases(t, e.Env, cases)
}

func TestACallerWithoutPolicyIsDeniedWithAccessDeniedException(t *testing.T) {
	e := newEnv(t)
	nobody := e.NewUser(t, e.Account, "nobody", "")
	_, err := e.client(nobody).ListDiscoveredResources(context.Background(), &configsdk.ListDiscoveredResourcesInput{ResourceType: fnType})
	if got := apitest.APICode(err); got != "AccessDeniedException" {
		t.Errorf("got %q, want AccessDeniedException", got)
	}
}
