package lambdaapi

import (
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	ls "github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/lambda"
)

// codeSigningOps are the code signing configuration operations. Those on a
// configuration are authorized on its ARN; attaching one to a function on
// both the function and the configuration, as AWS lists them.
func (a *api) codeSigningOps(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		ls.OpCreateCodeSigningConfig: awsproto.Typed(b, nil, a.createCodeSigningConfig),
		ls.OpGetCodeSigningConfig: awsproto.Typed(b, resource(func(in *ls.GetCodeSigningConfigRequest) *string { return in.CodeSigningConfigArn }),
			a.getCodeSigningConfig),
		ls.OpUpdateCodeSigningConfig: awsproto.Typed(b, resource(func(in *ls.UpdateCodeSigningConfigRequest) *string { return in.CodeSigningConfigArn }),
			a.updateCodeSigningConfig),
		ls.OpDeleteCodeSigningConfig: awsproto.Typed(b, resource(func(in *ls.DeleteCodeSigningConfigRequest) *string { return in.CodeSigningConfigArn }),
			a.deleteCodeSigningConfig),
		ls.OpListCodeSigningConfigs: awsproto.Typed(b, nil, a.listCodeSigningConfigs),
		ls.OpListFunctionsByCodeSigningConfig: awsproto.Typed(b, resource(func(in *ls.ListFunctionsByCodeSigningConfigRequest) *string { return in.CodeSigningConfigArn }),
			a.listFunctionsByCodeSigningConfig),
		ls.OpPutFunctionCodeSigningConfig: awsproto.Typed(b, func(c *awsproto.Call, in *ls.PutFunctionCodeSigningConfigRequest) ([]string, error) {
			fnARN, err := a.svc.FunctionARN(account(c), str(in.FunctionName), "")
			if err != nil {
				return nil, err
			}
			return []string{fnARN, str(in.CodeSigningConfigArn)}, nil
		}, a.putFunctionCodeSigningConfig),
		ls.OpGetFunctionCodeSigningConfig: awsproto.Typed(b, fn(a, func(in *ls.GetFunctionCodeSigningConfigRequest) (*string, *string) { return in.FunctionName, nil }),
			a.getFunctionCodeSigningConfig),
		ls.OpDeleteFunctionCodeSigningConfig: awsproto.Typed(b, fn(a, func(in *ls.DeleteFunctionCodeSigningConfigRequest) (*string, *string) { return in.FunctionName, nil }),
			a.deleteFunctionCodeSigningConfig),
	}
}

func codeSigningInput(desc *string, pubs *ls.AllowedPublishers, pol *ls.CodeSigningPolicies) lambda.CodeSigningInput {
	in := lambda.CodeSigningInput{Description: desc}
	if pubs != nil {
		in.AllowedPublishers = pubs.SigningProfileVersionArns
		if in.AllowedPublishers == nil {
			in.AllowedPublishers = []string{}
		}
	}
	if pol != nil {
		in.Policy = pol.UntrustedArtifactOnDeployment
	}
	return in
}

func cscOut(c *lambda.CodeSigningConfig) *ls.CodeSigningConfig {
	return &ls.CodeSigningConfig{
		CodeSigningConfigId: ptr(c.ID), CodeSigningConfigArn: ptr(c.ARN), Description: ptr(c.Description),
		AllowedPublishers:   &ls.AllowedPublishers{SigningProfileVersionArns: c.AllowedPublishers},
		CodeSigningPolicies: &ls.CodeSigningPolicies{UntrustedArtifactOnDeployment: ptr(c.Policy)},
		LastModified:        ptr(c.LastModified.Format(lambda.TimeFormat)),
	}
}

func (a *api) createCodeSigningConfig(c *awsproto.Call, in *ls.CreateCodeSigningConfigRequest) (*ls.CreateCodeSigningConfigResponse, error) {
	if len(in.Tags) > 0 {
		return nil, lambda.InvalidParameter("Stratus does not tag code signing configurations yet; create the configuration without Tags.")
	}
	if in.AllowedPublishers == nil {
		return nil, lambda.InvalidParameter("AllowedPublishers is required.")
	}
	out, err := a.svc.CreateCodeSigningConfig(c.Context, account(c), codeSigningInput(in.Description, in.AllowedPublishers, in.CodeSigningPolicies))
	if err != nil {
		return nil, err
	}
	return &ls.CreateCodeSigningConfigResponse{CodeSigningConfig: cscOut(out)}, nil
}

func (a *api) getCodeSigningConfig(c *awsproto.Call, in *ls.GetCodeSigningConfigRequest) (*ls.GetCodeSigningConfigResponse, error) {
	out, err := a.svc.GetCodeSigningConfig(c.Context, account(c), str(in.CodeSigningConfigArn))
	if err != nil {
		return nil, err
	}
	return &ls.GetCodeSigningConfigResponse{CodeSigningConfig: cscOut(out)}, nil
}

func (a *api) updateCodeSigningConfig(c *awsproto.Call, in *ls.UpdateCodeSigningConfigRequest) (*ls.UpdateCodeSigningConfigResponse, error) {
	out, err := a.svc.UpdateCodeSigningConfig(c.Context, account(c), str(in.CodeSigningConfigArn),
		codeSigningInput(in.Description, in.AllowedPublishers, in.CodeSigningPolicies))
	if err != nil {
		return nil, err
	}
	return &ls.UpdateCodeSigningConfigResponse{CodeSigningConfig: cscOut(out)}, nil
}

func (a *api) deleteCodeSigningConfig(c *awsproto.Call, in *ls.DeleteCodeSigningConfigRequest) (*none, error) {
	return nil, a.svc.DeleteCodeSigningConfig(c.Context, account(c), str(in.CodeSigningConfigArn))
}

func (a *api) listCodeSigningConfigs(c *awsproto.Call, in *ls.ListCodeSigningConfigsRequest) (*ls.ListCodeSigningConfigsResponse, error) {
	cs, next, err := a.svc.ListCodeSigningConfigs(c.Context, account(c), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &ls.ListCodeSigningConfigsResponse{CodeSigningConfigs: []ls.CodeSigningConfig{}, NextMarker: marker(next)}
	for _, cfg := range cs {
		out.CodeSigningConfigs = append(out.CodeSigningConfigs, *cscOut(cfg))
	}
	return out, nil
}

func (a *api) listFunctionsByCodeSigningConfig(c *awsproto.Call, in *ls.ListFunctionsByCodeSigningConfigRequest) (*ls.ListFunctionsByCodeSigningConfigResponse, error) {
	arns, next, err := a.svc.ListFunctionsByCodeSigningConfig(c.Context, account(c), str(in.CodeSigningConfigArn), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	if arns == nil {
		arns = []string{}
	}
	return &ls.ListFunctionsByCodeSigningConfigResponse{FunctionArns: arns, NextMarker: marker(next)}, nil
}

func (a *api) putFunctionCodeSigningConfig(c *awsproto.Call, in *ls.PutFunctionCodeSigningConfigRequest) (*ls.PutFunctionCodeSigningConfigResponse, error) {
	name, err := a.svc.PutFunctionCodeSigningConfig(c.Context, account(c), str(in.FunctionName), str(in.CodeSigningConfigArn))
	if err != nil {
		return nil, err
	}
	return &ls.PutFunctionCodeSigningConfigResponse{CodeSigningConfigArn: in.CodeSigningConfigArn, FunctionName: ptr(name)}, nil
}

func (a *api) getFunctionCodeSigningConfig(c *awsproto.Call, in *ls.GetFunctionCodeSigningConfigRequest) (*ls.GetFunctionCodeSigningConfigResponse, error) {
	name, arn, err := a.svc.GetFunctionCodeSigningConfig(c.Context, account(c), str(in.FunctionName))
	if err != nil {
		return nil, err
	}
	return &ls.GetFunctionCodeSigningConfigResponse{CodeSigningConfigArn: ptr(arn), FunctionName: ptr(name)}, nil
}

func (a *api) deleteFunctionCodeSigningConfig(c *awsproto.Call, in *ls.DeleteFunctionCodeSigningConfigRequest) (*none, error) {
	return nil, a.svc.DeleteFunctionCodeSigningConfig(c.Context, account(c), str(in.FunctionName))
}
