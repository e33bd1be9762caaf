package ssmapi

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	sh "github.com/stratus-cloud/stratus/internal/awsproto/shapes/ssmshapes"
	"github.com/stratus-cloud/stratus/internal/ssm"
)

// api implements the operations over the Parameter Store domain.
type api struct {
	svc *ssm.Service
}

// New returns the Parameter Store API for the router: the SSM model, action
// prefix "ssm" and the implemented operations.
func New(svc *ssm.Service, b *bind.Binder) (*awsproto.Service, error) {
	m, err := sh.Service()
	if err != nil {
		return nil, fmt.Errorf("load ssm model: %w", err)
	}
	a := &api{svc: svc}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "ssm",
		AccessDeniedCode: "AccessDeniedException",
		Ops:              a.ops(b),
	}, nil
}

func (a *api) ops(b *bind.Binder) map[string]awsproto.Op {
	type (
		put = sh.PutParameterRequest
		get = sh.GetParameterRequest
		del = sh.DeleteParameterRequest
		his = sh.GetParameterHistoryRequest
		lbl = sh.LabelParameterVersionRequest
		ulb = sh.UnlabelParameterVersionRequest
	)
	return map[string]awsproto.Op{
		sh.OpPutParameter:            awsproto.Typed(b, paramRes(func(in *put) *string { return in.Name }), a.putParameter),
		sh.OpGetParameter:            awsproto.Typed(b, paramRes(func(in *get) *string { return in.Name }), a.getParameter),
		sh.OpGetParameters:           awsproto.Typed(b, a.getParametersRes, a.getParameters),
		sh.OpGetParametersByPath:     awsproto.Typed(b, a.pathRes, a.getParametersByPath),
		sh.OpDeleteParameter:         awsproto.Typed(b, paramRes(func(in *del) *string { return in.Name }), a.deleteParameter),
		sh.OpDeleteParameters:        awsproto.Typed(b, a.deleteParametersRes, a.deleteParameters),
		sh.OpGetParameterHistory:     awsproto.Typed(b, paramRes(func(in *his) *string { return in.Name }), a.getParameterHistory),
		sh.OpDescribeParameters:      awsproto.Typed(b, nil, a.describeParameters),
		sh.OpLabelParameterVersion:   awsproto.Typed(b, paramRes(func(in *lbl) *string { return in.Name }), a.labelParameterVersion),
		sh.OpUnlabelParameterVersion: awsproto.Typed(b, paramRes(func(in *ulb) *string { return in.Name }), a.unlabelParameterVersion),
		sh.OpAddTagsToResource:       awsproto.Typed(b, tagRes(func(in *sh.AddTagsToResourceRequest) (*string, *string) { return in.ResourceType, in.ResourceId }), a.addTagsToResource),
		sh.OpRemoveTagsFromResource:  awsproto.Typed(b, tagRes(func(in *sh.RemoveTagsFromResourceRequest) (*string, *string) { return in.ResourceType, in.ResourceId }), a.removeTagsFromResource),
		sh.OpListTagsForResource:     awsproto.Typed(b, tagRes(func(in *sh.ListTagsForResourceRequest) (*string, *string) { return in.ResourceType, in.ResourceId }), a.listTagsForResource),
	}
}

func account(c *awsproto.Call) string { return c.Principal.Account }

// paramRes authorizes against the ARN of the parameter a request names.
func paramRes[In any](name func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		return []string{ssm.RefARN(c.Region, account(c), str(name(in)))}, nil
	}
}

func (a *api) getParametersRes(c *awsproto.Call, in *sh.GetParametersRequest) ([]string, error) {
	return refARNs(c, in.Names), nil
}

func (a *api) deleteParametersRes(c *awsproto.Call, in *sh.DeleteParametersRequest) ([]string, error) {
	return refARNs(c, in.Names), nil
}

// refARNs returns the ARN of every parameter names names, each once.
func refARNs(c *awsproto.Call, names []string) []string {
	set := map[string]bool{}
	for _, n := range names {
		set[ssm.RefARN(c.Region, account(c), n)] = true
	}
	return slices.Sorted(maps.Keys(set))
}

func (a *api) pathRes(c *awsproto.Call, in *sh.GetParametersByPathRequest) ([]string, error) {
	return []string{ssm.PathARN(c.Region, account(c), str(in.Path))}, nil
}

// tagRes authorizes a tagging call against the parameter it names; other
// resource types are not served.
func tagRes[In any](fields func(*In) (typ, id *string)) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		typ, id := fields(in)
		if err := checkResourceType(str(typ)); err != nil {
			return nil, err
		}
		return []string{ssm.RefARN(c.Region, account(c), str(id))}, nil
	}
}

func ssmValidation(format string, args ...any) error {
	return awserr.New(ssm.CodeValidation, 400, format, args...)
}

func checkResourceType(typ string) error {
	if typ != sh.ResourceTypeForTaggingParameter {
		return awserr.New(ssm.CodeInvalidResourceType, 400, "The resource type %s is not supported: Stratus serves only the resource type Parameter.", typ)
	}
	return nil
}

// Conversions.

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func flag(p *bool) bool { return p != nil && *p }

func num(p *int64) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

func ptr[T any](v T) *T { return &v }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func tagMap(tags []sh.Tag) (map[string]string, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if _, dup := m[str(t.Key)]; dup {
			return nil, awserr.New(ssm.CodeValidation, 400, "Duplicate tag key: %s", str(t.Key))
		}
		m[str(t.Key)] = str(t.Value)
	}
	return m, nil
}

func tagList(m map[string]string) []sh.Tag {
	out := make([]sh.Tag, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, sh.Tag{Key: ptr(k), Value: ptr(m[k])})
	}
	return out
}

func filters(in []sh.ParameterStringFilter) []ssm.Filter {
	out := make([]ssm.Filter, len(in))
	for i, f := range in {
		out[i] = ssm.Filter{Key: str(f.Key), Option: str(f.Option), Values: f.Values}
	}
	return out
}
