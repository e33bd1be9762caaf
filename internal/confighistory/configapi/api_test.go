package configapi_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	configsdk "github.com/aws/aws-sdk-go-v2/service/configservice"
	"github.com/aws/aws-sdk-go-v2/service/configservice/types"

	"github.com/stratus-cloud/stratus/internal/confighistory"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

const fnType = "AWS::Lambda::Function"

const readAll = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"config:*","Resource":"*"}]}`

// versions records n versions of function id in account, an hour apart and
// ending an hour ago, with configurations {"v":1} ... {"v":n}; it returns
// their capture times.
func (e *env) versions(t *testing.T, account, id string, n int) []time.Time {
	t.Helper()
	start := e.Clock.Now().Truncate(time.Millisecond).Add(-time.Duration(n) * time.Hour)
	times := make([]time.Time, n)
	for i := range n {
		times[i] = start.Add(time.Duration(i) * time.Hour)
		e.record(t, confighistory.Item{
			Account: account, Region: apitest.Region, ResourceType: fnType, ResourceID: id, ResourceName: id,
			ARN:                        "arn:aws:lambda:" + apitest.Region + ":" + account + ":function:" + id,
			CaptureTime:                times[i],
			Configuration:              `{"v":` + string(rune('0'+i+1)) + `}`,
			SupplementaryConfiguration: map[string]string{"Concurrency": `{"ReservedConcurrentExecutions":2}`},
			Tags:                       map[string]string{"team": "core"},
			RelatedEvents:              []string{"event-" + string(rune('0'+i+1))},
			ResourceCreationTime:       start,
		})
	}
	return times
}

func confs(items []types.ConfigurationItem) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, aws.ToString(it.Configuration))
	}
	return out
}

func TestGetResourceConfigHistoryThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	times := e.versions(t, e.Account, "fn", 3)

	t.Run("the history is newest first with every field of an item", func(t *testing.T) {
		out, err := c.GetResourceConfigHistory(ctx, &configsdk.GetResourceConfigHistoryInput{ResourceType: fnType, ResourceId: aws.String("fn")})
		if err != nil {
			t.Fatal(err)
		}
		if got := confs(out.ConfigurationItems); !reflect.DeepEqual(got, []string{`{"v":3}`, `{"v":2}`, `{"v":1}`}) || out.NextToken != nil {
			t.Fatalf("got %q, next %v", got, out.NextToken)
		}
		newest, oldest := out.ConfigurationItems[0], out.ConfigurationItems[2]
		if aws.ToString(newest.Version) != "1.3" || aws.ToString(newest.AccountId) != e.Account || aws.ToString(newest.AwsRegion) != apitest.Region ||
			newest.ResourceType != fnType || aws.ToString(newest.ResourceId) != "fn" || aws.ToString(newest.ResourceName) != "fn" ||
			aws.ToString(newest.Arn) != "arn:aws:lambda:us-east-1:"+e.Account+":function:fn" ||
			newest.ConfigurationItemStatus != types.ConfigurationItemStatusOk || oldest.ConfigurationItemStatus != types.ConfigurationItemStatusResourceDiscovered ||
			!aws.ToTime(newest.ConfigurationItemCaptureTime).Equal(times[2]) || !aws.ToTime(newest.ResourceCreationTime).Equal(times[0]) ||
			newest.Tags["team"] != "core" || newest.SupplementaryConfiguration["Concurrency"] != `{"ReservedConcurrentExecutions":2}` ||
			!reflect.DeepEqual(newest.RelatedEvents, []string{"event-3"}) || aws.ToString(newest.ConfigurationStateId) <= aws.ToString(oldest.ConfigurationStateId) {
			t.Errorf("got %+v", newest)
		}
	})
	t.Run("the paginator walks Forward pages of one item oldest first", func(t *testing.T) {
		p := configsdk.NewGetResourceConfigHistoryPaginator(c, &configsdk.GetResourceConfigHistoryInput{
			ResourceType: fnType, ResourceId: aws.String("fn"), ChronologicalOrder: types.ChronologicalOrderForward, Limit: 1,
		})
		var got []string
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.ConfigurationItems) > 1 {
				t.Fatalf("a page of %d items", len(page.ConfigurationItems))
			}
			got = append(got, confs(page.ConfigurationItems)...)
		}
		if !reflect.DeepEqual(got, []string{`{"v":1}`, `{"v":2}`, `{"v":3}`}) {
			t.Errorf("got %q", got)
		}
	})
	t.Run("earlier and later times bound the capture time", func(t *testing.T) {
		out, err := c.GetResourceConfigHistory(ctx, &configsdk.GetResourceConfigHistoryInput{
			ResourceType: fnType, ResourceId: aws.String("fn"), EarlierTime: aws.Time(times[1]), LaterTime: aws.Time(times[1].Add(time.Minute)),
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := confs(out.ConfigurationItems); !reflect.DeepEqual(got, []string{`{"v":2}`}) {
			t.Errorf("got %q", got)
		}
	})

	errCases := []struct {
		name, code string
		in         *configsdk.GetResourceConfigHistoryInput
		typed      any
	}{
		{"a resource without items is ResourceNotDiscoveredException", "ResourceNotDiscoveredException",
			&configsdk.GetResourceConfigHistoryInput{ResourceType: fnType, ResourceId: aws.String("nope")}, new(*types.ResourceNotDiscoveredException)},
		{"an earlier time after the later time is InvalidTimeRangeException", "InvalidTimeRangeException",
			&configsdk.GetResourceConfigHistoryInput{ResourceType: fnType, ResourceId: aws.String("fn"), EarlierTime: aws.Time(times[2]), LaterTime: aws.Time(times[0])},
			new(*types.InvalidTimeRangeException)},
		{"a made-up next token is InvalidNextTokenException", "InvalidNextTokenException",
			&configsdk.GetResourceConfigHistoryInput{ResourceType: fnType, ResourceId: aws.String("fn"), NextToken: aws.String("bm9wZQ")},
			new(*types.InvalidNextTokenException)},
		{"a limit over 100 is rejected by model validation", "ValidationException",
			&configsdk.GetResourceConfigHistoryInput{ResourceType: fnType, ResourceId: aws.String("fn"), Limit: 101}, new(*types.ValidationException)},
		{"an unknown resource type is rejected by model validation", "ValidationException",
			&configsdk.GetResourceConfigHistoryInput{ResourceType: "AWS::No::Such", ResourceId: aws.String("fn")}, new(*types.ValidationException)},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.GetResourceConfigHistory(ctx, tc.in)
			if got := apitest.APICode(err); got != tc.code {
				t.Fatalf("got %q (%v), want %s", got, err, tc.code)
			}
			if !errors.As(err, tc.typed) {
				t.Errorf("the SDK did not decode %T", tc.typed)
			}
		})
	}
}

func TestListDiscoveredResourcesThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	for _, id := range []string{"b", "a", "c"} {
		e.versions(t, e.Account, id, 1)
	}
	e.record(t, confighistory.Item{Account: e.Account, Region: apitest.Region, ResourceType: fnType, ResourceID: "c", ResourceName: "c",
		Status: confighistory.StatusDeleted, Configuration: `{"v":1}`})

	ids := func(out *configsdk.ListDiscoveredResourcesOutput) []string {
		got := []string{}
		for _, r := range out.ResourceIdentifiers {
			got = append(got, aws.ToString(r.ResourceId))
		}
		return got
	}
	t.Run("deleted resources are left out by default", func(t *testing.T) {
		out, err := c.ListDiscoveredResources(ctx, &configsdk.ListDiscoveredResourcesInput{ResourceType: fnType})
		if err != nil || !reflect.DeepEqual(ids(out), []string{"a", "b"}) || out.NextToken != nil {
			t.Errorf("got %v %v", out, err)
		}
	})
	t.Run("deleted resources carry their deletion time when included", func(t *testing.T) {
		p := configsdk.NewListDiscoveredResourcesPaginator(c, &configsdk.ListDiscoveredResourcesInput{ResourceType: fnType, IncludeDeletedResources: true, Limit: 1})
		var got []types.ResourceIdentifier
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, page.ResourceIdentifiers...)
		}
		if len(got) != 3 || aws.ToString(got[2].ResourceId) != "c" || got[2].ResourceDeletionTime == nil || got[0].ResourceDeletionTime != nil ||
			got[0].ResourceType != fnType || aws.ToString(got[0].ResourceName) != "a" {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("a resource name filters the list", func(t *testing.T) {
		out, err := c.ListDiscoveredResources(ctx, &configsdk.ListDiscoveredResourcesInput{ResourceType: fnType, ResourceName: aws.String("b")})
		if err != nil || !reflect.DeepEqual(ids(out), []string{"b"}) {
			t.Errorf("got %v %v", out, err)
		}
	})
	t.Run("resource ids and a name together are a ValidationException", func(t *testing.T) {
		_, err := c.ListDiscoveredResources(ctx, &configsdk.ListDiscoveredResourcesInput{ResourceType: fnType, ResourceName: aws.String("b"), ResourceIds: []string{"b"}})
		if got := apitest.APICode(err); got != "ValidationException" {
			t.Errorf("got %q", got)
		}
	})
}

func TestBatchGetResourceConfigThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	e.versions(t, e.Account, "a", 2)
	out, err := c.BatchGetResourceConfig(ctx, &configsdk.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{
		{ResourceType: fnType, ResourceId: aws.String("missing")}, {ResourceType: fnType, ResourceId: aws.String("a")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the latest item of each known resource is returned and unknown ones are left out", func(t *testing.T) {
		if len(out.BaseConfigurationItems) != 1 || len(out.UnprocessedResourceKeys) != 0 {
			t.Fatalf("got %+v", out)
		}
		it := out.BaseConfigurationItems[0]
		if aws.ToString(it.ResourceId) != "a" || aws.ToString(it.Configuration) != `{"v":2}` || aws.ToString(it.AccountId) != e.Account ||
			it.ConfigurationItemStatus != types.ConfigurationItemStatusOk || aws.ToString(it.Version) != "1.3" {
			t.Errorf("got %+v", it)
		}
	})
	t.Run("no keys is rejected by model validation", func(t *testing.T) {
		_, err := c.BatchGetResourceConfig(ctx, &configsdk.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{}})
		if got := apitest.APICode(err); got != "ValidationException" {
			t.Errorf("got %q", got)
		}
	})
}

func TestCallersSeeOnlyTheirAccountsItems(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	other := e.newAccount(t, "member")
	e.versions(t, e.Account, "shared-name", 2)
	e.versions(t, other, "shared-name", 1)
	e.versions(t, other, "theirs-only", 1)
	mine, theirs := e.client(e.Admin), e.client(e.NewUser(t, other, "reader", readAll))

	t.Run("each account's history of the same id is its own", func(t *testing.T) {
		a, err1 := mine.GetResourceConfigHistory(ctx, &configsdk.GetResourceConfigHistoryInput{ResourceType: fnType, ResourceId: aws.String("shared-name")})
		b, err2 := theirs.GetResourceConfigHistory(ctx, &configsdk.GetResourceConfigHistoryInput{ResourceType: fnType, ResourceId: aws.String("shared-name")})
		if err1 != nil || err2 != nil || len(a.ConfigurationItems) != 2 || len(b.ConfigurationItems) != 1 ||
			aws.ToString(b.ConfigurationItems[0].AccountId) != other {
			t.Errorf("mine %v %v, theirs %v %v", a, err1, b, err2)
		}
	})
	t.Run("another account's resource is not discovered", func(t *testing.T) {
		_, err := mine.GetResourceConfigHistory(ctx, &configsdk.GetResourceConfigHistoryInput{ResourceType: fnType, ResourceId: aws.String("theirs-only")})
		if got := apitest.APICode(err); got != "ResourceNotDiscoveredException" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("another account's resources are neither listed nor batch-read", func(t *testing.T) {
		l, err := mine.ListDiscoveredResources(ctx, &configsdk.ListDiscoveredResourcesInput{ResourceType: fnType})
		if err != nil || len(l.ResourceIdentifiers) != 1 || aws.ToString(l.ResourceIdentifiers[0].ResourceId) != "shared-name" {
			t.Errorf("list: %+v %v", l, err)
		}
		b, err := mine.BatchGetResourceConfig(ctx, &configsdk.BatchGetResourceConfigInput{ResourceKeys: []types.ResourceKey{{ResourceType: fnType, ResourceId: aws.String("theirs-only")}}})
		if err != nil || len(b.BaseConfigurationItems) != 0 {
			t.Errorf("batch: %+v %v", b, err)
		}
	})
}
