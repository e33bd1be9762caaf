package confighistory_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/confighistory"
)

// withVersions records n versions of function id, one a minute, with
// configurations {"v":1} ... {"v":n}, and returns the capture time of each.
func (f *fixture) withVersions(t *testing.T, id string, n int) []time.Time {
	t.Helper()
	times := make([]time.Time, n)
	for i := range n {
		times[i] = f.clock.Now()
		f.record(t, fn(id, fmt.Sprintf(`{"v":%d}`, i+1)))
		f.clock.Add(time.Minute)
	}
	return times
}

func TestHistoryOrderTimeRangeAndPages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	times := f.withVersions(t, "f", 5)
	base := confighistory.HistoryQuery{Account: account, Region: region, ResourceType: fnType, ResourceID: "f"}
	cases := []struct {
		name string
		edit func(q *confighistory.HistoryQuery)
		want []string
	}{
		{"the default order is newest first", func(q *confighistory.HistoryQuery) {}, []string{`{"v":5}`, `{"v":4}`, `{"v":3}`, `{"v":2}`, `{"v":1}`}},
		{"Forward lists the oldest first", func(q *confighistory.HistoryQuery) { q.Forward = true }, []string{`{"v":1}`, `{"v":2}`, `{"v":3}`, `{"v":4}`, `{"v":5}`}},
		{"the time range includes both ends", func(q *confighistory.HistoryQuery) {
			q.Earlier, q.Later, q.Forward = times[1], times[3], true
		}, []string{`{"v":2}`, `{"v":3}`, `{"v":4}`}},
		{"an earlier time alone runs until now", func(q *confighistory.HistoryQuery) { q.Earlier = times[3] }, []string{`{"v":5}`, `{"v":4}`}},
		{"a later time alone runs from the first item", func(q *confighistory.HistoryQuery) { q.Later = times[1].Add(time.Second) }, []string{`{"v":2}`, `{"v":1}`}},
		{"a range between items is empty", func(q *confighistory.HistoryQuery) {
			q.Earlier, q.Later = times[1].Add(time.Second), times[2].Add(-time.Second)
		}, []string{}},
		{"an equal earlier and later time select the item captured then", func(q *confighistory.HistoryQuery) {
			q.Earlier, q.Later = times[2], times[2]
		}, []string{`{"v":3}`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := base
			tc.edit(&q)
			got := []string{}
			for page := 0; ; page++ {
				if page > 10 {
					t.Fatal("pages do not end")
				}
				q.Limit = 2
				items, next, err := f.rec.History(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				if len(items) > 2 {
					t.Fatalf("a page of %d items with limit 2", len(items))
				}
				got = append(got, configurations(items)...)
				if next == "" {
					break
				}
				q.NextToken = next
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestHistoryDefaultLimitIsTen(t *testing.T) {
	f := newFixture(t)
	f.withVersions(t, "f", 12)
	items, next, err := f.rec.History(context.Background(), confighistory.HistoryQuery{Account: account, Region: region, ResourceType: fnType, ResourceID: "f"})
	if err != nil || len(items) != 10 || next == "" {
		t.Errorf("got %d items, next %q, %v", len(items), next, err)
	}
}

func TestHistoryErrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	times := f.withVersions(t, "f", 3)
	f.withVersions(t, "g", 3)
	base := confighistory.HistoryQuery{Account: account, Region: region, ResourceType: fnType, ResourceID: "f", Limit: 1}
	_, token, err := f.rec.History(ctx, base)
	if err != nil || token == "" {
		t.Fatalf("first page: %q %v", token, err)
	}
	cases := []struct {
		name, code string
		edit       func(q *confighistory.HistoryQuery)
	}{
		{"a resource without items is not discovered", confighistory.CodeResourceNotDiscovered, func(q *confighistory.HistoryQuery) { q.ResourceID = "nope" }},
		{"another resource type of the same id is not discovered", confighistory.CodeResourceNotDiscovered, func(q *confighistory.HistoryQuery) { q.ResourceType = "AWS::Lambda::Alias" }},
		{"an earlier time after the later time is an invalid range", confighistory.CodeInvalidTimeRange, func(q *confighistory.HistoryQuery) {
			q.Earlier, q.Later = times[2], times[0]
		}},
		{"a limit over 100 is invalid", confighistory.CodeInvalidLimit, func(q *confighistory.HistoryQuery) { q.Limit = 101 }},
		{"a negative limit is invalid", confighistory.CodeInvalidLimit, func(q *confighistory.HistoryQuery) { q.Limit = -1 }},
		{"a token that is not base64 is invalid", confighistory.CodeInvalidNextToken, func(q *confighistory.HistoryQuery) { q.NextToken = "!!" }},
		{"a token of another resource's history is invalid", confighistory.CodeInvalidNextToken, func(q *confighistory.HistoryQuery) {
			q.ResourceID, q.NextToken = "g", token
		}},
		{"a token of the other order is invalid", confighistory.CodeInvalidNextToken, func(q *confighistory.HistoryQuery) {
			q.Forward, q.NextToken = true, token
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := base
			tc.edit(&q)
			if _, _, err := f.rec.History(ctx, q); !awserr.Is(err, tc.code) {
				t.Errorf("got %v, want %s", err, tc.code)
			}
		})
	}
}

func TestItemsAreScopedToAccountAndRegion(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.record(t, fn("f", `{"owner":"mine"}`))
	other := fn("f", `{"owner":"theirs"}`)
	other.Account = "444455556666"
	f.record(t, other)
	elsewhere := fn("f", `{"owner":"west"}`)
	elsewhere.Region = "us-west-2"
	f.record(t, elsewhere)

	t.Run("each account sees only its own history", func(t *testing.T) {
		mine, theirs := f.history(t, account, "f"), f.history(t, "444455556666", "f")
		if !reflect.DeepEqual(configurations(mine), []string{`{"owner":"mine"}`}) ||
			!reflect.DeepEqual(configurations(theirs), []string{`{"owner":"theirs"}`}) {
			t.Errorf("mine %q, theirs %q", configurations(mine), configurations(theirs))
		}
	})
	t.Run("an account without the resource gets ResourceNotDiscovered", func(t *testing.T) {
		_, _, err := f.rec.History(ctx, confighistory.HistoryQuery{Account: "777788889999", Region: region, ResourceType: fnType, ResourceID: "f"})
		if !awserr.Is(err, confighistory.CodeResourceNotDiscovered) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("another region's items are not listed or returned", func(t *testing.T) {
		res, _, err := f.rec.Resources(ctx, confighistory.ResourceQuery{Account: account, Region: "eu-west-1", ResourceType: fnType})
		if err != nil || len(res) != 0 {
			t.Errorf("resources %v %v", res, err)
		}
		items, err := f.rec.Latest(ctx, account, "us-west-2", []confighistory.ResourceKey{{Type: fnType, ID: "f"}})
		if err != nil || len(items) != 1 || items[0].Configuration != `{"owner":"west"}` {
			t.Errorf("latest %+v %v", items, err)
		}
	})
	t.Run("Latest of another account's resource returns nothing", func(t *testing.T) {
		items, err := f.rec.Latest(ctx, "777788889999", region, []confighistory.ResourceKey{{Type: fnType, ID: "f"}})
		if err != nil || len(items) != 0 {
			t.Errorf("got %+v %v", items, err)
		}
	})
}

func TestResourcesListsDiscoveredResources(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, id := range []string{"c", "a", "e", "b", "d"} {
		f.record(t, fn(id, `{}`))
	}
	gone := fn("d", `{}`)
	gone.Status = confighistory.StatusDeleted
	f.clock.Add(time.Minute)
	f.record(t, gone)
	alias := fn("a-alias", `{}`)
	alias.ResourceType = "AWS::Lambda::Alias"
	f.record(t, alias)

	cases := []struct {
		name string
		q    confighistory.ResourceQuery
		want []string
	}{
		{"resources of the type are listed by id without deleted ones", confighistory.ResourceQuery{}, []string{"a", "b", "c", "e"}},
		{"deleted resources are listed when asked for", confighistory.ResourceQuery{IncludeDeleted: true}, []string{"a", "b", "c", "d", "e"}},
		{"resource ids filter the list", confighistory.ResourceQuery{IDs: []string{"e", "a", "zz"}}, []string{"a", "e"}},
		{"a resource name filters the list", confighistory.ResourceQuery{Name: "c"}, []string{"c"}},
		{"a deleted resource named by id is left out without IncludeDeleted", confighistory.ResourceQuery{IDs: []string{"d"}}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.q
			q.Account, q.Region, q.ResourceType, q.Limit = account, region, fnType, 2
			var got []string
			for page := 0; ; page++ {
				if page > 10 {
					t.Fatal("pages do not end")
				}
				res, next, err := f.rec.Resources(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range res {
					got = append(got, r.ID)
					if r.Type != fnType || r.Name != r.ID {
						t.Errorf("got %+v", r)
					}
					if (r.ID == "d") != !r.Deleted.IsZero() {
						t.Errorf("%s: deletion time %v", r.ID, r.Deleted)
					}
				}
				if next == "" {
					break
				}
				q.NextToken = next
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("resource ids and a name together are a validation error", func(t *testing.T) {
		_, _, err := f.rec.Resources(ctx, confighistory.ResourceQuery{Account: account, Region: region, ResourceType: fnType, IDs: []string{"a"}, Name: "a"})
		if !awserr.Is(err, confighistory.CodeValidation) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a token of another filter is invalid", func(t *testing.T) {
		_, next, err := f.rec.Resources(ctx, confighistory.ResourceQuery{Account: account, Region: region, ResourceType: fnType, Limit: 1})
		if err != nil || next == "" {
			t.Fatalf("%q %v", next, err)
		}
		_, _, err = f.rec.Resources(ctx, confighistory.ResourceQuery{Account: account, Region: region, ResourceType: fnType, Limit: 1, IncludeDeleted: true, NextToken: next})
		if !awserr.Is(err, confighistory.CodeInvalidNextToken) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a recreated resource is discovered again and listed", func(t *testing.T) {
		f.clock.Add(time.Minute)
		f.record(t, fn("d", `{}`))
		got := f.history(t, account, "d")
		if len(got) != 3 || got[2].Status != confighistory.StatusDiscovered {
			t.Fatalf("got %+v", got)
		}
		res, _, err := f.rec.Resources(ctx, confighistory.ResourceQuery{Account: account, Region: region, ResourceType: fnType, IDs: []string{"d"}})
		if err != nil || len(res) != 1 || !res[0].Deleted.IsZero() {
			t.Errorf("got %+v %v", res, err)
		}
	})
}

func TestLatestReturnsEachResourcesNewestItem(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.withVersions(t, "a", 3)
	f.withVersions(t, "b", 1)
	gone := fn("c", `{}`)
	f.record(t, gone)
	gone.Status = confighistory.StatusDeleted
	f.record(t, gone)

	keys := []confighistory.ResourceKey{{Type: fnType, ID: "b"}, {Type: fnType, ID: "c"}, {Type: fnType, ID: "missing"}, {Type: fnType, ID: "a"}, {Type: fnType, ID: "b"}}
	items, err := f.rec.Latest(ctx, account, region, keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("items come in the order of the keys, once each, without deleted or unknown resources", func(t *testing.T) {
		var got []string
		for _, it := range items {
			got = append(got, it.ResourceID+" "+it.Configuration)
		}
		if want := []string{`b {"v":1}`, `a {"v":3}`}; !reflect.DeepEqual(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("no keys or more than 100 are a validation error", func(t *testing.T) {
		if _, err := f.rec.Latest(ctx, account, region, nil); !awserr.Is(err, confighistory.CodeValidation) {
			t.Errorf("no keys: %v", err)
		}
		many := make([]confighistory.ResourceKey, 101)
		if _, err := f.rec.Latest(ctx, account, region, many); !awserr.Is(err, confighistory.CodeValidation) {
			t.Errorf("101 keys: %v", err)
		}
	})
}
