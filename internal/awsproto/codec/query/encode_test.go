package query

import (
	"math"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

func TestWriteResponseBytes(t *testing.T) {
	wire := wireModel(t)
	ec2 := pinnedModel(t, "ec2", "2016-11-15")
	at := time.Date(2026, 11, 27, 20, 24, 2, 0, time.UTC)
	tests := []struct {
		name string
		m    testModel
		op   string
		out  map[string]any
		want string
	}{
		{"a query result is wrapped in OpResult with members in model order", wire, "Echo",
			map[string]any{"Mode": "fast", "Name": "a<&>b", "Renamed": "r", "Count": int64(3), "Flag": true},
			`<EchoResponse xmlns="https://wire.example.com/doc/2020-01-01/"><EchoResult><Name>a&lt;&amp;&gt;b</Name>` +
				`<OtherName>r</OtherName><Count>3</Count><Flag>true</Flag><Mode>fast</Mode></EchoResult>` +
				`<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></EchoResponse>`},
		{"query lists are member elements, renamed or flattened as the model says", wire, "Echo",
			map[string]any{"Names": []any{"a", "b"}, "NamedItems": []any{"i"}, "Flat": []any{"f1", "f2"},
				"FlatNamed": []any{map[string]any{"Key": "k"}}, "Nested": []any{[]any{"x"}}, "MemberFlat": []any{}},
			`<EchoResponse xmlns="https://wire.example.com/doc/2020-01-01/"><EchoResult>` +
				`<Names><member>a</member><member>b</member></Names><NamedItems><Item>i</Item></NamedItems>` +
				`<Flat>f1</Flat><Flat>f2</Flat><Thing><Key>k</Key></Thing><Nested><member><member>x</member></member></Nested>` +
				`</EchoResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></EchoResponse>`},
		{"query maps are sorted entries with key and value, renamed or flattened", wire, "Echo",
			map[string]any{"Attrs": map[string]any{"b": "2", "a": "1"}, "NamedAttrs": map[string]any{"n": map[string]any{"Key": "k"}},
				"FlatAttrs": map[string]any{"slow": "s", "fast": "f"}},
			`<EchoResponse xmlns="https://wire.example.com/doc/2020-01-01/"><EchoResult>` +
				`<Attrs><entry><key>a</key><value>1</value></entry><entry><key>b</key><value>2</value></entry></Attrs>` +
				`<NamedAttrs><entry><Name>n</Name><Value><Key>k</Key></Value></entry></NamedAttrs>` +
				`<FlatAttrs><K>fast</K><V>f</V></FlatAttrs><FlatAttrs><K>slow</K><V>s</V></FlatAttrs>` +
				`</EchoResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></EchoResponse>`},
		{"timestamps follow the model's format, ISO 8601 to the second unless there are milliseconds", wire, "Echo",
			map[string]any{"When": at, "WhenEpoch": at.Add(250 * time.Millisecond), "WhenHttp": at, "Inner": map[string]any{"Key": "k"}},
			`<EchoResponse xmlns="https://wire.example.com/doc/2020-01-01/"><EchoResult>` +
				`<When>2026-11-27T20:24:02Z</When><WhenEpoch>1795811042.25</WhenEpoch><WhenHttp>Fri, 27 Nov 2026 20:24:02 GMT</WhenHttp>` +
				`<Inner><Key>k</Key></Inner></EchoResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></EchoResponse>`},
		{"milliseconds are kept in ISO 8601", wire, "Echo",
			map[string]any{"When": at.Add(7*time.Millisecond + 999*time.Microsecond)},
			`<EchoResponse xmlns="https://wire.example.com/doc/2020-01-01/"><EchoResult><When>2026-11-27T20:24:02.007Z</When>` +
				`</EchoResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></EchoResponse>`},
		{"blobs are base64 and doubles keep Infinity and NaN", wire, "Echo",
			map[string]any{"Data": []byte{0, 0xff}, "Ratio": math.Inf(-1), "Big": 1 << 40},
			`<EchoResponse xmlns="https://wire.example.com/doc/2020-01-01/"><EchoResult><Big>1099511627776</Big>` +
				`<Ratio>-Infinity</Ratio><Data>AP8=</Data></EchoResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></EchoResponse>`},
		{"an empty query result still has its wrapper", wire, "Echo", nil,
			`<EchoResponse xmlns="https://wire.example.com/doc/2020-01-01/"><EchoResult></EchoResult>` +
				`<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></EchoResponse>`},
		{"an operation without output answers ResponseMetadata only", wire, "Ping", nil,
			`<PingResponse xmlns="https://wire.example.com/doc/2020-01-01/">` +
				`<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></PingResponse>`},
		{"an output without result wrapper is written under the response element", wire, "Bare",
			map[string]any{"Name": "n"},
			`<BareResponse xmlns="https://wire.example.com/doc/2020-01-01/"><Name>n</Name>` +
				`<ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></BareResponse>`},
		{"ec2 writes requestId first, lowerCamel names and item lists", ec2, "DescribeVpcs",
			map[string]any{"Vpcs": []any{map[string]any{"VpcId": "vpc-1", "IsDefault": true,
				"Tags": []any{map[string]any{"Key": "Name", "Value": "main"}}}}, "NextToken": "t"},
			xmlHeader + `<DescribeVpcsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><requestId>rid</requestId>` +
				`<nextToken>t</nextToken><vpcSet><item><isDefault>true</isDefault><tagSet><item><key>Name</key><value>main</value></item></tagSet>` +
				`<vpcId>vpc-1</vpcId></item></vpcSet></DescribeVpcsResponse>`},
		{"ec2 without output answers requestId only", ec2, "CreateTags", nil,
			xmlHeader + `<CreateTagsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15"><requestId>rid</requestId></CreateTagsResponse>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := codecFor(tt.m).WriteResponse(w, tt.m.svc, tt.m.svc.Operations[tt.op], tt.out, "rid"); err != nil {
				t.Fatal(err)
			}
			if got := w.Body.String(); got != tt.want {
				t.Fatalf("body\n got %s\nwant %s", got, tt.want)
			}
			if w.Code != http.StatusOK {
				t.Errorf("status %d", w.Code)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type %q, want text/xml", ct)
			}
			if id := w.Header().Get("x-amzn-RequestId"); id != "rid" {
				t.Errorf("x-amzn-RequestId %q, want rid", id)
			}
		})
	}
}

func TestWriteResponseRejectsValuesOfTheWrongTypeWithoutWriting(t *testing.T) {
	wire := wireModel(t)
	tests := []struct {
		name string
		out  map[string]any
	}{
		{"a string for an integer", map[string]any{"Count": "3"}},
		{"a fractional number for an integer", map[string]any{"Count": 1.5}},
		{"a string for a list", map[string]any{"Names": "a"}},
		{"a nil list element", map[string]any{"Names": []any{nil}}},
		{"a list for a structure", map[string]any{"Inner": []any{}}},
		{"a string for a timestamp", map[string]any{"When": "2026-01-01"}},
		{"a nil map value", map[string]any{"Attrs": map[string]any{"a": nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an error", func(t *testing.T) {
			w := httptest.NewRecorder()
			err := New().WriteResponse(w, wire.svc, wire.svc.Operations["Echo"], tt.out, "rid")
			if err == nil {
				t.Fatal("want an error")
			}
			if w.Body.Len() != 0 || w.Header().Get("Content-Type") != "" {
				t.Fatalf("wrote %q before failing", w.Body.String())
			}
		})
	}
}

func TestWriteErrorBytes(t *testing.T) {
	iam := pinnedModel(t, "iam", "2010-05-08")
	ec2 := pinnedModel(t, "ec2", "2016-11-15")
	wire := wireModel(t)
	tests := []struct {
		name       string
		m          testModel
		op         string
		err        *awserr.Error
		wantStatus int
		want       string
	}{
		{"a query client error is a Sender fault", iam, "GetUser",
			awserr.New("NoSuchEntity", 404, "The user with name <b> cannot be found."), 404,
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>` +
				`<Message>The user with name &lt;b&gt; cannot be found.</Message></Error><RequestId>rid</RequestId></ErrorResponse>`},
		{"a query server error is a Receiver fault", iam, "",
			awserr.Internal(), 500,
			`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Receiver</Type><Code>InternalFailure</Code>` +
				`<Message>The request processing has failed because of an unknown error, exception or failure.</Message></Error>` +
				`<RequestId>rid</RequestId></ErrorResponse>`},
		{"fields of a modeled error follow its shape", wire, "Echo",
			&awserr.Error{Code: "Throttling", Message: "slow", Status: 400, Fields: map[string]any{"RetryAfterSeconds": 7, "message": "dup"}}, 400,
			`<ErrorResponse xmlns="https://wire.example.com/doc/2020-01-01/"><Error><Type>Sender</Type><Code>Throttling</Code>` +
				`<Message>slow</Message><RetryAfterSeconds>7</RetryAfterSeconds></Error><RequestId>rid</RequestId></ErrorResponse>`},
		{"fields of an unmodeled error are plain elements, unwritable names dropped", wire, "Echo",
			&awserr.Error{Code: "Other", Message: "m", Fields: map[string]any{"B": 2, "A": "x&y", "bad name": 1}}, 400,
			`<ErrorResponse xmlns="https://wire.example.com/doc/2020-01-01/"><Error><Type>Sender</Type><Code>Other</Code>` +
				`<Message>m</Message><A>x&amp;y</A><B>2</B></Error><RequestId>rid</RequestId></ErrorResponse>`},
		{"an ec2 error is a Response with Errors and RequestID", ec2, "DescribeVpcs",
			awserr.New("InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-1' does not exist"), 400,
			xmlHeader + `<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code><Message>The vpc ID &#39;vpc-1&#39; does not exist</Message>` +
				`</Error></Errors><RequestID>rid</RequestID></Response>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			var op = tt.m.svc.Operations[tt.op]
			codecFor(tt.m).WriteError(w, tt.m.svc, op, tt.err, "rid")
			if got := w.Body.String(); got != tt.want {
				t.Fatalf("body\n got %s\nwant %s", got, tt.want)
			}
			if w.Code != tt.wantStatus {
				t.Errorf("status %d, want %d", w.Code, tt.wantStatus)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/xml" {
				t.Errorf("Content-Type %q, want text/xml", ct)
			}
			if id := w.Header().Get("x-amzn-RequestId"); id != "rid" {
				t.Errorf("x-amzn-RequestId %q, want rid", id)
			}
		})
	}
}

func TestWriteErrorWithoutAServiceHasNoNamespace(t *testing.T) {
	w := httptest.NewRecorder()
	New().WriteError(w, nil, nil, awserr.New("MissingAuthenticationToken", 403, "Request is missing Authentication Token"), "rid")
	want := `<ErrorResponse><Error><Type>Sender</Type><Code>MissingAuthenticationToken</Code>` +
		`<Message>Request is missing Authentication Token</Message></Error><RequestId>rid</RequestId></ErrorResponse>`
	if got := w.Body.String(); got != want || w.Code != 403 {
		t.Fatalf("got %d %s\nwant 403 %s", w.Code, got, want)
	}
}

func TestWriteErrorSetsTheErrorsHeaders(t *testing.T) {
	iam := pinnedModel(t, "iam", "2010-05-08")
	w := httptest.NewRecorder()
	New().WriteError(w, iam.svc, nil, &awserr.Error{Code: "Throttling", Message: "Rate exceeded", Status: 400,
		Headers: map[string]string{"Retry-After": "2"}}, "rid")
	if got := w.Header().Get("Retry-After"); got != "2" {
		t.Fatalf("Retry-After %q, want 2", got)
	}
}
