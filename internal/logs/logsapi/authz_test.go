package logsapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/logs"
)

func (e *env) withGroup(t testing.TB, g string) {
	if err := e.Logs.CreateLogGroup(context.Background(), e.Account, apitest.Region, g, map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) withStream(t testing.TB, g string) {
	e.withGroup(t, g)
	if err := e.Logs.CreateLogStream(context.Background(), e.Account, apitest.Region, g, "s"); err != nil {
		t.Fatal(err)
	}
}

func (e *env) groupAction(g string) []string {
	return []string{logs.StreamARN(apitest.Region, e.Account, g, "")}
}

func (e *env) groupARN(g string) string { return logs.GroupARN(apitest.Region, e.Account, g) }

func (e *env) streamAction(g string) []string {
	return []string{logs.StreamARN(apitest.Region, e.Account, g, "s")}
}

func TestEveryOperationIsAuthorizedOnItsResource(t *testing.T) {
	e := newEnv(t)
	s := aws.String
	now := e.Clock.Now().UnixMilli()
	cases := []apitest.Case[*cwl.Client, string]{
		{Op: "CreateLogGroup", Resources: e.groupAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: s(g)})
			return err
		}},
		{Op: "DeleteLogGroup", Setup: e.withGroup, Resources: e.groupAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.DeleteLogGroup(ctx, &cwl.DeleteLogGroupInput{LogGroupName: s(g)})
			return err
		}},
		{Op: "PutRetentionPolicy", Setup: e.withGroup, Resources: e.groupAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: s(g), RetentionInDays: aws.Int32(7)})
			return err
		}},
		{Op: "DeleteRetentionPolicy", Resources: e.groupAction, Setup: func(t testing.TB, g string) {
			e.withGroup(t, g)
			if err := e.Logs.PutRetentionPolicy(context.Background(), e.Account, apitest.Region, g, 7); err != nil {
				t.Fatal(err)
			}
		}, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.DeleteRetentionPolicy(ctx, &cwl.DeleteRetentionPolicyInput{LogGroupName: s(g)})
			return err
		}},
		{Op: "TagLogGroup", Setup: e.withGroup, Resources: e.groupAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.TagLogGroup(ctx, &cwl.TagLogGroupInput{LogGroupName: s(g), Tags: map[string]string{"a": "b"}})
			return err
		}},
		{Op: "UntagLogGroup", Setup: e.withGroup, Resources: e.groupAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.UntagLogGroup(ctx, &cwl.UntagLogGroupInput{LogGroupName: s(g), Tags: []string{"k"}})
			return err
		}},
		{Op: "ListTagsLogGroup", Setup: e.withGroup, Resources: e.groupAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: s(g)})
			return err
		}},
		{Op: "TagResource", Setup: e.withGroup, Resources: func(g string) []string { return []string{e.groupARN(g)} },
			Call: func(ctx context.Context, c *cwl.Client, g string) error {
				_, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: s(e.groupARN(g)), Tags: map[string]string{"a": "b"}})
				return err
			}},
		{Op: "UntagResource", Setup: e.withGroup, Resources: func(g string) []string { return []string{e.groupARN(g)} },
			Call: func(ctx context.Context, c *cwl.Client, g string) error {
				_, err := c.UntagResource(ctx, &cwl.UntagResourceInput{ResourceArn: s(e.groupARN(g)), TagKeys: []string{"k"}})
				return err
			}},
		{Op: "ListTagsForResource", Setup: e.withGroup, Resources: func(g string) []string { return []string{e.groupARN(g)} },
			Call: func(ctx context.Context, c *cwl.Client, g string) error {
				_, err := c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: s(e.groupARN(g))})
				return err
			}},
		{Op: "CreateLogStream", Setup: e.withGroup, Resources: e.streamAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: s(g), LogStreamName: s("s")})
			return err
		}},
		{Op: "DescribeLogStreams", Setup: e.withStream, Resources: e.groupAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: s(g)})
			return err
		}},
		{Op: "DeleteLogStream", Setup: e.withStream, Resources: e.streamAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.DeleteLogStream(ctx, &cwl.DeleteLogStreamInput{LogGroupName: s(g), LogStreamName: s("s")})
			return err
		}},
		{Op: "PutLogEvents", Setup: e.withStream, Resources: e.streamAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: s(g), LogStreamName: s("s"),
				LogEvents: []types.InputLogEvent{{Timestamp: aws.Int64(now), Message: s("m")}}})
			return err
		}},
		{Op: "GetLogEvents", Setup: e.withStream, Resources: e.streamAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.GetLogEvents(ctx, &cwl.GetLogEventsInput{LogGroupName: s(g), LogStreamName: s("s")})
			return err
		}},
		{Op: "FilterLogEvents", Setup: e.withStream, Resources: e.groupAction, Call: func(ctx context.Context, c *cwl.Client, g string) error {
			_, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: s(g)})
			return err
		}},
	}
	suite := e.suite()
	suite.Coverage(t, cases, nil, "DescribeLogGroups")
	suite.Run(t, cases)
}

func TestDescribeLogGroupsIsAuthorizedAccountWide(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.withGroup(t, "g")
	call := func(c *cwl.Client) error {
		_, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
		return err
	}
	narrow := e.NewUser(t, e.Account, "narrow", apitest.AllowDoc("logs:DescribeLogGroups", e.groupARN("g")+":*"))
	wide := e.NewUser(t, e.Account, "wide", apitest.AllowDoc("logs:DescribeLogGroups", "arn:aws:logs:"+apitest.Region+":"+e.Account+":log-group:*"))
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
	e.withGroup(t, "g")
	call := func(c *cwl.Client) error {
		_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: aws.String("g")})
		return err
	}
	bare := e.NewUser(t, e.Account, "bare", apitest.AllowDoc("logs:DescribeLogStreams", e.groupARN("g")))
	star := e.NewUser(t, e.Account, "star", apitest.AllowDoc("logs:DescribeLogStreams", e.groupARN("g")+":*"))
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
