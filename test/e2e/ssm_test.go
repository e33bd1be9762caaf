package e2e

import (
	"strings"
	"testing"
)

func TestParameterStoreFromTheCLIAndBoto3(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	const (
		secretManaged = "ssm-managed-4b2e9f01"
		secretCMK     = "ssm-cmk-7d6c5b4a"
		secretBoto    = "ssm-boto-1f2e3d4c"
	)
	key := s.awsOK(admin, "kms", "create-key", "--description", "ssm e2e")["KeyMetadata"].(map[string]any)
	keyARN := key["Arn"].(string)
	get := func(name string, extra ...string) map[string]any {
		t.Helper()
		return s.awsOK(admin, append([]string{"ssm", "get-parameter", "--name", name}, extra...)...)["Parameter"].(map[string]any)
	}

	t.Run("String and StringList values come back as put", func(t *testing.T) {
		out := s.awsOK(admin, "ssm", "put-parameter", "--name", "/app/db/host", "--type", "String", "--value", "db.internal")
		if out["Version"] != float64(1) || out["Tier"] != "Standard" {
			t.Fatalf("put-parameter = %v", out)
		}
		s.awsOK(admin, "ssm", "put-parameter", "--name", "/app/hosts", "--type", "StringList", "--value", "a,b,c")
		p := get("/app/db/host")
		if p["Value"] != "db.internal" || p["Type"] != "String" || !strings.HasSuffix(p["ARN"].(string), ":parameter/app/db/host") {
			t.Fatalf("get-parameter = %v", p)
		}
		if p := get("/app/hosts"); p["Value"] != "a,b,c" || p["Type"] != "StringList" {
			t.Fatalf("get-parameter StringList = %v", p)
		}
	})
	t.Run("a SecureString under the default key alias/aws/ssm is decrypted only on request", func(t *testing.T) {
		s.awsOK(admin, "ssm", "put-parameter", "--name", "/app/db/password", "--type", "SecureString", "--value", secretManaged)
		if p := get("/app/db/password", "--with-decryption"); p["Value"] != secretManaged || p["Type"] != "SecureString" {
			t.Fatalf("with decryption = %v", p)
		}
		if p := get("/app/db/password", "--no-with-decryption"); p["Value"] == secretManaged || strings.Contains(p["Value"].(string), secretManaged) || p["Value"] == "" {
			t.Fatalf("without decryption the value is %v", p["Value"])
		}
		d := s.awsOK(admin, "ssm", "describe-parameters", "--parameter-filters", "Key=Name,Values=/app/db/password")["Parameters"].([]any)
		if len(d) != 1 || d[0].(map[string]any)["KeyId"] != "alias/aws/ssm" {
			t.Fatalf("describe-parameters = %v", d)
		}
	})
	t.Run("the default key alias/aws/ssm is an AWS managed key", func(t *testing.T) {
		if k := s.awsOK(admin, "kms", "describe-key", "--key-id", "alias/aws/ssm")["KeyMetadata"].(map[string]any); k["KeyManager"] != "AWS" || k["Enabled"] != true {
			t.Fatalf("alias/aws/ssm = %v", k)
		}
	})
	t.Run("a SecureString under a customer key is decrypted with it", func(t *testing.T) {
		s.awsOK(admin, "ssm", "put-parameter", "--name", "/app/api/token", "--type", "SecureString", "--value", secretCMK, "--key-id", keyARN)
		if p := get("/app/api/token", "--with-decryption"); p["Value"] != secretCMK {
			t.Fatalf("with decryption = %v", p)
		}
		d := s.awsOK(admin, "ssm", "describe-parameters", "--parameter-filters", "Key=Name,Values=/app/api/token")["Parameters"].([]any)
		if len(d) != 1 || !strings.Contains(keyARN, d[0].(map[string]any)["KeyId"].(string)) {
			t.Fatalf("describe-parameters KeyId = %v, want %s", d, keyARN)
		}
		s.awsOK(admin, "kms", "disable-key", "--key-id", keyARN)
		if msg := s.awsErr(admin, "ssm", "get-parameter", "--name", "/app/api/token", "--with-decryption"); !strings.Contains(msg, "DisabledException") {
			t.Fatalf("decrypting under a disabled key: %s", msg)
		}
		s.awsOK(admin, "kms", "enable-key", "--key-id", keyARN)
	})
	t.Run("overwriting makes a new version and name:1 reads the first", func(t *testing.T) {
		if msg := s.awsErr(admin, "ssm", "put-parameter", "--name", "/app/db/host", "--type", "String", "--value", "other"); !strings.Contains(msg, "ParameterAlreadyExists") {
			t.Fatalf("put without --overwrite: %s", msg)
		}
		out := s.awsOK(admin, "ssm", "put-parameter", "--name", "/app/db/host", "--type", "String", "--value", "db2.internal", "--overwrite")
		if out["Version"] != float64(2) {
			t.Fatalf("overwrite = %v", out)
		}
		if p := get("/app/db/host"); p["Value"] != "db2.internal" || p["Version"] != float64(2) {
			t.Fatalf("latest = %v", p)
		}
		if p := get("/app/db/host:1"); p["Value"] != "db.internal" || p["Version"] != float64(1) {
			t.Fatalf("name:1 = %v", p)
		}
		if msg := s.awsErr(admin, "ssm", "get-parameter", "--name", "/app/db/host:9"); !strings.Contains(msg, "ParameterVersionNotFound") {
			t.Fatalf("name:9 = %s", msg)
		}
		if ps := s.awsOK(admin, "ssm", "get-parameters", "--names", "/app/db/host:1")["Parameters"].([]any); len(ps) != 1 || ps[0].(map[string]any)["Value"] != "db.internal" {
			t.Fatalf("get-parameters name:1 = %v", ps)
		}
		h := s.awsOK(admin, "ssm", "get-parameter-history", "--name", "/app/db/host")["Parameters"].([]any)
		if len(h) != 2 || h[0].(map[string]any)["Value"] != "db.internal" || h[1].(map[string]any)["Value"] != "db2.internal" {
			t.Fatalf("history = %v", h)
		}
	})
	t.Run("a SecureString's history is decrypted only on request", func(t *testing.T) {
		s.awsOK(admin, "ssm", "put-parameter", "--name", "/app/db/password", "--type", "SecureString", "--value", secretManaged+"-v2", "--overwrite")
		h := s.awsOK(admin, "ssm", "get-parameter-history", "--name", "/app/db/password", "--with-decryption")["Parameters"].([]any)
		if len(h) != 2 || h[0].(map[string]any)["Value"] != secretManaged || h[1].(map[string]any)["Value"] != secretManaged+"-v2" {
			t.Fatalf("history with decryption = %v", h)
		}
		for _, v := range s.awsOK(admin, "ssm", "get-parameter-history", "--name", "/app/db/password")["Parameters"].([]any) {
			if strings.Contains(v.(map[string]any)["Value"].(string), secretManaged) {
				t.Fatalf("history without decryption holds the value: %v", v)
			}
		}
		if p := get("/app/db/password:1", "--with-decryption"); p["Value"] != secretManaged {
			t.Fatalf("name:1 of a SecureString = %v", p)
		}
	})
	t.Run("a SecureString under an unknown key is InvalidKeyId", func(t *testing.T) {
		msg := s.awsErr(admin, "ssm", "put-parameter", "--name", "/app/badkey", "--type", "SecureString", "--value", "x", "--key-id", "alias/does-not-exist")
		if !strings.Contains(msg, "InvalidKeyId") {
			t.Fatalf("unknown key: %s", msg)
		}
	})
	t.Run("get-parameters lists unknown names in InvalidParameters", func(t *testing.T) {
		out := s.awsOK(admin, "ssm", "get-parameters", "--names", "/app/db/host", "/app/db/password:1", "/app/nope", "--with-decryption")
		ps := out["Parameters"].([]any)
		inv := out["InvalidParameters"].([]any)
		if len(ps) != 2 || len(inv) != 1 || inv[0] != "/app/nope" {
			t.Fatalf("get-parameters = %v", out)
		}
		for _, p := range ps {
			if p := p.(map[string]any); p["Name"] == "/app/db/password" && (p["Value"] != secretManaged || p["Selector"] != ":1") {
				t.Fatalf("get-parameters SecureString = %v", p)
			}
		}
	})
	t.Run("get-parameters-by-path goes deeper only with --recursive", func(t *testing.T) {
		names := func(args ...string) []string {
			var n []string
			for _, p := range s.awsOK(admin, append([]string{"ssm", "get-parameters-by-path"}, args...)...)["Parameters"].([]any) {
				n = append(n, p.(map[string]any)["Name"].(string))
			}
			return n
		}
		if n := names("--path", "/app"); len(n) != 1 || n[0] != "/app/hosts" {
			t.Fatalf("one level = %v", n)
		}
		if n := names("--path", "/app", "--recursive"); len(n) != 4 {
			t.Fatalf("recursive = %v", n)
		}
	})
	t.Run("a Standard value over 4 KB is refused", func(t *testing.T) {
		msg := s.awsErr(admin, "ssm", "put-parameter", "--name", "/app/big", "--type", "String", "--value", strings.Repeat("x", 4097))
		if !strings.Contains(msg, "ValidationException") {
			t.Fatalf("a 4097-byte value: %s", msg)
		}
		if msg := s.awsErr(admin, "ssm", "get-parameter", "--name", "/app/big"); !strings.Contains(msg, "ParameterNotFound") {
			t.Fatalf("the refused value was stored: %s", msg)
		}
	})
	t.Run("the Advanced tier takes the same value up to 8 KB", func(t *testing.T) {
		out := s.awsOK(admin, "ssm", "put-parameter", "--name", "/app/big", "--type", "String", "--tier", "Advanced", "--value", strings.Repeat("x", 4097))
		if out["Tier"] != "Advanced" {
			t.Fatalf("put-parameter Advanced = %v", out)
		}
		if msg := s.awsErr(admin, "ssm", "put-parameter", "--name", "/app/bigger", "--type", "String", "--tier", "Advanced", "--value", strings.Repeat("x", 8193)); !strings.Contains(msg, "ValidationException") {
			t.Fatalf("an 8193-byte Advanced value: %s", msg)
		}
		s.awsOK(admin, "ssm", "delete-parameter", "--name", "/app/big")
	})
	t.Run("reserved names, deep hierarchies and long name lists are refused", func(t *testing.T) {
		for _, c := range []struct{ name, code string }{
			{"awsthing", "ValidationException"},
			{"ssm-thing", "ValidationException"},
			{"/aws/reserved", "ValidationException"},
			{"/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p", "HierarchyLevelLimitExceededException"},
		} {
			if msg := s.awsErr(admin, "ssm", "put-parameter", "--name", c.name, "--type", "String", "--value", "x"); !strings.Contains(msg, c.code) {
				t.Errorf("put-parameter %s: want %s, got %s", c.name, c.code, msg)
			}
		}
		names := []string{"ssm", "get-parameters", "--names"}
		for i := range 11 {
			names = append(names, "/n"+strings.Repeat("x", i))
		}
		if msg := s.awsErr(admin, names...); !strings.Contains(msg, "ValidationException") {
			t.Errorf("get-parameters with 11 names: %s", msg)
		}
		if msg := s.awsErr(admin, "ssm", "get-parameters-by-path", "--path", "app"); !strings.Contains(msg, "ValidationException") {
			t.Errorf("a path without a leading slash: %s", msg)
		}
	})
	t.Run("delete-parameter and delete-parameters remove them and report the unknown", func(t *testing.T) {
		s.awsOK(admin, "ssm", "delete-parameter", "--name", "/app/hosts")
		if msg := s.awsErr(admin, "ssm", "get-parameter", "--name", "/app/hosts"); !strings.Contains(msg, "ParameterNotFound") {
			t.Fatalf("get after delete: %s", msg)
		}
		if msg := s.awsErr(admin, "ssm", "delete-parameter", "--name", "/app/hosts"); !strings.Contains(msg, "ParameterNotFound") {
			t.Fatalf("delete twice: %s", msg)
		}
		s.awsOK(admin, "ssm", "put-parameter", "--name", "/tmp/a", "--type", "String", "--value", "1")
		s.awsOK(admin, "ssm", "put-parameter", "--name", "/tmp/b", "--type", "String", "--value", "2")
		out := s.awsOK(admin, "ssm", "delete-parameters", "--names", "/tmp/a", "/tmp/b", "/tmp/c")
		if len(out["DeletedParameters"].([]any)) != 2 || len(out["InvalidParameters"].([]any)) != 1 {
			t.Fatalf("delete-parameters = %v", out)
		}
	})
	t.Run("a user without a policy is denied", func(t *testing.T) {
		s.awsOK(admin, "iam", "create-user", "--user-name", "nossm")
		k := s.awsOK(admin, "iam", "create-access-key", "--user-name", "nossm")["AccessKey"].(map[string]any)
		bob := creds{k["AccessKeyId"].(string), k["SecretAccessKey"].(string), ""}
		for _, args := range [][]string{
			{"ssm", "get-parameter", "--name", "/app/db/password", "--with-decryption"},
			{"ssm", "put-parameter", "--name", "/bob", "--type", "String", "--value", "x"},
		} {
			if msg := s.awsErr(bob, args...); !strings.Contains(msg, "AccessDenied") {
				t.Fatalf("%v: %s", args, msg)
			}
		}
	})
	t.Run("boto3 round-trips a SecureString and pages get_parameters_by_path", func(t *testing.T) {
		out := s.python(admin, `
import boto3, json
c = boto3.client("ssm")
c.put_parameter(Name="/boto/secret", Type="SecureString", Value="`+secretBoto+`")
for i in range(3):
    c.put_parameter(Name="/boto/p%d" % i, Type="String", Value=str(i))
clear = c.get_parameter(Name="/boto/secret", WithDecryption=True)["Parameter"]["Value"]
sealed = c.get_parameter(Name="/boto/secret", WithDecryption=False)["Parameter"]["Value"]
pages, names, token = 0, [], None
while True:
    kw = {"Path": "/boto", "MaxResults": 1}
    if token:
        kw["NextToken"] = token
    r = c.get_parameters_by_path(**kw)
    pages += 1
    names += [p["Name"] for p in r["Parameters"]]
    token = r.get("NextToken")
    if not token or pages > 10:
        break
try:
    c.get_parameter(Name="/boto/none")
    missing = None
except c.exceptions.ParameterNotFound as e:
    missing = e.response["Error"]["Code"]
print(json.dumps({"clear": clear, "sealed": sealed, "pages": pages, "names": sorted(names), "missing": missing}))`)
		if out["clear"] != secretBoto || out["sealed"] == secretBoto || strings.Contains(out["sealed"].(string), secretBoto) {
			t.Fatalf("boto3 SecureString: %v", out)
		}
		names := out["names"].([]any)
		if out["pages"].(float64) < 4 || len(names) != 4 || names[0] != "/boto/p0" || names[3] != "/boto/secret" {
			t.Fatalf("boto3 pagination: %v", out)
		}
		if out["missing"] != "ParameterNotFound" {
			t.Fatalf("boto3 missing parameter: %v", out)
		}
	})
	s.stop()
	t.Run("after the server stops, no SecureString value is in the data directory", func(t *testing.T) {
		if n := scanForPlaintext(t, s.dataDir, secretManaged, secretCMK, secretBoto); n < 1 {
			t.Fatalf("scanned only %d files", n)
		}
	})
}
