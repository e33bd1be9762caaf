package query

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

const formType = "application/x-www-form-urlencoded; charset=utf-8"

func postForm(body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "https://example.com/", strings.NewReader(body))
	r.Header.Set("Content-Type", formType)
	return r
}

// The bodies below are exactly what botocore 1.43's QuerySerializer and
// EC2Serializer produce for the inputs in the comments (captured with
// testdata/botocore_query.py serialize).
func TestDecodeBotocoreBodies(t *testing.T) {
	wire := wireModel(t)
	ec2 := pinnedModel(t, "ec2", "2016-11-15")
	iam := pinnedModel(t, "iam", "2010-05-08")
	sns := pinnedModel(t, "sns", "2010-03-31")
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		m    testModel
		op   string
		body string
		want map[string]any
	}{
		{"nested structures are Prefix.Member", wire, "Echo",
			"Action=Echo&Version=2020-01-01&Name=a+b&Inner.Key=k&Inner.Child.Value=v",
			map[string]any{"Name": "a b", "Inner": map[string]any{"Key": "k", "Child": map[string]any{"Value": "v"}}}},
		{"a member's locationName is its parameter name", wire, "Echo",
			"Action=Echo&Version=2020-01-01&Name=n&OtherName=r",
			map[string]any{"Name": "n", "Renamed": "r"}},
		{"lists are Name.member.N, renamed by the list member's locationName, and flattened lists Name.N", wire, "Echo",
			"Action=Echo&Version=2020-01-01&Name=n&Names.member.1=x&Names.member.2=y&NamedItems.Item.1=i&Flat.1=f1&Flat.2=f2&MemberFlat.1=m&Thing.1.Key=t&Nested.member.1.member.1=a&Nested.member.2.member.1=b&Nested.member.2.member.2=c",
			map[string]any{"Name": "n", "Names": []any{"x", "y"}, "NamedItems": []any{"i"}, "Flat": []any{"f1", "f2"},
				"MemberFlat": []any{"m"}, "FlatNamed": []any{map[string]any{"Key": "t"}},
				"Nested": []any{[]any{"a"}, []any{"b", "c"}}}},
		{"an empty list is sent as Name=", wire, "Echo",
			"Action=Echo&Version=2020-01-01&Name=n&Names=&Flat=&FlatNamed=",
			map[string]any{"Name": "n", "Names": []any{}, "Flat": []any{}, "FlatNamed": []any{}}},
		{"maps are entry.N.key and .value, with locationNames, and flattened maps Name.N", wire, "Echo",
			"Action=Echo&Version=2020-01-01&Name=n&Attrs.entry.1.key=a&Attrs.entry.1.value=1&NamedAttrs.entry.1.Name=n&NamedAttrs.entry.1.Value.Key=k&FlatAttrs.1.K=fast&FlatAttrs.1.V=x",
			map[string]any{"Name": "n", "Attrs": map[string]any{"a": "1"},
				"NamedAttrs": map[string]any{"n": map[string]any{"Key": "k"}}, "FlatAttrs": map[string]any{"fast": "x"}}},
		{"scalars decode to their generic types", wire, "Echo",
			"Action=Echo&Version=2020-01-01&Name=n&Flag=false&Count=42&Big=-9007199254740993&Ratio=0.5&Data=AP8%3D",
			map[string]any{"Name": "n", "Flag": false, "Count": int64(42), "Big": int64(-9007199254740993), "Ratio": 0.5, "Data": []byte{0, 0xff}}},
		{"timestamps decode from ISO 8601, epoch seconds and RFC 822", wire, "Echo",
			"Action=Echo&Version=2020-01-01&Name=n&When=2023-11-14T22%3A13%3A20.250000Z&WhenEpoch=1700000000&WhenHttp=Tue%2C+14+Nov+2023+22%3A13%3A20+GMT",
			map[string]any{"Name": "n", "When": ts("2023-11-14T22:13:20.25Z"), "WhenEpoch": ts("2023-11-14T22:13:20Z"), "WhenHttp": ts("2023-11-14T22:13:20Z")}},
		{"a map of strings in sns decodes", sns, "CreateTopic",
			"Action=CreateTopic&Version=2010-03-31&Name=t&Attributes.entry.1.key=a&Attributes.entry.1.value=b&Tags=",
			map[string]any{"Name": "t", "Attributes": map[string]any{"a": "b"}, "Tags": []any{}}},
		{"iam tags decode from Tags.member.N", iam, "CreateUser",
			"Action=CreateUser&Version=2010-05-08&UserName=a+b%26c&Tags.member.1.Key=k&Tags.member.1.Value=v&Path=%2F",
			map[string]any{"UserName": "a b&c", "Path": "/", "Tags": []any{map[string]any{"Key": "k", "Value": "v"}}}},
		{"ec2 names are capitalised locationNames and lists are Name.N", ec2, "AuthorizeSecurityGroupIngress",
			"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8&IpPermissions.1.IpRanges.1.Description=ssh&IpPermissions.1.Groups.1.GroupId=sg-2&TagSpecification.1.ResourceType=security-group-rule&TagSpecification.1.Tag.1.Key=a&TagSpecification.1.Tag.1.Value=b",
			map[string]any{"GroupId": "sg-1",
				"IpPermissions": []any{map[string]any{"IpProtocol": "tcp", "FromPort": int64(22), "ToPort": int64(22),
					"IpRanges":         []any{map[string]any{"CidrIp": "10.0.0.0/8", "Description": "ssh"}},
					"UserIdGroupPairs": []any{map[string]any{"GroupId": "sg-2"}}}},
				"TagSpecifications": []any{map[string]any{"ResourceType": "security-group-rule",
					"Tags": []any{map[string]any{"Key": "a", "Value": "b"}}}}}},
		{"ec2 filters, id lists and booleans decode", ec2, "DescribeSecurityGroups",
			"Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=sg-1&GroupId.2=sg-2&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1&MaxResults=5&DryRun=true",
			map[string]any{"GroupIds": []any{"sg-1", "sg-2"}, "MaxResults": int64(5), "DryRun": true,
				"Filters": []any{map[string]any{"Name": "vpc-id", "Values": []any{"vpc-1"}}}}},
		{"an ec2 locationName renames the member", ec2, "CreateSecurityGroup",
			"Action=CreateSecurityGroup&Version=2016-11-15&GroupDescription=d&GroupName=g&VpcId=vpc-1",
			map[string]any{"Description": "d", "GroupName": "g", "VpcId": "vpc-1"}},
		{"an ec2 empty string value stays an empty string", ec2, "CreateTags",
			"Action=CreateTags&Version=2016-11-15&ResourceId.1=i-1&Tag.1.Key=k&Tag.1.Value=",
			map[string]any{"Resources": []any{"i-1"}, "Tags": []any{map[string]any{"Key": "k", "Value": ""}}}},
		{"an ec2 queryName wins over the locationName", ec2, "RunInstances",
			"Action=RunInstances&Version=2016-11-15&MinCount=1&MaxCount=1&NetworkInterface.1.DeviceIndex=0&NetworkInterface.1.Ipv6Addresses.1.Ipv6Address=%3A%3A1",
			map[string]any{"MinCount": int64(1), "MaxCount": int64(1), "NetworkInterfaces": []any{map[string]any{
				"DeviceIndex": int64(0), "Ipv6Addresses": []any{map[string]any{"Ipv6Address": "::1"}}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := codecFor(tt.m)
			r := postForm(tt.body)
			op, err := c.Operation(tt.m.svc, r, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if op.Name != tt.op {
				t.Fatalf("operation %s, want %s", op.Name, tt.op)
			}
			got, err := c.Decode(nil, op, r, []byte(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if d := diff(tt.want, got, "input"); d != "" {
				t.Fatal(d)
			}
		})
	}
}

func TestOperation(t *testing.T) {
	iam := pinnedModel(t, "iam", "2010-05-08")
	ec2 := pinnedModel(t, "ec2", "2016-11-15")
	get := func(query string) *http.Request {
		return httptest.NewRequest(http.MethodGet, "https://example.com/?"+query, nil)
	}
	tests := []struct {
		name     string
		m        testModel
		r        *http.Request
		body     string
		wantOp   string
		wantCode string
		wantMsg  string
	}{
		{"a POSTed form names the operation", iam, postForm(""), "Action=ListUsers&Version=2010-05-08", "ListUsers", "", ""},
		{"a GET query string names the operation", iam, get("Action=ListUsers&Version=2010-05-08"), "", "ListUsers", "", ""},
		{"a form without a Content-Type is still read", iam, func() *http.Request {
			r := postForm("")
			r.Header.Del("Content-Type")
			return r
		}(), "Action=ListUsers&Version=2010-05-08", "ListUsers", "", ""},
		{"a body of another content type is not read as parameters", iam, func() *http.Request {
			r := postForm("")
			r.Header.Set("Content-Type", "application/json")
			return r
		}(), "Action=ListUsers&Version=2010-05-08", "", "MissingAction", "Missing Action"},
		{"a request without Action is MissingAction", iam, postForm(""), "Version=2010-05-08", "", "MissingAction", "Missing Action"},
		{"an unknown Action is InvalidAction", iam, postForm(""), "Action=ListUser&Version=2010-05-08", "", "InvalidAction",
			"Could not find operation ListUser for version 2010-05-08"},
		{"another API version is InvalidAction", iam, postForm(""), "Action=ListUsers&Version=2010-05-09", "", "InvalidAction",
			"Could not find operation ListUsers for version 2010-05-09"},
		{"a missing Version is InvalidAction", iam, postForm(""), "Action=ListUsers", "", "InvalidAction",
			"Could not find operation ListUsers for version NO_VERSION_SPECIFIED"},
		{"ec2 accepts any API version", ec2, postForm(""), "Action=DescribeVpcs&Version=2014-10-01", "DescribeVpcs", "", ""},
		{"ec2 accepts a missing API version", ec2, postForm(""), "Action=DescribeVpcs", "DescribeVpcs", "", ""},
		{"an unknown ec2 Action is InvalidAction in EC2's words", ec2, postForm(""), "Action=DescribeVpc&Version=2016-11-15", "", "InvalidAction",
			"The action DescribeVpc is not valid for this web service."},
		{"an ec2 request without Action is MissingAction", ec2, postForm(""), "Version=2016-11-15", "", "MissingAction",
			"The request must contain the parameter Action"},
		{"a malformed escape is MalformedQueryString", iam, postForm(""), "Action=ListUsers&Version=2010-05-08&Marker=%zz", "", "MalformedQueryString",
			`invalid escape in the value of parameter "Marker"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, err := codecFor(tt.m).Operation(tt.m.svc, tt.r, []byte(tt.body))
			if tt.wantCode == "" {
				if err != nil {
					t.Fatal(err)
				}
				if op.Name != tt.wantOp {
					t.Fatalf("operation %s, want %s", op.Name, tt.wantOp)
				}
				return
			}
			assertAWSError(t, err, tt.wantCode, tt.wantMsg)
		})
	}
}

func assertAWSError(t *testing.T, err error, code, msg string) {
	t.Helper()
	e, ok := awserr.As(err)
	if !ok {
		t.Fatalf("error %v (%T), want an *awserr.Error with code %s", err, err, code)
	}
	if e.Code != code {
		t.Errorf("code %s, want %s (message %q)", e.Code, code, e.Message)
	}
	if msg != "" && e.Message != msg {
		t.Errorf("message %q, want %q", e.Message, msg)
	}
	if s := e.HTTPStatus(); s != http.StatusBadRequest {
		t.Errorf("status %d, want 400", s)
	}
}

func TestDecodeRejectsHostileInput(t *testing.T) {
	wire := wireModel(t)
	ec2 := pinnedModel(t, "ec2", "2016-11-15")
	deep := "Inner" + strings.Repeat(".Child", 70) + ".Key=x"
	many := make([]string, MaxListLength+1)
	for i := range many {
		many[i] = "Names.member." + strconv.Itoa(i+1) + "=x"
	}
	tests := []struct {
		name     string
		m        testModel
		params   string
		wantCode string
		wantMsg  string
	}{
		{"a huge list index is rejected", wire, "Names.member.999999999=x", "ValidationError",
			"parameter Names.member.999999999: index exceeds the limit of 1000 elements"},
		{"a list with a gap is rejected", wire, "Names.member.1=a&Names.member.3=c", "ValidationError",
			"parameter Names.member: indexes must run from 1 without gaps, 3 is given but 2 is missing"},
		{"a list index of zero is rejected", wire, "Names.member.0=a", "ValidationError", ""},
		{"a list index with a leading zero is rejected", wire, "Names.member.01=a", "ValidationError", ""},
		{"a list index that is not a number is rejected", wire, "Names.member.x=a", "ValidationError", ""},
		{"a list longer than the limit is rejected", wire, strings.Join(many, "&"), "ValidationError",
			"parameter Names.member has more than 1000 elements"},
		{"a huge ec2 list index is an InvalidParameterValue", ec2, "GroupId.4294967296=x", "InvalidParameterValue", ""},
		{"a map entry without a key is rejected", wire, "Attrs.entry.1.value=v", "ValidationError",
			"map entry Attrs.entry.1 has no key"},
		{"a list element without a value is rejected", wire, "Names.member.1.x=v", "ValidationError", ""},
		{"a scalar where a list belongs is rejected", wire, "Names=x", "ValidationError", "parameter Names must be a list (Names.member.N)"},
		{"nesting beyond the limit is rejected", wire, deep, "ValidationError", ""},
		{"a value that is not UTF-8 is malformed", wire, "Names.member.1=%FF", "MalformedQueryString", ""},
		{"a name that is not UTF-8 is malformed", wire, "N%C3=x", "MalformedQueryString", ""},
		{"a parameter given twice is malformed", wire, "Names.member.1=a&Names.member.1=b", "MalformedQueryString",
			`parameter "Names.member.1" is given more than once`},
		{"an integer that is not a number is an InvalidParameterValue", wire, "Count=ten", "InvalidParameterValue",
			"Value (ten) for parameter Count is invalid. Expected an integer."},
		{"an integer beyond 32 bits is an InvalidParameterValue", wire, "Count=2147483648", "InvalidParameterValue", ""},
		{"a long beyond 64 bits is an InvalidParameterValue", wire, "Big=9223372036854775808", "InvalidParameterValue", ""},
		{"a boolean that is not true or false is an InvalidParameterValue", wire, "Flag=yes", "InvalidParameterValue", ""},
		{"an unparseable timestamp is an InvalidParameterValue", wire, "When=yesterday", "InvalidParameterValue", ""},
		{"invalid base64 is an InvalidParameterValue", wire, "Data=%21%21", "InvalidParameterValue", ""},
		{"a NaN timestamp is an InvalidParameterValue", wire, "When=NaN", "InvalidParameterValue", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := codecFor(tt.m)
			action := "Action=Echo&Version=2020-01-01&Name=n&"
			if tt.m.svc.Protocol == "ec2" {
				action = "Action=DescribeSecurityGroups&Version=2016-11-15&"
			}
			body := action + tt.params
			r := postForm(body)
			op := tt.m.svc.Operations["Echo"]
			if tt.m.svc.Protocol == "ec2" {
				op = tt.m.svc.Operations["DescribeSecurityGroups"]
			}
			_, err := c.DecodeRequest(tt.m.svc, op, r, []byte(body))
			assertAWSError(t, err, tt.wantCode, tt.wantMsg)
		})
	}
}

func TestHugeIndexAllocatesLittle(t *testing.T) {
	wire := wireModel(t)
	c := New()
	op := wire.svc.Operations["Echo"]
	body := []byte("Action=Echo&Version=2020-01-01&Name=n&Names.member.999999999=x&Flat.2147483647=y")
	allocs := testing.AllocsPerRun(20, func() {
		if _, err := c.DecodeRequest(wire.svc, op, postForm(string(body)), body); err == nil {
			t.Fatal("want an error")
		}
	})
	if allocs > 200 {
		t.Fatalf("%v allocations for a hostile index, want a handful", allocs)
	}
}

func TestConflictingQueryStringAndBodyIsMalformed(t *testing.T) {
	iam := pinnedModel(t, "iam", "2010-05-08")
	body := "Action=ListGroups&Version=2010-05-08"
	r := httptest.NewRequest(http.MethodPost, "https://example.com/?Action=ListUsers", strings.NewReader(body))
	r.Header.Set("Content-Type", formType)
	_, err := New().Operation(iam.svc, r, []byte(body))
	assertAWSError(t, err, "MalformedQueryString", `parameter "Action" is given more than once`)
}

func TestDecodeAcceptsARepeatedParameterWithTheSameValue(t *testing.T) {
	wire := wireModel(t)
	body := "Action=Echo&Version=2020-01-01&Name=n&Name=n&Names.member.1=a&Names.member.1=a"
	got, err := New().DecodeRequest(wire.svc, wire.svc.Operations["Echo"], postForm(body), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(map[string]any{"Name": "n", "Names": []any{"a"}}, got, "input"); d != "" {
		t.Fatal(d)
	}
}

func TestDecodeValidates(t *testing.T) {
	iam := pinnedModel(t, "iam", "2010-05-08")
	ec2 := pinnedModel(t, "ec2", "2016-11-15")
	wire := wireModel(t)
	tests := []struct {
		name     string
		m        testModel
		op       string
		body     string
		wantCode string
		wantMsg  string
	}{
		{"a missing required iam member is a ValidationError in AWS's words", iam, "CreateUser",
			"Action=CreateUser&Version=2010-05-08", "ValidationError",
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"every query violation is listed", wire, "Echo",
			"Action=Echo&Version=2020-01-01&Mode=medium", "ValidationError",
			"2 validation errors detected: Value null at 'name' failed to satisfy constraint: Member must not be null; " +
				"Value 'medium' at 'mode' failed to satisfy constraint: Member must satisfy enum value set: [fast, slow]"},
		{"a query range violation is a ValidationError", wire, "Echo",
			"Action=Echo&Version=2020-01-01&Name=n&Count=1001", "ValidationError",
			"1 validation error detected: Value '1001' at 'count' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"a missing required ec2 member is MissingParameter with its wire name", ec2, "CreateSecurityGroup",
			"Action=CreateSecurityGroup&Version=2016-11-15&GroupName=g", "MissingParameter",
			"The request must contain the parameter GroupDescription"},
		{"a bad ec2 enum is InvalidParameterValue with the parameter's wire path", ec2, "AuthorizeSecurityGroupIngress",
			"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&TagSpecification.1.ResourceType=bogus", "InvalidParameterValue",
			"Value (bogus) for parameter TagSpecification.1.ResourceType is invalid. Member must satisfy enum value set: ["},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := codecFor(tt.m)
			_, err := c.DecodeRequest(tt.m.svc, tt.m.svc.Operations[tt.op], postForm(tt.body), []byte(tt.body))
			e, ok := awserr.As(err)
			if !ok {
				t.Fatalf("error %v, want code %s", err, tt.wantCode)
			}
			if e.Code != tt.wantCode || !strings.HasPrefix(e.Message, tt.wantMsg) || e.HTTPStatus() != 400 {
				t.Fatalf("got %d %s %q, want 400 %s %q", e.HTTPStatus(), e.Code, e.Message, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

func TestDecodeWithoutInputShapeIsEmpty(t *testing.T) {
	wire := wireModel(t)
	body := "Action=Ping&Version=2020-01-01&Extra=1"
	got, err := New().DecodeRequest(wire.svc, wire.svc.Operations["Ping"], postForm(body), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	if got == nil || len(got) != 0 {
		t.Fatalf("got %#v, want an empty map", got)
	}
}
