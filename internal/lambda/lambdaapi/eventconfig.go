package lambdaapi

import (
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	ls "github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/lambda"
)

// eventConfigOps serves the asynchronous invocation configuration.
func (a *api) eventConfigOps(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		ls.OpPutFunctionEventInvokeConfig: awsproto.Typed(b, fn(a, func(in *ls.PutFunctionEventInvokeConfigRequest) (*string, *string) {
			return in.FunctionName, in.Qualifier
		}), func(c *awsproto.Call, in *ls.PutFunctionEventInvokeConfigRequest) (*ls.FunctionEventInvokeConfig, error) {
			return eventConfigOut(a.svc.PutFunctionEventInvokeConfig(c.Context, account(c), str(in.FunctionName), str(in.Qualifier),
				eventInput(in.MaximumRetryAttempts, in.MaximumEventAgeInSeconds, in.DestinationConfig)))
		}),
		ls.OpUpdateFunctionEventInvokeConfig: awsproto.Typed(b, fn(a, func(in *ls.UpdateFunctionEventInvokeConfigRequest) (*string, *string) {
			return in.FunctionName, in.Qualifier
		}), func(c *awsproto.Call, in *ls.UpdateFunctionEventInvokeConfigRequest) (*ls.FunctionEventInvokeConfig, error) {
			return eventConfigOut(a.svc.UpdateFunctionEventInvokeConfig(c.Context, account(c), str(in.FunctionName), str(in.Qualifier),
				eventInput(in.MaximumRetryAttempts, in.MaximumEventAgeInSeconds, in.DestinationConfig)))
		}),
		ls.OpGetFunctionEventInvokeConfig: awsproto.Typed(b, fn(a, func(in *ls.GetFunctionEventInvokeConfigRequest) (*string, *string) {
			return in.FunctionName, in.Qualifier
		}), func(c *awsproto.Call, in *ls.GetFunctionEventInvokeConfigRequest) (*ls.FunctionEventInvokeConfig, error) {
			return eventConfigOut(a.svc.GetFunctionEventInvokeConfig(c.Context, account(c), str(in.FunctionName), str(in.Qualifier)))
		}),
		ls.OpDeleteFunctionEventInvokeConfig: awsproto.Typed(b, fn(a, func(in *ls.DeleteFunctionEventInvokeConfigRequest) (*string, *string) {
			return in.FunctionName, in.Qualifier
		}), func(c *awsproto.Call, in *ls.DeleteFunctionEventInvokeConfigRequest) (*none, error) {
			return &none{}, a.svc.DeleteFunctionEventInvokeConfig(c.Context, account(c), str(in.FunctionName), str(in.Qualifier))
		}),
		ls.OpListFunctionEventInvokeConfigs: awsproto.Typed(b, fn(a, func(in *ls.ListFunctionEventInvokeConfigsRequest) (*string, *string) {
			return in.FunctionName, nil
		}), func(c *awsproto.Call, in *ls.ListFunctionEventInvokeConfigsRequest) (*ls.ListFunctionEventInvokeConfigsResponse, error) {
			cs, next, err := a.svc.ListFunctionEventInvokeConfigs(c.Context, account(c), str(in.FunctionName), page(in.Marker, in.MaxItems))
			if err != nil {
				return nil, err
			}
			out := &ls.ListFunctionEventInvokeConfigsResponse{NextMarker: marker(next), FunctionEventInvokeConfigs: []ls.FunctionEventInvokeConfig{}}
			for _, cfg := range cs {
				o, _ := eventConfigOut(cfg, nil)
				out.FunctionEventInvokeConfigs = append(out.FunctionEventInvokeConfigs, *o)
			}
			return out, nil
		}),
	}
}

func eventInput(retries, age *int64, d *ls.DestinationConfig) lambda.EventInvokeInput {
	in := lambda.EventInvokeInput{MaximumRetryAttempts: retries, MaximumEventAgeInSeconds: age}
	if d != nil {
		if d.OnSuccess != nil {
			in.OnSuccess = ptr(str(d.OnSuccess.Destination))
		}
		if d.OnFailure != nil {
			in.OnFailure = ptr(str(d.OnFailure.Destination))
		}
	}
	return in
}

func eventConfigOut(c *lambda.EventInvokeConfig, err error) (*ls.FunctionEventInvokeConfig, error) {
	if err != nil {
		return nil, err
	}
	out := &ls.FunctionEventInvokeConfig{FunctionArn: ptr(c.FunctionARN), LastModified: ptr(c.LastModified),
		MaximumRetryAttempts: c.MaximumRetryAttempts, MaximumEventAgeInSeconds: c.MaximumEventAgeInSeconds,
		DestinationConfig: &ls.DestinationConfig{OnSuccess: &ls.OnSuccess{}, OnFailure: &ls.OnFailure{}}}
	if c.OnSuccess != "" {
		out.DestinationConfig.OnSuccess.Destination = ptr(c.OnSuccess)
	}
	if c.OnFailure != "" {
		out.DestinationConfig.OnFailure.Destination = ptr(c.OnFailure)
	}
	return out, nil
}
