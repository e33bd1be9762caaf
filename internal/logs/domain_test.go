package logs_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/logs"
)

func TestLogGroups(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, n := range []string{"/aws/lambda/a", "/aws/lambda/b", "app-DataLogs", "other"} {
		f.group(t, n)
	}
	t.Run("a duplicate group is ResourceAlreadyExistsException", func(t *testing.T) {
		if got := code(f.svc.CreateLogGroup(ctx, acct, region, "other", nil)); got != logs.CodeResourceAlreadyExists {
			t.Errorf("got %q", got)
		}
	})
	t.Run("the same name in another region is another group", func(t *testing.T) {
		if err := f.svc.CreateLogGroup(ctx, acct, "eu-west-1", "other", nil); err != nil {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a name with a space is InvalidParameterException", func(t *testing.T) {
		if got := code(f.svc.CreateLogGroup(ctx, acct, region, "a b", nil)); got != logs.CodeInvalidParameter {
			t.Errorf("got %q", got)
		}
	})
	t.Run("prefix selects by name start", func(t *testing.T) {
		gs, next, err := f.svc.DescribeLogGroups(ctx, acct, region, logs.GroupQuery{Prefix: "/aws/lambda/"})
		if err != nil || next != "" || len(gs) != 2 || gs[0].Name != "/aws/lambda/a" {
			t.Errorf("got %v %q %v", gs, next, err)
		}
	})
	t.Run("pattern is a case-sensitive substring", func(t *testing.T) {
		gs, _, _ := f.svc.DescribeLogGroups(ctx, acct, region, logs.GroupQuery{Pattern: "DataLogs"})
		none, _, _ := f.svc.DescribeLogGroups(ctx, acct, region, logs.GroupQuery{Pattern: "datalogs"})
		if len(gs) != 1 || gs[0].Name != "app-DataLogs" || len(none) != 0 {
			t.Errorf("got %v and %v", gs, none)
		}
	})
	t.Run("prefix and pattern together are InvalidParameterException", func(t *testing.T) {
		_, _, err := f.svc.DescribeLogGroups(ctx, acct, region, logs.GroupQuery{Prefix: "a", Pattern: "b"})
		if code(err) != logs.CodeInvalidParameter {
			t.Errorf("got %v", err)
		}
	})
	t.Run("pages of one walk every group once", func(t *testing.T) {
		var names []string
		tok := ""
		for {
			gs, next, err := f.svc.DescribeLogGroups(ctx, acct, region, logs.GroupQuery{Limit: 1, Token: tok})
			if err != nil {
				t.Fatal(err)
			}
			for _, g := range gs {
				names = append(names, g.Name)
			}
			if next == "" {
				break
			}
			tok = next
		}
		if got := strings.Join(names, ","); got != "/aws/lambda/a,/aws/lambda/b,app-DataLogs,other" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("only AWS's retention values are accepted", func(t *testing.T) {
		if got := code(f.svc.PutRetentionPolicy(ctx, acct, region, "other", 2)); got != logs.CodeInvalidParameter {
			t.Errorf("2 days: got %q", got)
		}
		if err := f.svc.PutRetentionPolicy(ctx, acct, region, "other", 3653); err != nil {
			t.Errorf("3653 days: %v", err)
		}
		g, _ := f.svc.GetLogGroup(ctx, acct, region, "other")
		if g.RetentionDays != 3653 {
			t.Errorf("retention = %d", g.RetentionDays)
		}
		if err := f.svc.DeleteRetentionPolicy(ctx, acct, region, "other"); err != nil {
			t.Fatal(err)
		}
		g, _ = f.svc.GetLogGroup(ctx, acct, region, "other")
		if g.RetentionDays != 0 {
			t.Errorf("retention after delete = %d", g.RetentionDays)
		}
	})
	t.Run("deleting a group removes its streams and events", func(t *testing.T) {
		f.stream(t, "/aws/lambda/b", "s")
		if _, err := f.svc.PutLogEvents(ctx, acct, region, "/aws/lambda/b", "s", events(f.clock.Now(), "x")); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteLogGroup(ctx, acct, region, "/aws/lambda/b"); err != nil {
			t.Fatal(err)
		}
		if got := code(f.svc.DeleteLogGroup(ctx, acct, region, "/aws/lambda/b")); got != logs.CodeResourceNotFound {
			t.Errorf("second delete: %q", got)
		}
		f.group(t, "/aws/lambda/b")
		ss, _, _ := f.svc.DescribeLogStreams(ctx, acct, region, "/aws/lambda/b", logs.StreamQuery{})
		if len(ss) != 0 {
			t.Errorf("streams survived: %v", ss)
		}
	})
}

func TestLogStreams(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.group(t, "g")
	now := f.clock.Now()
	for i, n := range []string{"b", "a", "c"} {
		f.stream(t, "g", n)
		if _, err := f.svc.PutLogEvents(ctx, acct, region, "g", n, events(now.Add(time.Duration(i)*time.Minute), "hello")); err != nil {
			t.Fatal(err)
		}
	}
	list := func(q logs.StreamQuery) string {
		var names []string
		for {
			ss, next, err := f.svc.DescribeLogStreams(ctx, acct, region, "g", q)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range ss {
				names = append(names, s.Name)
			}
			if next == "" {
				return strings.Join(names, ",")
			}
			q.Token = next
		}
	}
	tests := []struct {
		name string
		q    logs.StreamQuery
		want string
	}{
		{"streams come by name by default", logs.StreamQuery{}, "a,b,c"},
		{"descending reverses the name order", logs.StreamQuery{Descending: true}, "c,b,a"},
		{"LastEventTime orders by the newest event", logs.StreamQuery{ByLastEventTime: true}, "b,a,c"},
		{"LastEventTime descending puts the freshest first", logs.StreamQuery{ByLastEventTime: true, Descending: true}, "c,a,b"},
		{"pages of one by LastEventTime see every stream", logs.StreamQuery{ByLastEventTime: true, Limit: 1}, "b,a,c"},
		{"pages of one by name descending see every stream", logs.StreamQuery{Descending: true, Limit: 1}, "c,b,a"},
		{"prefix selects by name start", logs.StreamQuery{Prefix: "a"}, "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := list(tc.q); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
	t.Run("a stream reports its event times and bytes", func(t *testing.T) {
		ss, _, _ := f.svc.DescribeLogStreams(ctx, acct, region, "g", logs.StreamQuery{Prefix: "c"})
		s := ss[0]
		want := now.Add(2 * time.Minute).UnixMilli()
		if s.FirstEvent.UnixMilli() != want || s.LastEvent.UnixMilli() != want || s.StoredBytes != 5 || s.LastIngestion.IsZero() || s.SequenceToken() == "" {
			t.Errorf("got %+v", s)
		}
	})
	t.Run("prefix with LastEventTime is InvalidParameterException", func(t *testing.T) {
		_, _, err := f.svc.DescribeLogStreams(ctx, acct, region, "g", logs.StreamQuery{Prefix: "a", ByLastEventTime: true})
		if code(err) != logs.CodeInvalidParameter {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a duplicate stream is ResourceAlreadyExistsException", func(t *testing.T) {
		if got := code(f.svc.CreateLogStream(ctx, acct, region, "g", "a")); got != logs.CodeResourceAlreadyExists {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a stream in a missing group is ResourceNotFoundException", func(t *testing.T) {
		if got := code(f.svc.CreateLogStream(ctx, acct, region, "nope", "a")); got != logs.CodeResourceNotFound {
			t.Errorf("got %q", got)
		}
	})
	t.Run("deleting a stream takes its bytes off the group", func(t *testing.T) {
		if err := f.svc.DeleteLogStream(ctx, acct, region, "g", "a"); err != nil {
			t.Fatal(err)
		}
		g, _ := f.svc.GetLogGroup(ctx, acct, region, "g")
		if g.StoredBytes != 10 {
			t.Errorf("stored bytes = %d, want 10", g.StoredBytes)
		}
		if got := code(f.svc.DeleteLogStream(ctx, acct, region, "g", "a")); got != logs.CodeResourceNotFound {
			t.Errorf("second delete: %q", got)
		}
	})
}

func TestPutLogEventsLimits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.group(t, "g")
	f.stream(t, "g", "s")
	now := f.clock.Now()
	at := func(d time.Duration, msg string) logs.Event { return logs.Event{Timestamp: now.Add(d), Message: msg} }
	big := strings.Repeat("x", 1<<20-26)
	tests := []struct {
		name  string
		batch []logs.Event
	}{
		{"events out of order are rejected", []logs.Event{at(0, "b"), at(-time.Second, "a")}},
		{"a batch spanning more than 24 hours is rejected", []logs.Event{at(-25*time.Hour, "a"), at(0, "b")}},
		{"a batch over 1 MiB counting 26 bytes an event is rejected", []logs.Event{at(0, big), at(0, "y")}},
		{"more than 10,000 events are rejected", slices.Repeat([]logs.Event{at(0, "x")}, 10001)},
		{"an empty batch is rejected", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.PutLogEvents(ctx, acct, region, "g", "s", tc.batch)
			if code(err) != logs.CodeInvalidParameter {
				t.Errorf("got %v", err)
			}
		})
	}
	t.Run("a batch of exactly 1 MiB is accepted", func(t *testing.T) {
		if _, err := f.svc.PutLogEvents(ctx, acct, region, "g", "s", []logs.Event{at(0, big)}); err != nil {
			t.Errorf("got %v", err)
		}
	})
	t.Run("too old, expired and too new events are reported, the rest stored", func(t *testing.T) {
		f.group(t, "r")
		f.stream(t, "r", "s")
		if err := f.svc.PutRetentionPolicy(ctx, acct, region, "r", 1); err != nil {
			t.Fatal(err)
		}
		batch := []logs.Event{at(-20*time.Hour-15*24*time.Hour, "tooold")} // kept separate: span rule
		res, err := f.svc.PutLogEvents(ctx, acct, region, "r", "s", batch)
		if err != nil || res.Rejected == nil || res.Rejected.TooOldEnd == nil || *res.Rejected.TooOldEnd != 1 {
			t.Fatalf("too old: %+v %v", res.Rejected, err)
		}
		// A one-day retention expires the first two once 40 minutes pass.
		f.clock.Add(40 * time.Minute)
		batch = []logs.Event{at(-23*time.Hour-30*time.Minute, "expired1"), at(-23*time.Hour-25*time.Minute, "expired2"), at(-time.Hour, "ok1")}
		res, err = f.svc.PutLogEvents(ctx, acct, region, "r", "s", batch)
		if err != nil {
			t.Fatal(err)
		}
		if r := res.Rejected; r == nil || r.ExpiredEnd == nil || *r.ExpiredEnd != 2 || r.TooNewStart != nil || r.TooOldEnd != nil {
			t.Fatalf("rejected = %+v", r)
		}
		res, err = f.svc.PutLogEvents(ctx, acct, region, "r", "s", []logs.Event{at(0, "ok2"), at(3*time.Hour, "new1"), at(4*time.Hour, "new2")})
		if err != nil {
			t.Fatal(err)
		}
		if r := res.Rejected; r == nil || r.TooNewStart == nil || *r.TooNewStart != 1 || r.ExpiredEnd != nil {
			t.Fatalf("rejected = %+v", r)
		}
		got, err := f.svc.GetLogEvents(ctx, acct, region, "r", "s", logs.GetQuery{StartFromHead: true})
		if err != nil {
			t.Fatal(err)
		}
		if m := strings.Join(messages(got.Events), ","); m != "ok1,ok2" {
			t.Errorf("stored %s", m)
		}
	})
	t.Run("writing to a missing stream is ResourceNotFoundException", func(t *testing.T) {
		_, err := f.svc.PutLogEvents(ctx, acct, region, "g", "nope", events(now, "x"))
		if code(err) != logs.CodeResourceNotFound {
			t.Errorf("got %v", err)
		}
	})
}

func TestGetLogEventsTokens(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.group(t, "g")
	f.stream(t, "g", "s")
	now := f.clock.Now()
	var msgs []string
	for i := range 7 {
		msgs = append(msgs, fmt.Sprintf("m%d", i))
	}
	if _, err := f.svc.PutLogEvents(ctx, acct, region, "g", "s", events(now, msgs...)); err != nil {
		t.Fatal(err)
	}
	get := func(q logs.GetQuery) logs.GetResult {
		t.Helper()
		r, err := f.svc.GetLogEvents(ctx, acct, region, "g", "s", q)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	t.Run("by default the newest events come, oldest first", func(t *testing.T) {
		r := get(logs.GetQuery{Limit: 3})
		if got := strings.Join(messages(r.Events), ","); got != "m4,m5,m6" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("forward tokens walk from the head and repeat at the end", func(t *testing.T) {
		var all []string
		r := get(logs.GetQuery{Limit: 3, StartFromHead: true})
		for range 10 {
			all = append(all, messages(r.Events)...)
			next := get(logs.GetQuery{Limit: 3, Token: r.NextForward})
			if next.NextForward == r.NextForward {
				if len(next.Events) != 0 {
					t.Errorf("same token with events %v", messages(next.Events))
				}
				break
			}
			r = next
		}
		if got := strings.Join(all, ","); got != strings.Join(msgs, ",") {
			t.Errorf("got %s", got)
		}
	})
	t.Run("backward tokens walk to the head and repeat there", func(t *testing.T) {
		r := get(logs.GetQuery{Limit: 3})
		var pages []string
		for range 10 {
			pages = append(pages, strings.Join(messages(r.Events), ","))
			next := get(logs.GetQuery{Limit: 3, Token: r.NextBackward})
			if next.NextBackward == r.NextBackward {
				break
			}
			r = next
		}
		if got := strings.Join(pages, "|"); got != "m4,m5,m6|m1,m2,m3|m0" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("start is inclusive and end exclusive", func(t *testing.T) {
		r := get(logs.GetQuery{StartFromHead: true, Start: now.Add(-5 * time.Second), End: now.Add(-2 * time.Second)})
		if got := strings.Join(messages(r.Events), ","); got != "m1,m2,m3" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("a forged token is InvalidParameterException", func(t *testing.T) {
		_, err := f.svc.GetLogEvents(ctx, acct, region, "g", "s", logs.GetQuery{Token: "f/zz"})
		if code(err) != logs.CodeInvalidParameter {
			t.Errorf("got %v", err)
		}
	})
}

func TestFilterLogEvents(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.group(t, "g")
	now := f.clock.Now()
	// Two streams written interleaved in time.
	f.stream(t, "g", "web-1")
	f.stream(t, "g", "db-1")
	put := func(stream string, d time.Duration, msg string) {
		if _, err := f.svc.PutLogEvents(ctx, acct, region, "g", stream, []logs.Event{{Timestamp: now.Add(d), Message: msg}}); err != nil {
			t.Fatal(err)
		}
	}
	put("web-1", -4*time.Second, "ERROR one")
	put("db-1", -3*time.Second, `{"level":"ERROR","latency":120}`)
	put("web-1", -2*time.Second, "INFO two")
	put("db-1", -1*time.Second, `{"level":"INFO","latency":20}`)
	put("web-1", 0, "ERROR three")
	filter := func(q logs.FilterQuery) string {
		t.Helper()
		var out []string
		for {
			evs, next, err := f.svc.FilterLogEvents(ctx, acct, region, "g", q)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range evs {
				out = append(out, e.Stream+":"+e.Message)
			}
			if next == "" {
				return strings.Join(out, "|")
			}
			q.Token = next
		}
	}
	tests := []struct {
		name string
		q    logs.FilterQuery
		want string
	}{
		{"events of all streams interleave by time", logs.FilterQuery{Pattern: "two"}, "web-1:INFO two"},
		{"a term selects across streams", logs.FilterQuery{Pattern: "ERROR"},
			`web-1:ERROR one|db-1:{"level":"ERROR","latency":120}|web-1:ERROR three`},
		{"a JSON pattern selects only JSON events", logs.FilterQuery{Pattern: `{ $.latency > 100 }`}, `db-1:{"level":"ERROR","latency":120}`},
		{"stream names restrict the search", logs.FilterQuery{Pattern: "ERROR", Streams: []string{"db-1"}}, `db-1:{"level":"ERROR","latency":120}`},
		{"a stream prefix restricts the search", logs.FilterQuery{Pattern: "ERROR", StreamPrefix: "web"}, "web-1:ERROR one|web-1:ERROR three"},
		{"start and end are inclusive", logs.FilterQuery{Start: now.Add(-2 * time.Second), End: now.Add(-time.Second), Streams: []string{"web-1"}}, "web-1:INFO two"},
		{"pages of one return every match once", logs.FilterQuery{Pattern: "ERROR", Limit: 1},
			`web-1:ERROR one|db-1:{"level":"ERROR","latency":120}|web-1:ERROR three`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := filter(tc.q); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
	t.Run("a broken pattern is InvalidParameterException", func(t *testing.T) {
		_, _, err := f.svc.FilterLogEvents(ctx, acct, region, "g", logs.FilterQuery{Pattern: "{ $.a = "})
		if code(err) != logs.CodeInvalidParameter {
			t.Errorf("got %v", err)
		}
	})
	t.Run("event ids are unique across streams", func(t *testing.T) {
		evs, _, _ := f.svc.FilterLogEvents(ctx, acct, region, "g", logs.FilterQuery{})
		seen := map[string]bool{}
		for _, e := range evs {
			if seen[e.ID] || e.ID == "" {
				t.Errorf("duplicate or empty id %q", e.ID)
			}
			seen[e.ID] = true
		}
		if len(evs) != 5 {
			t.Errorf("got %d events", len(evs))
		}
	})
}

func TestAppendCreatesGroupAndStream(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := f.clock.Now()
	batch := []logs.Event{{Timestamp: now, Message: "END"}, {Timestamp: now.Add(-time.Second), Message: "START"}}
	if err := f.svc.Append(ctx, acct, region, "/aws/lambda/fn", "2025/06/01/[$LATEST]abc", batch); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Append(ctx, acct, region, "/aws/lambda/fn", "2025/06/01/[$LATEST]abc", events(now.Add(time.Second), "REPORT")); err != nil {
		t.Fatal(err)
	}
	t.Run("the group and stream exist after the first write", func(t *testing.T) {
		ss, _, err := f.svc.DescribeLogStreams(ctx, acct, region, "/aws/lambda/fn", logs.StreamQuery{})
		if err != nil || len(ss) != 1 || ss[0].Name != "2025/06/01/[$LATEST]abc" {
			t.Errorf("got %v %v", ss, err)
		}
	})
	t.Run("events are stored in time order", func(t *testing.T) {
		r, err := f.svc.GetLogEvents(ctx, acct, region, "/aws/lambda/fn", "2025/06/01/[$LATEST]abc", logs.GetQuery{StartFromHead: true})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(messages(r.Events), ","); got != "START,END,REPORT" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("a bad stream name is InvalidParameterException", func(t *testing.T) {
		if got := code(f.svc.Append(ctx, acct, region, "g", "a:b", events(now, "x"))); got != logs.CodeInvalidParameter {
			t.Errorf("got %q", got)
		}
	})
}

func TestConcurrentAppendsShareGroupCommits(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := f.clock.Now()
	const writers, each = 8, 20
	before := f.st.Stats()
	errs := make(chan error, writers)
	for w := range writers {
		go func() {
			var err error
			for i := range each {
				if e := f.svc.Append(ctx, acct, region, "/aws/lambda/fn", fmt.Sprintf("s%d", w), events(now, fmt.Sprint(i))); e != nil {
					err = e
				}
			}
			errs <- err
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	after := f.st.Stats()
	t.Run("every append is one store update", func(t *testing.T) {
		if got := after.Updates - before.Updates; got != writers*each {
			t.Errorf("updates = %d, want %d", got, writers*each)
		}
	})
	t.Run("every event is stored", func(t *testing.T) {
		evs, _, err := f.svc.FilterLogEvents(ctx, acct, region, "/aws/lambda/fn", logs.FilterQuery{})
		if err != nil || len(evs) != writers*each {
			t.Errorf("got %d events, %v", len(evs), err)
		}
	})
}

func TestAppendBatchesWritesEveryGoodBatchInOneCommit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := f.clock.Now()
	err := f.svc.AppendBatches(ctx, []logs.Batch{
		{Account: acct, Region: region, Group: "/aws/lambda/a", Stream: "s1", Events: events(now, "a1")},
		{Account: acct, Region: region, Group: "/aws/lambda/a", Stream: "s2", Events: events(now, "a2")},
		{Account: acct, Region: region, Group: "/aws/lambda/a", Stream: "s1", Events: events(now.Add(time.Millisecond), "a3")},
		{Account: acct, Region: region, Group: "bad:name", Stream: "s", Events: events(now, "lost")},
	})
	if code(err) != logs.CodeInvalidParameter {
		t.Fatalf("err = %v, want the bad batch reported", err)
	}
	for stream, want := range map[string][]string{"s1": {"a1", "a3"}, "s2": {"a2"}} {
		r, err := f.svc.GetLogEvents(ctx, acct, region, "/aws/lambda/a", stream, logs.GetQuery{StartFromHead: true})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range r.Events {
			got = append(got, e.Message)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("stream %s = %v, want %v", stream, got, want)
		}
	}
}
