package lambdaapi

import (
	"fmt"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	ls "github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/lambda"
)

type none = struct{}

type api struct {
	svc *lambda.Service
	dp  DataPlane
}

// DataPlane runs functions: Invoker synchronous invokes, Events the
// asynchronous ones. Nil members make those invokes answer ServiceException
// (a host that cannot run functions).
type DataPlane struct {
	Invoker Invoker
	Events  Events
}

// New returns the Lambda API for the router. Its body limit is raised to
// lambda.MaxRequestBodyBytes for the zips CreateFunction, UpdateFunctionCode
// and PublishLayerVersion carry (the limit is per service in awsproto).
func New(svc *lambda.Service, b *bind.Binder) (*awsproto.Service, error) {
	return NewWithDataPlane(svc, DataPlane{}, b)
}

// NewWithDataPlane is New with the data plane: Invoke runs functions.
func NewWithDataPlane(svc *lambda.Service, dp DataPlane, b *bind.Binder) (*awsproto.Service, error) {
	m, err := ls.Service()
	if err != nil {
		return nil, fmt.Errorf("load lambda model: %w", err)
	}
	a := &api{svc: svc, dp: dp}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "lambda",
		AccessDeniedCode: "AccessDeniedException",
		MaxBodyBytes:     lambda.MaxRequestBodyBytes,
		Ops:              a.ops(b),
	}, nil
}

func (a *api) ops(b *bind.Binder) map[string]awsproto.Op {
	ops := a.functionOps(b)
	for _, more := range []map[string]awsproto.Op{a.layerOps(b), a.invokeOps(b), a.eventConfigOps(b), a.esmOps(b), a.codeSigningOps(b), a.permissionOps(b)} {
		for name, op := range more {
			ops[name] = op
		}
	}
	return ops
}

func (a *api) functionOps(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		ls.OpCreateFunction:              awsproto.Typed(b, fn(a, func(in *ls.CreateFunctionRequest) (*string, *string) { return in.FunctionName, nil }), a.createFunction),
		ls.OpGetFunction:                 awsproto.Typed(b, fn(a, func(in *ls.GetFunctionRequest) (*string, *string) { return in.FunctionName, in.Qualifier }), a.getFunction),
		ls.OpGetFunctionConfiguration:    awsproto.Typed(b, fn(a, func(in *ls.GetFunctionConfigurationRequest) (*string, *string) { return in.FunctionName, in.Qualifier }), a.getFunctionConfiguration),
		ls.OpListFunctions:               awsproto.Typed(b, nil, a.listFunctions),
		ls.OpUpdateFunctionCode:          awsproto.Typed(b, fn(a, func(in *ls.UpdateFunctionCodeRequest) (*string, *string) { return in.FunctionName, nil }), a.updateFunctionCode),
		ls.OpUpdateFunctionConfiguration: awsproto.Typed(b, fn(a, func(in *ls.UpdateFunctionConfigurationRequest) (*string, *string) { return in.FunctionName, nil }), a.updateFunctionConfiguration),
		ls.OpDeleteFunction:              awsproto.Typed(b, fn(a, func(in *ls.DeleteFunctionRequest) (*string, *string) { return in.FunctionName, in.Qualifier }), a.deleteFunction),
		ls.OpPublishVersion:              awsproto.Typed(b, fn(a, func(in *ls.PublishVersionRequest) (*string, *string) { return in.FunctionName, nil }), a.publishVersion),
		ls.OpListVersionsByFunction:      awsproto.Typed(b, fn(a, func(in *ls.ListVersionsByFunctionRequest) (*string, *string) { return in.FunctionName, nil }), a.listVersions),
		ls.OpCreateAlias:                 awsproto.Typed(b, fn(a, func(in *ls.CreateAliasRequest) (*string, *string) { return in.FunctionName, in.Name }), a.createAlias),
		ls.OpGetAlias:                    awsproto.Typed(b, fn(a, func(in *ls.GetAliasRequest) (*string, *string) { return in.FunctionName, in.Name }), a.getAlias),
		ls.OpUpdateAlias:                 awsproto.Typed(b, fn(a, func(in *ls.UpdateAliasRequest) (*string, *string) { return in.FunctionName, in.Name }), a.updateAlias),
		ls.OpListAliases:                 awsproto.Typed(b, fn(a, func(in *ls.ListAliasesRequest) (*string, *string) { return in.FunctionName, nil }), a.listAliases),
		ls.OpDeleteAlias:                 awsproto.Typed(b, fn(a, func(in *ls.DeleteAliasRequest) (*string, *string) { return in.FunctionName, in.Name }), a.deleteAlias),
		ls.OpPutFunctionConcurrency:      awsproto.Typed(b, fn(a, func(in *ls.PutFunctionConcurrencyRequest) (*string, *string) { return in.FunctionName, nil }), a.putConcurrency),
		ls.OpGetFunctionConcurrency:      awsproto.Typed(b, fn(a, func(in *ls.GetFunctionConcurrencyRequest) (*string, *string) { return in.FunctionName, nil }), a.getConcurrency),
		ls.OpDeleteFunctionConcurrency:   awsproto.Typed(b, fn(a, func(in *ls.DeleteFunctionConcurrencyRequest) (*string, *string) { return in.FunctionName, nil }), a.deleteConcurrency),
		ls.OpGetAccountSettings:          awsproto.Typed(b, nil, a.getAccountSettings),
		ls.OpTagResource:                 awsproto.Typed(b, resource(func(in *ls.TagResourceRequest) *string { return in.Resource }), a.tagResource),
		ls.OpUntagResource:               awsproto.Typed(b, resource(func(in *ls.UntagResourceRequest) *string { return in.Resource }), a.untagResource),
		ls.OpListTags:                    awsproto.Typed(b, resource(func(in *ls.ListTagsRequest) *string { return in.Resource }), a.listTags),
	}
}

func account(c *awsproto.Call) string { return c.Principal.Account }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func num(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// fn authorizes on the function ARN, qualified when the call names a qualifier.
func fn[In any](a *api, get func(*In) (name, qualifier *string)) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		n, q := get(in)
		arn, err := a.svc.FunctionARN(account(c), str(n), str(q))
		if err != nil {
			return nil, err
		}
		return []string{arn}, nil
	}
}

func resource[In any](get func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) { return []string{str(get(in))}, nil }
}

func page(marker *string, maxItems *int64) lambda.Page {
	return lambda.Page{Marker: str(marker), MaxItems: num(maxItems)}
}

func marker(next string) *string {
	if next == "" {
		return nil
	}
	return &next
}

func configOut(v *lambda.Version) ls.FunctionConfiguration {
	out := ls.FunctionConfiguration{
		FunctionName: ptr(v.FunctionName), FunctionArn: ptr(v.QualifiedARN()), Runtime: ptr(v.Runtime), Role: ptr(v.Role),
		Handler: ptr(v.Handler), CodeSize: ptr(v.CodeSize), Description: ptr(v.Description), Timeout: ptr(v.Timeout),
		MemorySize: ptr(v.MemorySize), LastModified: ptr(v.LastModified.Format(lambda.TimeFormat)),
		CodeSha256: ptr(v.CodeDigest.Base64()), Version: ptr(v.Version), RevisionId: ptr(v.RevisionID),
		State: ptr(v.State), PackageType: ptr(v.PackageType),
		Architectures: v.Architectures, EphemeralStorage: &ls.EphemeralStorage{Size: ptr(v.EphemeralStorage)},
		TracingConfig: &ls.TracingConfigResponse{Mode: ptr("PassThrough")},
		LoggingConfig: &ls.LoggingConfig{LogFormat: ptr("Text"), LogGroup: ptr("/aws/lambda/" + v.FunctionName)},
	}
	if v.LastUpdateStatus != "" {
		out.LastUpdateStatus = ptr(v.LastUpdateStatus)
	}
	if v.StateReason != "" {
		out.StateReason, out.StateReasonCode = ptr(v.StateReason), ptr(v.StateReasonCode)
	}
	switch {
	case v.EnvError != nil:
		out.Environment = &ls.EnvironmentResponse{Error: &ls.EnvironmentError{ErrorCode: ptr(v.EnvError.Code), Message: ptr(v.EnvError.Message)}}
	case len(v.Environment) > 0:
		out.Environment = &ls.EnvironmentResponse{Variables: v.Environment}
	}
	if v.KMSKeyArn != "" {
		out.KMSKeyArn = ptr(v.KMSKeyArn)
	}
	if v.SigningProfileVersionArn != "" {
		out.SigningProfileVersionArn, out.SigningJobArn = ptr(v.SigningProfileVersionArn), ptr(v.SigningJobArn)
	}
	for _, l := range v.Layers {
		out.Layers = append(out.Layers, ls.Layer{Arn: ptr(l.ARN), CodeSize: ptr(l.CodeSize)})
	}
	if v.DeadLetterTarget != "" {
		out.DeadLetterConfig = &ls.DeadLetterConfig{TargetArn: ptr(v.DeadLetterTarget)}
	}
	return out
}

func configsOut(vs []*lambda.Version) []ls.FunctionConfiguration {
	out := make([]ls.FunctionConfiguration, len(vs))
	for i, v := range vs {
		out[i] = configOut(v)
	}
	return out
}

func aliasOut(al *lambda.Alias) *ls.AliasConfiguration {
	out := &ls.AliasConfiguration{AliasArn: ptr(al.ARN), Name: ptr(al.Name), FunctionVersion: ptr(al.Version),
		Description: ptr(al.Description), RevisionId: ptr(al.RevisionID)}
	if len(al.Weights) > 0 {
		out.RoutingConfig = &ls.AliasRoutingConfiguration{AdditionalVersionWeights: al.Weights}
	}
	return out
}
