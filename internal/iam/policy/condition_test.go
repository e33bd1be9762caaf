package policy

import (
	"net/netip"
	"testing"
	"time"
)

// ctx builds a Context from alternating keys and values.
func ctx(kv ...any) Context {
	c := Context{}
	for i := 0; i < len(kv); i += 2 {
		c.Set(kv[i].(string), kv[i+1].(ContextValue))
	}
	return c
}

func TestConditionOperators(t *testing.T) {
	tests := []struct {
		name string
		cond string // the Condition element
		ctx  Context
		want bool
	}{
		// String operators.
		{"StringEquals matches the exact value", `{"StringEquals":{"aws:username":"alice"}}`, ctx("aws:username", StringValue("alice")), true},
		{"StringEquals is case-sensitive", `{"StringEquals":{"aws:username":"alice"}}`, ctx("aws:username", StringValue("Alice")), false},
		{"StringEquals with several values matches any one of them", `{"StringEquals":{"aws:username":["bob","alice"]}}`, ctx("aws:username", StringValue("alice")), true},
		{"StringEquals treats wildcards literally", `{"StringEquals":{"aws:username":"a*"}}`, ctx("aws:username", StringValue("alice")), false},
		{"StringEquals does not match when the key is missing", `{"StringEquals":{"aws:username":"alice"}}`, ctx(), false},
		{"StringNotEquals matches a different value", `{"StringNotEquals":{"aws:username":"alice"}}`, ctx("aws:username", StringValue("bob")), true},
		{"StringNotEquals does not match an equal value", `{"StringNotEquals":{"aws:username":"alice"}}`, ctx("aws:username", StringValue("alice")), false},
		{"StringNotEquals with several values matches only when none is equal", `{"StringNotEquals":{"aws:username":["bob","alice"]}}`, ctx("aws:username", StringValue("bob")), false},
		{"StringNotEquals matches when the key is missing", `{"StringNotEquals":{"aws:username":"alice"}}`, ctx(), true},
		{"StringEqualsIgnoreCase ignores case", `{"StringEqualsIgnoreCase":{"aws:username":"ALICE"}}`, ctx("aws:username", StringValue("alice")), true},
		{"StringNotEqualsIgnoreCase does not match a value differing only in case", `{"StringNotEqualsIgnoreCase":{"aws:username":"ALICE"}}`, ctx("aws:username", StringValue("alice")), false},
		{"StringLike matches star and question-mark wildcards", `{"StringLike":{"s3:prefix":"home/?lice/*"}}`, ctx("s3:prefix", StringValue("home/alice/docs/a.txt")), true},
		{"StringLike without wildcards needs the whole string", `{"StringLike":{"s3:prefix":"home/"}}`, ctx("s3:prefix", StringValue("home/alice")), false},
		{"StringLike matches the empty string with an empty pattern", `{"StringLike":{"s3:prefix":["","home/"]}}`, ctx("s3:prefix", StringValue("")), true},
		{"StringLike is case-sensitive", `{"StringLike":{"s3:prefix":"Home/*"}}`, ctx("s3:prefix", StringValue("home/x")), false},
		{"StringNotLike matches a value outside the pattern", `{"StringNotLike":{"s3:prefix":"home/*"}}`, ctx("s3:prefix", StringValue("tmp/x")), true},
		{"StringNotLike with several values matches only when none matches", `{"StringNotLike":{"s3:prefix":["tmp/*","home/*"]}}`, ctx("s3:prefix", StringValue("tmp/x")), false},

		// Numeric operators.
		{"NumericEquals compares numbers, not text", `{"NumericEquals":{"s3:max-keys":"10"}}`, ctx("s3:max-keys", StringValue("10.0")), true},
		{"NumericNotEquals matches a different number", `{"NumericNotEquals":{"s3:max-keys":10}}`, ctx("s3:max-keys", NumberValue(11)), true},
		{"NumericLessThan matches a smaller number", `{"NumericLessThan":{"s3:max-keys":10}}`, ctx("s3:max-keys", NumberValue(9.5)), true},
		{"NumericLessThan does not match an equal number", `{"NumericLessThan":{"s3:max-keys":10}}`, ctx("s3:max-keys", NumberValue(10)), false},
		{"NumericLessThanEquals matches an equal number", `{"NumericLessThanEquals":{"s3:max-keys":"10"}}`, ctx("s3:max-keys", NumberValue(10)), true},
		{"NumericGreaterThan matches a larger number", `{"NumericGreaterThan":{"s3:max-keys":"10"}}`, ctx("s3:max-keys", NumberValue(11)), true},
		{"NumericGreaterThanEquals does not match a smaller number", `{"NumericGreaterThanEquals":{"s3:max-keys":"10"}}`, ctx("s3:max-keys", NumberValue(-3)), false},
		{"numeric operators do not match a request value that is not a number", `{"NumericLessThan":{"s3:max-keys":"10"}}`, ctx("s3:max-keys", StringValue("five")), false},

		// Date operators.
		{"DateLessThan compares ISO 8601 dates", `{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", DateValue(time.Date(2029, 12, 31, 23, 59, 59, 0, time.UTC))), true},
		{"DateGreaterThan compares an epoch request value with an ISO policy value", `{"DateGreaterThan":{"aws:EpochTime":"2020-01-01T00:00:00Z"}}`, ctx("aws:EpochTime", StringValue("1577836801")), true},
		{"DateEquals accepts an epoch policy value", `{"DateEquals":{"aws:CurrentTime":"1577836800"}}`, ctx("aws:CurrentTime", StringValue("2020-01-01T00:00:00Z")), true},
		{"DateNotEquals matches another instant", `{"DateNotEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}`, ctx("aws:CurrentTime", StringValue("2020-01-01T00:00:01Z")), true},
		{"DateLessThanEquals matches the same instant written with an offset", `{"DateLessThanEquals":{"aws:CurrentTime":"2020-01-01T02:00:00+02:00"}}`, ctx("aws:CurrentTime", StringValue("2020-01-01T00:00:00Z")), true},
		{"DateGreaterThanEquals accepts a date-only policy value", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-06-01"}}`, ctx("aws:CurrentTime", StringValue("2020-06-01T00:00:01Z")), true},
		{"DateGreaterThanEquals does not match an earlier date", `{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-06-01"}}`, ctx("aws:CurrentTime", StringValue("2020-05-31T23:59:59Z")), false},
		{"date operators do not match a request value that is not a date", `{"DateLessThan":{"aws:CurrentTime":"2030-01-01"}}`, ctx("aws:CurrentTime", StringValue("yesterday")), false},

		// Bool and binary.
		{"Bool matches true case-insensitively", `{"Bool":{"aws:SecureTransport":"TRUE"}}`, ctx("aws:SecureTransport", BoolValue(true)), true},
		{"Bool false does not match true", `{"Bool":{"aws:SecureTransport":false}}`, ctx("aws:SecureTransport", BoolValue(true)), false},
		{"Bool does not match a missing key", `{"Bool":{"aws:MultiFactorAuthPresent":"false"}}`, ctx(), false},
		{"BinaryEquals compares the decoded bytes", `{"BinaryEquals":{"x:blob":"QmluYXJ5VmFsdWVJbkJhc2U2NA=="}}`, ctx("x:blob", BinaryValue([]byte("BinaryValueInBase64"))), true},
		{"BinaryEquals does not match other bytes", `{"BinaryEquals":{"x:blob":"QmluYXJ5"}}`, ctx("x:blob", BinaryValue([]byte("binary"))), false},

		// IP address operators.
		{"IpAddress matches an address inside an IPv4 range", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", StringValue("203.0.113.77")), true},
		{"IpAddress does not match an address outside the range", `{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}`, ctx("aws:SourceIp", StringValue("203.0.114.1")), false},
		{"IpAddress with a bare address means a /32", `{"IpAddress":{"aws:SourceIp":"192.0.2.1"}}`, ctx("aws:SourceIp", IPValue(netip.MustParseAddr("192.0.2.1"))), true},
		{"IpAddress matches an IPv6 range", `{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:DB8:1234:5678::/64"]}}`, ctx("aws:SourceIp", StringValue("2001:db8:1234:5678::99")), true},
		{"IpAddress matches an IPv4-mapped IPv6 address against an IPv4 range", `{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}`, ctx("aws:SourceIp", StringValue("::ffff:10.1.2.3")), true},
		{"NotIpAddress matches an address outside every range", `{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}`, ctx("aws:SourceIp", StringValue("8.8.8.8")), true},
		{"NotIpAddress does not match an address inside a range", `{"NotIpAddress":{"aws:SourceIp":["10.0.0.0/8","192.168.0.0/16"]}}`, ctx("aws:SourceIp", StringValue("192.168.1.1")), false},

		// ARN operators.
		{"ArnLike matches wildcards within a part", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:topic-*"}}`, ctx("aws:SourceArn", StringValue("arn:aws:sns:us-east-1:111122223333:topic-a")), true},
		{"ArnLike wildcards do not cross a colon", `{"ArnLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}`, ctx("aws:SourceArn", StringValue("arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt")), false},
		{"StringLike wildcards do cross a colon", `{"StringLike":{"aws:SourceArn":"arn:aws:someservice:*:111122223333:finance/*"}}`, ctx("aws:SourceArn", StringValue("arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt")), true},
		{"ArnLike keeps colons of the resource part together", `{"ArnLike":{"aws:SourceArn":"arn:aws:logs:*:*:log-group:/aws/*"}}`, ctx("aws:SourceArn", StringValue("arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f")), true},
		{"ArnEquals behaves like ArnLike", `{"ArnEquals":{"aws:SourceArn":"arn:aws:sqs:*:111122223333:q?"}}`, ctx("aws:SourceArn", StringValue("arn:aws:sqs:eu-west-1:111122223333:q1")), true},
		{"ArnNotLike matches a different ARN", `{"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin"}}`, ctx("aws:PrincipalArn", StringValue(roleARN)), true},
		{"ArnNotEquals matches when the key is missing", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:us-east-1:111122223333:t"}}`, ctx(), true},
		{"ArnLike does not match something that is not an ARN", `{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:*"}}`, ctx("aws:SourceArn", StringValue("topic")), false},

		// Null.
		{"Null true matches a missing key", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx(), true},
		{"Null true does not match a present key", `{"Null":{"aws:TokenIssueTime":"true"}}`, ctx("aws:TokenIssueTime", StringValue("2020-01-01T00:00:00Z")), false},
		{"Null false matches a present key", `{"Null":{"aws:TokenIssueTime":false}}`, ctx("aws:TokenIssueTime", StringValue("2020-01-01T00:00:00Z")), true},
		{"Null true matches a key with no values", `{"Null":{"aws:TagKeys":"true"}}`, ctx("aws:TagKeys", StringListValue()), true},

		// IfExists.
		{"StringEqualsIfExists matches when the key is missing", `{"StringEqualsIfExists":{"ec2:InstanceType":"t2.micro"}}`, ctx(), true},
		{"StringLikeIfExists still checks a present key", `{"StringLikeIfExists":{"ec2:InstanceType":["t1.*","t2.*"]}}`, ctx("ec2:InstanceType", StringValue("m5.large")), false},
		{"NumericLessThanIfExists checks a present key", `{"NumericLessThanIfExists":{"s3:max-keys":"10"}}`, ctx("s3:max-keys", NumberValue(5)), true},
		{"StringNotEqualsIfExists matches when the key is missing", `{"StringNotEqualsIfExists":{"aws:RequestTag/env":"prod"}}`, ctx(), true},

		// Set operators.
		{"ForAllValues matches when every request value is listed", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team","cost"]}}`, ctx("aws:TagKeys", StringListValue("env", "team")), true},
		{"ForAllValues fails when one request value is not listed", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}`, ctx("aws:TagKeys", StringListValue("env", "owner")), false},
		{"ForAllValues matches a missing key", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`, ctx(), true},
		{"ForAllValues matches an empty set of values", `{"ForAllValues:StringEquals":{"aws:TagKeys":["env"]}}`, ctx("aws:TagKeys", StringListValue()), true},
		{"ForAnyValue matches when one request value is listed", `{"ForAnyValue:StringLike":{"dynamodb:requestedAttributes":["ID","PostDateTime"]}}`, ctx("dynamodb:requestedAttributes", StringListValue("UserName", "Message", "PostDateTime")), true},
		{"ForAnyValue fails when no request value is listed", `{"ForAnyValue:StringLike":{"dynamodb:requestedAttributes":["ID","PostDateTime"]}}`, ctx("dynamodb:requestedAttributes", StringListValue("UserName")), false},
		{"ForAnyValue fails on a missing key", `{"ForAnyValue:StringEquals":{"aws:TagKeys":"env"}}`, ctx(), false},
		{"ForAnyValue fails on a missing key even when negated", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"env"}}`, ctx(), false},
		{"ForAnyValue with IfExists matches a missing key", `{"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":"env"}}`, ctx(), true},
		{"ForAnyValue with a negated operator matches when some value is unlisted", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env"]}}`, ctx("aws:TagKeys", StringListValue("env", "x")), true},
		{"ForAllValues with a negated operator matches when no value is like the pattern", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, ctx("aws:TagKeys", StringListValue("key2:audit")), true},
		{"ForAllValues with a negated operator fails when a value is like the pattern", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, ctx("aws:TagKeys", StringListValue("key1:legal", "key2:x")), false},
		{"ForAllValues with a negated operator matches a missing key", `{"ForAllValues:StringNotLike":{"aws:TagKeys":"key1*"}}`, ctx(), true},
		{"a plain operator on a multivalued key matches if any value matches", `{"StringEquals":{"aws:TagKeys":"env"}}`, ctx("aws:TagKeys", StringListValue("team", "env")), true},
		{"a plain negated operator on a multivalued key matches only if no value matches", `{"StringNotEquals":{"aws:TagKeys":"env"}}`, ctx("aws:TagKeys", StringListValue("team", "env")), false},

		// Combining keys and operators.
		{"several keys of one operator must all hold", `{"StringEquals":{"aws:username":"alice","aws:RequestedRegion":"us-east-1"}}`, ctx("aws:username", StringValue("alice"), "aws:RequestedRegion", StringValue("eu-west-1")), false},
		{"several operators must all hold", `{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:username", StringValue("alice"), "aws:SecureTransport", BoolValue(true)), true},
		{"several operators fail when one fails", `{"StringEquals":{"aws:username":"alice"},"Bool":{"aws:SecureTransport":"true"}}`, ctx("aws:username", StringValue("alice"), "aws:SecureTransport", BoolValue(false)), false},
		{"condition keys are case-insensitive", `{"StringEquals":{"AWS:USERNAME":"alice"}}`, ctx("aws:username", StringValue("alice")), true},
		{"context keys written directly in another case are found", `{"StringEquals":{"aws:username":"alice"}}`, Context{"AWS:UserName": StringValue("alice")}, true},

		// Policy variables in condition values.
		{"a variable in a condition value resolves from the context", `{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}`, ctx("s3:prefix", StringValue("home/alice/x"), "aws:username", StringValue("alice")), true},
		{"a variable value is matched literally, not as a pattern", `{"StringLike":{"s3:prefix":"home/${aws:username}"}}`, ctx("s3:prefix", StringValue("home/anything"), "aws:username", StringValue("*")), false},
		{"a variable's default is used when the key is missing", `{"StringEquals":{"s3:prefix":"${aws:userid, 'anonymous'}"}}`, ctx("s3:prefix", StringValue("anonymous")), true},
		{"an unresolvable variable makes the condition fail even when negated", `{"StringNotEquals":{"s3:prefix":"${aws:username}"}}`, ctx("s3:prefix", StringValue("x")), false},
		{"a multivalued key cannot be a variable", `{"StringEquals":{"s3:prefix":"${aws:TagKeys}"}}`, ctx("s3:prefix", StringValue("a"), "aws:TagKeys", StringListValue("a")), false},
		{"the ${*} escape is a literal star", `{"StringLike":{"s3:prefix":"a${*}b"}}`, ctx("s3:prefix", StringValue("a*b")), true},
		{"the ${*} escape does not act as a wildcard", `{"StringLike":{"s3:prefix":"a${*}b"}}`, ctx("s3:prefix", StringValue("axyb")), false},
		{"the ${?} and ${$} escapes are literal characters", `{"StringEquals":{"s3:prefix":"${?}${$}"}}`, ctx("s3:prefix", StringValue("?$")), true},
		{"a variable in an Arn condition resolves", `{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::${aws:PrincipalAccount}:user/*"}}`, ctx("aws:PrincipalArn", StringValue(userARN), "aws:PrincipalAccount", StringValue(acct)), true},
		{"a variable in a Bool condition resolves", `{"Bool":{"x:flag":"${x:want}"}}`, ctx("x:flag", BoolValue(true), "x:want", StringValue("true")), true},
		{"variables are not expanded in numeric conditions", `{"NumericEquals":{"s3:max-keys":"${x:n}"}}`, ctx("s3:max-keys", NumberValue(3), "x:n", StringValue("3")), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":` + tc.cond + `}]}`
			p := mustParse(t, doc, Identity)
			req := &Request{Principal: user(), Action: "s3:GetObject", Resource: "*", Context: tc.ctx}
			got := Decide(req, &Input{Identity: []Source{{ID: "p", Policy: p}}}) == Allowed
			if got != tc.want {
				t.Errorf("condition %s with context %v: got %v, want %v", tc.cond, tc.ctx, got, tc.want)
			}
		})
	}
}

func TestVersion2008TreatsVariablesAsText(t *testing.T) {
	doc := `{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"s3:prefix":"${aws:username}"}}}]}`
	p := mustParse(t, doc, Identity)
	tests := []struct {
		name   string
		prefix string
		want   Decision
	}{
		{"the literal text of the variable matches in a 2008 policy", "${aws:username}", Allowed},
		{"the variable's value does not match in a 2008 policy", "alice", ImplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := &Request{Action: "s3:GetObject", Resource: "*", Principal: user(),
				Context: ctx("aws:username", StringValue("alice"), "s3:prefix", StringValue(tc.prefix))}
			if got := Decide(req, &Input{Identity: []Source{{Policy: p}}}); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValueTypes(t *testing.T) {
	tests := []struct {
		name string
		typ  string
		list bool
	}{
		{"string is a single-valued type", "string", false},
		{"stringList is a multivalued type", "stringList", true},
		{"dateList is a multivalued type", "dateList", true},
		{"ip is a single-valued type", "ip", false},
		{"binaryList is a multivalued type", "binaryList", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vt, err := ParseValueType(tc.typ)
			if err != nil {
				t.Fatal(err)
			}
			if vt.String() != tc.typ || vt.IsList() != tc.list {
				t.Errorf("got %v list=%v", vt, vt.IsList())
			}
		})
	}
	t.Run("an unknown type name is an error", func(t *testing.T) {
		if _, err := ParseValueType("strings"); err == nil {
			t.Error("want an error")
		}
	})
}
