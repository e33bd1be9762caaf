package lambdaapi

import (
	"context"
	"encoding/base64"
	"encoding/json"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	ls "github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/lambda/async"
	"github.com/stratus-cloud/stratus/internal/lambda/dataplane"
)

// Invoker runs synchronous invokes; *dataplane.Runner implements it.
type Invoker interface {
	Invoke(ctx context.Context, req dataplane.Request) (*dataplane.Response, error)
}

// Events accepts asynchronous invokes; *async.Dispatcher implements it.
type Events interface {
	Enqueue(ctx context.Context, ev async.Event) error
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
		return a.invokeEvent(c, in)
	default:
		return nil, awserr.New("InvalidParameterValueException", 400, "Unsupported InvocationType: %s", typ)
	}
	if lt := str(in.LogType); lt != "" && lt != "None" && lt != "Tail" {
		return nil, awserr.New("InvalidParameterValueException", 400, "Unsupported LogType: %s", lt)
	}
	if a.dp.Invoker == nil {
		return nil, errNoExecution
	}
	// A function of another account (named by ARN) runs as its owner's, once
	// the router has authorized the call on it (its policy must allow).
	acct := a.svc.ActingAccount(account(c), str(in.FunctionName), "lambda:InvokeFunction")
	res, err := a.dp.Invoker.Invoke(c.Context, dataplane.Request{
		Account: acct, FunctionName: str(in.FunctionName), Qualifier: str(in.Qualifier),
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

var errNoExecution = awserr.New("ServiceException", 500, "Function execution is not available on this server.")

// invokeEvent accepts an asynchronous invoke: 202 once the event is durable.
func (a *api) invokeEvent(c *awsproto.Call, in *ls.InvocationRequest) (*ls.InvocationResponse, error) {
	if a.dp.Events == nil {
		return nil, errNoExecution
	}
	if len(in.Payload) > 0 && !json.Valid(in.Payload) {
		return nil, awserr.New("InvalidRequestContentException", 400,
			"Could not parse request body into json: Could not parse payload into json: Unexpected character: was expecting a JSON value")
	}
	acct := a.svc.ActingAccount(account(c), str(in.FunctionName), "lambda:InvokeFunction")
	res, err := a.svc.ResolveForInvoke(c.Context, acct, str(in.FunctionName), str(in.Qualifier))
	if err != nil {
		return nil, err
	}
	ref, err := a.svc.ParseFunctionName(acct, str(in.FunctionName))
	if err != nil {
		return nil, err
	}
	qualifier := str(in.Qualifier)
	if qualifier == "" {
		qualifier = ref.Qualifier
	}
	invoked := res.Version.FunctionARN
	if qualifier != "" {
		invoked += ":" + qualifier
	}
	err = a.dp.Events.Enqueue(c.Context, async.Event{Account: acct, Function: ref.Name, Qualifier: qualifier,
		FunctionARN: invoked, RequestID: c.RequestID, Payload: in.Payload})
	if err != nil {
		return nil, err
	}
	return &ls.InvocationResponse{StatusCode: ptr(int64(202)), Payload: []byte{}}, nil
}
