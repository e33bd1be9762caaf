package policy

import (
	"testing"
)

func FuzzParse(f *testing.F) {
	seeds := []string{
		allowAll,
		`{"Statement":{"Effect":"Deny","NotAction":"s3:*","NotResource":["arn:aws:s3:::b"]}}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"C","Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::h/${aws:username, 'x'}/${*}","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*",""]},"NumericLessThan":{"s3:max-keys":5},"ForAnyValue:StringEqualsIfExists":{"aws:TagKeys":["a",true]}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::111122223333:role/r"],"Service":"sns.amazonaws.com"},"Action":"sqs:SendMessage","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:*:t"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"},"DateLessThan":{"aws:CurrentTime":"2030-01-01"},"BinaryEquals":{"x:b":"QQ=="},"Null":{"x:n":"true"}}}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotPrincipal":"*","Action":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[`,
		`{"Version":"2012-10-17","Statement":[]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"x","Resource":"y"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"a":"b"}}}]}`,
		`[1,2,{"a":null}]`,
		`{"Statement":{"Effect":"Allow","Action":"a:b","Resource":"arn:${","Condition":{"StringLike":{"a:b":"${x, 'y'}${"}}}}`,
		``,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	kinds := []Kind{Identity, Resource, Trust, SessionPolicy}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, kind := range kinds {
			p, err := Parse(doc, kind)
			if err != nil {
				continue
			}
			out, err := p.MarshalJSON()
			if err != nil {
				t.Fatalf("marshal: %v", err)
			}
			q, err := Parse(string(out), kind)
			if err != nil {
				t.Fatalf("marshalled policy does not parse: %v\nin:  %q\nout: %s", err, doc, out)
			}
			if !equalPolicies(p, q) {
				t.Fatalf("round trip changed the policy\nin:  %q\nout: %s", doc, out)
			}
			// Evaluating any valid policy must not panic.
			req := &Request{Principal: roleSession(), Action: "s3:GetObject", Resource: "arn:aws:s3:::h/alice/x",
				Context: ctx("aws:username", StringValue("alice"), "aws:TagKeys", StringListValue("a", "b"), "aws:SourceIp", StringValue("10.1.2.3"))}
			s := Source{ID: "f", Policy: p}
			in := &Input{Identity: []Source{s}}
			if kind == Resource || kind == Trust {
				in = &Input{Resource: &s, ResourceAccount: otherAcct}
			}
			if d := Evaluate(req, in).Decision; d != Decide(req, in) {
				t.Fatalf("Evaluate and Decide disagree on %q", doc)
			}
		}
	})
}
