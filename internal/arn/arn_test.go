package arn

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want ARN
		err  bool
	}{
		{"an IAM user ARN splits into its parts", "arn:aws:iam::123456789012:user/dev/bob",
			ARN{Partition: "aws", Service: "iam", Account: "123456789012", Resource: "user/dev/bob"}, false},
		{"colons in the resource stay in the resource", "arn:aws:logs:us-east-1:123456789012:log-group:/a:*",
			ARN{Partition: "aws", Service: "logs", Region: "us-east-1", Account: "123456789012", Resource: "log-group:/a:*"}, false},
		{"an S3 ARN has no region and account", "arn:aws:s3:::bucket/key",
			ARN{Partition: "aws", Service: "s3", Resource: "bucket/key"}, false},
		{"a star is not an ARN", "*", ARN{}, true},
		{"too few parts is malformed", "arn:aws:iam::123", ARN{}, true},
		{"an empty resource is malformed", "arn:aws:iam::123456789012:", ARN{}, true},
		{"an empty service is malformed", "arn:aws:::123456789012:x", ARN{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(tc.in)
			if tc.err {
				if !errors.Is(err, ErrMalformed) {
					t.Errorf("err = %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v", got, err)
			}
			if s := got.String(); s != tc.in {
				t.Errorf("String() = %q, want %q", s, tc.in)
			}
		})
	}
}

func TestBuilders(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"an empty path is the root path", IAM("123456789012", "user", "", "bob"), "arn:aws:iam::123456789012:user/bob"},
		{"a path gets its slashes", IAM("123456789012", "role", "svc", "r"), "arn:aws:iam::123456789012:role/svc/r"},
		{"a list resource has an empty name", IAM("123456789012", "user", "/dev/", ""), "arn:aws:iam::123456789012:user/dev/"},
		{"the account root", IAMRoot("123456789012"), "arn:aws:iam::123456789012:root"},
		{"an assumed role session", AssumedRole("123456789012", "R", "s"), "arn:aws:sts::123456789012:assumed-role/R/s"},
		{"an organization", Organization("111111111111", "o-abc"), "arn:aws:organizations::111111111111:organization/o-abc"},
		{"an organization account", OrgAccount("111111111111", "o-abc", "222222222222"), "arn:aws:organizations::111111111111:account/o-abc/222222222222"},
		{"an organization root", OrgRoot("111111111111", "o-abc", "r-ab12"), "arn:aws:organizations::111111111111:root/o-abc/r-ab12"},
		{"Account of a non-ARN is empty", Account("*"), ""},
		{"Account of an ARN is its account", Account("arn:aws:iam::aws:policy/ReadOnlyAccess"), "aws"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestIAMResource(t *testing.T) {
	kind, path, name, ok := IAMResource("user/a/b/bob")
	if !ok || kind != "user" || path != "/a/b/" || name != "bob" {
		t.Errorf("got %q %q %q %v", kind, path, name, ok)
	}
	kind, path, name, ok = IAMResource("role/r")
	if !ok || kind != "role" || path != "/" || name != "r" {
		t.Errorf("got %q %q %q %v", kind, path, name, ok)
	}
	if _, _, _, ok := IAMResource("root"); ok {
		t.Error("root has no kind/name form")
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"arn:aws:iam::123456789012:user/bob", "arn:aws:s3:::b", "*", "arn:::::", "arn:a:b:c:d:e:f"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			return
		}
		if a.String() != s {
			t.Errorf("Parse(%q).String() = %q", s, a.String())
		}
	})
}
