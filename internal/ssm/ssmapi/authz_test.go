package ssmapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/ssm"
)

// target is a parameter every authorization case works on: path/p.
type target struct {
	path, name, arn string
}

func newTarget(t testing.TB, e *env, path string) target {
	t.Helper()
	name := path + "/p"
	if _, _, err := e.SSM.PutParameter(context.Background(), e.Account, apitest.Region, ssm.PutInput{Name: name, Type: ssm.TypeString, Value: "value"}); err != nil {
		t.Fatal(err)
	}
	return target{path: path, name: name, arn: ssm.ARN(apitest.Region, e.Account, name)}
}

func TestEveryOperationIsAuthorizedOnItsParameter(t *testing.T) {
	e := newEnv(t)
	parameter := types.ResourceTypeForTaggingParameter
	cases := []apitest.Case[*ssmsdk.Client, target]{
		{Op: "PutParameter", Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.PutParameter(ctx, &ssmsdk.PutParameterInput{Name: s(tg.name), Value: s("new"), Overwrite: aws.Bool(true)})
			return err
		}},
		{Op: "GetParameter", Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.GetParameter(ctx, &ssmsdk.GetParameterInput{Name: s(tg.name + ":1")})
			return err
		}},
		{Op: "GetParameters", Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.GetParameters(ctx, &ssmsdk.GetParametersInput{Names: []string{tg.name}})
			return err
		}},
		{Op: "GetParametersByPath", Resources: func(tg target) []string {
			return []string{ssm.PathARN(apitest.Region, e.Account, tg.path)}
		}, Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.GetParametersByPath(ctx, &ssmsdk.GetParametersByPathInput{Path: s(tg.path)})
			return err
		}},
		{Op: "DeleteParameter", Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.DeleteParameter(ctx, &ssmsdk.DeleteParameterInput{Name: s(tg.name)})
			return err
		}},
		{Op: "DeleteParameters", Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.DeleteParameters(ctx, &ssmsdk.DeleteParametersInput{Names: []string{tg.name}})
			return err
		}},
		{Op: "GetParameterHistory", Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.GetParameterHistory(ctx, &ssmsdk.GetParameterHistoryInput{Name: s(tg.name)})
			return err
		}},
		{Op: "LabelParameterVersion", Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.LabelParameterVersion(ctx, &ssmsdk.LabelParameterVersionInput{Name: s(tg.name), Labels: []string{"prod"}})
			return err
		}},
		{Op: "UnlabelParameterVersion", Setup: func(t testing.TB, tg target) {
			if _, _, err := e.SSM.LabelParameterVersion(context.Background(), e.Account, apitest.Region, tg.name, 1, []string{"prod"}); err != nil {
				t.Fatal(err)
			}
		}, Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.UnlabelParameterVersion(ctx, &ssmsdk.UnlabelParameterVersionInput{Name: s(tg.name), ParameterVersion: aws.Int64(1), Labels: []string{"prod"}})
			return err
		}},
		{Op: "AddTagsToResource", Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.AddTagsToResource(ctx, &ssmsdk.AddTagsToResourceInput{ResourceType: parameter, ResourceId: s(tg.name), Tags: []types.Tag{{Key: s("k"), Value: s("v")}}})
			return err
		}},
		{Op: "RemoveTagsFromResource", Setup: func(t testing.TB, tg target) {
			if err := e.SSM.AddTagsToParameter(context.Background(), e.Account, apitest.Region, tg.name, map[string]string{"k": "v"}); err != nil {
				t.Fatal(err)
			}
		}, Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.RemoveTagsFromResource(ctx, &ssmsdk.RemoveTagsFromResourceInput{ResourceType: parameter, ResourceId: s(tg.name), TagKeys: []string{"k"}})
			return err
		}},
		{Op: "ListTagsForResource", Call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.ListTagsForResource(ctx, &ssmsdk.ListTagsForResourceInput{ResourceType: parameter, ResourceId: s(tg.name)})
			return err
		}},
	}
	suite := e.suite()
	suite.Coverage(t, cases, describeParameters())
	suite.Run(t, cases)
}

func TestBatchOperationsAreAuthorizedOnEveryNamedParameter(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ok, other := newTarget(t, e, "/batch-ok"), newTarget(t, e, "/batch-other")
	t.Run("GetParameters naming an allowed and a denied parameter is denied", func(t *testing.T) {
		caller := e.NewUser(t, e.Account, "getter", apitest.AllowDoc("ssm:GetParameters", ok.arn))
		_, err := e.client(caller).GetParameters(ctx, &ssmsdk.GetParametersInput{Names: []string{ok.name, other.name}})
		if got := apitest.APICode(err); got != "AccessDeniedException" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("DeleteParameters naming an allowed and a denied parameter is denied and deletes neither", func(t *testing.T) {
		caller := e.NewUser(t, e.Account, "deleter", apitest.AllowDoc("ssm:DeleteParameters", ok.arn))
		before := e.snapshot(t)
		_, err := e.client(caller).DeleteParameters(ctx, &ssmsdk.DeleteParametersInput{Names: []string{ok.name, other.name}})
		if got := apitest.APICode(err); got != "AccessDeniedException" {
			t.Errorf("got %q", got)
		}
		if e.snapshot(t) != before {
			t.Errorf("the store changed")
		}
	})
}

// describeParameters is the operation AWS authorizes against "*".
func describeParameters() []apitest.Star[*ssmsdk.Client] {
	return []apitest.Star[*ssmsdk.Client]{{Op: "DescribeParameters", Call: func(ctx context.Context, c *ssmsdk.Client) error {
		_, err := c.DescribeParameters(ctx, &ssmsdk.DescribeParametersInput{})
		return err
	}}}
}

func TestDescribeParametersIsAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	e.suite().RunStars(t, []string{newTarget(t, e, "/some").arn}, describeParameters())
}
