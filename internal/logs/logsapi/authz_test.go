package logsapi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/logs"
)

// authzCase checks that one operation is authorized against the resource it
// names and nothing broader: a caller allowed the action on the resource of
// one log group succeeds on it and is denied, with nothing changed, on a
// sibling group.
type authzCase struct {
	op string
	// setup prepares the group (and stream "s") the call needs; may be nil.
	setup func(t testing.TB, e *env, group string)
	// resources are the ARNs a call on group is authorized against.
	resources func(e *env, group string) []string
	call      func(ctx context.Context, c *cwl.Client, e *env, group string) error
}

func allowDoc(action string, resources []string) string {
	q := make([]string, len(resources))
	for i, r := range resources {
		q[i] = `"` + r + `"`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":[` + strings.Join(q, ",") + `]}]}`
}

func withGroup(t testing.TB, e *env, g string) {
	if err := e.Logs.CreateLogGroup(context.Background(), e.Account, apitest.Region, g, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
}

func withStream(t testing.TB, e *env, g string) {
	withGroup(t, e, g)
	if err := e.Logs.CreateLogStream(context.Background(), e.Account, apitest.Region, g, "s"); err != nil {
		t.Fatal(err)
	}
}

func groupAction(e *env, g string) []string {
	return []string{logs.StreamARN(apitest.Region, e.Account, g, "")}
}

func groupARN(e *env, g string) string { return logs.GroupARN(apitest.Region, e.Account, g) }

func streamAction(e *env, g string) []string {
	return []string{logs.StreamARN(apitest.Region, e.Account, g, "s")}
}

func TestEveryOperationIsAuthorizedOnItsResource(t *testing.T) {
	e := newEnv(t)
	s := aws.String
	now := e.Clock.Now().UnixMilli()
	cases := []authzCase{
		{op: "CreateLogGroup", resources: groupAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: s(g)})
			return err
		}},
		{op: "DeleteLogGroup", setup: withGroup, resources: groupAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: s(g)})
			return err
		}},
		{op: "PutRetentionPolicy", setup: withGroup, resources: groupAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: s(g), RetentionInDays: aws.Int32(7)})
			return err
		}},
		{op: "DeleteRetentionPolicy", resources: groupAction, setup: func(t testing.TB, e *env, g string) {
			withGroup(t, e, g)
			if err := e.Logs.PutRetentionPolicy(context.Background(), e.Account, apitest.Region, g, 7); err != nil {
				t.Fatal(err)
			}
		}, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: s(g)})
			return err
		}},
		{op: "TagLogGroup", setup: withGroup, resources: groupAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: s(g), Tags: map[string]string{"a": "b"}})
			return err
		}},
		{op: "UntagLogGroup", setup: withGroup, resources: groupAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: s(g), Tags: []string{"k"}})
			return err
		}},
		{op: "ListTagsLogGroup", setup: withGroup, resources: groupAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: s(g)})
			return err
		}},
		{op: "TagResource", setup: withGroup, resources: func(e *env, g string) []string { return []string{groupARN(e, g)} },
			call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
				_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: s(groupARN(e, g)), Tags: map[string]string{"a": "b"}})
				return err
			}},
		{op: "UntagResource", setup: withGroup, resources: func(e *env, g string) []string { return []string{groupARN(e, g)} },
			call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
				_, err := c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: s(groupARN(e, g)), TagKeys: []string{"k"}})
				return err
			}},
		{op: "ListTagsForResource", setup: withGroup, resources: func(e *env, g string) []string { return []string{groupARN(e, g)} },
			call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
				_, err := c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: s(groupARN(e, g))})
				return err
			}},
		{op: "CreateLogStream", setup: withGroup, resources: streamAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: s(g), LogStreamName: s("s")})
			return err
		}},
		{op: "DescribeLogStreams", setup: withStream, resources: groupAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: s(g)})
			return err
		}},
		{op: "DeleteLogStream", setup: withStream, resources: streamAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: s(g), LogStreamName: s("s")})
			return err
		}},
		{op: "PutLogEvents", setup: withStream, resources: streamAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: s(g), LogStreamName: s("s"),
				LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: s("m")}}})
			return err
		}},
		{op: "GetLogEvents", setup: withStream, resources: streamAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: s(g), LogStreamName: s("s")})
			return err
		}},
		{op: "FilterLogEvents", setup: withStream, resources: groupAction, call: func(ctx context.Context, c *cwl.Client, e *env, g string) error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: s(g)})
			return err
		}},
	}
	checkCoverage(t, e, cases, "DescribeLogGroups")
	for i, tc := range cases {
		t.Run(tc.op+" is allowed on the named resource and denied on its sibling", func(t *testing.T) {
			ctx := context.Background()
			ok, sibling := fmt.Sprintf("t%dok", i), fmt.Sprintf("t%dno", i)
			if tc.setup != nil {
				tc.setup(t, e, ok)
				tc.setup(t, e, sibling)
			}
			caller := e.NewUser(t, e.Account, fmt.Sprintf("caller%d", i), allowDoc("logs:"+tc.op, tc.resources(e, ok)))
			c := e.client(caller)
			before := snapshot(t, e.Store)
			if err := tc.call(ctx, c, e, sibling); apitest.APICode(err) != "AccessDeniedException" {
				t.Fatalf("on the sibling: got %v, want AccessDeniedException", err)
			}
			if after := snapshot(t, e.Store); after != before {
				t.Errorf("the denied call changed the store:\nbefore %s\nafter  %s", before, after)
			}
			if err := tc.call(ctx, c, e, ok); err != nil {
				t.Errorf("on the allowed resource: %v", err)
			}
		})
	}
}

func TestDescribeLogGroupsIsAuthorizedAccountWide(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	withGroup(t, e, "g")
	call := func(c *cwl.Client) error {
		_, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
		return err
	}
	narrow := e.NewUser(t, e.Account, "narrow", allowDoc("logs:DescribeLogGroups", []string{groupARN(e, "g") + ":*"}))
	wide := e.NewUser(t, e.Account, "wide", allowDoc("logs:DescribeLogGroups", []string{"arn:aws:logs:" + apitest.Region + ":" + e.Account + ":log-group:*"}))
	t.Run("a caller allowed on one group's ARN is denied", func(t *testing.T) {
		if got := apitest.APICode(call(e.client(narrow))); got != "AccessDeniedException" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a caller allowed on every group of the account is allowed", func(t *testing.T) {
		if err := call(e.client(wide)); err != nil {
			t.Error(err)
		}
	})
}

func TestGroupActionsNeedTheStarSuffixForm(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	withGroup(t, e, "g")
	call := func(c *cwl.Client) error {
		_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g")})
		return err
	}
	bare := e.NewUser(t, e.Account, "bare", allowDoc("logs:DescribeLogStreams", []string{groupARN(e, "g")}))
	star := e.NewUser(t, e.Account, "star", allowDoc("logs:DescribeLogStreams", []string{groupARN(e, "g") + ":*"}))
	t.Run("a policy on the group ARN without :* does not allow a group action", func(t *testing.T) {
		if got := apitest.APICode(call(e.client(bare))); got != "AccessDeniedException" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a policy on the group ARN with :* allows it", func(t *testing.T) {
		if err := call(e.client(star)); err != nil {
			t.Error(err)
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
