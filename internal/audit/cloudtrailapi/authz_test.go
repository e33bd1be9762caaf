package cloudtrailapi_test

import (
	"context"
	"testing"

	ctsdk "github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

func TestLookupEventsIsAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	e.Services["cloudtrail"] = e.API
	stars := []apitest.StarCase{{
		Op: "LookupEvents", Action: "cloudtrail:LookupEvents",
		Why: "the Service Authorization Reference lists no resource type for it",
		Call: func(ctx context.Context, _ *apitest.Env, c apitest.Credentials) error {
			_, err := e.client(c).LookupEvents(ctx, &ctsdk.LookupEventsInput{})
			return err
		},
	}}
	apitest.CheckCoverage(t, e.Env, "cloudtrail", nil, stars)
	apitest.RunStarCases(t, e.Env, stars)
}
