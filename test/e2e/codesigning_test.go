package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// stratusSign runs the real `stratus sign` with c's credentials and returns
// its output and error.
func (s *server) stratusSign(c creds, profile, in, out string) (string, error) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, "sign", "--profile-name", profile, "--in", in, "--out", out)
	cmd.Env = s.clientEnv(c)
	b, err := cmd.CombinedOutput()
	return string(b), err
}

// signedZip writes files as a stored zip, signs it with profile and returns
// the signed zip's path.
func (s *server) signedZip(t *testing.T, profile string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	in, out := filepath.Join(dir, "fn.zip"), filepath.Join(dir, "signed.zip")
	if err := os.WriteFile(in, storedZip(t, files), 0o644); err != nil {
		t.Fatal(err)
	}
	if msg, err := s.stratusSign(s.admin(), profile, in, out); err != nil {
		t.Fatalf("stratus sign --profile-name %s: %v\n%s", profile, err, msg)
	}
	return out
}

func pyHandler(answer string) map[string]string {
	return map[string]string{"index.py": "def handler(event, context):\n    return {'answer': '" + answer + "'}\n"}
}

func TestCodeSigningFromTheCLIAndStratusSign(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	role := s.lambdaRole("csc-role")
	prof := s.awsOK(admin, "signer", "put-signing-profile", "--profile-name", "team_p", "--platform-id", "AWSLambda-SHA384-ECDSA")
	pv, _ := prof["profileVersionArn"].(string)
	if !strings.Contains(pv, ":/signing-profiles/team_p/") {
		t.Fatalf("put-signing-profile = %v", prof)
	}
	other := s.awsOK(admin, "signer", "put-signing-profile", "--profile-name", "team_q", "--platform-id", "AWSLambda-SHA384-ECDSA")["profileVersionArn"].(string)
	csc := s.awsOK(admin, "lambda", "create-code-signing-config", "--allowed-publishers", "SigningProfileVersionArns="+pv,
		"--code-signing-policies", "UntrustedArtifactOnDeployment=Enforce")["CodeSigningConfig"].(map[string]any)
	cscARN := csc["CodeSigningConfigArn"].(string)
	create := func(c creds, name, zipPath string) cliResult {
		return s.aws(c, "lambda", "create-function", "--function-name", name, "--runtime", "python3.11", "--role", role,
			"--handler", "index.handler", "--zip-file", "fileb://"+zipPath, "--code-signing-config-arn", cscARN)
	}
	notCreated := func(t *testing.T, name string) {
		t.Helper()
		if msg := s.awsErr(admin, "lambda", "get-function", "--function-name", name); !strings.Contains(msg, "ResourceNotFoundException") {
			t.Fatalf("a refused function %s exists: %s", name, msg)
		}
	}
	wantErr := func(t *testing.T, r cliResult, code string) {
		t.Helper()
		if r.Code == 0 || !strings.Contains(r.Stderr, code) {
			t.Fatalf("want %s, got exit %d:\n%s%s", code, r.Code, r.Stdout, r.Stderr)
		}
	}
	codeSha := func() string {
		return s.awsOK(admin, "lambda", "get-function-configuration", "--function-name", "signed")["CodeSha256"].(string)
	}
	var signed, jobID string
	{
		dir := t.TempDir()
		in := filepath.Join(dir, "fn.zip")
		signed = filepath.Join(dir, "signed.zip")
		if err := os.WriteFile(in, storedZip(t, pyHandler("signed-v1")), 0o644); err != nil {
			t.Fatal(err)
		}
		msg, err := s.stratusSign(admin, "team_p", in, signed)
		var job struct{ JobID, ProfileVersionARN string }
		if err != nil || json.Unmarshal([]byte(msg), &job) != nil || job.ProfileVersionARN != pv || job.JobID == "" {
			t.Fatalf("stratus sign: %v\n%s", err, msg)
		}
		jobID = job.JobID
	}

	t.Run("stratus sign puts the signature in the zip comment and the zip still unpacks", func(t *testing.T) {
		b, err := os.ReadFile(signed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("STRATUS-SIGNATURE-1 ")) {
			t.Fatal("the signed zip carries no signature comment")
		}
		if out, err := execOutput("python3", "-m", "zipfile", "-t", signed); err != nil {
			t.Fatalf("the signed zip does not test clean: %v\n%s", err, out)
		}
	})
	t.Run("a zip signed by an allowed profile deploys and invokes", func(t *testing.T) {
		r := create(admin, "signed", signed)
		if r.Code != 0 {
			t.Fatalf("create-function with a signed zip: %s", r.Stderr)
		}
		s.awsOK(admin, "lambda", "wait", "function-active-v2", "--function-name", "signed")
		if doc := rtInvoke(s, "signed", "{}").ok(t); doc["answer"] != "signed-v1" {
			t.Fatalf("invoke = %v", doc)
		}
	})
	t.Run("the function's configuration names the signing profile version and job", func(t *testing.T) {
		cfg := s.awsOK(admin, "lambda", "get-function-configuration", "--function-name", "signed")
		job, _ := cfg["SigningJobArn"].(string)
		if cfg["SigningProfileVersionArn"] != pv || !strings.HasSuffix(job, ":/signing-jobs/"+jobID) {
			t.Fatalf("SigningProfileVersionArn %v, SigningJobArn %v; want %s and job %s", cfg["SigningProfileVersionArn"], cfg["SigningJobArn"], pv, jobID)
		}
	})
	t.Run("a code signing config that does not exist is CodeSigningConfigNotFoundException", func(t *testing.T) {
		missing := cscARN[:strings.LastIndex(cscARN, ":")+1] + "csc-0123456789abcdef0"
		r := s.aws(admin, "lambda", "create-function", "--function-name", "no-csc", "--runtime", "python3.11", "--role", role,
			"--handler", "index.handler", "--zip-file", "fileb://"+signed, "--code-signing-config-arn", missing)
		wantErr(t, r, "CodeSigningConfigNotFoundException")
		notCreated(t, "no-csc")
	})
	t.Run("an unsigned zip is CodeVerificationFailedException and creates nothing", func(t *testing.T) {
		unsigned := filepath.Join(t.TempDir(), "unsigned.zip")
		if err := os.WriteFile(unsigned, storedZip(t, pyHandler("unsigned")), 0o644); err != nil {
			t.Fatal(err)
		}
		wantErr(t, create(admin, "unsigned", unsigned), "CodeVerificationFailedException")
		notCreated(t, "unsigned")
	})
	tampered := filepath.Join(t.TempDir(), "tampered.zip")
	{
		b, err := os.ReadFile(s.signedZip(t, "team_p", pyHandler("tamper-me")))
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(b, []byte("tamper-me"))
		if i < 0 {
			t.Fatal("the stored entry is not in the zip")
		}
		b[i] = 'T' // one byte of the stored data; the comment is kept
		if err := os.WriteFile(tampered, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("a signed zip with one byte changed is InvalidCodeSignatureException", func(t *testing.T) {
		wantErr(t, create(admin, "tampered", tampered), "InvalidCodeSignatureException")
		notCreated(t, "tampered")
		before := codeSha()
		wantErr(t, s.aws(admin, "lambda", "update-function-code", "--function-name", "signed", "--zip-file", "fileb://"+tampered), "InvalidCodeSignatureException")
		if after := codeSha(); after != before {
			t.Fatalf("the refused update changed the code: %s -> %s", before, after)
		}
	})
	otherSigned := s.signedZip(t, "team_q", pyHandler("from-q"))
	t.Run("a profile not among the allowed publishers is refused under Enforce", func(t *testing.T) {
		wantErr(t, create(admin, "by-q", otherSigned), "CodeVerificationFailedException")
		notCreated(t, "by-q")
		before := codeSha()
		wantErr(t, s.aws(admin, "lambda", "update-function-code", "--function-name", "signed", "--zip-file", "fileb://"+otherSigned), "CodeVerificationFailedException")
		if after := codeSha(); after != before {
			t.Fatalf("the refused update changed the code: %s -> %s", before, after)
		}
	})
	t.Run("under Warn the other profile's zip is accepted and the warning is audited", func(t *testing.T) {
		out := s.awsOK(admin, "lambda", "update-code-signing-config", "--code-signing-config-arn", cscARN,
			"--code-signing-policies", "UntrustedArtifactOnDeployment=Warn")
		if p := out["CodeSigningConfig"].(map[string]any)["CodeSigningPolicies"].(map[string]any)["UntrustedArtifactOnDeployment"]; p != "Warn" {
			t.Fatalf("update-code-signing-config = %v", out)
		}
		s.awsOK(admin, "lambda", "update-function-code", "--function-name", "signed", "--zip-file", "fileb://"+otherSigned)
		s.awsOK(admin, "lambda", "wait", "function-updated-v2", "--function-name", "signed")
		if doc := rtInvoke(s, "signed", "{}").ok(t); doc["answer"] != "from-q" {
			t.Fatalf("invoke after the warned update = %v", doc)
		}
		events := s.awsOK(admin, "cloudtrail", "lookup-events", "--lookup-attributes", "AttributeKey=EventName,AttributeValue=UpdateFunctionCode")["Events"].([]any)
		var warned []string
		for _, e := range events {
			var rec struct {
				AdditionalEventData map[string]any `json:"additionalEventData"`
			}
			if err := json.Unmarshal([]byte(e.(map[string]any)["CloudTrailEvent"].(string)), &rec); err != nil {
				t.Fatalf("CloudTrailEvent is not JSON: %v", err)
			}
			if w, ok := rec.AdditionalEventData["codeSigningWarning"].(string); ok && w != "" {
				warned = append(warned, w)
			}
		}
		if len(warned) != 1 || !strings.Contains(warned[0], other) && !strings.Contains(warned[0], "allowed") {
			t.Fatalf("UpdateFunctionCode events %d, warnings %q", len(events), warned)
		}
	})
	t.Run("under Warn a tampered zip is still InvalidCodeSignatureException", func(t *testing.T) {
		before := codeSha()
		wantErr(t, s.aws(admin, "lambda", "update-function-code", "--function-name", "signed", "--zip-file", "fileb://"+tampered), "InvalidCodeSignatureException")
		wantErr(t, create(admin, "tampered-warn", tampered), "InvalidCodeSignatureException")
		notCreated(t, "tampered-warn")
		if after := codeSha(); after != before {
			t.Fatalf("the refused update changed the code: %s -> %s", before, after)
		}
	})
	t.Run("the function's configuration is read, listed, and blocks deletion while in use", func(t *testing.T) {
		out := s.awsOK(admin, "lambda", "get-function-code-signing-config", "--function-name", "signed")
		if out["CodeSigningConfigArn"] != cscARN || out["FunctionName"] != "signed" {
			t.Fatalf("get-function-code-signing-config = %v", out)
		}
		arns := s.awsOK(admin, "lambda", "list-functions-by-code-signing-config", "--code-signing-config-arn", cscARN)["FunctionArns"].([]any)
		if len(arns) != 1 || !strings.HasSuffix(arns[0].(string), ":function:signed") {
			t.Fatalf("list-functions-by-code-signing-config = %v", arns)
		}
		wantErr(t, s.aws(admin, "lambda", "delete-code-signing-config", "--code-signing-config-arn", cscARN), "ResourceConflictException")
		s.awsOK(admin, "lambda", "get-code-signing-config", "--code-signing-config-arn", cscARN)
	})
	t.Run("boto3 deploys a signed zip", func(t *testing.T) {
		s.awsOK(admin, "lambda", "update-code-signing-config", "--code-signing-config-arn", cscARN,
			"--code-signing-policies", "UntrustedArtifactOnDeployment=Enforce")
		z := s.signedZip(t, "team_p", pyHandler("boto"))
		out := s.python(admin, `
import boto3, json, time
c = boto3.client("lambda")
r = c.create_function(FunctionName="boto-signed", Runtime="python3.11", Role="`+role+`", Handler="index.handler",
    Code={"ZipFile": open("`+z+`", "rb").read()}, CodeSigningConfigArn="`+cscARN+`")
c.get_waiter("function_active_v2").wait(FunctionName="boto-signed")
body = json.loads(c.invoke(FunctionName="boto-signed", Payload=b"{}")["Payload"].read())
csc = c.get_function_code_signing_config(FunctionName="boto-signed")["CodeSigningConfigArn"]
print(json.dumps({"body": body, "csc": csc}))`)
		if out["body"].(map[string]any)["answer"] != "boto" || out["csc"] != cscARN {
			t.Fatalf("boto3 = %v", out)
		}
	})
	t.Run("after revoke-signing-profile a zip signed since the effective time is refused", func(t *testing.T) {
		effective := time.Now().UTC().Add(-time.Second).Truncate(time.Second)
		z := s.signedZip(t, "team_p", pyHandler("after-revoke"))
		version := pv[strings.LastIndex(pv, "/")+1:]
		future := time.Now().UTC().Add(time.Hour).Format(time.RFC3339)
		wantErr(t, s.aws(admin, "signer", "revoke-signing-profile", "--profile-name", "team_p", "--profile-version", version,
			"--reason", "later", "--effective-time", future), "ValidationException")
		s.awsOK(admin, "signer", "revoke-signing-profile", "--profile-name", "team_p", "--profile-version", version,
			"--reason", "key compromised", "--effective-time", effective.Format(time.RFC3339))
		wantErr(t, create(admin, "revoked", z), "CodeVerificationFailedException")
		if st := s.awsOK(admin, "signer", "get-signing-profile", "--profile-name", "team_p"); st["status"] != "Revoked" {
			t.Fatalf("get-signing-profile after revoking = %v", st)
		}
		notCreated(t, "revoked")
		in := filepath.Join(t.TempDir(), "again.zip")
		os.WriteFile(in, storedZip(t, pyHandler("again")), 0o644)
		if msg, err := s.stratusSign(admin, "team_p", in, filepath.Join(t.TempDir(), "again-signed.zip")); err == nil {
			t.Fatalf("stratus sign with a revoked profile succeeded:\n%s", msg)
		}
	})
	t.Run("stratus sign refuses a file that is not a zip and a canceled profile", func(t *testing.T) {
		dir := t.TempDir()
		notZip, out := filepath.Join(dir, "not.zip"), filepath.Join(dir, "out.zip")
		if err := os.WriteFile(notZip, []byte("just text, no zip"), 0o644); err != nil {
			t.Fatal(err)
		}
		if msg, err := s.stratusSign(admin, "team_q", notZip, out); err == nil {
			t.Fatalf("signing a non-zip succeeded:\n%s", msg)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatal("signing a non-zip wrote an output file")
		}
		s.awsOK(admin, "signer", "cancel-signing-profile", "--profile-name", "team_q")
		if st := s.awsOK(admin, "signer", "get-signing-profile", "--profile-name", "team_q"); st["status"] != "Canceled" {
			t.Fatalf("get-signing-profile after cancelling = %v", st)
		}
		in := filepath.Join(dir, "fn.zip")
		os.WriteFile(in, storedZip(t, pyHandler("canceled")), 0o644)
		if msg, err := s.stratusSign(admin, "team_q", in, out); err == nil || !strings.Contains(msg, "Canceled") {
			t.Fatalf("stratus sign with a canceled profile: %v\n%s", err, msg)
		}
	})
	t.Run("delete-code-signing-config works once no function uses it", func(t *testing.T) {
		s.awsOK(admin, "lambda", "delete-function", "--function-name", "signed")
		s.awsOK(admin, "lambda", "delete-function", "--function-name", "boto-signed")
		s.awsOK(admin, "lambda", "delete-code-signing-config", "--code-signing-config-arn", cscARN)
		wantErr(t, s.aws(admin, "lambda", "get-code-signing-config", "--code-signing-config-arn", cscARN), "ResourceNotFoundException")
	})
}
