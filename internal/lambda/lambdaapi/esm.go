package lambdaapi

import (
	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	ls "github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/lambda"
)

// functionARNKey is the condition key naming the function a mapping invokes.
const functionARNKey = "lambda:FunctionArn"

// esmOps serves event source mappings. As AWS's Service Authorization
// Reference lists them, CreateEventSourceMapping and ListEventSourceMappings
// have no resource type (they are authorized on "*"); Get, Update and Delete
// act on the event-source-mapping ARN. Create, Get, Update and Delete carry
// lambda:FunctionArn, the function the mapping invokes (for an Update that
// names a function, that function).
func (a *api) esmOps(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		ls.OpCreateEventSourceMapping: awsproto.WithConditions(awsproto.Typed(b, nil, a.createESM),
			func(c *awsproto.Call, in *ls.CreateEventSourceMappingRequest) (map[string][]string, error) {
				return a.functionCondition(c, str(in.FunctionName))
			}),
		ls.OpGetEventSourceMapping: awsproto.WithConditions(awsproto.Typed(b, esmResource(a, func(in *ls.GetEventSourceMappingRequest) *string { return in.UUID }),
			func(c *awsproto.Call, in *ls.GetEventSourceMappingRequest) (*ls.EventSourceMappingConfiguration, error) {
				return esmOut(a.svc.GetEventSourceMapping(c.Context, account(c), str(in.UUID)))
			}), func(c *awsproto.Call, in *ls.GetEventSourceMappingRequest) (map[string][]string, error) {
			return a.mappingCondition(c, str(in.UUID))
		}),
		ls.OpUpdateEventSourceMapping: awsproto.WithConditions(awsproto.Typed(b, esmResource(a, func(in *ls.UpdateEventSourceMappingRequest) *string { return in.UUID }), a.updateESM),
			func(c *awsproto.Call, in *ls.UpdateEventSourceMappingRequest) (map[string][]string, error) {
				if in.FunctionName != nil {
					return a.functionCondition(c, *in.FunctionName)
				}
				return a.mappingCondition(c, str(in.UUID))
			}),
		ls.OpDeleteEventSourceMapping: awsproto.WithConditions(awsproto.Typed(b, esmResource(a, func(in *ls.DeleteEventSourceMappingRequest) *string { return in.UUID }),
			func(c *awsproto.Call, in *ls.DeleteEventSourceMappingRequest) (*ls.EventSourceMappingConfiguration, error) {
				return esmOut(a.svc.DeleteEventSourceMapping(c.Context, account(c), str(in.UUID)))
			}), func(c *awsproto.Call, in *ls.DeleteEventSourceMappingRequest) (map[string][]string, error) {
			return a.mappingCondition(c, str(in.UUID))
		}),
		ls.OpListEventSourceMappings: awsproto.Typed(b, nil, a.listESMs),
	}
}

func esmResource[In any](a *api, uuid func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		return []string{a.svc.EventSourceMappingARN(account(c), str(uuid(in)))}, nil
	}
}

// functionCondition is lambda:FunctionArn for a FunctionName parameter.
func (a *api) functionCondition(c *awsproto.Call, name string) (map[string][]string, error) {
	if name == "" {
		return nil, nil
	}
	arn, err := a.svc.FunctionARN(account(c), name, "")
	if err != nil {
		return nil, err
	}
	return map[string][]string{functionARNKey: {arn}}, nil
}

// mappingCondition is lambda:FunctionArn of mapping uuid; none when there is
// no such mapping (the call then answers ResourceNotFoundException if it is
// allowed at all).
func (a *api) mappingCondition(c *awsproto.Call, uuid string) (map[string][]string, error) {
	m, err := a.svc.GetEventSourceMapping(c.Context, account(c), uuid)
	if awserr.Is(err, lambda.CodeResourceNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string][]string{functionARNKey: {m.FunctionARN}}, nil
}

func (a *api) createESM(c *awsproto.Call, in *ls.CreateEventSourceMappingRequest) (*ls.EventSourceMappingConfiguration, error) {
	ei := lambda.EventSourceMappingInput{
		EventSourceARN: str(in.EventSourceArn), FunctionName: in.FunctionName, Enabled: in.Enabled, BatchSize: in.BatchSize,
		MaximumBatchingWindowInSeconds: in.MaximumBatchingWindowInSeconds, FunctionResponseTypes: in.FunctionResponseTypes,
		ScalingConfig: scalingIn(in.ScalingConfig),
		Unsupported: unsupported([]param{
			{"FilterCriteria", in.FilterCriteria != nil && len(in.FilterCriteria.Filters) > 0},
			{"ParallelizationFactor", in.ParallelizationFactor != nil},
			{"StartingPosition", in.StartingPosition != nil},
			{"StartingPositionTimestamp", in.StartingPositionTimestamp != nil},
			{"DestinationConfig", hasDestination(in.DestinationConfig)},
			{"MaximumRecordAgeInSeconds", in.MaximumRecordAgeInSeconds != nil},
			{"BisectBatchOnFunctionError", in.BisectBatchOnFunctionError != nil && *in.BisectBatchOnFunctionError},
			{"MaximumRetryAttempts", in.MaximumRetryAttempts != nil},
			{"Tags", len(in.Tags) > 0},
			{"TumblingWindowInSeconds", in.TumblingWindowInSeconds != nil},
			{"Topics", len(in.Topics) > 0},
			{"Queues", len(in.Queues) > 0},
			{"SourceAccessConfigurations", len(in.SourceAccessConfigurations) > 0},
			{"SelfManagedEventSource", in.SelfManagedEventSource != nil},
			{"AmazonManagedKafkaEventSourceConfig", in.AmazonManagedKafkaEventSourceConfig != nil},
			{"SelfManagedKafkaEventSourceConfig", in.SelfManagedKafkaEventSourceConfig != nil},
			{"DocumentDBEventSourceConfig", in.DocumentDBEventSourceConfig != nil},
			{"KMSKeyArn", in.KMSKeyArn != nil},
			{"MetricsConfig", in.MetricsConfig != nil && len(in.MetricsConfig.Metrics) > 0},
			{"LoggingConfig", in.LoggingConfig != nil},
			{"ProvisionedPollerConfig", in.ProvisionedPollerConfig != nil},
		}),
	}
	return esmOut(a.svc.CreateEventSourceMapping(c.Context, account(c), ei))
}

func (a *api) updateESM(c *awsproto.Call, in *ls.UpdateEventSourceMappingRequest) (*ls.EventSourceMappingConfiguration, error) {
	ei := lambda.EventSourceMappingInput{
		FunctionName: in.FunctionName, Enabled: in.Enabled, BatchSize: in.BatchSize,
		MaximumBatchingWindowInSeconds: in.MaximumBatchingWindowInSeconds, FunctionResponseTypes: in.FunctionResponseTypes,
		ScalingConfig: scalingIn(in.ScalingConfig),
		Unsupported: unsupported([]param{
			{"FilterCriteria", in.FilterCriteria != nil && len(in.FilterCriteria.Filters) > 0},
			{"DestinationConfig", hasDestination(in.DestinationConfig)},
			{"MaximumRecordAgeInSeconds", in.MaximumRecordAgeInSeconds != nil},
			{"BisectBatchOnFunctionError", in.BisectBatchOnFunctionError != nil && *in.BisectBatchOnFunctionError},
			{"MaximumRetryAttempts", in.MaximumRetryAttempts != nil},
			{"ParallelizationFactor", in.ParallelizationFactor != nil},
			{"SourceAccessConfigurations", len(in.SourceAccessConfigurations) > 0},
			{"TumblingWindowInSeconds", in.TumblingWindowInSeconds != nil},
			{"AmazonManagedKafkaEventSourceConfig", in.AmazonManagedKafkaEventSourceConfig != nil},
			{"SelfManagedKafkaEventSourceConfig", in.SelfManagedKafkaEventSourceConfig != nil},
			{"DocumentDBEventSourceConfig", in.DocumentDBEventSourceConfig != nil},
			{"KMSKeyArn", in.KMSKeyArn != nil},
			{"MetricsConfig", in.MetricsConfig != nil && len(in.MetricsConfig.Metrics) > 0},
			{"LoggingConfig", in.LoggingConfig != nil},
			{"ProvisionedPollerConfig", in.ProvisionedPollerConfig != nil},
		}),
	}
	return esmOut(a.svc.UpdateEventSourceMapping(c.Context, account(c), str(in.UUID), ei))
}

func (a *api) listESMs(c *awsproto.Call, in *ls.ListEventSourceMappingsRequest) (*ls.ListEventSourceMappingsResponse, error) {
	ms, next, err := a.svc.ListEventSourceMappings(c.Context, account(c), str(in.EventSourceArn), str(in.FunctionName), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &ls.ListEventSourceMappingsResponse{NextMarker: marker(next), EventSourceMappings: []ls.EventSourceMappingConfiguration{}}
	for _, m := range ms {
		o, _ := esmOut(m, nil)
		out.EventSourceMappings = append(out.EventSourceMappings, *o)
	}
	return out, nil
}

// param is a request parameter SQS sources do not take, and whether the
// request set it.
type param struct {
	name string
	set  bool
}

func unsupported(ps []param) []string {
	var names []string
	for _, p := range ps {
		if p.set {
			names = append(names, p.name)
		}
	}
	return names
}

func hasDestination(d *ls.DestinationConfig) bool {
	return d != nil && ((d.OnSuccess != nil && d.OnSuccess.Destination != nil) || (d.OnFailure != nil && d.OnFailure.Destination != nil))
}

func scalingIn(sc *ls.ScalingConfig) *lambda.ScalingConfig {
	if sc == nil {
		return nil
	}
	return &lambda.ScalingConfig{MaximumConcurrency: sc.MaximumConcurrency}
}

func esmOut(m *lambda.EventSourceMapping, err error) (*ls.EventSourceMappingConfiguration, error) {
	if err != nil {
		return nil, err
	}
	out := &ls.EventSourceMappingConfiguration{
		UUID: ptr(m.UUID), EventSourceMappingArn: ptr(m.ARN), EventSourceArn: ptr(m.EventSourceARN), FunctionArn: ptr(m.FunctionARN),
		BatchSize: ptr(m.BatchSize), MaximumBatchingWindowInSeconds: ptr(m.MaximumBatchingWindowInSeconds),
		LastModified: ptr(m.LastModified), LastProcessingResult: ptr(m.LastProcessingResult),
		State: ptr(m.State), StateTransitionReason: ptr(m.StateTransitionReason),
		FunctionResponseTypes: append([]string{}, m.FunctionResponseTypes...),
	}
	if m.MaximumConcurrency > 0 {
		out.ScalingConfig = &ls.ScalingConfig{MaximumConcurrency: ptr(m.MaximumConcurrency)}
	}
	return out, nil
}
