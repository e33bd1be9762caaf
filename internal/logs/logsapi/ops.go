package logsapi

import (
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/logsshapes"
	"github.com/stratus-cloud/stratus/internal/logs"
)

// Log groups.

func (a *api) createLogGroup(c *awsproto.Call, in *logsshapes.CreateLogGroupRequest) (*none, error) {
	return nil, a.svc.CreateLogGroup(c.Context, account(c), c.Region, str(in.LogGroupName), in.Tags)
}

func (a *api) describeLogGroups(c *awsproto.Call, in *logsshapes.DescribeLogGroupsRequest) (*logsshapes.DescribeLogGroupsResponse, error) {
	groups, next, err := a.svc.DescribeLogGroups(c.Context, account(c), c.Region, logs.GroupQuery{
		Prefix: str(in.LogGroupNamePrefix), Pattern: str(in.LogGroupNamePattern), Token: str(in.NextToken), Limit: intOf(in.Limit),
	})
	if err != nil {
		return nil, err
	}
	out := &logsshapes.DescribeLogGroupsResponse{LogGroups: make([]logsshapes.LogGroup, len(groups))}
	for i := range groups {
		g := &groups[i]
		lg := logsshapes.LogGroup{
			LogGroupName: ptr(g.Name), CreationTime: msPtr(g.Created),
			Arn: ptr(g.ARN() + ":*"), LogGroupArn: ptr(g.ARN()),
		}
		// With a pattern AWS returns only the name, ARN and creation time.
		if str(in.LogGroupNamePattern) == "" {
			lg.StoredBytes, lg.MetricFilterCount = ptr(g.StoredBytes), ptr(int64(0))
			lg.LogGroupClass, lg.DeletionProtectionEnabled = ptr(logsshapes.LogGroupClassStandard), ptr(false)
			if g.RetentionDays > 0 {
				lg.RetentionInDays = ptr(int64(g.RetentionDays))
			}
		}
		out.LogGroups[i] = lg
	}
	if next != "" {
		out.NextToken = ptr(next)
	}
	return out, nil
}

func (a *api) deleteLogGroup(c *awsproto.Call, in *logsshapes.DeleteLogGroupRequest) (*none, error) {
	return nil, a.svc.DeleteLogGroup(c.Context, account(c), c.Region, str(in.LogGroupName))
}

func (a *api) putRetentionPolicy(c *awsproto.Call, in *logsshapes.PutRetentionPolicyRequest) (*none, error) {
	return nil, a.svc.PutRetentionPolicy(c.Context, account(c), c.Region, str(in.LogGroupName), intOf(in.RetentionInDays))
}

func (a *api) deleteRetentionPolicy(c *awsproto.Call, in *logsshapes.DeleteRetentionPolicyRequest) (*none, error) {
	return nil, a.svc.DeleteRetentionPolicy(c.Context, account(c), c.Region, str(in.LogGroupName))
}

// Tags.

func (a *api) tagLogGroup(c *awsproto.Call, in *logsshapes.TagLogGroupRequest) (*none, error) {
	return nil, a.svc.TagLogGroup(c.Context, account(c), c.Region, str(in.LogGroupName), in.Tags)
}

func (a *api) untagLogGroup(c *awsproto.Call, in *logsshapes.UntagLogGroupRequest) (*none, error) {
	return nil, a.svc.UntagLogGroup(c.Context, account(c), c.Region, str(in.LogGroupName), in.Tags)
}

func (a *api) listTagsLogGroup(c *awsproto.Call, in *logsshapes.ListTagsLogGroupRequest) (*logsshapes.ListTagsLogGroupResponse, error) {
	g, err := a.svc.GetLogGroup(c.Context, account(c), c.Region, str(in.LogGroupName))
	if err != nil {
		return nil, err
	}
	return &logsshapes.ListTagsLogGroupResponse{Tags: tagsOut(g.Tags)}, nil
}

func (a *api) tagResource(c *awsproto.Call, in *logsshapes.TagResourceRequest) (*none, error) {
	name, err := groupOfARN(c, str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	return nil, a.svc.TagLogGroup(c.Context, account(c), c.Region, name, in.Tags)
}

func (a *api) untagResource(c *awsproto.Call, in *logsshapes.UntagResourceRequest) (*none, error) {
	name, err := groupOfARN(c, str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	return nil, a.svc.UntagLogGroup(c.Context, account(c), c.Region, name, in.TagKeys)
}

func (a *api) listTagsForResource(c *awsproto.Call, in *logsshapes.ListTagsForResourceRequest) (*logsshapes.ListTagsForResourceResponse, error) {
	name, err := groupOfARN(c, str(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	g, err := a.svc.GetLogGroup(c.Context, account(c), c.Region, name)
	if err != nil {
		return nil, err
	}
	return &logsshapes.ListTagsForResourceResponse{Tags: tagsOut(g.Tags)}, nil
}

func tagsOut(tags map[string]string) map[string]string {
	if tags == nil {
		return map[string]string{}
	}
	return tags
}

// Log streams.

func (a *api) createLogStream(c *awsproto.Call, in *logsshapes.CreateLogStreamRequest) (*none, error) {
	return nil, a.svc.CreateLogStream(c.Context, account(c), c.Region, str(in.LogGroupName), str(in.LogStreamName))
}

func (a *api) describeLogStreams(c *awsproto.Call, in *logsshapes.DescribeLogStreamsRequest) (*logsshapes.DescribeLogStreamsResponse, error) {
	group, err := groupName(c, identifier(in.LogGroupName, in.LogGroupIdentifier))
	if err != nil {
		return nil, err
	}
	streams, next, err := a.svc.DescribeLogStreams(c.Context, account(c), c.Region, group, logs.StreamQuery{
		Prefix: str(in.LogStreamNamePrefix), ByLastEventTime: str(in.OrderBy) == logsshapes.OrderByLastEventTime,
		Descending: boolOf(in.Descending), Token: str(in.NextToken), Limit: intOf(in.Limit),
	})
	if err != nil {
		return nil, err
	}
	out := &logsshapes.DescribeLogStreamsResponse{LogStreams: make([]logsshapes.LogStream, len(streams))}
	for i := range streams {
		s := &streams[i]
		out.LogStreams[i] = logsshapes.LogStream{
			LogStreamName: ptr(s.Name), CreationTime: msPtr(s.Created),
			FirstEventTimestamp: msPtr(s.FirstEvent), LastEventTimestamp: msPtr(s.LastEvent), LastIngestionTime: msPtr(s.LastIngestion),
			UploadSequenceToken: ptr(s.SequenceToken()), Arn: ptr(logs.StreamARN(c.Region, account(c), group, s.Name)),
			StoredBytes: ptr(s.StoredBytes),
		}
	}
	if next != "" {
		out.NextToken = ptr(next)
	}
	return out, nil
}

func (a *api) deleteLogStream(c *awsproto.Call, in *logsshapes.DeleteLogStreamRequest) (*none, error) {
	return nil, a.svc.DeleteLogStream(c.Context, account(c), c.Region, str(in.LogGroupName), str(in.LogStreamName))
}

// Events.

func (a *api) putLogEvents(c *awsproto.Call, in *logsshapes.PutLogEventsRequest) (*logsshapes.PutLogEventsResponse, error) {
	events := make([]logs.Event, len(in.LogEvents))
	for i, e := range in.LogEvents {
		events[i] = logs.Event{Timestamp: timeOf(e.Timestamp), Message: str(e.Message)}
	}
	res, err := a.svc.PutLogEvents(c.Context, account(c), c.Region, str(in.LogGroupName), str(in.LogStreamName), events)
	if err != nil {
		return nil, err
	}
	out := &logsshapes.PutLogEventsResponse{NextSequenceToken: ptr(res.NextSequenceToken)}
	if r := res.Rejected; r != nil {
		out.RejectedLogEventsInfo = &logsshapes.RejectedLogEventsInfo{
			TooNewLogEventStartIndex: int64Ptr(r.TooNewStart), TooOldLogEventEndIndex: int64Ptr(r.TooOldEnd), ExpiredLogEventEndIndex: int64Ptr(r.ExpiredEnd),
		}
	}
	return out, nil
}

func int64Ptr(p *int) *int64 {
	if p == nil {
		return nil
	}
	return ptr(int64(*p))
}

func (a *api) getLogEvents(c *awsproto.Call, in *logsshapes.GetLogEventsRequest) (*logsshapes.GetLogEventsResponse, error) {
	group, err := groupName(c, identifier(in.LogGroupName, in.LogGroupIdentifier))
	if err != nil {
		return nil, err
	}
	res, err := a.svc.GetLogEvents(c.Context, account(c), c.Region, group, str(in.LogStreamName), logs.GetQuery{
		Start: timeOf(in.StartTime), End: timeOf(in.EndTime), StartFromHead: boolOf(in.StartFromHead),
		Token: str(in.NextToken), Limit: intOf(in.Limit),
	})
	if err != nil {
		return nil, err
	}
	out := &logsshapes.GetLogEventsResponse{
		Events:           make([]logsshapes.OutputLogEvent, len(res.Events)),
		NextForwardToken: ptr(res.NextForward), NextBackwardToken: ptr(res.NextBackward),
	}
	for i, e := range res.Events {
		out.Events[i] = logsshapes.OutputLogEvent{Timestamp: msPtr(e.Timestamp), Message: ptr(e.Message), IngestionTime: msPtr(e.Ingestion)}
	}
	return out, nil
}

func (a *api) filterLogEvents(c *awsproto.Call, in *logsshapes.FilterLogEventsRequest) (*logsshapes.FilterLogEventsResponse, error) {
	group, err := groupName(c, identifier(in.LogGroupName, in.LogGroupIdentifier))
	if err != nil {
		return nil, err
	}
	events, next, err := a.svc.FilterLogEvents(c.Context, account(c), c.Region, group, logs.FilterQuery{
		Streams: in.LogStreamNames, StreamPrefix: str(in.LogStreamNamePrefix),
		Start: timeOf(in.StartTime), End: timeOf(in.EndTime), Pattern: str(in.FilterPattern),
		Token: str(in.NextToken), Limit: intOf(in.Limit),
	})
	if err != nil {
		return nil, err
	}
	out := &logsshapes.FilterLogEventsResponse{Events: make([]logsshapes.FilteredLogEvent, len(events)), SearchedLogStreams: []logsshapes.SearchedLogStream{}}
	for i, e := range events {
		out.Events[i] = logsshapes.FilteredLogEvent{
			LogStreamName: ptr(e.Stream), Timestamp: msPtr(e.Timestamp), Message: ptr(e.Message),
			IngestionTime: msPtr(e.Ingestion), EventId: ptr(e.ID),
		}
	}
	if next != "" {
		out.NextToken = ptr(next)
	}
	return out, nil
}
