package lambdaapi

import (
	"context"
	"encoding/base64"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	ls "github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/lambda/dataplane"
)

// Invoker runs synchronous invokes; *dataplane.Runner implements it.
type Invoker interface {
	Invoke(ctx context.Context, req dataplane.Request) (*dataplane.Response, error)
}

// invokeOps serves Invoke (IAM action lambda:InvokeFunction, on the function
// ARN as qualified in the call).
func (a *api) invokeOps(b *bind.Binder) map[string]awsproto.Op {
	op := awsproto.Typed(b, fn(a, func(in *ls.InvocationRequest) (*string, *string) { return in.FunctionName, in.Qualifier }), a.invoke)
	op.Action = "lambda:InvokeFunction"
	return map[string]awsproto.Op{ls.OpInvoke: op}
}

func (a *api) invoke(c *awsproto.Call, in *ls.InvocationRequest) (*ls.InvocationResponse, error) {
	typ := str(in.InvocationType)
	switch typ {
	case "", "RequestResponse", "DryRun":
	case "Event":
		return nil, awserr.New("NotImplemented", 501, "InvocationType Event (asynchronous invocation) is not implemented yet.")
	default:
		return nil, awserr.New("InvalidParameterValueException", 400, "Unsupported InvocationType: %s", typ)
	}
	if lt := str(in.LogType); lt != "" && lt != "None" && lt != "Tail" {
		return nil, awserr.New("InvalidParameterValueException", 400, "Unsupported LogType: %s", lt)
	}
	if a.inv == nil {
		return nil, awserr.New("ServiceException", 500, "Function execution is not available on this server.")
	}
	res, err := a.inv.Invoke(c.Context, dataplane.Request{
		Account: account(c), FunctionName: str(in.FunctionName), Qualifier: str(in.Qualifier),
		RequestID: c.RequestID, Payload: in.Payload, ClientContext: str(in.ClientContext),
		LogTail: str(in.LogType) == "Tail", DryRun: typ == "DryRun",
	})
	if err != nil {
		return nil, err
	}
	out := &ls.InvocationResponse{StatusCode: ptr(int64(res.StatusCode)), ExecutedVersion: ptr(res.ExecutedVersion)}
	if res.StatusCode != 204 {
		out.Payload = res.Payload
		if out.Payload == nil {
			out.Payload = []byte{}
		}
	}
	if res.FunctionError != "" {
		out.FunctionError = ptr(res.FunctionError)
	}
	if res.LogTail != nil {
		out.LogResult = ptr(base64.StdEncoding.EncodeToString(res.LogTail))
	}
	return out, nil
}
