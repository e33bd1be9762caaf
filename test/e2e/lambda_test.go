package e2e

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zipOf builds a zip holding files (name -> content), executable where the name is bootstrap.
func zipOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, content := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Deflate}
		h.SetMode(0o644)
		if filepath.Base(name) == "bootstrap" {
			h.SetMode(0o755)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, content)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// lambdaRole creates an execution role trusting Lambda and returns its ARN.
func (s *server) lambdaRole(name string) string {
	out := s.awsOK(s.admin(), "iam", "create-role", "--role-name", name, "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
	return out["Role"].(map[string]any)["Arn"].(string)
}

func TestLambdaFunctionLifecycleFromTheCLI(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	role := s.lambdaRole("fn-role")
	code := zipOf(t, map[string]string{"index.py": "def handler(event, context):\n    return {'ok': True}\n"})
	zipPath := filepath.Join(t.TempDir(), "fn.zip")
	if err := os.WriteFile(zipPath, code, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(code)
	wantSha := base64.StdEncoding.EncodeToString(sum[:])

	fn := s.awsOK(admin, "lambda", "create-function", "--function-name", "hello", "--runtime", "python3.11",
		"--role", role, "--handler", "index.handler", "--zip-file", "fileb://"+zipPath,
		"--environment", "Variables={GREETING=hi}", "--memory-size", "256", "--timeout", "5")
	if fn["CodeSha256"] != wantSha || fn["CodeSize"] != float64(len(code)) || fn["Version"] != "$LATEST" {
		t.Fatalf("create-function = %v", fn)
	}
	if !strings.HasSuffix(fn["FunctionArn"].(string), ":function:hello") {
		t.Fatalf("FunctionArn = %v", fn["FunctionArn"])
	}
	t.Run("a created function is Pending, then Active as the CLI's waiter expects", func(t *testing.T) {
		if fn["State"] != "Pending" || fn["StateReasonCode"] != "Creating" {
			t.Fatalf("create-function state = %v (%v)", fn["State"], fn["StateReasonCode"])
		}
		s.awsOK(admin, "lambda", "wait", "function-active-v2", "--function-name", "hello")
	})

	t.Run("get-function reports the configuration and a working code location", func(t *testing.T) {
		got := s.awsOK(admin, "lambda", "get-function", "--function-name", "hello")
		cfg := got["Configuration"].(map[string]any)
		if cfg["State"] != "Active" || cfg["MemorySize"] != float64(256) || cfg["Runtime"] != "python3.11" {
			t.Fatalf("configuration = %v", cfg)
		}
		if cfg["Environment"].(map[string]any)["Variables"].(map[string]any)["GREETING"] != "hi" {
			t.Fatalf("environment = %v", cfg["Environment"])
		}
		loc := got["Code"].(map[string]any)["Location"].(string)
		resp, err := http.Get(loc)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Equal(body, code) {
			t.Fatalf("code download: status %d, %d bytes", resp.StatusCode, len(body))
		}
		resp, err = http.Get(strings.Replace(loc, "Signature=", "Signature=00", 1))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 403 {
			t.Fatalf("tampered code URL answered %d", resp.StatusCode)
		}
	})
	t.Run("a role that does not trust Lambda is refused", func(t *testing.T) {
		s.awsOK(admin, "iam", "create-role", "--role-name", "not-lambda", "--assume-role-policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)
		acct := s.awsOK(admin, "sts", "get-caller-identity")["Account"].(string)
		msg := s.awsErr(admin, "lambda", "create-function", "--function-name", "bad", "--runtime", "python3.11",
			"--role", "arn:aws:iam::"+acct+":role/not-lambda", "--handler", "index.handler", "--zip-file", "fileb://"+zipPath)
		if !strings.Contains(msg, "InvalidParameterValueException") {
			t.Fatalf("unexpected:\n%s", msg)
		}
	})
	t.Run("a hostile zip is refused and nothing is created", func(t *testing.T) {
		evil := zipOf(t, map[string]string{"../../etc/cron.d/x": "boom"})
		p := filepath.Join(t.TempDir(), "evil.zip")
		os.WriteFile(p, evil, 0o644)
		msg := s.awsErr(admin, "lambda", "create-function", "--function-name", "evil", "--runtime", "python3.11",
			"--role", role, "--handler", "index.handler", "--zip-file", "fileb://"+p)
		if !strings.Contains(msg, "InvalidParameterValueException") {
			t.Fatalf("unexpected:\n%s", msg)
		}
		if msg := s.awsErr(admin, "lambda", "get-function", "--function-name", "evil"); !strings.Contains(msg, "ResourceNotFoundException") {
			t.Fatalf("unexpected:\n%s", msg)
		}
	})

	v1 := s.awsOK(admin, "lambda", "publish-version", "--function-name", "hello")
	if v1["Version"] != "1" {
		t.Fatalf("publish-version = %v", v1)
	}
	s.awsOK(admin, "lambda", "update-function-configuration", "--function-name", "hello", "--memory-size", "512")
	v2 := s.awsOK(admin, "lambda", "publish-version", "--function-name", "hello")
	if v2["Version"] != "2" || v2["MemorySize"] != float64(512) {
		t.Fatalf("second version = %v", v2)
	}
	alias := s.awsOK(admin, "lambda", "create-alias", "--function-name", "hello", "--name", "live", "--function-version", "1",
		"--routing-config", "AdditionalVersionWeights={2=0.25}")
	if !strings.HasSuffix(alias["AliasArn"].(string), ":function:hello:live") {
		t.Fatalf("alias = %v", alias)
	}

	t.Run("boto3 sees the versions and the weighted alias", func(t *testing.T) {
		r := s.python(admin, `
import boto3, json
c = boto3.client("lambda")
vs = [v["Version"] for v in c.list_versions_by_function(FunctionName="hello")["Versions"]]
a = c.get_alias(FunctionName="hello", Name="live")
fs = [f["FunctionName"] for f in c.list_functions()["Functions"]]
print(json.dumps({"versions": vs, "alias": a["FunctionVersion"], "weights": a["RoutingConfig"]["AdditionalVersionWeights"], "functions": fs}))`)
		if fmt.Sprint(r["versions"]) != "[$LATEST 1 2]" || r["alias"] != "1" || fmt.Sprint(r["weights"]) != "map[2:0.25]" || fmt.Sprint(r["functions"]) != "[hello]" {
			t.Fatalf("boto3 view = %v", r)
		}
	})
	t.Run("a user without lambda permissions is denied", func(t *testing.T) {
		s.awsOK(admin, "iam", "create-user", "--user-name", "nolambda")
		k := s.awsOK(admin, "iam", "create-access-key", "--user-name", "nolambda")["AccessKey"].(map[string]any)
		c := creds{k["AccessKeyId"].(string), k["SecretAccessKey"].(string), ""}
		msg := s.awsErr(c, "lambda", "delete-function", "--function-name", "hello")
		if !strings.Contains(msg, "AccessDeniedException") {
			t.Fatalf("unexpected:\n%s", msg)
		}
		s.awsOK(admin, "lambda", "get-function", "--function-name", "hello")
	})

	s.awsOK(admin, "lambda", "delete-alias", "--function-name", "hello", "--name", "live")
	s.awsOK(admin, "lambda", "delete-function", "--function-name", "hello")
	if msg := s.awsErr(admin, "lambda", "get-function", "--function-name", "hello"); !strings.Contains(msg, "ResourceNotFoundException") {
		t.Fatalf("after delete:\n%s", msg)
	}
}

func TestLogsFromTheCLIAndBoto3(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	s.awsOK(admin, "logs", "create-log-group", "--log-group-name", "/app/web")
	s.awsOK(admin, "logs", "create-log-stream", "--log-group-name", "/app/web", "--log-stream-name", "s1")
	r := s.python(admin, `
import boto3, json, time
c = boto3.client("logs")
now = int(time.time() * 1000)
c.put_log_events(logGroupName="/app/web", logStreamName="s1", logEvents=[
    {"timestamp": now, "message": "GET /index 200"},
    {"timestamp": now + 1, "message": '{"level": "error", "code": 500}'},
    {"timestamp": now + 2, "message": "GET /missing 404"}])
got = [e["message"] for e in c.get_log_events(logGroupName="/app/web", logStreamName="s1", startFromHead=True)["events"]]
text = [e["message"] for e in c.filter_log_events(logGroupName="/app/web", filterPattern="GET -200")["events"]]
js = [e["message"] for e in c.filter_log_events(logGroupName="/app/web", filterPattern='{ $.code >= 500 }')["events"]]
print(json.dumps({"got": got, "text": text, "json": js}))`)
	if len(r["got"].([]any)) != 3 {
		t.Fatalf("get-log-events = %v", r["got"])
	}
	if fmt.Sprint(r["text"]) != "[GET /missing 404]" || len(r["json"].([]any)) != 1 {
		t.Fatalf("filters = %v / %v", r["text"], r["json"])
	}
	groups := s.awsOK(admin, "logs", "describe-log-groups", "--log-group-name-prefix", "/app")["logGroups"].([]any)
	if len(groups) != 1 || groups[0].(map[string]any)["logGroupName"] != "/app/web" {
		t.Fatalf("describe-log-groups = %v", groups)
	}
	if msg := s.awsErr(admin, "logs", "put-retention-policy", "--log-group-name", "/app/web", "--retention-in-days", "2"); !strings.Contains(msg, "InvalidParameterException") {
		t.Fatalf("unexpected:\n%s", msg)
	}
	s.awsOK(admin, "logs", "put-retention-policy", "--log-group-name", "/app/web", "--retention-in-days", "7")
}
