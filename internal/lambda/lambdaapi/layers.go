package lambdaapi

import (
	"strconv"
	"strings"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	ls "github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/lambda"
)

// layerOps serves the layer operations. As AWS lists them: PublishLayerVersion
// and ListLayerVersions act on the layer, GetLayerVersion and
// DeleteLayerVersion on the layer version, ListLayers on "*".
// GetLayerVersionByArn has no IAM action of its own: it is
// lambda:GetLayerVersion on the ARN it names.
func (a *api) layerOps(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		ls.OpPublishLayerVersion: awsproto.Typed(b, layer(a, func(in *ls.PublishLayerVersionRequest) (*string, *int64) { return in.LayerName, nil }), a.publishLayerVersion),
		ls.OpGetLayerVersion:     awsproto.Typed(b, layer(a, func(in *ls.GetLayerVersionRequest) (*string, *int64) { return in.LayerName, in.VersionNumber }), a.getLayerVersion),
		ls.OpGetLayerVersionByArn: awsproto.WithAction(
			awsproto.Typed(b, resource(func(in *ls.GetLayerVersionByArnRequest) *string { return in.Arn }), a.getLayerVersionByARN),
			"lambda:GetLayerVersion"),
		ls.OpListLayers:         awsproto.Typed(b, nil, a.listLayers),
		ls.OpListLayerVersions:  awsproto.Typed(b, layer(a, func(in *ls.ListLayerVersionsRequest) (*string, *int64) { return in.LayerName, nil }), a.listLayerVersions),
		ls.OpDeleteLayerVersion: awsproto.Typed(b, layer(a, func(in *ls.DeleteLayerVersionRequest) (*string, *int64) { return in.LayerName, in.VersionNumber }), a.deleteLayerVersion),
	}
}

// layer authorizes on the layer ARN, or on the layer version ARN when the call
// names a version (whatever its number: version 0 is still a version ARN).
func layer[In any](a *api, get func(*In) (name *string, version *int64)) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		n, v := get(in)
		arn, err := a.svc.LayerARN(account(c), str(n), 0)
		if err != nil {
			return nil, err
		}
		if v != nil {
			arn += ":" + strconv.FormatInt(*v, 10)
		}
		return []string{arn}, nil
	}
}

func (a *api) publishLayerVersion(c *awsproto.Call, in *ls.PublishLayerVersionRequest) (*ls.PublishLayerVersionResponse, error) {
	li := lambda.LayerInput{
		Name: str(in.LayerName), Description: str(in.Description), LicenseInfo: str(in.LicenseInfo),
		CompatibleRuntimes: in.CompatibleRuntimes, CompatibleArchitectures: in.CompatibleArchitectures,
	}
	if in.Content != nil {
		li.ZipFile = in.Content.ZipFile
	}
	lv, err := a.svc.PublishLayerVersion(c.Context, account(c), li)
	if err != nil {
		return nil, err
	}
	out := ls.PublishLayerVersionResponse(*layerVersionOut(lv))
	return &out, nil
}

func (a *api) getLayerVersion(c *awsproto.Call, in *ls.GetLayerVersionRequest) (*ls.GetLayerVersionResponse, error) {
	lv, err := a.svc.GetLayerVersion(c.Context, account(c), str(in.LayerName), num(in.VersionNumber))
	if err != nil {
		return nil, err
	}
	return layerVersionOut(lv), nil
}

func (a *api) getLayerVersionByARN(c *awsproto.Call, in *ls.GetLayerVersionByArnRequest) (*ls.GetLayerVersionResponse, error) {
	lv, err := a.svc.GetLayerVersionByARN(c.Context, account(c), str(in.Arn))
	if err != nil {
		return nil, err
	}
	return layerVersionOut(lv), nil
}

func (a *api) listLayers(c *awsproto.Call, in *ls.ListLayersRequest) (*ls.ListLayersResponse, error) {
	f := lambda.LayerFilter{Runtime: str(in.CompatibleRuntime), Architecture: str(in.CompatibleArchitecture)}
	lvs, next, err := a.svc.ListLayers(c.Context, account(c), f, page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &ls.ListLayersResponse{Layers: make([]ls.LayersListItem, len(lvs)), NextMarker: marker(next)}
	for i, lv := range lvs {
		out.Layers[i] = ls.LayersListItem{
			LayerName: ptr(lv.LayerARN[strings.LastIndex(lv.LayerARN, ":")+1:]), LayerArn: ptr(lv.LayerARN),
			LatestMatchingVersion: layerListItem(lv),
		}
	}
	return out, nil
}

func (a *api) listLayerVersions(c *awsproto.Call, in *ls.ListLayerVersionsRequest) (*ls.ListLayerVersionsResponse, error) {
	f := lambda.LayerFilter{Runtime: str(in.CompatibleRuntime), Architecture: str(in.CompatibleArchitecture)}
	lvs, next, err := a.svc.ListLayerVersions(c.Context, account(c), str(in.LayerName), f, page(in.Marker, in.MaxItems))
	if err != nil {
		return nil, err
	}
	out := &ls.ListLayerVersionsResponse{LayerVersions: make([]ls.LayerVersionsListItem, len(lvs)), NextMarker: marker(next)}
	for i, lv := range lvs {
		out.LayerVersions[i] = *layerListItem(lv)
	}
	return out, nil
}

func (a *api) deleteLayerVersion(c *awsproto.Call, in *ls.DeleteLayerVersionRequest) (*none, error) {
	return nil, a.svc.DeleteLayerVersion(c.Context, account(c), str(in.LayerName), num(in.VersionNumber))
}

// layerVersionOut is what PublishLayerVersion, GetLayerVersion and
// GetLayerVersionByArn answer.
func layerVersionOut(lv *lambda.LayerVersion) *ls.GetLayerVersionResponse {
	out := &ls.GetLayerVersionResponse{
		Content:  &ls.LayerVersionContentOutput{CodeSha256: ptr(lv.CodeSha256), CodeSize: ptr(lv.CodeSize)},
		LayerArn: ptr(lv.LayerARN), LayerVersionArn: ptr(lv.LayerVersionARN), Description: ptr(lv.Description),
		CreatedDate: ptr(lv.Created.Format(lambda.TimeFormat)), Version: ptr(lv.Version),
		CompatibleRuntimes: lv.CompatibleRuntimes, CompatibleArchitectures: lv.CompatibleArchitectures,
		LicenseInfo: optional(lv.LicenseInfo),
	}
	out.Content.Location = optional(lv.Location)
	return out
}

func layerListItem(lv *lambda.LayerVersion) *ls.LayerVersionsListItem {
	return &ls.LayerVersionsListItem{
		LayerVersionArn: ptr(lv.LayerVersionARN), Version: ptr(lv.Version), Description: ptr(lv.Description),
		CreatedDate:        ptr(lv.Created.Format(lambda.TimeFormat)),
		CompatibleRuntimes: lv.CompatibleRuntimes, CompatibleArchitectures: lv.CompatibleArchitectures,
		LicenseInfo: optional(lv.LicenseInfo),
	}
}

// optional is nil for "", which the encoder leaves out, as AWS leaves out
// members it has no value for.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
