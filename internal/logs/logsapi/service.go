package logsapi

import (
	"fmt"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/logsshapes"
	"github.com/stratus-cloud/stratus/internal/logs"
)

// none is the output of operations that return nothing.
type none = struct{}

// api implements the operations over the Logs domain.
type api struct {
	svc *logs.Service
}

// New returns the CloudWatch Logs API for the router: its model, action
// prefix "logs" and the implemented operations.
func New(svc *logs.Service, b *bind.Binder) (*awsproto.Service, error) {
	m, err := logsshapes.Service()
	if err != nil {
		return nil, fmt.Errorf("load logs model: %w", err)
	}
	a := &api{svc: svc}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "logs",
		AccessDeniedCode: "AccessDeniedException",
		Ops:              a.ops(b),
	}, nil
}

func (a *api) ops(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		logsshapes.OpCreateLogGroup:        awsproto.Typed(b, groupRes(func(in *logsshapes.CreateLogGroupRequest) *string { return in.LogGroupName }), a.createLogGroup),
		logsshapes.OpDescribeLogGroups:     awsproto.Typed(b, describeGroupsRes, a.describeLogGroups),
		logsshapes.OpDeleteLogGroup:        awsproto.Typed(b, groupRes(func(in *logsshapes.DeleteLogGroupRequest) *string { return in.LogGroupName }), a.deleteLogGroup),
		logsshapes.OpPutRetentionPolicy:    awsproto.Typed(b, groupRes(func(in *logsshapes.PutRetentionPolicyRequest) *string { return in.LogGroupName }), a.putRetentionPolicy),
		logsshapes.OpDeleteRetentionPolicy: awsproto.Typed(b, groupRes(func(in *logsshapes.DeleteRetentionPolicyRequest) *string { return in.LogGroupName }), a.deleteRetentionPolicy),
		logsshapes.OpTagLogGroup:           awsproto.Typed(b, groupRes(func(in *logsshapes.TagLogGroupRequest) *string { return in.LogGroupName }), a.tagLogGroup),
		logsshapes.OpUntagLogGroup:         awsproto.Typed(b, groupRes(func(in *logsshapes.UntagLogGroupRequest) *string { return in.LogGroupName }), a.untagLogGroup),
		logsshapes.OpListTagsLogGroup:      awsproto.Typed(b, groupRes(func(in *logsshapes.ListTagsLogGroupRequest) *string { return in.LogGroupName }), a.listTagsLogGroup),
		logsshapes.OpTagResource:           awsproto.Typed(b, arnRes(func(in *logsshapes.TagResourceRequest) *string { return in.ResourceArn }), a.tagResource),
		logsshapes.OpUntagResource:         awsproto.Typed(b, arnRes(func(in *logsshapes.UntagResourceRequest) *string { return in.ResourceArn }), a.untagResource),
		logsshapes.OpListTagsForResource:   awsproto.Typed(b, arnRes(func(in *logsshapes.ListTagsForResourceRequest) *string { return in.ResourceArn }), a.listTagsForResource),

		logsshapes.OpCreateLogStream: awsproto.Typed(b, streamRes(func(in *logsshapes.CreateLogStreamRequest) (*string, *string) {
			return in.LogGroupName, in.LogStreamName
		}), a.createLogStream),
		logsshapes.OpDescribeLogStreams: awsproto.Typed(b, groupRes(func(in *logsshapes.DescribeLogStreamsRequest) *string {
			return identifier(in.LogGroupName, in.LogGroupIdentifier)
		}), a.describeLogStreams),
		logsshapes.OpDeleteLogStream: awsproto.Typed(b, streamRes(func(in *logsshapes.DeleteLogStreamRequest) (*string, *string) {
			return in.LogGroupName, in.LogStreamName
		}), a.deleteLogStream),

		logsshapes.OpPutLogEvents: awsproto.Typed(b, streamRes(func(in *logsshapes.PutLogEventsRequest) (*string, *string) { return in.LogGroupName, in.LogStreamName }), a.putLogEvents),
		logsshapes.OpGetLogEvents: awsproto.Typed(b, streamRes(func(in *logsshapes.GetLogEventsRequest) (*string, *string) {
			return identifier(in.LogGroupName, in.LogGroupIdentifier), in.LogStreamName
		}), a.getLogEvents),
		logsshapes.OpFilterLogEvents: awsproto.Typed(b, groupRes(func(in *logsshapes.FilterLogEventsRequest) *string {
			return identifier(in.LogGroupName, in.LogGroupIdentifier)
		}), a.filterLogEvents),
	}
}

// Resources.

func account(c *awsproto.Call) string { return c.Principal.Account }

// groupActionARN is what group-level actions are authorized against.
func groupActionARN(c *awsproto.Call, group string) string {
	return logs.StreamARN(c.Region, account(c), group, "")
}

func groupRes[In any](name func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		g, err := groupName(c, name(in))
		if err != nil {
			return nil, err
		}
		return []string{groupActionARN(c, g)}, nil
	}
}

func streamRes[In any](names func(*In) (*string, *string)) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		gp, sp := names(in)
		g, err := groupName(c, gp)
		if err != nil {
			return nil, err
		}
		return []string{logs.StreamARN(c.Region, account(c), g, str(sp))}, nil
	}
}

func arnRes[In any](arnOf func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		if _, err := groupOfARN(c, str(arnOf(in))); err != nil {
			return nil, err
		}
		return []string{str(arnOf(in))}, nil
	}
}

func describeGroupsRes(c *awsproto.Call, _ *logsshapes.DescribeLogGroupsRequest) ([]string, error) {
	return []string{groupActionARN(c, "")}, nil
}

// identifier picks logGroupName or logGroupIdentifier (a name or an ARN);
// exactly one must be given.
func identifier(name, ident *string) *string {
	if str(name) != "" {
		return name
	}
	return ident
}

// groupName returns the group a request names, by name or by ARN (in the
// caller's account and region). Returns InvalidParameterException when it
// names none or another account's or region's group.
func groupName(c *awsproto.Call, p *string) (string, error) {
	s := str(p)
	if s == "" {
		return "", awserr.New(logs.CodeInvalidParameter, 400, "Either logGroupName or logGroupIdentifier must be specified.")
	}
	if !strings.HasPrefix(s, "arn:") {
		return s, nil
	}
	return groupOfARN(c, strings.TrimSuffix(s, ":*"))
}

// groupOfARN returns the group name of a log group ARN of the caller's
// account and region.
func groupOfARN(c *awsproto.Call, s string) (string, error) {
	prefix := logs.GroupARN(c.Region, account(c), "")
	name, ok := strings.CutPrefix(s, prefix)
	if !ok || name == "" || strings.Contains(name, ":") {
		return "", awserr.New(logs.CodeInvalidParameter, 400, "The specified ARN %s is not a log group of this account and region.", s)
	}
	return name, nil
}

// Conversions.

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func msPtr(t time.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	return ptr(t.UnixMilli())
}

func timeOf(ms *int64) time.Time {
	if ms == nil {
		return time.Time{}
	}
	return time.UnixMilli(*ms)
}

func intOf(p *int64) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

func boolOf(p *bool) bool { return p != nil && *p }
