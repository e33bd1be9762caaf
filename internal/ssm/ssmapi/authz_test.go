package ssmapi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
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

// authzCase checks that one operation is authorized against the parameter
// it names and nothing broader: a caller allowed the action on one target's
// ARN succeeds on it and is denied, with nothing changed, on a sibling.
type authzCase struct {
	op string
	// prepare readies a fresh target for the call; may be nil.
	prepare func(t testing.TB, e *env, tg target)
	// resources are the ARNs the caller is allowed; nil means the target's.
	resources func(e *env, tg target) []string
	call      func(ctx context.Context, c *ssmsdk.Client, tg target) error
}

func allowDoc(action string, resources []string) string {
	q := make([]string, len(resources))
	for i, r := range resources {
		q[i] = `"` + r + `"`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":[` + strings.Join(q, ",") + `]}]}`
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
	cases := []authzCase{
		{op: "PutParameter", call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.PutParameter(ctx, &ssmsdk.PutParameterInput{Name: s(tg.name), Value: s("new"), Overwrite: aws.Bool(true)})
			return err
		}},
		{op: "GetParameter", call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.GetParameter(ctx, &ssmsdk.GetParameterInput{Name: s(tg.name + ":1")})
			return err
		}},
		{op: "GetParameters", call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.GetParameters(ctx, &ssmsdk.GetParametersInput{Names: []string{tg.name}})
			return err
		}},
		{op: "GetParametersByPath", resources: func(e *env, tg target) []string {
			return []string{ssm.PathARN(apitest.Region, e.Account, tg.path)}
		}, call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.GetParametersByPath(ctx, &ssmsdk.GetParametersByPathInput{Path: s(tg.path)})
			return err
		}},
		{op: "DeleteParameter", call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.DeleteParameter(ctx, &ssmsdk.DeleteParameterInput{Name: s(tg.name)})
			return err
		}},
		{op: "DeleteParameters", call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.DeleteParameters(ctx, &ssmsdk.DeleteParametersInput{Names: []string{tg.name}})
			return err
		}},
		{op: "GetParameterHistory", call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.GetParameterHistory(ctx, &ssmsdk.GetParameterHistoryInput{Name: s(tg.name)})
			return err
		}},
		{op: "LabelParameterVersion", call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.LabelParameterVersion(ctx, &ssmsdk.LabelParameterVersionInput{Name: s(tg.name), Labels: []string{"prod"}})
			return err
		}},
		{op: "UnlabelParameterVersion", prepare: func(t testing.TB, e *env, tg target) {
			if _, _, err := e.SSM.LabelParameterVersion(context.Background(), e.Account, apitest.Region, tg.name, 1, []string{"prod"}); err != nil {
				t.Fatal(err)
			}
		}, call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.UnlabelParameterVersion(ctx, &ssmsdk.UnlabelParameterVersionInput{Name: s(tg.name), ParameterVersion: aws.Int64(1), Labels: []string{"prod"}})
			return err
		}},
		{op: "AddTagsToResource", call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.AddTagsToResource(ctx, &ssmsdk.AddTagsToResourceInput{ResourceType: parameter, ResourceId: s(tg.name), Tags: []types.Tag{{Key: s("k"), Value: s("v")}}})
			return err
		}},
		{op: "RemoveTagsFromResource", prepare: func(t testing.TB, e *env, tg target) {
			if err := e.SSM.AddTagsToParameter(context.Background(), e.Account, apitest.Region, tg.name, map[string]string{"k": "v"}); err != nil {
				t.Fatal(err)
			}
		}, call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.RemoveTagsFromResource(ctx, &ssmsdk.RemoveTagsFromResourceInput{ResourceType: parameter, ResourceId: s(tg.name), TagKeys: []string{"k"}})
			return err
		}},
		{op: "ListTagsForResource", call: func(ctx context.Context, c *ssmsdk.Client, tg target) error {
			_, err := c.ListTagsForResource(ctx, &ssmsdk.ListTagsForResourceInput{ResourceType: parameter, ResourceId: s(tg.name)})
			return err
		}},
	}
	checkCoverage(t, e, cases, "DescribeParameters")
	for i, tc := range cases {
		t.Run(tc.op+" is allowed on its parameter and denied on a sibling parameter", func(t *testing.T) {
			ctx := context.Background()
			ok, sibling := newTarget(t, e, fmt.Sprintf("/t%dok", i)), newTarget(t, e, fmt.Sprintf("/t%dno", i))
			if tc.prepare != nil {
				tc.prepare(t, e, ok)
				tc.prepare(t, e, sibling)
			}
			resources := []string{ok.arn}
			if tc.resources != nil {
				resources = tc.resources(e, ok)
			}
			caller := e.NewUser(t, e.Account, fmt.Sprintf("caller%d", i), allowDoc("ssm:"+tc.op, resources))
			c := e.client(caller)
			before := snapshot(t, e.Store)
			if err := tc.call(ctx, c, sibling); apitest.APICode(err) != "AccessDeniedException" {
				t.Fatalf("on the sibling: got %v, want AccessDeniedException", err)
			}
			if after := snapshot(t, e.Store); after != before {
				t.Errorf("the denied call changed the store:\nbefore %s\nafter  %s", before, after)
			}
			if err := tc.call(ctx, c, ok); err != nil {
				t.Errorf("on the allowed parameter: %v", err)
			}
		})
	}
}

func TestBatchOperationsAreAuthorizedOnEveryNamedParameter(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ok, other := newTarget(t, e, "/batch-ok"), newTarget(t, e, "/batch-other")
	t.Run("GetParameters naming an allowed and a denied parameter is denied", func(t *testing.T) {
		caller := e.NewUser(t, e.Account, "getter", allowDoc("ssm:GetParameters", []string{ok.arn}))
		_, err := e.client(caller).GetParameters(ctx, &ssmsdk.GetParametersInput{Names: []string{ok.name, other.name}})
		if got := apitest.APICode(err); got != "AccessDeniedException" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("DeleteParameters naming an allowed and a denied parameter is denied and deletes neither", func(t *testing.T) {
		caller := e.NewUser(t, e.Account, "deleter", allowDoc("ssm:DeleteParameters", []string{ok.arn}))
		before := snapshot(t, e.Store)
		_, err := e.client(caller).DeleteParameters(ctx, &ssmsdk.DeleteParametersInput{Names: []string{ok.name, other.name}})
		if got := apitest.APICode(err); got != "AccessDeniedException" {
			t.Errorf("got %q", got)
		}
		if snapshot(t, e.Store) != before {
			t.Errorf("the store changed")
		}
	})
}

func TestDescribeParametersIsAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	tg := newTarget(t, e, "/some")
	describe := func(c *ssmsdk.Client) error {
		_, err := c.DescribeParameters(context.Background(), &ssmsdk.DescribeParametersInput{})
		return err
	}
	t.Run("DescribeParameters is denied when allowed only on a parameter and allowed on *", func(t *testing.T) {
		narrow := e.NewUser(t, e.Account, "narrow", allowDoc("ssm:DescribeParameters", []string{tg.arn}))
		if got := apitest.APICode(describe(e.client(narrow))); got != "AccessDeniedException" {
			t.Errorf("allowed on a parameter: got %q", got)
		}
		wide := e.NewUser(t, e.Account, "wide", allowDoc("ssm:DescribeParameters", []string{"*"}))
		if err := describe(e.client(wide)); err != nil {
			t.Errorf("allowed on *: %v", err)
		}
	})
}

// checkCoverage fails t unless every registered operation has exactly one
// case (or is one of the others, tested on their own).
func checkCoverage(t *testing.T, e *env, cases []authzCase, others ...string) {
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.op]++
	}
	for _, o := range others {
		seen[o]++
	}
	var bad []string
	for op := range e.API.Ops {
		if seen[op] != 1 {
			bad = append(bad, fmt.Sprintf("%s (%d cases)", op, seen[op]))
		}
		delete(seen, op)
	}
	for op := range seen {
		bad = append(bad, op+" (not registered)")
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("operations without exactly one authorization case: %s", strings.Join(bad, ", "))
	}
}
