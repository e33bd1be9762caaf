package cloudtrailapi

import (
	"context"
	"fmt"
	"strconv"

	"github.com/stratus-cloud/stratus/internal/audit"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/cloudtrailshapes"
)

// Trail is what the API needs of the audit trail.
type Trail interface {
	// Lookup returns audit's Lookup errors (InvalidLookupAttributesException,
	// InvalidTimeRangeException, InvalidMaxResultsException,
	// InvalidNextTokenException).
	Lookup(ctx context.Context, in audit.LookupInput) (*audit.LookupOutput, error)
}

var _ Trail = (*audit.Trail)(nil)

type api struct {
	trail Trail
}

// New returns the CloudTrail API for the router: its model, action prefix
// "cloudtrail" and the implemented operations.
func New(trail Trail, b *bind.Binder) (*awsproto.Service, error) {
	m, err := cloudtrailshapes.Service()
	if err != nil {
		return nil, fmt.Errorf("load cloudtrail model: %w", err)
	}
	a := &api{trail: trail}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "cloudtrail",
		AccessDeniedCode: "AccessDeniedException",
		Ops: map[string]awsproto.Op{
			// LookupEvents has no resource type: it is authorized on "*".
			cloudtrailshapes.OpLookupEvents: awsproto.Typed(b, nil, a.lookupEvents),
		},
	}, nil
}

func (a *api) lookupEvents(c *awsproto.Call, in *cloudtrailshapes.LookupEventsRequest) (*cloudtrailshapes.LookupEventsResponse, error) {
	if str(in.EventCategory) == "insight" {
		// Insights events are never recorded.
		return &cloudtrailshapes.LookupEventsResponse{Events: []cloudtrailshapes.Event{}}, nil
	}
	q := audit.LookupInput{Account: c.Principal.Account, MaxResults: in.MaxResults, NextToken: str(in.NextToken)}
	for _, la := range in.LookupAttributes {
		q.Attributes = append(q.Attributes, audit.Attribute{Key: str(la.AttributeKey), Value: str(la.AttributeValue)})
	}
	if in.StartTime != nil {
		q.StartTime = *in.StartTime
	}
	if in.EndTime != nil {
		q.EndTime = *in.EndTime
	}
	res, err := a.trail.Lookup(c.Context, q)
	if err != nil {
		return nil, err
	}
	out := &cloudtrailshapes.LookupEventsResponse{Events: make([]cloudtrailshapes.Event, len(res.Events))}
	for i, ev := range res.Events {
		e := cloudtrailshapes.Event{
			EventId: ptr(ev.EventID), EventName: ptr(ev.EventName), ReadOnly: ptr(strconv.FormatBool(ev.ReadOnly)),
			EventTime: ptr(ev.EventTime), EventSource: ptr(ev.EventSource), CloudTrailEvent: ptr(ev.Record),
			Resources: []cloudtrailshapes.Resource{},
		}
		if ev.Username != "" {
			e.Username = ptr(ev.Username)
		}
		if ev.AccessKeyID != "" {
			e.AccessKeyId = ptr(ev.AccessKeyID)
		}
		for _, r := range ev.Resources {
			name := r.Name
			if r.ARN != "" {
				name = r.ARN
			}
			e.Resources = append(e.Resources, cloudtrailshapes.Resource{ResourceType: ptr(r.Type), ResourceName: ptr(name)})
		}
		out.Events[i] = e
	}
	if res.NextToken != "" {
		out.NextToken = ptr(res.NextToken)
	}
	return out, nil
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }
