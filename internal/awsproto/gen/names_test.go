package main

import "testing"

func TestExportedName(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"an UpperCamel name is kept", "CreateUser", "CreateUser"},
		{"a lowerCamel name is capitalised", "functionName", "FunctionName"},
		{"initialisms are kept as spelled", "jwtPayloadSizeExceededException", "JwtPayloadSizeExceededException"},
		{"separators are dropped and start a word", "x-amz-meta_data", "XAmzMetaData"},
		{"a leading digit gets an X", "3dModel", "X3dModel"},
		{"a name of punctuation only has no go name", "--", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := exportedName(tc.in); got != tc.want {
				t.Errorf("exportedName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestEnumWord(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"an upper-case value is title-cased", "ACTIVE", "Active"},
		{"snake case becomes camel case", "AWS_IAM", "AwsIam"},
		{"dots and dashes split words", "nodejs20.x", "Nodejs20X"},
		{"mixed case is kept", "IPv4", "IPv4"},
		{"a region reads as words", "us-east-1", "UsEast1"},
		{"a value of punctuation only is Value", "*", "Value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := enumWord(tc.in); got != tc.want {
				t.Errorf("enumWord(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNamespaceGivesLaterAskersSuffixedNames(t *testing.T) {
	ns := newNamespace("Service")
	got := []string{ns.take("Service"), ns.take("Service"), ns.take("Service"), ns.take("User")}
	want := []string{"Service_", "Service_2", "Service_3", "User"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("take #%d = %q, want %q", i+1, got[i], want[i])
		}
	}
}
