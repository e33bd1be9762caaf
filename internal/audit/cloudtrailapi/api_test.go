package cloudtrailapi_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	ctsdk "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/stratus-cloud/stratus/internal/audit"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// seed records the calls the lookup tests search, and returns the window
// that holds them (and not the LookupEvents calls the tests make).
func seed(e *env) (start, end time.Time) {
	e.call(e.Lambda, "CreateFunction", "c1", e.Account, "alice", t0.Add(1*time.Minute), map[string]any{"FunctionName": "f1"})
	e.call(e.Lambda, "GetFunction", "c2", e.Account, "bob", t0.Add(2*time.Minute), map[string]any{"FunctionName": "f1"})
	e.call(e.SQS, "CreateQueue", "c3", e.Account, "alice", t0.Add(3*time.Minute), map[string]any{"QueueName": "q1"})
	e.call(e.Lambda, "DeleteFunction", "c4", e.Account, "bob", t0.Add(4*time.Minute), map[string]any{"FunctionName": "f1"})
	e.call(e.Lambda, "Invoke", "data", e.Account, "alice", t0.Add(5*time.Minute), map[string]any{"FunctionName": "f1"})
	e.call(e.Lambda, "CreateFunction", "other", "999999999999", "mallory", t0.Add(6*time.Minute), map[string]any{"FunctionName": "f1"})
	return t0, t0.Add(time.Hour)
}

// ids maps events back to the request ids of seed.
func ids(events []types.Event) []string {
	by := map[string]string{}
	for _, r := range []string{"c1", "c2", "c3", "c4", "data", "other"} {
		by[audit.EventID(r)] = r
	}
	var out []string
	for _, ev := range events {
		out = append(out, by[aws.ToString(ev.EventId)])
	}
	return out
}

func TestLookupEventsFilters(t *testing.T) {
	e := newEnv(t)
	start, end := seed(e)
	c := e.client(e.Admin)
	attr := func(k types.LookupAttributeKey, v string) []types.LookupAttribute {
		return []types.LookupAttribute{{AttributeKey: k, AttributeValue: aws.String(v)}}
	}
	cases := []struct {
		name       string
		attrs      []types.LookupAttribute
		start, end time.Time
		want       []string
	}{
		{"without attributes it answers the account's management events newest first", nil, start, end, []string{"c4", "c3", "c2", "c1"}},
		{"EventName selects the calls of one operation", attr(types.LookupAttributeKeyEventName, "CreateFunction"), start, end, []string{"c1"}},
		{"ReadOnly true selects reads", attr(types.LookupAttributeKeyReadOnly, "true"), start, end, []string{"c2"}},
		{"ReadOnly false selects writes", attr(types.LookupAttributeKeyReadOnly, "false"), start, end, []string{"c4", "c3", "c1"}},
		{"Username selects one user's calls", attr(types.LookupAttributeKeyUsername, "bob"), start, end, []string{"c4", "c2"}},
		{"EventSource selects one service", attr(types.LookupAttributeKeyEventSource, "sqs.amazonaws.com"), start, end, []string{"c3"}},
		{"AccessKeyId selects one key's calls", attr(types.LookupAttributeKeyAccessKeyId, "AKIAalice"), start, end, []string{"c3", "c1"}},
		{"EventId selects one event", attr(types.LookupAttributeKeyEventId, audit.EventID("c2")), start, end, []string{"c2"}},
		{"ResourceType selects calls naming such a resource", attr(types.LookupAttributeKeyResourceType, "AWS::Lambda::Function"), start, end, []string{"c4", "c2", "c1"}},
		{"ResourceName selects calls naming the resource", attr(types.LookupAttributeKeyResourceName, "q1"), start, end, []string{"c3"}},
		{"an unknown resource name matches nothing", attr(types.LookupAttributeKeyResourceName, "nope"), start, end, nil},
		{"StartTime and EndTime bound the event time inclusively", nil, t0.Add(2 * time.Minute), t0.Add(3 * time.Minute), []string{"c3", "c2"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.LookupEvents(context.Background(), &ctsdk.LookupEventsInput{
				LookupAttributes: tc.attrs, StartTime: aws.Time(tc.start), EndTime: aws.Time(tc.end)})
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(out.Events); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLookupEventsAnswersTheEventFields(t *testing.T) {
	e := newEnv(t)
	seed(e)
	out, err := e.client(e.Admin).LookupEvents(context.Background(), &ctsdk.LookupEventsInput{
		LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyEventId, AttributeValue: aws.String(audit.EventID("c1"))}}})
	if err != nil || len(out.Events) != 1 {
		t.Fatalf("%v, %d events", err, len(out.Events))
	}
	ev := out.Events[0]
	var rec map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(ev.CloudTrailEvent)), &rec); err != nil {
		t.Fatalf("CloudTrailEvent is not JSON: %v", err)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"EventName is the operation", aws.ToString(ev.EventName), "CreateFunction"},
		{"EventSource is the service's endpoint", aws.ToString(ev.EventSource), "lambda.amazonaws.com"},
		{"Username is the caller", aws.ToString(ev.Username), "alice"},
		{"AccessKeyId is the caller's key", aws.ToString(ev.AccessKeyId), "AKIAalice"},
		{"ReadOnly is false for a write", aws.ToString(ev.ReadOnly), "false"},
		{"EventTime is the call's time", aws.ToTime(ev.EventTime).UTC(), t0.Add(time.Minute)},
		{"CloudTrailEvent is the record", rec["requestID"], "c1"},
		{"Resources name the function", len(ev.Resources), 1},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %v", c.got, c.want)
			}
		})
	}
	if len(ev.Resources) == 1 && (aws.ToString(ev.Resources[0].ResourceType) != "AWS::Lambda::Function" || aws.ToString(ev.Resources[0].ResourceName) != "f1") {
		t.Errorf("resource %+v", ev.Resources[0])
	}
}

func TestLookupEventsPaginates(t *testing.T) {
	e := newEnv(t)
	start, end := seed(e)
	c := e.client(e.Admin)
	in := &ctsdk.LookupEventsInput{StartTime: aws.Time(start), EndTime: aws.Time(end), MaxResults: aws.Int32(3)}
	var pages [][]string
	p := ctsdk.NewLookupEventsPaginator(c, in)
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, ids(out.Events))
	}
	t.Run("pages of MaxResults follow each other newest first without repeats", func(t *testing.T) {
		if len(pages) != 2 || !slices.Equal(pages[0], []string{"c4", "c3", "c2"}) || !slices.Equal(pages[1], []string{"c1"}) {
			t.Errorf("pages %v", pages)
		}
	})
	t.Run("the default page holds at most 50 events", func(t *testing.T) {
		for i := range 55 {
			e.call(e.SQS, "CreateQueue", "bulk", e.Account, "carol", t0.Add(time.Duration(i)*time.Second), map[string]any{"QueueName": "b"})
		}
		out, err := c.LookupEvents(context.Background(), &ctsdk.LookupEventsInput{StartTime: aws.Time(start), EndTime: aws.Time(end)})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Events) != 50 || out.NextToken == nil {
			t.Errorf("%d events, next token %v", len(out.Events), out.NextToken)
		}
	})
}

func TestLookupEventsErrors(t *testing.T) {
	e := newEnv(t)
	start, end := seed(e)
	c := e.client(e.Admin)
	first, err := c.LookupEvents(context.Background(), &ctsdk.LookupEventsInput{StartTime: aws.Time(start), EndTime: aws.Time(end), MaxResults: aws.Int32(1)})
	if err != nil || first.NextToken == nil {
		t.Fatalf("%v, token %v", err, first)
	}
	two := []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyEventName, AttributeValue: aws.String("CreateFunction")},
		{AttributeKey: types.LookupAttributeKeyUsername, AttributeValue: aws.String("alice")},
	}
	cases := []struct {
		name string
		in   *ctsdk.LookupEventsInput
		want string
	}{
		{"two lookup attributes are refused", &ctsdk.LookupEventsInput{LookupAttributes: two}, "InvalidLookupAttributesException"},
		// Values outside the model's enum and range are refused by the
		// router's model validation before LookupEvents runs.
		{"an unknown attribute key is refused by model validation", &ctsdk.LookupEventsInput{LookupAttributes: []types.LookupAttribute{{AttributeKey: "Color", AttributeValue: aws.String("x")}}}, "ValidationException"},
		{"a ReadOnly value other than true or false is refused", &ctsdk.LookupEventsInput{LookupAttributes: []types.LookupAttribute{{AttributeKey: types.LookupAttributeKeyReadOnly, AttributeValue: aws.String("maybe")}}}, "InvalidLookupAttributesException"},
		{"a start after the end is refused", &ctsdk.LookupEventsInput{StartTime: aws.Time(end), EndTime: aws.Time(start)}, "InvalidTimeRangeException"},
		{"MaxResults over 50 is refused by model validation", &ctsdk.LookupEventsInput{MaxResults: aws.Int32(51)}, "ValidationException"},
		{"MaxResults 0 is refused by model validation", &ctsdk.LookupEventsInput{MaxResults: aws.Int32(0)}, "ValidationException"},
		{"a token that is not ours is refused", &ctsdk.LookupEventsInput{NextToken: aws.String("garbage")}, "InvalidNextTokenException"},
		{"a token made for another selection is refused", &ctsdk.LookupEventsInput{NextToken: first.NextToken}, "InvalidNextTokenException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.LookupEvents(context.Background(), tc.in)
			if got := apitest.APICode(err); got != tc.want {
				t.Errorf("got %q (%v), want %s", got, err, tc.want)
			}
		})
	}
}

func TestLookupEventsIsItselfRecorded(t *testing.T) {
	e := newEnv(t)
	c := e.client(e.Admin)
	if _, err := c.LookupEvents(context.Background(), &ctsdk.LookupEventsInput{}); err != nil {
		t.Fatal(err)
	}
	out, err := c.LookupEvents(context.Background(), &ctsdk.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyEventSource, AttributeValue: aws.String("cloudtrail.amazonaws.com")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) == 0 || aws.ToString(out.Events[0].EventName) != "LookupEvents" || aws.ToString(out.Events[0].ReadOnly) != "true" {
		t.Errorf("events %+v, want the earlier LookupEvents, read-only", out.Events)
	}
}

func TestADeniedCallIsRecordedWithItsError(t *testing.T) {
	e := newEnv(t)
	denied := e.NewUser(t, e.Account, "nobody", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	if _, err := e.client(denied).LookupEvents(context.Background(), &ctsdk.LookupEventsInput{}); apitest.APICode(err) != "AccessDeniedException" {
		t.Fatalf("got %v, want AccessDeniedException", err)
	}
	out, err := e.client(e.Admin).LookupEvents(context.Background(), &ctsdk.LookupEventsInput{LookupAttributes: []types.LookupAttribute{
		{AttributeKey: types.LookupAttributeKeyUsername, AttributeValue: aws.String("nobody")}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 1 {
		t.Fatalf("%d events of nobody, want 1", len(out.Events))
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(aws.ToString(out.Events[0].CloudTrailEvent)), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["errorCode"] != "AccessDeniedException" || rec["responseElements"] != nil {
		t.Errorf("errorCode %v, responseElements %v; want AccessDeniedException and null", rec["errorCode"], rec["responseElements"])
	}
}
