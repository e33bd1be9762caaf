package query

import (
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

// fuzzDecode runs Operation and DecodeRequest on body and fails unless every
// rejection is an *awserr.Error with a 4xx status.
func fuzzDecode(t *testing.T, c *Codec, m testModel, body string) {
	r := postForm(body)
	op, err := c.Operation(m.svc, r, []byte(body))
	if err != nil {
		assertClientError(t, err)
		return
	}
	in, err := c.DecodeRequest(m.svc, op, r, []byte(body))
	if err != nil {
		assertClientError(t, err)
		return
	}
	if in == nil {
		t.Fatal("decoded a nil input without an error")
	}
}

func assertClientError(t *testing.T, err error) {
	t.Helper()
	e, ok := awserr.As(err)
	if !ok {
		t.Fatalf("error %v (%T) is not an *awserr.Error", err, err)
	}
	if s := e.HTTPStatus(); s < 400 || s > 499 {
		t.Fatalf("error %v has status %d, want 4xx", err, s)
	}
}

func FuzzQueryDecode(f *testing.F) {
	for _, s := range []string{
		"Action=CreateUser&Version=2010-05-08&UserName=a+b%26c&Tags.member.1.Key=k&Tags.member.1.Value=v&Path=%2F",
		"Action=CreateTopic&Version=2010-03-31&Name=t&Attributes.entry.1.key=a&Attributes.entry.1.value=b&Tags=",
		"Action=Echo&Version=2020-01-01&Name=n&Names.member.1=x&Names.member.2=y&NamedItems.Item.1=i&Flat.1=f1&Thing.1.Key=t&Nested.member.2.member.1=b",
		"Action=Echo&Version=2020-01-01&Name=n&Attrs.entry.1.key=a&Attrs.entry.1.value=1&NamedAttrs.entry.1.Name=n&NamedAttrs.entry.1.Value.Key=k&FlatAttrs.1.K=fast&FlatAttrs.1.V=x",
		"Action=Echo&Version=2020-01-01&Name=n&When=2023-11-14T22%3A13%3A20.250000Z&WhenEpoch=1700000000&WhenHttp=Tue%2C+14+Nov+2023+22%3A13%3A20+GMT&Data=AP8%3D",
		"Action=Echo&Version=2020-01-01&Name=n&Names.member.999999999=x",
		"Action=Echo&Version=2020-01-01&Name=%FF&Name=x",
		"Action=Echo&Version=2020-01-01&Inner.Child.Child.Child.Child.Child.Key=x&Count=-1",
		"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fr&RoleSessionName=s&PolicyArns.member.1.arn=x",
		"",
		"&&=&Action",
	} {
		f.Add(s)
	}
	iam := pinnedModel(f, "iam", "2010-05-08")
	sns := pinnedModel(f, "sns", "2010-03-31")
	sts := pinnedModel(f, "sts", "2011-06-15")
	wire := wireModel(f)
	c := New()
	f.Fuzz(func(t *testing.T, body string) {
		for _, m := range []testModel{iam, sns, sts, wire} {
			fuzzDecode(t, c, m, body)
		}
	})
}

func FuzzEC2Decode(f *testing.F) {
	for _, s := range []string{
		"Action=AuthorizeSecurityGroupIngress&Version=2016-11-15&GroupId=sg-1&IpPermissions.1.IpProtocol=tcp&IpPermissions.1.FromPort=22&IpPermissions.1.ToPort=22&IpPermissions.1.IpRanges.1.CidrIp=10.0.0.0%2F8&IpPermissions.1.Groups.1.GroupId=sg-2&TagSpecification.1.ResourceType=security-group-rule&TagSpecification.1.Tag.1.Key=a",
		"Action=DescribeSecurityGroups&Version=2016-11-15&GroupId.1=sg-1&GroupId.2=sg-2&Filter.1.Name=vpc-id&Filter.1.Value.1=vpc-1&MaxResults=5&DryRun=true",
		"Action=CreateSecurityGroup&Version=2016-11-15&GroupDescription=d&GroupName=g&VpcId=vpc-1",
		"Action=CreateTags&Version=2016-11-15&ResourceId.1=i-1&Tag.1.Key=k&Tag.1.Value=",
		"Action=RevokeSecurityGroupEgress&Version=2016-11-15&GroupId=sg-1&IpPermissions.1.IpProtocol=-1",
		"Action=DescribeVpcs&Version=2016-11-15&VpcId.4294967296=x",
		"Action=RunInstances&Version=2016-11-15&MinCount=1&MaxCount=1&NetworkInterface.1.Ipv6Addresses.1.Ipv6Address=%3A%3A1",
		"Action=DescribeVpcs&Filter.1.Value.01=x&Filter.1.Name=%zz",
	} {
		f.Add(s)
	}
	ec2 := pinnedModel(f, "ec2", "2016-11-15")
	c := NewEC2()
	f.Fuzz(func(t *testing.T, body string) {
		fuzzDecode(t, c, ec2, body)
	})
}
