package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

func TestRedaction(t *testing.T) {
	ms := models(t)
	type check struct {
		path []string
		want any // Hidden, or the value that must be kept
	}
	cases := []struct {
		name    string
		svc, op string
		in, out map[string]any
		checks  []check
	}{
		{
			name: "lambda CreateFunction hides the code and the values of environment variables but keeps their names",
			svc:  "lambda", op: "CreateFunction",
			in: map[string]any{"FunctionName": "f", "Code": map[string]any{"ZipFile": []byte("PK")},
				"Environment": map[string]any{"Variables": map[string]any{"DB_PASSWORD": "hunter2", "MODE": "prod"}}},
			out: map[string]any{"FunctionName": "f", "Environment": map[string]any{"Variables": map[string]any{"MODE": "prod"}}},
			checks: []check{
				{[]string{"requestParameters", "functionName"}, "f"},
				{[]string{"requestParameters", "code", "zipFile"}, Hidden},
				{[]string{"requestParameters", "environment", "variables", "DB_PASSWORD"}, Hidden},
				{[]string{"requestParameters", "environment", "variables", "MODE"}, Hidden},
				{[]string{"responseElements", "environment", "variables", "MODE"}, Hidden},
				{[]string{"responseElements", "functionName"}, "f"},
			},
		},
		{
			name: "secrets manager CreateSecret hides SecretString and keeps the name",
			svc:  "secretsmanager", op: "CreateSecret",
			in:  map[string]any{"Name": "db", "SecretString": "pw"},
			out: map[string]any{"Name": "db", "ARN": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-abc"},
			checks: []check{
				{[]string{"requestParameters", "secretString"}, Hidden},
				{[]string{"requestParameters", "name"}, "db"},
				{[]string{"responseElements", "aRN"}, "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-abc"},
			},
		},
		{
			name: "secrets manager PutSecretValue hides SecretBinary but keeps SecretId",
			svc:  "secretsmanager", op: "PutSecretValue",
			in: map[string]any{"SecretId": "db", "SecretBinary": []byte{1, 2}},
			checks: []check{
				{[]string{"requestParameters", "secretBinary"}, Hidden},
				{[]string{"requestParameters", "secretId"}, "db"},
			},
		},
		{
			name: "kms Decrypt hides the ciphertext it was given and the plaintext it answered",
			svc:  "kms", op: "Decrypt",
			in:  map[string]any{"CiphertextBlob": []byte("c")},
			out: map[string]any{"KeyId": "k1", "Plaintext": []byte("p"), "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"},
			checks: []check{
				{[]string{"requestParameters", "ciphertextBlob"}, Hidden},
				{[]string{"responseElements", "plaintext"}, Hidden},
				{[]string{"responseElements", "keyId"}, "k1"},
			},
		},
		{
			name: "iam CreateAccessKey hides the secret access key and keeps the key id",
			svc:  "iam", op: "CreateAccessKey",
			in: map[string]any{"UserName": "bob"},
			out: map[string]any{"AccessKey": map[string]any{"UserName": "bob", "AccessKeyId": "AKIAX", "Status": "Active",
				"SecretAccessKey": "s3cr3t", "CreateDate": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}},
			checks: []check{
				{[]string{"responseElements", "accessKey", "secretAccessKey"}, Hidden},
				{[]string{"responseElements", "accessKey", "accessKeyId"}, "AKIAX"},
				{[]string{"responseElements", "accessKey", "createDate"}, "2026-01-02T03:04:05Z"},
			},
		},
		{
			name: "sts AssumeRole hides the credentials' secret key and session token",
			svc:  "sts", op: "AssumeRole",
			in: map[string]any{"RoleArn": "arn:aws:iam::123456789012:role/r", "RoleSessionName": "s"},
			out: map[string]any{"Credentials": map[string]any{"AccessKeyId": "ASIAX", "SecretAccessKey": "s",
				"SessionToken": "tok", "Expiration": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}},
			checks: []check{
				{[]string{"responseElements", "credentials", "secretAccessKey"}, Hidden},
				{[]string{"responseElements", "credentials", "sessionToken"}, Hidden},
				{[]string{"responseElements", "credentials", "accessKeyId"}, "ASIAX"},
				{[]string{"requestParameters", "roleSessionName"}, "s"},
			},
		},
		{
			name: "ssm PutParameter hides Value and keeps Name",
			svc:  "ssm", op: "PutParameter",
			in: map[string]any{"Name": "/app/db", "Value": "pw", "Type": "SecureString"},
			checks: []check{
				{[]string{"requestParameters", "value"}, Hidden},
				{[]string{"requestParameters", "name"}, "/app/db"},
			},
		},
		{
			name: "sqs ReceiveMessage hides message bodies but keeps message ids",
			svc:  "sqs", op: "ReceiveMessage",
			in:  map[string]any{"QueueUrl": "http://q"},
			out: map[string]any{"Messages": []any{map[string]any{"MessageId": "m1", "Body": "card 4111"}}},
			checks: []check{
				{[]string{"requestParameters", "queueUrl"}, "http://q"},
			},
		},
		{
			name: "iam CreateLoginProfile hides the password",
			svc:  "iam", op: "CreateLoginProfile",
			in: map[string]any{"UserName": "bob", "Password": "pw", "PasswordResetRequired": true},
			checks: []check{
				{[]string{"requestParameters", "password"}, Hidden},
				{[]string{"requestParameters", "passwordResetRequired"}, true},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rec := decoded(t, entry(t, ms[tc.svc], tc.op, "r1", tc.in, tc.out))
			if tc.op == "ReceiveMessage" {
				msgs, _ := at(rec, "responseElements", "messages")
				m, _ := msgs.([]any)
				if len(m) != 1 || m[0].(map[string]any)["body"] != Hidden || m[0].(map[string]any)["messageId"] != "m1" {
					t.Errorf("messages = %v, want the body hidden and the id kept", msgs)
				}
			}
			for _, c := range tc.checks {
				got, ok := at(rec, c.path...)
				if !ok || got != c.want {
					t.Errorf("%s = %v (present %v), want %v", strings.Join(c.path, "."), got, ok, c.want)
				}
			}
		})
	}
}

// TestRedactionRulesOnSyntheticShapes holds each rule apart from the others,
// on shapes no model name rule matches.
func TestRedactionRulesOnSyntheticShapes(t *testing.T) {
	str := &model.Shape{Name: "S", Type: model.String}
	secret := &model.Shape{Name: "Secretive", Type: model.String, Sensitive: true}
	blob := &model.Shape{Name: "B", Type: model.Blob}
	inner := &model.Shape{Name: "Inner", Type: model.Structure, Members: []*model.Member{{Name: "Note", Shape: secret}, {Name: "Label", Shape: str}}}
	list := &model.Shape{Name: "L", Type: model.List, Member: &model.Member{Name: "member", Shape: inner}}
	top := &model.Shape{Name: "Top", Type: model.Structure, Members: []*model.Member{
		{Name: "Note", Shape: secret}, {Name: "Data", Shape: blob}, {Name: "Items", Shape: list},
		{Name: "PrivateKey", Shape: str}, {Name: "OldPassword", Shape: str}, {Name: "SecretName", Shape: str},
		{Name: "Doc", Shape: &model.Shape{Name: "D", Type: model.Structure, Document: true}},
	}}
	v := map[string]any{
		"Note": "n", "Data": []byte("d"), "PrivateKey": "-----BEGIN", "OldPassword": "old", "SecretName": "keep",
		"Items": []any{map[string]any{"Note": "x", "Label": "y"}},
		"Doc":   map[string]any{"nested": map[string]any{"SessionToken": "t", "other": "o"}},
	}
	got := Redact("x", "Op", top, v).(map[string]any)
	cases := []struct {
		name string
		path []string
		want any
	}{
		{"a member whose shape is marked sensitive is hidden", []string{"note"}, Hidden},
		{"a blob is hidden", []string{"data"}, Hidden},
		{"a sensitive member inside a list element is hidden", nil, Hidden},
		{"a non-sensitive member beside it is kept", nil, "y"},
		{"PrivateKey is hidden by name", []string{"privateKey"}, Hidden},
		{"a member ending in Password is hidden by name", []string{"oldPassword"}, Hidden},
		{"a Secret* identifier is kept", []string{"secretName"}, "keep"},
		{"a SessionToken inside a document is hidden by name", []string{"doc", "nested", "SessionToken"}, Hidden},
		{"a plain value inside a document is kept", []string{"doc", "nested", "other"}, "o"},
	}
	item := got["items"].([]any)[0].(map[string]any)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var v any
			switch i {
			case 2:
				v = item["note"]
			case 3:
				v = item["label"]
			default:
				v, _ = at(got, c.path...)
			}
			if v != c.want {
				t.Errorf("got %v, want %v", v, c.want)
			}
		})
	}
	if v["Note"] != "n" {
		t.Errorf("Redact modified its input")
	}
}

func TestResponseElements(t *testing.T) {
	ms := models(t)
	big := strings.Repeat("x", maxElementBytes)
	cases := []struct {
		name  string
		e     func() map[string]any
		null  bool
		check func(t *testing.T, rec map[string]any)
	}{
		{name: "a read-only event has null responseElements", null: true, e: func() map[string]any {
			return decoded(t, entry(t, ms["secretsmanager"], "GetSecretValue", "r", map[string]any{"SecretId": "db"},
				map[string]any{"Name": "db", "SecretString": "pw"}))
		}},
		{name: "a response over 100 KB is omitted", null: true, e: func() map[string]any {
			return decoded(t, entry(t, ms["lambda"], "CreateFunction", "r", map[string]any{"FunctionName": "f"},
				map[string]any{"FunctionName": "f", "Description": big}))
		}},
		{name: "a failed call has null responseElements and its error", null: true, e: func() map[string]any {
			return decoded(t, failed(entry(t, ms["lambda"], "CreateFunction", "r", map[string]any{"FunctionName": "f"}, nil), "ResourceConflictException"))
		}, check: func(t *testing.T, rec map[string]any) {
			if rec["errorCode"] != "ResourceConflictException" || rec["errorMessage"] != "no" {
				t.Errorf("errorCode %v, errorMessage %v", rec["errorCode"], rec["errorMessage"])
			}
		}},
		{name: "a request over 100 KB is omitted too", e: func() map[string]any {
			return decoded(t, entry(t, ms["lambda"], "CreateFunction", "r", map[string]any{"FunctionName": "f", "Description": big},
				map[string]any{"FunctionName": "f"}))
		}, check: func(t *testing.T, rec map[string]any) {
			if v, ok := rec["requestParameters"]; !ok || v != nil {
				t.Errorf("requestParameters = %.80v, want null", v)
			}
		}},
		{name: "a response under 100 KB is kept", e: func() map[string]any {
			return decoded(t, entry(t, ms["lambda"], "CreateFunction", "r", map[string]any{"FunctionName": "f"},
				map[string]any{"FunctionName": "f", "Description": big[:1000]}))
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := c.e()
			v, present := rec["responseElements"]
			if !present {
				t.Fatal("responseElements is absent; CloudTrail writes it as null")
			}
			if (v == nil) != c.null {
				t.Errorf("responseElements = %.80v, want null: %v", v, c.null)
			}
			if c.check != nil {
				c.check(t, rec)
			}
		})
	}
}
