package ssmapi

import (
	"github.com/stratus-cloud/stratus/internal/awsproto"
	sh "github.com/stratus-cloud/stratus/internal/awsproto/shapes/ssmshapes"
	"github.com/stratus-cloud/stratus/internal/ssm"
)

func (a *api) putParameter(c *awsproto.Call, in *sh.PutParameterRequest) (*sh.PutParameterResult, error) {
	if in.Policies != nil {
		return nil, ssmValidation("Parameter policies are not supported.")
	}
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	version, tier, err := a.svc.PutParameter(c.Context, account(c), c.Region, ssm.PutInput{
		Name: str(in.Name), Value: str(in.Value), Type: str(in.Type), KeyID: str(in.KeyId),
		Description: in.Description, AllowedPattern: in.AllowedPattern, Tier: str(in.Tier), DataType: str(in.DataType),
		Overwrite: flag(in.Overwrite), Tags: tags, User: c.Principal.ARN,
	})
	if err != nil {
		return nil, err
	}
	return &sh.PutParameterResult{Version: ptr(version), Tier: ptr(tier)}, nil
}

func parameter(p *ssm.Parameter) sh.Parameter {
	return sh.Parameter{
		Name: ptr(p.Name), Type: ptr(p.Type), Value: ptr(p.Value), Version: ptr(p.Version), Selector: optional(p.Selector),
		LastModifiedDate: timePtr(p.Modified), ARN: ptr(p.ARN), DataType: ptr(p.DataType),
	}
}

func (a *api) getParameter(c *awsproto.Call, in *sh.GetParameterRequest) (*sh.GetParameterResult, error) {
	p, err := a.svc.GetParameter(c.Context, account(c), c.Region, str(in.Name), flag(in.WithDecryption))
	if err != nil {
		return nil, err
	}
	return &sh.GetParameterResult{Parameter: ptr(parameter(p))}, nil
}

func (a *api) getParameters(c *awsproto.Call, in *sh.GetParametersRequest) (*sh.GetParametersResult, error) {
	list, invalid, err := a.svc.GetParameters(c.Context, account(c), c.Region, in.Names, flag(in.WithDecryption))
	if err != nil {
		return nil, err
	}
	out := &sh.GetParametersResult{Parameters: make([]sh.Parameter, len(list)), InvalidParameters: invalid}
	for i, p := range list {
		out.Parameters[i] = parameter(p)
	}
	if out.InvalidParameters == nil {
		out.InvalidParameters = []string{}
	}
	return out, nil
}

func (a *api) getParametersByPath(c *awsproto.Call, in *sh.GetParametersByPathRequest) (*sh.GetParametersByPathResult, error) {
	list, next, err := a.svc.GetParametersByPath(c.Context, account(c), c.Region, ssm.PathInput{
		Path: str(in.Path), Recursive: flag(in.Recursive), Filters: filters(in.ParameterFilters), Decrypt: flag(in.WithDecryption),
		Max: num(in.MaxResults), NextToken: str(in.NextToken),
	})
	if err != nil {
		return nil, err
	}
	out := &sh.GetParametersByPathResult{Parameters: make([]sh.Parameter, len(list)), NextToken: optional(next)}
	for i, p := range list {
		out.Parameters[i] = parameter(p)
	}
	return out, nil
}

func (a *api) deleteParameter(c *awsproto.Call, in *sh.DeleteParameterRequest) (*sh.DeleteParameterResult, error) {
	if err := a.svc.DeleteParameter(c.Context, account(c), c.Region, str(in.Name)); err != nil {
		return nil, err
	}
	return &sh.DeleteParameterResult{}, nil
}

func (a *api) deleteParameters(c *awsproto.Call, in *sh.DeleteParametersRequest) (*sh.DeleteParametersResult, error) {
	deleted, invalid, err := a.svc.DeleteParameters(c.Context, account(c), c.Region, in.Names)
	if err != nil {
		return nil, err
	}
	out := &sh.DeleteParametersResult{DeletedParameters: deleted, InvalidParameters: invalid}
	if out.DeletedParameters == nil {
		out.DeletedParameters = []string{}
	}
	if out.InvalidParameters == nil {
		out.InvalidParameters = []string{}
	}
	return out, nil
}

func (a *api) getParameterHistory(c *awsproto.Call, in *sh.GetParameterHistoryRequest) (*sh.GetParameterHistoryResult, error) {
	list, next, err := a.svc.GetParameterHistory(c.Context, account(c), c.Region, str(in.Name), flag(in.WithDecryption), num(in.MaxResults), str(in.NextToken))
	if err != nil {
		return nil, err
	}
	out := &sh.GetParameterHistoryResult{Parameters: make([]sh.ParameterHistory, len(list)), NextToken: optional(next)}
	for i, p := range list {
		out.Parameters[i] = sh.ParameterHistory{
			Name: ptr(p.Name), Type: ptr(p.Type), KeyId: optional(p.KeyID), LastModifiedDate: timePtr(p.Modified),
			LastModifiedUser: optional(p.ModifiedUser), Description: optional(p.Description), Value: ptr(p.Value),
			AllowedPattern: optional(p.AllowedPattern), Version: ptr(p.Version), Labels: p.Labels, Tier: ptr(p.Tier),
			Policies: []sh.ParameterInlinePolicy{}, DataType: ptr(p.DataType),
		}
		if out.Parameters[i].Labels == nil {
			out.Parameters[i].Labels = []string{}
		}
	}
	return out, nil
}

func (a *api) describeParameters(c *awsproto.Call, in *sh.DescribeParametersRequest) (*sh.DescribeParametersResult, error) {
	if flag(in.Shared) {
		return &sh.DescribeParametersResult{Parameters: []sh.ParameterMetadata{}}, nil
	}
	legacy := make([]ssm.Filter, len(in.Filters))
	for i, f := range in.Filters {
		legacy[i] = ssm.Filter{Key: str(f.Key), Values: f.Values}
	}
	list, next, err := a.svc.DescribeParameters(c.Context, account(c), c.Region, ssm.DescribeInput{
		Filters: filters(in.ParameterFilters), Legacy: legacy, Max: num(in.MaxResults), NextToken: str(in.NextToken),
	})
	if err != nil {
		return nil, err
	}
	out := &sh.DescribeParametersResult{Parameters: make([]sh.ParameterMetadata, len(list)), NextToken: optional(next)}
	for i, p := range list {
		out.Parameters[i] = sh.ParameterMetadata{
			Name: ptr(p.Name), ARN: ptr(p.ARN), Type: ptr(p.Type), KeyId: optional(p.KeyID), LastModifiedDate: timePtr(p.Modified),
			LastModifiedUser: optional(p.ModifiedUser), Description: optional(p.Description), AllowedPattern: optional(p.AllowedPattern),
			Version: ptr(p.Version), Tier: ptr(p.Tier), Policies: []sh.ParameterInlinePolicy{}, DataType: ptr(p.DataType),
		}
	}
	return out, nil
}

func (a *api) labelParameterVersion(c *awsproto.Call, in *sh.LabelParameterVersionRequest) (*sh.LabelParameterVersionResult, error) {
	var version int64
	if in.ParameterVersion != nil {
		version = *in.ParameterVersion
	}
	invalid, version, err := a.svc.LabelParameterVersion(c.Context, account(c), c.Region, str(in.Name), version, in.Labels)
	if err != nil {
		return nil, err
	}
	if invalid == nil {
		invalid = []string{}
	}
	return &sh.LabelParameterVersionResult{InvalidLabels: invalid, ParameterVersion: ptr(version)}, nil
}

func (a *api) unlabelParameterVersion(c *awsproto.Call, in *sh.UnlabelParameterVersionRequest) (*sh.UnlabelParameterVersionResult, error) {
	var version int64
	if in.ParameterVersion != nil {
		version = *in.ParameterVersion
	}
	removed, invalid, err := a.svc.UnlabelParameterVersion(c.Context, account(c), c.Region, str(in.Name), version, in.Labels)
	if err != nil {
		return nil, err
	}
	if removed == nil {
		removed = []string{}
	}
	if invalid == nil {
		invalid = []string{}
	}
	return &sh.UnlabelParameterVersionResult{RemovedLabels: removed, InvalidLabels: invalid}, nil
}

func (a *api) addTagsToResource(c *awsproto.Call, in *sh.AddTagsToResourceRequest) (*sh.AddTagsToResourceResult, error) {
	if err := checkResourceType(str(in.ResourceType)); err != nil {
		return nil, err
	}
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	if err := a.svc.AddTagsToParameter(c.Context, account(c), c.Region, str(in.ResourceId), tags); err != nil {
		return nil, err
	}
	return &sh.AddTagsToResourceResult{}, nil
}

func (a *api) removeTagsFromResource(c *awsproto.Call, in *sh.RemoveTagsFromResourceRequest) (*sh.RemoveTagsFromResourceResult, error) {
	if err := checkResourceType(str(in.ResourceType)); err != nil {
		return nil, err
	}
	if err := a.svc.RemoveTagsFromParameter(c.Context, account(c), c.Region, str(in.ResourceId), in.TagKeys); err != nil {
		return nil, err
	}
	return &sh.RemoveTagsFromResourceResult{}, nil
}

func (a *api) listTagsForResource(c *awsproto.Call, in *sh.ListTagsForResourceRequest) (*sh.ListTagsForResourceResult, error) {
	if err := checkResourceType(str(in.ResourceType)); err != nil {
		return nil, err
	}
	tags, err := a.svc.ListTagsForParameter(c.Context, account(c), c.Region, str(in.ResourceId))
	if err != nil {
		return nil, err
	}
	return &sh.ListTagsForResourceResult{TagList: tagList(tags)}, nil
}
