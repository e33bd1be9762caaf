package configapi

import (
	"fmt"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/configshapes"
	"github.com/stratus-cloud/stratus/internal/confighistory"
)

// api implements the operations over the configuration history.
type api struct {
	rec *confighistory.Recorder
}

// New returns the AWS Config API for the router: its model, action prefix
// "config" and the implemented operations.
func New(rec *confighistory.Recorder, b *bind.Binder) (*awsproto.Service, error) {
	m, err := configshapes.Service()
	if err != nil {
		return nil, fmt.Errorf("load config model: %w", err)
	}
	a := &api{rec: rec}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "config",
		AccessDeniedCode: "AccessDeniedException",
		Ops:              a.ops(b),
	}, nil
}

// ops are the implemented operations. None names a resource: AWS authorizes
// all three against "*".
func (a *api) ops(b *bind.Binder) map[string]awsproto.Op {
	return map[string]awsproto.Op{
		configshapes.OpGetResourceConfigHistory: awsproto.Typed(b, nil, a.getResourceConfigHistory),
		configshapes.OpListDiscoveredResources:  awsproto.Typed(b, nil, a.listDiscoveredResources),
		configshapes.OpBatchGetResourceConfig:   awsproto.Typed(b, nil, a.batchGetResourceConfig),
	}
}

func (a *api) getResourceConfigHistory(c *awsproto.Call, in *configshapes.GetResourceConfigHistoryRequest) (*configshapes.GetResourceConfigHistoryResponse, error) {
	items, next, err := a.rec.History(c.Context, confighistory.HistoryQuery{
		Account: c.Principal.Account, Region: c.Region,
		ResourceType: str(in.ResourceType), ResourceID: str(in.ResourceId),
		Earlier: timeOf(in.EarlierTime), Later: timeOf(in.LaterTime),
		Forward: str(in.ChronologicalOrder) == configshapes.ChronologicalOrderForward,
		Limit:   intOf(in.Limit), NextToken: str(in.NextToken),
	})
	if err != nil {
		return nil, err
	}
	out := &configshapes.GetResourceConfigHistoryResponse{ConfigurationItems: make([]configshapes.ConfigurationItem, len(items))}
	for i, it := range items {
		out.ConfigurationItems[i] = configurationItem(it)
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

func (a *api) listDiscoveredResources(c *awsproto.Call, in *configshapes.ListDiscoveredResourcesRequest) (*configshapes.ListDiscoveredResourcesResponse, error) {
	res, next, err := a.rec.Resources(c.Context, confighistory.ResourceQuery{
		Account: c.Principal.Account, Region: c.Region, ResourceType: str(in.ResourceType),
		IDs: in.ResourceIds, Name: str(in.ResourceName),
		IncludeDeleted: in.IncludeDeletedResources != nil && *in.IncludeDeletedResources,
		Limit:          intOf(in.Limit), NextToken: str(in.NextToken),
	})
	if err != nil {
		return nil, err
	}
	out := &configshapes.ListDiscoveredResourcesResponse{ResourceIdentifiers: make([]configshapes.ResourceIdentifier, len(res))}
	for i, r := range res {
		out.ResourceIdentifiers[i] = configshapes.ResourceIdentifier{
			ResourceType: ptr(r.Type), ResourceId: ptr(r.ID), ResourceName: nonEmpty(r.Name), ResourceDeletionTime: timePtr(r.Deleted),
		}
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

func (a *api) batchGetResourceConfig(c *awsproto.Call, in *configshapes.BatchGetResourceConfigRequest) (*configshapes.BatchGetResourceConfigResponse, error) {
	keys := make([]confighistory.ResourceKey, len(in.ResourceKeys))
	for i, k := range in.ResourceKeys {
		keys[i] = confighistory.ResourceKey{Type: str(k.ResourceType), ID: str(k.ResourceId)}
	}
	items, err := a.rec.Latest(c.Context, c.Principal.Account, c.Region, keys)
	if err != nil {
		return nil, err
	}
	out := &configshapes.BatchGetResourceConfigResponse{
		BaseConfigurationItems:  make([]configshapes.BaseConfigurationItem, len(items)),
		UnprocessedResourceKeys: []configshapes.ResourceKey{},
	}
	for i, it := range items {
		ci := configurationItem(it)
		out.BaseConfigurationItems[i] = configshapes.BaseConfigurationItem{
			Version: ci.Version, AccountId: ci.AccountId, ConfigurationItemCaptureTime: ci.ConfigurationItemCaptureTime,
			ConfigurationItemStatus: ci.ConfigurationItemStatus, ConfigurationStateId: ci.ConfigurationStateId,
			Arn: ci.Arn, ResourceType: ci.ResourceType, ResourceId: ci.ResourceId, ResourceName: ci.ResourceName,
			AwsRegion: ci.AwsRegion, ResourceCreationTime: ci.ResourceCreationTime,
			Configuration: ci.Configuration, SupplementaryConfiguration: ci.SupplementaryConfiguration,
		}
	}
	return out, nil
}

// configurationItem is the wire form of an item.
func configurationItem(it confighistory.Item) configshapes.ConfigurationItem {
	ci := configshapes.ConfigurationItem{
		Version: ptr(it.Version), AccountId: ptr(it.Account), AwsRegion: ptr(it.Region),
		ConfigurationItemCaptureTime: timePtr(it.CaptureTime), ConfigurationItemStatus: ptr(it.Status),
		ConfigurationStateId: ptr(it.StateID), ConfigurationItemMD5Hash: ptr(it.MD5Hash),
		Arn: nonEmpty(it.ARN), ResourceType: ptr(it.ResourceType), ResourceId: ptr(it.ResourceID),
		ResourceName: nonEmpty(it.ResourceName), ResourceCreationTime: timePtr(it.ResourceCreationTime),
		Tags: it.Tags, RelatedEvents: it.RelatedEvents, Relationships: []configshapes.Relationship{},
		Configuration: nonEmpty(it.Configuration), SupplementaryConfiguration: it.SupplementaryConfiguration,
	}
	if ci.Tags == nil {
		ci.Tags = map[string]string{}
	}
	if ci.RelatedEvents == nil {
		ci.RelatedEvents = []string{}
	}
	if ci.SupplementaryConfiguration == nil {
		ci.SupplementaryConfiguration = map[string]string{}
	}
	return ci
}

// Conversions.

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timeOf(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func intOf(p *int64) int {
	if p == nil {
		return 0
	}
	return int(*p)
}
