package confighistory_test

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/clocktest"
	"github.com/stratus-cloud/stratus/internal/confighistory"
	"github.com/stratus-cloud/stratus/internal/store"
)

const (
	account = "111122223333"
	region  = "us-east-1"
	fnType  = "AWS::Lambda::Function"
)

type fixture struct {
	st    *store.Store
	rec   *confighistory.Recorder
	clock *clocktest.Clock
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	c := clocktest.New(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	rec, err := confighistory.New(ctx, confighistory.Config{Store: st, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{st: st, rec: rec, clock: c}
}

// fn returns an item of function name in the default account and region.
func fn(name, conf string) confighistory.Item {
	return confighistory.Item{
		Account: account, Region: region, ResourceType: fnType, ResourceID: name, ResourceName: name,
		ARN:           "arn:aws:lambda:" + region + ":" + account + ":function:" + name,
		Configuration: conf,
	}
}

func (f *fixture) record(t *testing.T, it confighistory.Item) {
	t.Helper()
	if err := f.rec.Record(context.Background(), it); err != nil {
		t.Fatal(err)
	}
}

// history returns every item of the function, oldest first.
func (f *fixture) history(t *testing.T, acct, id string) []confighistory.Item {
	t.Helper()
	items, next, err := f.rec.History(context.Background(), confighistory.HistoryQuery{
		Account: acct, Region: region, ResourceType: fnType, ResourceID: id, Forward: true, Limit: 100,
	})
	if err != nil {
		t.Fatal(err)
	}
	if next != "" {
		t.Fatalf("more than 100 items")
	}
	return items
}

func configurations(items []confighistory.Item) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.Configuration
	}
	return out
}

func TestRecordTxSkipsNoOpChanges(t *testing.T) {
	cases := []struct {
		name   string
		second func(it confighistory.Item) confighistory.Item
		want   int
	}{
		{"an identical item is skipped", func(it confighistory.Item) confighistory.Item { return it }, 1},
		{"the same configuration with keys in another order and spacing is skipped", func(it confighistory.Item) confighistory.Item {
			it.Configuration = `{ "Timeout": 3,  "MemorySize": 128 }`
			return it
		}, 1},
		{"new related events alone make no history", func(it confighistory.Item) confighistory.Item {
			it.RelatedEvents = []string{"ev-2"}
			return it
		}, 1},
		{"a changed configuration is recorded", func(it confighistory.Item) confighistory.Item {
			it.Configuration = `{"MemorySize":256,"Timeout":3}`
			return it
		}, 2},
		{"a changed supplementary configuration is recorded", func(it confighistory.Item) confighistory.Item {
			it.SupplementaryConfiguration = map[string]string{"Concurrency": `{"ReservedConcurrentExecutions":5}`}
			return it
		}, 2},
		{"changed tags are recorded", func(it confighistory.Item) confighistory.Item {
			it.Tags = map[string]string{"team": "core"}
			return it
		}, 2},
		{"a changed status with the same configuration is recorded", func(it confighistory.Item) confighistory.Item {
			it.Status = confighistory.StatusDeleted
			return it
		}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			first := fn("f", `{"MemorySize":128,"Timeout":3}`)
			first.RelatedEvents = []string{"ev-1"}
			f.record(t, first)
			f.clock.Add(time.Second)
			f.record(t, tc.second(first))
			if got := f.history(t, account, "f"); len(got) != tc.want {
				t.Errorf("got %d items %q, want %d", len(got), configurations(got), tc.want)
			}
		})
	}
}

func TestRecordTxFillsItemFields(t *testing.T) {
	f := newFixture(t)
	created := f.clock.Now().Add(-time.Hour)
	it := fn("f", `{"b":1,"a":"<x>"}`)
	it.ResourceCreationTime = created
	it.Tags = map[string]string{"k": "v"}
	it.RelatedEvents = []string{"ev-1"}
	f.record(t, it)
	f.clock.Add(time.Second)
	it.Configuration = `{"b":2}`
	f.record(t, it)
	got := f.history(t, account, "f")
	if len(got) != 2 {
		t.Fatalf("got %d items", len(got))
	}
	t.Run("the first item of a resource is ResourceDiscovered and later ones OK", func(t *testing.T) {
		if got[0].Status != confighistory.StatusDiscovered || got[1].Status != confighistory.StatusOK {
			t.Errorf("statuses %q, %q", got[0].Status, got[1].Status)
		}
	})
	t.Run("the configuration is stored compact with sorted keys and no HTML escaping", func(t *testing.T) {
		if got[0].Configuration != `{"a":"<x>","b":1}` {
			t.Errorf("got %s", got[0].Configuration)
		}
	})
	t.Run("version, capture time, creation time, tags and events read back", func(t *testing.T) {
		g := got[0]
		if g.Version != "1.3" || !g.CaptureTime.Equal(f.clock.Now().Add(-time.Second)) || !g.ResourceCreationTime.Equal(created) ||
			!reflect.DeepEqual(g.Tags, it.Tags) || !reflect.DeepEqual(g.RelatedEvents, it.RelatedEvents) || g.MD5Hash != "" ||
			g.ARN != it.ARN || g.ResourceName != "f" || len(g.SupplementaryConfiguration) != 0 {
			t.Errorf("got %+v", g)
		}
	})
	t.Run("state ids grow even when capture times do not", func(t *testing.T) {
		f.clock.Add(-time.Hour)
		it.Configuration = `{"b":3}`
		f.record(t, it)
		all := f.history(t, account, "f")
		var last int64
		for _, x := range all {
			id := mustInt(t, x.StateID)
			if id <= last {
				t.Errorf("state id %d follows %d", id, last)
			}
			last = id
		}
	})
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("state id %q is not a number", s)
	}
	return n
}

func TestRecordTxRejectsBadItems(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name string
		it   confighistory.Item
	}{
		{"an item without a resource id is rejected", confighistory.Item{Account: account, Region: region, ResourceType: fnType}},
		{"an item without an account is rejected", confighistory.Item{Region: region, ResourceType: fnType, ResourceID: "f"}},
		{"an unknown status is rejected", func() confighistory.Item { it := fn("f", ""); it.Status = "Gone"; return it }()},
		{"a configuration that is not JSON is rejected", fn("f", `{"a":`)},
		{"a configuration with trailing text is rejected", fn("f", `{} {}`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := f.rec.Record(context.Background(), tc.it); err == nil {
				t.Error("recorded")
			}
		})
	}
}

func TestRecordTxRollsBackWithTheCallersTransaction(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	boom := errors.New("the change failed")
	err := f.st.Update(ctx, func(tx *store.Tx) error {
		if err := f.rec.RecordTx(ctx, tx, fn("f", `{"a":1}`)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v", err)
	}
	t.Run("the history of the resource is not discovered", func(t *testing.T) {
		_, _, err := f.rec.History(ctx, confighistory.HistoryQuery{Account: account, Region: region, ResourceType: fnType, ResourceID: "f"})
		if !awserr.Is(err, confighistory.CodeResourceNotDiscovered) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("the resource is not listed", func(t *testing.T) {
		res, _, err := f.rec.Resources(ctx, confighistory.ResourceQuery{Account: account, Region: region, ResourceType: fnType, IncludeDeleted: true})
		if err != nil || len(res) != 0 {
			t.Errorf("got %v %v", res, err)
		}
	})
	t.Run("a committed item after the rollback is the resource's first", func(t *testing.T) {
		f.record(t, fn("f", `{"a":1}`))
		got := f.history(t, account, "f")
		if len(got) != 1 || got[0].Status != confighistory.StatusDiscovered {
			t.Errorf("got %+v", got)
		}
	})
}
