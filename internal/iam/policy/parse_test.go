package policy

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

func TestParseAcceptsValidDocuments(t *testing.T) {
	tests := []struct {
		name  string
		kind  Kind
		doc   string
		check func(t *testing.T, p *Policy)
	}{
		{
			name: "the allow-everything policy parses",
			kind: Identity,
			doc:  allowAll,
			check: func(t *testing.T, p *Policy) {
				st := p.Statements[0]
				if p.Version != Version2012 || st.Effect != Allow || !reflect.DeepEqual(st.Action, []string{"*"}) || !reflect.DeepEqual(st.Resource, []string{"*"}) {
					t.Errorf("got %+v", p)
				}
			},
		},
		{
			name: "a statement may be a single object instead of an array",
			kind: Identity,
			doc:  `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}`,
			check: func(t *testing.T, p *Policy) {
				if len(p.Statements) != 1 || p.Statements[0].Effect != Deny {
					t.Errorf("got %+v", p.Statements)
				}
			},
		},
		{
			name: "a document without Version is read with 2008 semantics",
			kind: Identity,
			doc:  `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}]}`,
			check: func(t *testing.T, p *Policy) {
				if p.Version != "" || p.Statements[0].resources[0].vars {
					t.Errorf("variables must be literal without a version: %+v", p.Statements[0].resources[0])
				}
			},
		},
		{
			name: "version 2008-10-17 is accepted with its Id",
			kind: Identity,
			doc:  `{"Version":"2008-10-17","Id":"legacy","Statement":[{"Sid":"S1","Effect":"Allow","NotAction":["iam:*"],"NotResource":"arn:aws:iam::*:*"}]}`,
			check: func(t *testing.T, p *Policy) {
				st := p.Statements[0]
				if p.ID != "legacy" || st.Sid != "S1" || st.NotAction[0] != "iam:*" || st.NotResource[0] != "arn:aws:iam::*:*" {
					t.Errorf("got %+v", p)
				}
			},
		},
		{
			name: "a resource policy takes every principal form",
			kind: Resource,
			doc: `{"Version":"2012-10-17","Statement":[{"Sid":"public read","Effect":"Allow","Principal":{"AWS":["123456789012","arn:aws:iam::123456789012:root","arn:aws:sts::123456789012:assumed-role/R/s","AROAEXAMPLEROLE00001"],
				"Service":"sqs.amazonaws.com","Federated":"accounts.google.com","CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"sqs:SendMessage"}]}`,
			check: func(t *testing.T, p *Policy) {
				pr := p.Statements[0].Principal
				if len(pr.AWS) != 4 || pr.Service[0] != "sqs.amazonaws.com" || pr.Federated[0] != "accounts.google.com" || len(pr.CanonicalUser) != 1 {
					t.Errorf("got %+v", pr)
				}
				if p.Statements[0].Resource != nil {
					t.Errorf("a resource policy statement without Resource has none: %v", p.Statements[0].Resource)
				}
			},
		},
		{
			name: "a bare star principal is the everyone form",
			kind: Resource,
			doc:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`,
			check: func(t *testing.T, p *Policy) {
				if !p.Statements[0].Principal.All {
					t.Errorf("got %+v", p.Statements[0].Principal)
				}
			},
		},
		{
			name: "condition values may be numbers and booleans and are kept as text",
			kind: Identity,
			doc:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"NumericLessThanEquals":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":[true,"false"]}}}]}`,
			check: func(t *testing.T, p *Policy) {
				cs := p.Statements[0].Conditions
				if len(cs) != 2 || cs[0].Values[0] != "10" || !reflect.DeepEqual(cs[1].Values, []string{"true", "false"}) {
					t.Errorf("got %+v", cs)
				}
			},
		},
		{
			name: "a trust policy with sts actions and no resource parses",
			kind: Trust,
			doc:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`,
			check: func(t *testing.T, p *Policy) {
				if p.Kind() != Trust {
					t.Errorf("kind %v", p.Kind())
				}
			},
		},
		{
			name: "a session policy parses like an identity policy",
			kind: SessionPolicy,
			doc:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}]}`,
			check: func(t *testing.T, p *Policy) {
				if p.Kind() != SessionPolicy {
					t.Errorf("kind %v", p.Kind())
				}
			},
		},
		{
			name: "every condition operator form is accepted",
			kind: Identity,
			doc: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*","Condition":{
				"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":"a*"},"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]},
				"DateGreaterThanEquals":{"aws:CurrentTime":"2020-01-01T00:00:00Z"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},
				"BinaryEquals":{"x:y":"QmluYXJ5"},"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:*:t"},"Null":{"aws:TokenIssueTime":"true"}}}]}`,
			check: func(t *testing.T, p *Policy) {
				c := p.Statements[0].Conditions[0]
				if c.set != setAny || !c.ifExists || c.op.fam != famString || c.op.cmp != cmpLike {
					t.Errorf("ForAnyValue:StringLikeIfExists compiled to %+v", c)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.check(t, mustParse(t, tc.doc, tc.kind))
		})
	}
}

func TestParseRejectsMalformedDocuments(t *testing.T) {
	const stmt = `"Effect":"Allow","Action":"s3:GetObject","Resource":"*"`
	tests := []struct {
		name string
		kind Kind
		doc  string
		msg  string
	}{
		{"invalid JSON is a syntax error", Identity, `{"Version":"2012-10-17","Statement":[`, msgSyntax},
		{"trailing data after the document is a syntax error", Identity, allowAll + ` {}`, msgSyntax},
		{"a top-level array is a syntax error", Identity, `[` + allowAll + `]`, msgSyntax},
		{"an empty document is a syntax error", Identity, ``, msgSyntax},
		{"an unknown version is a syntax error", Identity, `{"Version":"2013-01-01","Statement":{` + stmt + `}}`, msgSyntax},
		{"a missing Statement is a syntax error", Identity, `{"Version":"2012-10-17"}`, msgSyntax},
		{"an empty Statement list is a syntax error", Identity, `{"Version":"2012-10-17","Statement":[]}`, msgSyntax},
		{"a statement that is not an object is a syntax error", Identity, `{"Version":"2012-10-17","Statement":["x"]}`, msgSyntax},
		{"an unknown top-level field is named", Identity, `{"Version":"2012-10-17","Statements":[{` + stmt + `}]}`, "Unknown field Statements"},
		{"an unknown statement field is named", Identity, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Actions":"x"}]}`, "Unknown field Actions"},
		{"element names are case-sensitive", Identity, `{"Version":"2012-10-17","Statement":[{"effect":"Allow","Action":"s3:*","Resource":"*"}]}`, "Unknown field effect"},
		{"duplicate keys are a syntax error", Identity, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Effect":"Deny"}]}`, msgSyntax},
		{"a missing effect is reported", Identity, `{"Version":"2012-10-17","Statement":[{"Action":"s3:*","Resource":"*"}]}`, msgMissingEffect},
		{"an effect in the wrong case is invalid", Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:*","Resource":"*"}]}`, "Invalid effect: allow"},
		{"Action and NotAction together are a syntax error", Identity, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"NotAction":"s3:PutObject"}]}`, msgSyntax},
		{"Resource and NotResource together are a syntax error", Identity, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"NotResource":"*"}]}`, msgSyntax},
		{"an action that is a number is a syntax error", Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":7,"Resource":"*"}]}`, msgSyntax},
		{"an identity policy must not name a principal", Identity, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Principal":"*"}]}`, msgNoPrincipal},
		{"a session policy must not name a principal", SessionPolicy, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"NotPrincipal":{"AWS":"111122223333"}}]}`, msgNoPrincipal},
		{"a resource policy must name a principal", Resource, `{"Version":"2012-10-17","Statement":[{` + stmt + `}]}`, msgMissingPrincipal},
		{"a trust policy must name a principal", Trust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, msgMissingPrincipal},
		{"a statement without actions is refused", Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`, msgNoActions},
		{"an empty action list is refused", Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`, msgNoActions},
		{"an identity statement without resources is refused", Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`, msgNoResources},
		{"an empty resource list is refused", Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":[]}]}`, msgNoResources},
		{"an action without a service prefix is refused", Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}`, msgVendor},
		{"an action with two colons is refused", Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get:Object","Resource":"*"}]}`, msgOneColon},
		{"a service prefix with invalid characters is refused", Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s 3:GetObject","Resource":"*"}]}`, "Vendor s 3 is not valid"},
		{"a resource that is not an ARN is refused", Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"bucket"}]}`, `Resource bucket must be in ARN format or "*".`},
		{"a trust policy must not name resources", Trust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Resource":"*"}]}`, "Has prohibited field Resource"},
		{"a trust policy may only name sts actions", Trust, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}`, msgTrustActions},
		{"an unknown condition operator is refused", Identity, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Condition":{"StringEqualz":{"aws:username":"a"}}}]}`, "Invalid condition operator: StringEqualz"},
		{"Null cannot take IfExists", Identity, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Condition":{"NullIfExists":{"aws:username":"true"}}}]}`, "Invalid condition operator: NullIfExists"},
		{"a condition key without a vendor is refused", Identity, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Condition":{"StringEquals":{"username":"a"}}}]}`, msgVendor},
		{"a condition value that is an object is a syntax error", Identity, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Condition":{"StringEquals":{"aws:username":{"a":"b"}}}}]}`, msgSyntax},
		{"a condition block that is a string is a syntax error", Identity, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Condition":{"StringEquals":"a"}}]}`, msgSyntax},
		{"statement ids must be unique", Identity, `{"Version":"2012-10-17","Statement":[{"Sid":"A",` + stmt + `},{"Sid":"A",` + stmt + `}]}`, msgSidUnique},
		{"identity statement ids must be alphanumeric", Identity, `{"Version":"2012-10-17","Statement":[{"Sid":"read all",` + stmt + `}]}`, msgSidAlnum},
		{"an AWS principal must be an account, ARN or unique id", Resource, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Principal":{"AWS":"alice"}}]}`, `Invalid principal in policy: "AWS":"alice"`},
		{"a principal string other than star is a syntax error", Resource, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Principal":"arn:aws:iam::111122223333:root"}]}`, msgSyntax},
		{"an unknown principal type is a syntax error", Resource, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Principal":{"User":"x"}}]}`, msgSyntax},
		{"Principal and NotPrincipal together are a syntax error", Resource, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Principal":"*","NotPrincipal":"*"}]}`, msgSyntax},
		{"absurdly deep nesting is a syntax error", Identity, `{"Version":"2012-10-17","Statement":[{` + stmt + `,"Condition":{"StringEquals":{"a:b":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}}}]}`, msgSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.doc, tc.kind)
			if err == nil {
				t.Fatalf("parsed %+v, want %q", p, tc.msg)
			}
			var ae *awserr.Error
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an *awserr.Error", err)
			}
			if ae.Code != "MalformedPolicyDocument" || ae.HTTPStatus() != 400 || ae.Message != tc.msg {
				t.Errorf("got %s (%d) %q, want MalformedPolicyDocument (400) %q", ae.Code, ae.HTTPStatus(), ae.Message, tc.msg)
			}
		})
	}
}

func TestParseRejectsAnUnknownKind(t *testing.T) {
	if _, err := Parse(allowAll, Kind(0)); err == nil || awserr.Is(err, ErrorCode) {
		t.Errorf("an unknown kind is a programming error, not a malformed document: %v", err)
	}
}

func TestStatementPositions(t *testing.T) {
	doc := "{\n" +
		"    \"Version\": \"2012-10-17\",\n" +
		"    \"Statement\": [{\n" +
		"        \"Sid\": \"First\",\n" +
		"        \"Effect\": \"Allow\",\n" +
		"        \"Action\": \"codecommit:ListRepositories\",\n" +
		"        \"Resource\": \"*\"\n" +
		"    },\n" +
		"    {\"Effect\": \"Deny\", \"Action\": \"s3:x\", \"Resource\": \"arn:aws:s3:::é\"}]\n" +
		"}"
	p := mustParse(t, doc, Identity)
	tests := []struct {
		name       string
		stmt       int
		start, end Position
	}{
		{"the first statement starts at its brace and ends after its closing brace", 0, Position{3, 19}, Position{8, 6}},
		{"columns count characters, not bytes", 1, Position{9, 5}, Position{9, 71}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := p.Statements[tc.stmt]
			if st.Start != tc.start || st.End != tc.end {
				t.Errorf("got %v..%v, want %v..%v", st.Start, st.End, tc.start, tc.end)
			}
		})
	}
}

func TestMarshalRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		kind Kind
		doc  string
	}{
		{"the allow-everything policy round-trips", Identity, allowAll},
		{"single-object statements stay objects", Identity, `{"Statement":{"Effect":"Deny","NotAction":"s3:*","NotResource":["arn:aws:s3:::b"]}}`},
		{"conditions keep operators, keys and values", Identity, `{"Version":"2012-10-17","Statement":[{"Sid":"C","Effect":"Allow","Action":["s3:GetObject"],"Resource":"*","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*",""],"aws:UserAgent":"x\"y"},"NumericLessThan":{"s3:max-keys":5}}}]}`},
		{"principals keep their forms", Resource, `{"Version":"2012-10-17","Id":"q","Statement":[{"Effect":"Allow","Principal":{"AWS":"111122223333","Service":["sns.amazonaws.com"]},"Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:q"},{"Effect":"Deny","NotPrincipal":"*","Action":"sqs:*"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustParse(t, tc.doc, tc.kind)
			out, err := p.MarshalJSON()
			if err != nil {
				t.Fatal(err)
			}
			q := mustParse(t, string(out), tc.kind)
			if !equalPolicies(p, q) {
				t.Errorf("round trip changed the policy:\n in: %s\nout: %s", tc.doc, out)
			}
		})
	}
}

// equalPolicies compares what two policies say, ignoring positions.
func equalPolicies(a, b *Policy) bool {
	if a.Version != b.Version || a.ID != b.ID || a.kind != b.kind || len(a.Statements) != len(b.Statements) {
		return false
	}
	for i := range a.Statements {
		x, y := a.Statements[i], b.Statements[i]
		x.Start, x.End, y.Start, y.End = Position{}, Position{}, Position{}, Position{}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}
