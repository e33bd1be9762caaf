package cloudtrailapi_test

import (
	"context"
	"testing"

	ctsdk "github.com/aws/aws-sdk-go-v2/service/cloudtrail"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

func TestLookupEventsIsAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	stars := []apitest.Star[*ctsdk.Client]{{
		Op: "LookupEvents", Why: "the Service Authorization Reference lists no resource type for it",
		Call: func(ctx context.Context, c *ctsdk.Client) error {
			_, err := c.LookupEvents(ctx, &ctsdk.LookupEventsInput{})
			return err
		},
	}}
	suite := apitest.Suite[*ctsdk.Client, string]{Env: e.Env, API: e.API, Client: e.client, Service: "cloudtrail"}
	suite.Coverage(t, nil, stars)
	suite.RunStars(t, []string{"arn:aws:iam::" + e.Account + ":user/someone"}, stars)
}
