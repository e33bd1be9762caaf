package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// memberAccount creates an account in the organization and returns its id
// and a session of its OrganizationAccountAccessRole (admin in it).
func (s *server) memberAccount(t *testing.T, name string) (string, creds) {
	t.Helper()
	st := s.awsOK(s.admin(), "organizations", "create-account", "--email", name+"@example.com", "--account-name", name)["CreateAccountStatus"].(map[string]any)
	status := s.awsOK(s.admin(), "organizations", "describe-create-account-status", "--create-account-request-id", st["Id"].(string))["CreateAccountStatus"].(map[string]any)
	if status["State"] != "SUCCEEDED" {
		t.Fatalf("create account status = %v", status)
	}
	id := status["AccountId"].(string)
	out := s.awsOK(s.admin(), "sts", "assume-role", "--role-arn", fmt.Sprintf("arn:aws:iam::%s:role/OrganizationAccountAccessRole", id), "--role-session-name", name)
	c := out["Credentials"].(map[string]any)
	return id, creds{c["AccessKeyId"].(string), c["SecretAccessKey"].(string), c["SessionToken"].(string)}
}

func TestFunctionPoliciesGateCrossAccountInvoke(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	role := s.lambdaRole("policy-role")
	code := filepath.Join(t.TempDir(), "fn.zip")
	if err := os.WriteFile(code, zipOf(t, map[string]string{"index.py": "def handler(event, context):\n    return {'answer': 42, 'who': context.invoked_function_arn}\n"}), 0o644); err != nil {
		t.Fatal(err)
	}
	fnARN := s.awsOK(admin, "lambda", "create-function", "--function-name", "shared", "--runtime", "python3.11", "--role", role,
		"--handler", "index.handler", "--zip-file", "fileb://"+code)["FunctionArn"].(string)
	s.awsOK(admin, "lambda", "wait", "function-active-v2", "--function-name", "shared")
	member, inMember := s.memberAccount(t, "member")

	invoke := func(c creds, fn string) cliResult {
		return s.aws(c, "lambda", "invoke", "--function-name", fn, "--payload", "{}", filepath.Join(t.TempDir(), "out"))
	}
	denied := func(t *testing.T, r cliResult) {
		t.Helper()
		if r.Code == 0 || !strings.Contains(r.Stderr, "AccessDeniedException") {
			t.Fatalf("want AccessDeniedException, got exit %d:\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
	}
	answers := func(t *testing.T, c creds, fn string) {
		t.Helper()
		out := filepath.Join(t.TempDir(), "out")
		meta := s.awsOK(c, "lambda", "invoke", "--function-name", fn, "--payload", "{}", out)
		b, _ := os.ReadFile(out)
		var doc map[string]any
		if meta["StatusCode"] != float64(200) || json.Unmarshal(b, &doc) != nil || doc["answer"] != float64(42) {
			t.Fatalf("invoke %s = %v, payload %s", fn, meta, b)
		}
	}

	t.Run("the member account cannot invoke the function without a policy", func(t *testing.T) {
		denied(t, invoke(inMember, fnARN))
	})
	t.Run("add-permission for the member account lets it invoke (CLI and boto3)", func(t *testing.T) {
		s.awsOK(admin, "lambda", "add-permission", "--function-name", "shared", "--statement-id", "member-invoke",
			"--principal", member, "--action", "lambda:InvokeFunction")
		answers(t, inMember, fnARN)
		out := s.python(inMember, `
import boto3, json
r = boto3.client("lambda").invoke(FunctionName="`+fnARN+`", Payload=b"{}")
print(json.dumps({"status": r["StatusCode"], "body": json.loads(r["Payload"].read())}))`)
		if out["status"] != float64(200) || out["body"].(map[string]any)["answer"] != float64(42) {
			t.Fatalf("boto3 invoke from the member = %v", out)
		}
	})
	t.Run("a user of the member account without an identity policy is still denied", func(t *testing.T) {
		s.awsOK(inMember, "iam", "create-user", "--user-name", "nobody")
		k := s.awsOK(inMember, "iam", "create-access-key", "--user-name", "nobody")["AccessKey"].(map[string]any)
		nobody := creds{k["AccessKeyId"].(string), k["SecretAccessKey"].(string), ""}
		denied(t, invoke(nobody, fnARN))
	})
	t.Run("a second statement with the same Sid is ResourceConflictException", func(t *testing.T) {
		msg := s.awsErr(admin, "lambda", "add-permission", "--function-name", "shared", "--statement-id", "member-invoke",
			"--principal", member, "--action", "lambda:InvokeFunction")
		if !strings.Contains(msg, "ResourceConflictException") {
			t.Fatalf("duplicate Sid: %s", msg)
		}
	})
	t.Run("a stale revision id is PreconditionFailedException", func(t *testing.T) {
		msg := s.awsErr(admin, "lambda", "add-permission", "--function-name", "shared", "--statement-id", "stale",
			"--principal", member, "--action", "lambda:InvokeFunction", "--revision-id", "00000000-0000-0000-0000-000000000000")
		if !strings.Contains(msg, "PreconditionFailedException") {
			t.Fatalf("stale revision: %s", msg)
		}
	})
	t.Run("the member cannot change the function's policy itself", func(t *testing.T) {
		r := s.aws(inMember, "lambda", "add-permission", "--function-name", fnARN, "--statement-id", "self-grant",
			"--principal", member, "--action", "lambda:*")
		if r.Code == 0 || !strings.Contains(r.Stderr, "AccessDeniedException") && !strings.Contains(r.Stderr, "ResourceNotFoundException") {
			t.Fatalf("add-permission by the member: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
	})
	t.Run("get-policy shows AWS's policy document", func(t *testing.T) {
		raw := s.awsOK(admin, "lambda", "get-policy", "--function-name", "shared")["Policy"].(string)
		var doc struct {
			Version   string
			Statement []struct {
				Sid       string
				Effect    string
				Principal map[string]any
				Action    any
				Resource  string
			}
		}
		if err := json.Unmarshal([]byte(raw), &doc); err != nil {
			t.Fatalf("policy is not JSON: %v\n%s", err, raw)
		}
		if doc.Version != "2012-10-17" || len(doc.Statement) != 1 {
			t.Fatalf("policy = %s", raw)
		}
		st := doc.Statement[0]
		if st.Sid != "member-invoke" || st.Effect != "Allow" || st.Action != "lambda:InvokeFunction" || st.Resource != fnARN ||
			st.Principal["AWS"] != "arn:aws:iam::"+member+":root" {
			t.Fatalf("statement = %+v", st)
		}
	})
	t.Run("remove-permission denies the member again", func(t *testing.T) {
		s.awsOK(admin, "lambda", "remove-permission", "--function-name", "shared", "--statement-id", "member-invoke")
		denied(t, invoke(inMember, fnARN))
		if msg := s.awsErr(admin, "lambda", "get-policy", "--function-name", "shared"); !strings.Contains(msg, "ResourceNotFoundException") {
			t.Fatalf("get-policy after removing the last statement: %s", msg)
		}
		if msg := s.awsErr(admin, "lambda", "remove-permission", "--function-name", "shared", "--statement-id", "member-invoke"); !strings.Contains(msg, "ResourceNotFoundException") {
			t.Fatalf("removing it twice: %s", msg)
		}
	})
	t.Run("a permission on an alias does not admit calls to the unqualified function", func(t *testing.T) {
		v := s.awsOK(admin, "lambda", "publish-version", "--function-name", "shared")["Version"].(string)
		s.awsOK(admin, "lambda", "create-alias", "--function-name", "shared", "--name", "live", "--function-version", v)
		s.awsOK(admin, "lambda", "add-permission", "--function-name", "shared", "--qualifier", "live", "--statement-id", "member-live",
			"--principal", member, "--action", "lambda:InvokeFunction")
		answers(t, inMember, fnARN+":live")
		denied(t, invoke(inMember, fnARN))
		denied(t, invoke(inMember, fnARN+":"+v))
	})
	t.Run("a lambda:* grant does not let the member update the configuration", func(t *testing.T) {
		s.awsOK(admin, "lambda", "add-permission", "--function-name", "shared", "--statement-id", "member-all",
			"--principal", member, "--action", "lambda:*")
		r := s.aws(inMember, "lambda", "update-function-configuration", "--function-name", fnARN, "--timeout", "9")
		if r.Code == 0 || !strings.Contains(r.Stderr, "AccessDeniedException") && !strings.Contains(r.Stderr, "ResourceNotFoundException") {
			t.Fatalf("update-function-configuration by the member: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
		}
		if cfg := s.awsOK(admin, "lambda", "get-function-configuration", "--function-name", "shared"); cfg["Timeout"] == float64(9) {
			t.Fatalf("the member changed the configuration: %v", cfg)
		}
		answers(t, inMember, fnARN)
	})
	t.Run("a layer version is usable by the member only after add-layer-version-permission", func(t *testing.T) {
		layerZip := filepath.Join(t.TempDir(), "layer.zip")
		if err := os.WriteFile(layerZip, zipOf(t, map[string]string{"python/shared_lib.py": "VALUE = 'from-layer'\n"}), 0o644); err != nil {
			t.Fatal(err)
		}
		layer := s.awsOK(admin, "lambda", "publish-layer-version", "--layer-name", "shared-layer", "--zip-file", "fileb://"+layerZip)
		layerARN := layer["LayerVersionArn"].(string)
		memberRole := s.awsOK(inMember, "iam", "create-role", "--role-name", "member-fn", "--assume-role-policy-document",
			`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)["Role"].(map[string]any)["Arn"].(string)
		fnZip := filepath.Join(t.TempDir(), "member.zip")
		if err := os.WriteFile(fnZip, zipOf(t, map[string]string{"index.py": "import shared_lib\ndef handler(event, context):\n    return {'v': shared_lib.VALUE}\n"}), 0o644); err != nil {
			t.Fatal(err)
		}
		create := func() cliResult {
			return s.aws(inMember, "lambda", "create-function", "--function-name", "uses-layer", "--runtime", "python3.11", "--role", memberRole,
				"--handler", "index.handler", "--zip-file", "fileb://"+fnZip, "--layers", layerARN)
		}
		denied(t, create())
		denied(t, s.aws(inMember, "lambda", "get-layer-version-by-arn", "--arn", layerARN))
		if msg := s.awsErr(inMember, "lambda", "get-function", "--function-name", "uses-layer"); !strings.Contains(msg, "ResourceNotFoundException") {
			t.Fatalf("the refused function exists: %s", msg)
		}
		s.awsOK(admin, "lambda", "add-layer-version-permission", "--layer-name", "shared-layer", "--version-number", "1",
			"--statement-id", "member-use", "--principal", member, "--action", "lambda:GetLayerVersion")
		if got := s.awsOK(inMember, "lambda", "get-layer-version-by-arn", "--arn", layerARN); got["LayerVersionArn"] != layerARN {
			t.Fatalf("get-layer-version-by-arn by the member = %v", got)
		}
		if r := create(); r.Code != 0 {
			t.Fatalf("create-function with the shared layer: %s", r.Stderr)
		}
		s.awsOK(inMember, "lambda", "wait", "function-active-v2", "--function-name", "uses-layer")
		out := filepath.Join(t.TempDir(), "out")
		s.awsOK(inMember, "lambda", "invoke", "--function-name", "uses-layer", "--payload", "{}", out)
		if b, _ := os.ReadFile(out); !strings.Contains(string(b), "from-layer") {
			t.Fatalf("the member's function answered %s", b)
		}
		raw := s.awsOK(admin, "lambda", "get-layer-version-policy", "--layer-name", "shared-layer", "--version-number", "1")["Policy"].(string)
		var doc struct {
			Statement []struct {
				Sid       string
				Effect    string
				Principal any
				Action    any
				Resource  string
			}
		}
		if err := json.Unmarshal([]byte(raw), &doc); err != nil || len(doc.Statement) != 1 {
			t.Fatalf("layer policy = %s (%v)", raw, err)
		}
		st := doc.Statement[0]
		p, _ := st.Principal.(map[string]any)
		if st.Sid != "member-use" || st.Action != "lambda:GetLayerVersion" || st.Resource != layerARN ||
			p["AWS"] != "arn:aws:iam::"+member+":root" && p["AWS"] != member {
			t.Fatalf("layer statement = %+v", st)
		}
	})
}
