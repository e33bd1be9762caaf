package logsapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

func TestLogsThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	s := aws.String
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: s("/aws/lambda/fn"), Tags: map[string]string{"team": "a"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: s("/aws/lambda/fn"), LogStreamName: s("2025/06/01/[$LATEST]x")}); err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now()
	var batch []types.InputLogEvent
	for i, m := range []string{"START RequestId: 1", `{"level":"ERROR","ms":250}`, "END RequestId: 1"} {
		batch = append(batch, types.InputLogEvent{Timestamp: aws.Int64(now.Add(time.Duration(i-3) * time.Second).UnixMilli()), Message: s(m)})
	}
	put, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: s("/aws/lambda/fn"), LogStreamName: s("2025/06/01/[$LATEST]x"), LogEvents: batch})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("PutLogEvents accepts the whole batch", func(t *testing.T) {
		if put.RejectedLogEventsInfo != nil || aws.ToString(put.NextSequenceToken) == "" {
			t.Errorf("got %+v", put)
		}
	})
	t.Run("DescribeLogGroups shows both ARN forms and stored bytes", func(t *testing.T) {
		out, err := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{LogGroupNamePrefix: s("/aws/")})
		if err != nil || len(out.LogGroups) != 1 {
			t.Fatalf("got %+v, %v", out, err)
		}
		g := out.LogGroups[0]
		base := "arn:aws:logs:" + apitest.Region + ":" + e.Account + ":log-group:/aws/lambda/fn"
		if aws.ToString(g.Arn) != base+":*" || aws.ToString(g.LogGroupArn) != base || aws.ToInt64(g.StoredBytes) == 0 || aws.ToInt64(g.CreationTime) == 0 {
			t.Errorf("got %+v", g)
		}
	})
	t.Run("PutRetentionPolicy shows up as retentionInDays", func(t *testing.T) {
		if _, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: s("/aws/lambda/fn"), RetentionInDays: aws.Int32(30)}); err != nil {
			t.Fatal(err)
		}
		out, _ := c.DescribeLogGroups(ctx, &cwl.DescribeLogGroupsInput{})
		if aws.ToInt32(out.LogGroups[0].RetentionInDays) != 30 {
			t.Errorf("got %+v", out.LogGroups[0])
		}
	})
	t.Run("DescribeLogStreams reports event times", func(t *testing.T) {
		out, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: s("/aws/lambda/fn"), OrderBy: types.OrderByLastEventTime, Descending: aws.Bool(true)})
		if err != nil || len(out.LogStreams) != 1 {
			t.Fatalf("got %+v, %v", out, err)
		}
		st := out.LogStreams[0]
		if aws.ToInt64(st.FirstEventTimestamp) != aws.ToInt64(batch[0].Timestamp) || aws.ToInt64(st.LastEventTimestamp) != aws.ToInt64(batch[2].Timestamp) || st.LastIngestionTime == nil {
			t.Errorf("got %+v", st)
		}
	})
	t.Run("GetLogEvents from the head pages with the same token at the end", func(t *testing.T) {
		var msgs []string
		in := &cwl.GetLogEventsInput{LogGroupName: s("/aws/lambda/fn"), LogStreamName: s("2025/06/01/[$LATEST]x"), StartFromHead: aws.Bool(true), Limit: aws.Int32(2)}
		for range 5 {
			out, err := c.GetLogEvents(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			for _, ev := range out.Events {
				msgs = append(msgs, aws.ToString(ev.Message))
			}
			if in.NextToken != nil && aws.ToString(out.NextForwardToken) == aws.ToString(in.NextToken) {
				break
			}
			in.NextToken = out.NextForwardToken
		}
		if got := strings.Join(msgs, "|"); got != `START RequestId: 1|{"level":"ERROR","ms":250}|END RequestId: 1` {
			t.Errorf("got %s", got)
		}
	})
	t.Run("FilterLogEvents matches a JSON pattern", func(t *testing.T) {
		out, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupName: s("/aws/lambda/fn"), FilterPattern: s(`{ $.level = "ERROR" && $.ms >= 200 }`)})
		if err != nil || len(out.Events) != 1 || aws.ToString(out.Events[0].LogStreamName) != "2025/06/01/[$LATEST]x" || aws.ToString(out.Events[0].EventId) == "" {
			t.Errorf("got %+v, %v", out, err)
		}
	})
	t.Run("FilterLogEvents takes a group ARN as identifier", func(t *testing.T) {
		arn := "arn:aws:logs:" + apitest.Region + ":" + e.Account + ":log-group:/aws/lambda/fn"
		out, err := c.FilterLogEvents(ctx, &cwl.FilterLogEventsInput{LogGroupIdentifier: s(arn), FilterPattern: s(`?START ?END`)})
		if err != nil || len(out.Events) != 2 {
			t.Errorf("got %+v, %v", out, err)
		}
	})
	t.Run("tags are listed by name and by ARN", func(t *testing.T) {
		arn := "arn:aws:logs:" + apitest.Region + ":" + e.Account + ":log-group:/aws/lambda/fn"
		if _, err := c.TagResource(ctx, &cwl.TagResourceInput{ResourceArn: s(arn), Tags: map[string]string{"env": "dev"}}); err != nil {
			t.Fatal(err)
		}
		byARN, err := c.ListTagsForResource(ctx, &cwl.ListTagsForResourceInput{ResourceArn: s(arn)})
		if err != nil || byARN.Tags["team"] != "a" || byARN.Tags["env"] != "dev" {
			t.Errorf("by ARN: %+v, %v", byARN, err)
		}
		byName, err := c.ListTagsLogGroup(ctx, &cwl.ListTagsLogGroupInput{LogGroupName: s("/aws/lambda/fn")})
		if err != nil || len(byName.Tags) != 2 {
			t.Errorf("by name: %+v, %v", byName, err)
		}
	})
}

func TestLogsErrorsReachTheClientAsAWSSendsThem(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	s := aws.String
	if _, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: s("g")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateLogStream(ctx, &cwl.CreateLogStreamInput{LogGroupName: s("g"), LogStreamName: s("s")}); err != nil {
		t.Fatal(err)
	}
	now := e.Clock.Now().UnixMilli()
	tests := []struct {
		name string
		call func() error
		code string
	}{
		{"a duplicate group is ResourceAlreadyExistsException", func() error {
			_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: s("g")})
			return err
		}, "ResourceAlreadyExistsException"},
		{"a missing group is ResourceNotFoundException", func() error {
			_, err := c.DescribeLogStreams(ctx, &cwl.DescribeLogStreamsInput{LogGroupName: s("nope")})
			return err
		}, "ResourceNotFoundException"},
		{"an unlisted retention is InvalidParameterException", func() error {
			_, err := c.PutRetentionPolicy(ctx, &cwl.PutRetentionPolicyInput{LogGroupName: s("g"), RetentionInDays: aws.Int32(2)})
			return err
		}, "InvalidParameterException"},
		{"events out of order are InvalidParameterException", func() error {
			_, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: s("g"), LogStreamName: s("s"), LogEvents: []types.InputLogEvent{
				{Timestamp: aws.Int64(now), Message: s("b")}, {Timestamp: aws.Int64(now - 1000), Message: s("a")}}})
			return err
		}, "InvalidParameterException"},
		{"a group name the model forbids is rejected before the domain", func() error {
			_, err := c.CreateLogGroup(ctx, &cwl.CreateLogGroupInput{LogGroupName: s("a b")})
			return err
		}, "ValidationException"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := apitest.APICode(tc.call()); got != tc.code {
				t.Errorf("got %q, want %q", got, tc.code)
			}
		})
	}
	t.Run("too old and too new events come back in rejectedLogEventsInfo", func(t *testing.T) {
		out, err := c.PutLogEvents(ctx, &cwl.PutLogEventsInput{LogGroupName: s("g"), LogStreamName: s("s"), LogEvents: []types.InputLogEvent{
			{Timestamp: aws.Int64(now), Message: s("ok")}, {Timestamp: aws.Int64(now + 3*3600*1000), Message: s("future")}}})
		if err != nil {
			t.Fatal(err)
		}
		r := out.RejectedLogEventsInfo
		if r == nil || aws.ToInt32(r.TooNewLogEventStartIndex) != 1 || r.TooOldLogEventEndIndex != nil {
			t.Errorf("got %+v", r)
		}
	})
}
