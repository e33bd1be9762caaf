package lambdaapi

import (
	"github.com/stratus-cloud/stratus/internal/awsproto"
	ls "github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/lambda"
)

func (a *api) createFunction(c *awsproto.Call, in *ls.CreateFunctionRequest) (*ls.FunctionConfiguration, error) {
	fi := lambda.FunctionInput{
		Name: str(in.FunctionName), Runtime: str(in.Runtime), Handler: str(in.Handler), Role: str(in.Role),
		Description: str(in.Description), MemorySize: num(in.MemorySize), Timeout: num(in.Timeout),
		Layers: in.Layers, Architectures: in.Architectures, PackageType: str(in.PackageType), Tags: in.Tags,
		Publish: in.Publish != nil && *in.Publish, KMSKeyArn: str(in.KMSKeyArn), CodeSigningConfigArn: str(in.CodeSigningConfigArn),
	}
	if in.Code != nil {
		fi.ZipFile = in.Code.ZipFile
	}
	if in.Environment != nil {
		fi.Environment = in.Environment.Variables
	}
	if in.EphemeralStorage != nil {
		fi.EphemeralStorage = num(in.EphemeralStorage.Size)
	}
	if in.DeadLetterConfig != nil {
		fi.DeadLetterTarget = str(in.DeadLetterConfig.TargetArn)
	}
	v, err := a.svc.CreateFunction(c.Context, account(c), fi)
	if err != nil {
		return nil, err
	}
	out := configOut(v)
	return &out, nil
}

func (a *api) getFunction(c *awsproto.Call, in *ls.GetFunctionRequest) (*ls.GetFunctionResponse, error) {
	f, err := a.svc.GetFunction(c.Context, a.svc.ActingAccount(account(c), str(in.FunctionName), "lambda:GetFunction"), str(in.FunctionName), str(in.Qualifier))
	if err != nil {
		return nil, err
	}
	cfg := configOut(f.Latest)
	out := &ls.GetFunctionResponse{Configuration: &cfg, Tags: f.Tags,
		Code: &ls.FunctionCodeLocation{RepositoryType: ptr("S3"), Location: ptr(f.CodeLocation)}}
	if f.Latest.ReservedConcurrency != nil {
		out.Concurrency = &ls.Concurrency{ReservedConcurrentExecutions: f.Latest.ReservedConcurrency}
	}
	return out, nil
}

func (a *api) getFunctionConfiguration(c *awsproto.Call, in *ls.GetFunctionConfigurationRequest) (*ls.FunctionConfiguration, error) {
	v, err := a.svc.GetFunctionConfiguration(c.Context, a.svc.ActingAccount(account(c), str(in.FunctionName), "lambda:GetFunctionConfiguration"), str(in.FunctionName), str(in.Qualifier))
	if err != nil {
		return nil, err
	}
	out := configOut(v)
	return &out, nil
}

func (a *api) listFunctions(c *awsproto.Call, in *ls.ListFunctionsRequest) (*ls.ListFunctionsResponse, error) {
	vs, next, err := a.svc.ListFunctions(c.Context, account(c), str(in.FunctionVersion) == "ALL", page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	return &ls.ListFunctionsResponse{Functions: configsOut(vs), NextMarker: marker(next)}, nil
}

func (a *api) updateFunctionCode(c *awsproto.Call, in *ls.UpdateFunctionCodeRequest) (*ls.FunctionConfiguration, error) {
	v, err := a.svc.UpdateFunctionCode(c.Context, account(c), str(in.FunctionName), lambda.CodeUpdate{
		ZipFile: in.ZipFile, Architectures: in.Architectures, Publish: in.Publish != nil && *in.Publish,
		DryRun: in.DryRun != nil && *in.DryRun, RevisionID: str(in.RevisionId),
	})
	if err != nil {
		return nil, err
	}
	out := configOut(v)
	return &out, nil
}

func (a *api) updateFunctionConfiguration(c *awsproto.Call, in *ls.UpdateFunctionConfigurationRequest) (*ls.FunctionConfiguration, error) {
	u := lambda.ConfigUpdate{
		Runtime: in.Runtime, Handler: in.Handler, Role: in.Role, Description: in.Description,
		MemorySize: in.MemorySize, Timeout: in.Timeout, Layers: in.Layers, RevisionID: str(in.RevisionId),
		KMSKeyArn: in.KMSKeyArn,
	}
	if in.Environment != nil {
		u.Environment = in.Environment.Variables
		if u.Environment == nil {
			u.Environment = map[string]string{}
		}
	}
	if in.Layers == nil {
		u.Layers = nil
	} else if len(in.Layers) == 0 {
		u.Layers = []string{}
	}
	if in.DeadLetterConfig != nil {
		u.DeadLetterTarget = ptr(str(in.DeadLetterConfig.TargetArn))
	}
	if in.EphemeralStorage != nil {
		u.EphemeralStorage = in.EphemeralStorage.Size
	}
	v, err := a.svc.UpdateFunctionConfiguration(c.Context, account(c), str(in.FunctionName), u)
	if err != nil {
		return nil, err
	}
	out := configOut(v)
	return &out, nil
}

func (a *api) deleteFunction(c *awsproto.Call, in *ls.DeleteFunctionRequest) (*ls.DeleteFunctionResponse, error) {
	if err := a.svc.DeleteFunction(c.Context, account(c), str(in.FunctionName), str(in.Qualifier)); err != nil {
		return nil, err
	}
	return &ls.DeleteFunctionResponse{StatusCode: ptr(int64(204))}, nil
}

func (a *api) publishVersion(c *awsproto.Call, in *ls.PublishVersionRequest) (*ls.FunctionConfiguration, error) {
	v, err := a.svc.PublishVersion(c.Context, account(c), str(in.FunctionName), str(in.CodeSha256), str(in.Description), str(in.RevisionId))
	if err != nil {
		return nil, err
	}
	out := configOut(v)
	return &out, nil
}

func (a *api) listVersions(c *awsproto.Call, in *ls.ListVersionsByFunctionRequest) (*ls.ListVersionsByFunctionResponse, error) {
	vs, next, err := a.svc.ListVersionsByFunction(c.Context, account(c), str(in.FunctionName), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	return &ls.ListVersionsByFunctionResponse{Versions: configsOut(vs), NextMarker: marker(next)}, nil
}

func (a *api) createAlias(c *awsproto.Call, in *ls.CreateAliasRequest) (*ls.AliasConfiguration, error) {
	ai := lambda.AliasInput{Name: str(in.Name), Version: in.FunctionVersion, Description: in.Description}
	if in.RoutingConfig != nil {
		ai.Weights = in.RoutingConfig.AdditionalVersionWeights
	}
	al, err := a.svc.CreateAlias(c.Context, account(c), str(in.FunctionName), ai)
	if err != nil {
		return nil, err
	}
	return aliasOut(al), nil
}

func (a *api) getAlias(c *awsproto.Call, in *ls.GetAliasRequest) (*ls.AliasConfiguration, error) {
	al, err := a.svc.GetAlias(c.Context, account(c), str(in.FunctionName), str(in.Name))
	if err != nil {
		return nil, err
	}
	return aliasOut(al), nil
}

func (a *api) updateAlias(c *awsproto.Call, in *ls.UpdateAliasRequest) (*ls.AliasConfiguration, error) {
	ai := lambda.AliasInput{Name: str(in.Name), Version: in.FunctionVersion, Description: in.Description, RevisionID: str(in.RevisionId)}
	if in.RoutingConfig != nil {
		ai.Weights = in.RoutingConfig.AdditionalVersionWeights
		if ai.Weights == nil {
			ai.Weights = map[string]float64{}
		}
	}
	al, err := a.svc.UpdateAlias(c.Context, account(c), str(in.FunctionName), ai)
	if err != nil {
		return nil, err
	}
	return aliasOut(al), nil
}

func (a *api) listAliases(c *awsproto.Call, in *ls.ListAliasesRequest) (*ls.ListAliasesResponse, error) {
	als, next, err := a.svc.ListAliases(c.Context, account(c), str(in.FunctionName), str(in.FunctionVersion), page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &ls.ListAliasesResponse{Aliases: make([]ls.AliasConfiguration, len(als)), NextMarker: marker(next)}
	for i, al := range als {
		out.Aliases[i] = *aliasOut(al)
	}
	return out, nil
}

func (a *api) deleteAlias(c *awsproto.Call, in *ls.DeleteAliasRequest) (*none, error) {
	return nil, a.svc.DeleteAlias(c.Context, account(c), str(in.FunctionName), str(in.Name))
}

func (a *api) putConcurrency(c *awsproto.Call, in *ls.PutFunctionConcurrencyRequest) (*ls.Concurrency, error) {
	n, err := a.svc.PutFunctionConcurrency(c.Context, account(c), str(in.FunctionName), num(in.ReservedConcurrentExecutions))
	if err != nil {
		return nil, err
	}
	return &ls.Concurrency{ReservedConcurrentExecutions: &n}, nil
}

func (a *api) getConcurrency(c *awsproto.Call, in *ls.GetFunctionConcurrencyRequest) (*ls.GetFunctionConcurrencyResponse, error) {
	n, err := a.svc.GetFunctionConcurrency(c.Context, account(c), str(in.FunctionName))
	if err != nil {
		return nil, err
	}
	return &ls.GetFunctionConcurrencyResponse{ReservedConcurrentExecutions: n}, nil
}

func (a *api) deleteConcurrency(c *awsproto.Call, in *ls.DeleteFunctionConcurrencyRequest) (*none, error) {
	return nil, a.svc.DeleteFunctionConcurrency(c.Context, account(c), str(in.FunctionName))
}

func (a *api) getAccountSettings(c *awsproto.Call, in *ls.GetAccountSettingsRequest) (*ls.GetAccountSettingsResponse, error) {
	s, err := a.svc.GetAccountSettings(c.Context, account(c))
	if err != nil {
		return nil, err
	}
	return &ls.GetAccountSettingsResponse{
		AccountLimit: &ls.AccountLimit{TotalCodeSize: &s.TotalCodeSizeLimit, CodeSizeUnzipped: &s.CodeSizeUnzipped,
			CodeSizeZipped: &s.CodeSizeZipped, ConcurrentExecutions: &s.ConcurrentExecutions, UnreservedConcurrentExecutions: &s.UnreservedConcurrency},
		AccountUsage: &ls.AccountUsage{TotalCodeSize: &s.TotalCodeSize, FunctionCount: &s.FunctionCount},
	}, nil
}

func (a *api) tagResource(c *awsproto.Call, in *ls.TagResourceRequest) (*none, error) {
	return nil, a.svc.TagResource(c.Context, account(c), str(in.Resource), in.Tags)
}

func (a *api) untagResource(c *awsproto.Call, in *ls.UntagResourceRequest) (*none, error) {
	return nil, a.svc.UntagResource(c.Context, account(c), str(in.Resource), in.TagKeys)
}

func (a *api) listTags(c *awsproto.Call, in *ls.ListTagsRequest) (*ls.ListTagsResponse, error) {
	tags, err := a.svc.ListTags(c.Context, account(c), str(in.Resource))
	if err != nil {
		return nil, err
	}
	return &ls.ListTagsResponse{Tags: tags}, nil
}
