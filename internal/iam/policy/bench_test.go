package policy

import (
	"testing"
)

// benchInput is a 10-statement policy set (two identity policies, a
// permissions boundary and a bucket policy) and a request it allows.
func benchInput(tb testing.TB) (*Input, *Request) {
	tb.Helper()
	readOnly := `{"Version":"2012-10-17","Statement":[
		{"Sid":"List","Effect":"Allow","Action":["s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"arn:aws:s3:::*"},
		{"Sid":"Home","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::data/home/${aws:username}/*"},
		{"Sid":"Office","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::data/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"Bool":{"aws:SecureTransport":"true"}}},
		{"Sid":"NoLogs","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::*log*"}]}`
	guard := `{"Version":"2012-10-17","Statement":[
		{"Sid":"Tls","Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}},
		{"Sid":"Hours","Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateGreaterThan":{"aws:CurrentTime":"2099-01-01T00:00:00Z"}}},
		{"Sid":"Iam","Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"platform"}}}]}`
	boundary := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["s3:*","iam:Get*","iam:List*"],"Resource":"*"},
		{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}]}`
	bucket := `{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::data/*","Condition":{"StringNotLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/admin*"}}}]}`
	in := &Input{
		Identity: []Source{src(tb, "ReadOnly", readOnly), src(tb, "Guard", guard)},
		Boundary: &Source{ID: "Boundary", Policy: mustParse(tb, boundary, Identity)},
		Resource: resourceSrc(tb, bucket),
	}
	c := Context{}
	c.Set("aws:SourceIp", StringValue("10.20.30.40"))
	c.Set("aws:SecureTransport", BoolValue(true))
	c.Set("aws:CurrentTime", StringValue("2026-05-01T12:00:00Z"))
	c.Set("aws:username", StringValue("alice"))
	c.Set("aws:PrincipalArn", StringValue(userARN))
	c.Set("aws:PrincipalTag/team", StringValue("platform"))
	c.Set("aws:RequestedRegion", StringValue("us-east-1"))
	req := &Request{Principal: user(), Action: "s3:GetObject", Resource: "arn:aws:s3:::data/reports/q1.csv", Context: c}
	return in, req
}

func BenchmarkDecide(b *testing.B) {
	in, req := benchInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if Decide(req, in) != Allowed {
			b.Fatal("want allowed")
		}
	}
}

func BenchmarkEvaluate(b *testing.B) {
	in, req := benchInput(b)
	b.ReportAllocs()
	for b.Loop() {
		if Evaluate(req, in).Decision != Allowed {
			b.Fatal("want allowed")
		}
	}
}

func BenchmarkParse(b *testing.B) {
	doc := `{"Version":"2012-10-17","Statement":[
		{"Sid":"Office","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::data/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","2001:db8::/32"]},"Bool":{"aws:SecureTransport":"true"}}},
		{"Sid":"Home","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::data/home/${aws:username}/*"}]}`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc, Identity); err != nil {
			b.Fatal(err)
		}
	}
}
