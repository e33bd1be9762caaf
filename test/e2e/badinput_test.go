package e2e

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/sigv4"
)

// TestHostileInputGetsAWSErrorsAndTheServerStaysUp sends malformed, oversized and
// hostile bodies, correctly signed, in every protocol and checks each answer is a
// 4xx in the protocol's error format, and that the server still serves afterwards.
func TestHostileInputGetsAWSErrorsAndTheServerStaysUp(t *testing.T) {
	s := startServer(t)
	cred := sigv4.Credential{AccessKeyID: s.akid, SecretAccessKey: s.secret}
	type req struct {
		name, method, path, service, target, ctype string
		body                                       []byte
		wantStatus                                 int // 0: any 4xx
	}
	huge := bytes.Repeat([]byte("a"), 17<<20)
	cases := []req{
		{"query with a broken percent escape", "POST", "/", "iam", "", "application/x-www-form-urlencoded", []byte("Action=ListUsers&Version=2010-05-08&Marker=%zz"), 0},
		{"query with invalid UTF-8", "POST", "/", "iam", "", "application/x-www-form-urlencoded", []byte("Action=CreateUser&Version=2010-05-08&UserName=\xff\xfe"), 0},
		{"query with an absurd MaxItems", "POST", "/", "iam", "", "application/x-www-form-urlencoded", []byte("Action=ListUsers&Version=2010-05-08&MaxItems=99999999999999999999"), 0},
		{"query with a huge list index", "POST", "/", "iam", "", "application/x-www-form-urlencoded", []byte("Action=SimulateCustomPolicy&Version=2010-05-08&ActionNames.member.999999999=iam:ListUsers&PolicyInputList.member.1=%7B%7D"), 0},
		{"query with an unknown action", "POST", "/", "iam", "", "application/x-www-form-urlencoded", []byte("Action=Nope&Version=2010-05-08"), 0},
		{"query with a missing required member", "POST", "/", "iam", "", "application/x-www-form-urlencoded", []byte("Action=CreateUser&Version=2010-05-08"), 400},
		{"query with a name over its maximum length", "POST", "/", "iam", "", "application/x-www-form-urlencoded", []byte("Action=CreateUser&Version=2010-05-08&UserName=" + strings.Repeat("u", 200)), 400},
		{"a body over the limit", "POST", "/", "iam", "", "application/x-www-form-urlencoded", huge, 413},
		{"json that does not parse", "POST", "/", "kms", "TrentService.ListKeys", "application/x-amz-json-1.1", []byte(`{"Limit":`), 0},
		{"json nested ten thousand deep", "POST", "/", "kms", "TrentService.ListKeys", "application/x-amz-json-1.1", []byte(strings.Repeat("[", 10000)), 0},
		{"json with a string where a number belongs", "POST", "/", "kms", "TrentService.ListKeys", "application/x-amz-json-1.1", []byte(`{"Limit":"ten"}`), 0},
		{"json for an unknown target", "POST", "/", "kms", "TrentService.Nope", "application/x-amz-json-1.1", []byte(`{}`), 0},
		{"organizations json with an extra member", "POST", "/", "organizations", "AWSOrganizationsV20161128.DescribeAccount", "application/x-amz-json-1.1", []byte(`{"AccountId":"123456789012","Bogus":1}`), 0},
		{"rest-json with a broken body", "POST", "/2015-03-31/functions", "lambda", "", "application/json", []byte(`{"FunctionName":`), 0},
		{"rest-json on an unknown path", "GET", "/2015-03-31/nothing-here", "lambda", "", "application/json", nil, 0},
		{"cbor that does not parse", "POST", "/service/GraniteServiceVersion20100801/operation/ListMetrics", "monitoring", "", "application/cbor", []byte{0xbf, 0xff, 0xff, 0x1c}, 0},
		{"an unknown content encoding", "POST", "/", "kms", "TrentService.ListKeys", "application/x-amz-json-1.1", []byte(`{}`), 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := http.NewRequest(c.method, s.url+c.path, bytes.NewReader(c.body))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Content-Type", c.ctype)
			if c.target != "" {
				r.Header.Set("X-Amz-Target", c.target)
			}
			if c.ctype == "application/cbor" {
				r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
			}
			if c.name == "an unknown content encoding" {
				r.Header.Set("Content-Encoding", "br")
			}
			if err := sigv4.Sign(r, c.body, cred, "us-east-1", c.service, time.Now()); err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if c.wantStatus != 0 && resp.StatusCode != c.wantStatus || resp.StatusCode < 400 || resp.StatusCode > 499 {
				t.Fatalf("status %d, body %.300s", resp.StatusCode, b)
			}
			if len(b) == 0 && resp.Header.Get("X-Amzn-Errortype") == "" {
				t.Fatal("error answer carries no AWS error code")
			}
		})
	}
	t.Run("the server still answers afterwards", func(t *testing.T) {
		s.awsOK(s.admin(), "sts", "get-caller-identity")
	})
	t.Run("nothing was created by the rejected requests", func(t *testing.T) {
		users := s.awsOK(s.admin(), "iam", "list-users")["Users"].([]any)
		if len(users) != 1 {
			t.Fatalf("users = %v", users)
		}
	})
}
