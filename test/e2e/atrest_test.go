package e2e

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// storedZip builds a zip whose entries are stored uncompressed, so that their
// bytes would appear as they are anywhere the zip lands unencrypted.
func storedZip(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for name, content := range files {
		h := &zip.FileHeader{Name: name, Method: zip.Store}
		h.SetMode(0o644)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(content))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// scanForPlaintext walks dir's files on dir's own filesystem (memory
// filesystems mounted inside it are skipped: they are not at rest) and
// reports every file holding one of needles.
func scanForPlaintext(t *testing.T, dir string, needles ...string) (files int) {
	t.Helper()
	var root syscall.Stat_t
	if err := syscall.Stat(dir, &root); err != nil {
		t.Fatal(err)
	}
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Dev != root.Dev {
			if fi.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if !fi.Mode().IsRegular() || filepath.Base(path) == "credentials" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, n := range needles {
			if bytes.Contains(b, []byte(n)) {
				t.Errorf("%s holds %q in clear", path, n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestLambdaDataAtRestIsEncrypted(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	role := s.lambdaRole("atrest-role")
	const (
		envManaged = "env-managed-5f1c2d9e"
		envCMK     = "env-cmk-8a7b6c5d"
		codeSecret = "code-constant-3e4f5a6b"
		layerData  = "layer-constant-9c8d7e6f"
	)
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	code := write("fn.zip", storedZip(t, map[string]string{"index.py": "import os\nSECRET = '" + codeSecret + "'\n" +
		"def handler(event, context):\n    return {'env': os.environ.get('TOKEN'), 'layer': open('/opt/data.txt').read()}\n"}))
	layer := write("layer.zip", storedZip(t, map[string]string{"data.txt": layerData}))
	layerARN := s.awsOK(admin, "lambda", "publish-layer-version", "--layer-name", "secret-layer", "--zip-file", "fileb://"+layer)["LayerVersionArn"].(string)
	key := s.awsOK(admin, "kms", "create-key", "--description", "function key")["KeyMetadata"].(map[string]any)["Arn"].(string)
	for _, f := range []struct{ name, env, key string }{{"managed-env", envManaged, ""}, {"cmk-env", envCMK, key}} {
		args := []string{"lambda", "create-function", "--function-name", f.name, "--runtime", "python3.11", "--role", role,
			"--handler", "index.handler", "--zip-file", "fileb://" + code, "--layers", layerARN,
			"--environment", "Variables={TOKEN=" + f.env + "}"}
		if f.key != "" {
			args = append(args, "--kms-key-arn", f.key)
		}
		out := s.awsOK(admin, args...)
		if f.key != "" && out["KMSKeyArn"] != f.key {
			t.Fatalf("create-function KMSKeyArn = %v, want %s", out["KMSKeyArn"], f.key)
		}
		s.awsOK(admin, "lambda", "wait", "function-active-v2", "--function-name", f.name)
		doc := rtInvoke(s, f.name, "{}").ok(t)
		if doc["env"] != f.env || doc["layer"] != layerData {
			t.Fatalf("%s answered %v", f.name, doc)
		}
	}
	t.Run("get-function-configuration returns the variables decrypted", func(t *testing.T) {
		out := s.awsOK(admin, "lambda", "get-function-configuration", "--function-name", "cmk-env")
		if v := out["Environment"].(map[string]any)["Variables"].(map[string]any)["TOKEN"]; v != envCMK {
			t.Fatalf("TOKEN = %v", v)
		}
	})
	t.Run("the AWS managed key aws/lambda exists", func(t *testing.T) {
		out := s.awsOK(admin, "kms", "describe-key", "--key-id", "alias/aws/lambda")
		if out["KeyMetadata"].(map[string]any)["Enabled"] != true {
			t.Fatalf("describe-key alias/aws/lambda = %v", out)
		}
	})
	needles := []string{envManaged, envCMK, codeSecret, layerData}
	t.Run("while the server runs, nothing on disk in the data directory holds them", func(t *testing.T) {
		if n := scanForPlaintext(t, s.dataDir, needles...); n < 3 {
			t.Fatalf("scanned only %d files", n)
		}
	})
	s.stop()
	t.Run("after it stops, the data directory holds none of them", func(t *testing.T) {
		scanForPlaintext(t, s.dataDir, needles...)
	})
	t.Run("a copy of the data directory without the root key opens nothing", func(t *testing.T) {
		cp := filepath.Join(t.TempDir(), "copy")
		if out, err := execOutput("cp", "-a", s.dataDir, cp); err != nil {
			t.Fatalf("cp: %v\n%s", err, out)
		}
		out, err := runServerBriefly(t, cp, filepath.Join(t.TempDir(), "other.key"))
		if err == nil || !strings.Contains(out, "root key") {
			t.Fatalf("a server on the copy with another root key: err %v\n%s", err, out)
		}
	})
}

func TestCustomerManagedKeyGatesInvokes(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	role := s.lambdaRole("cmk-role")
	key := s.awsOK(admin, "kms", "create-key")["KeyMetadata"].(map[string]any)["KeyId"].(string)
	keyARN := s.awsOK(admin, "kms", "describe-key", "--key-id", key)["KeyMetadata"].(map[string]any)["Arn"].(string)
	code := filepath.Join(t.TempDir(), "fn.zip")
	if err := os.WriteFile(code, zipOf(t, map[string]string{"index.py": "import os\ndef handler(event, context):\n    return {'v': os.environ['VAL']}\n"}), 0o644); err != nil {
		t.Fatal(err)
	}
	s.awsOK(admin, "lambda", "create-function", "--function-name", "gated", "--runtime", "python3.11", "--role", role,
		"--handler", "index.handler", "--zip-file", "fileb://"+code, "--environment", "Variables={VAL=ok}", "--kms-key-arn", keyARN)
	s.awsOK(admin, "lambda", "wait", "function-active-v2", "--function-name", "gated")
	invokeErr := func() string {
		return s.awsErr(admin, "lambda", "invoke", "--function-name", "gated", "--payload", "{}", filepath.Join(t.TempDir(), "out"))
	}
	if doc := rtInvoke(s, "gated", "{}").ok(t); doc["v"] != "ok" {
		t.Fatalf("invoke = %v", doc)
	}
	t.Run("a disabled key fails invokes with KMSDisabledException (AWS CLI)", func(t *testing.T) {
		s.awsOK(admin, "kms", "disable-key", "--key-id", key)
		if msg := invokeErr(); !strings.Contains(msg, "KMSDisabledException") {
			t.Fatalf("invoke with a disabled key: %s", msg)
		}
		cfg := s.awsOK(admin, "lambda", "get-function-configuration", "--function-name", "gated")
		envErr, _ := cfg["Environment"].(map[string]any)["Error"].(map[string]any)
		if envErr["ErrorCode"] != "KMSDisabledException" {
			t.Fatalf("configuration Environment = %v", cfg["Environment"])
		}
	})
	t.Run("re-enabling the key restores invokes (boto3)", func(t *testing.T) {
		s.awsOK(admin, "kms", "enable-key", "--key-id", key)
		out := s.python(admin, `
import boto3, json
r = boto3.client("lambda").invoke(FunctionName="gated", Payload=b"{}")
print(json.dumps({"status": r["StatusCode"], "body": json.loads(r["Payload"].read())}))`)
		if out["status"] != float64(200) || out["body"].(map[string]any)["v"] != "ok" {
			t.Fatalf("boto3 invoke = %v", out)
		}
	})
	t.Run("a key pending deletion fails invokes with KMSInvalidStateException (boto3)", func(t *testing.T) {
		s.awsOK(admin, "kms", "schedule-key-deletion", "--key-id", key, "--pending-window-in-days", "7")
		out := s.python(admin, `
import boto3, json
try:
    boto3.client("lambda").invoke(FunctionName="gated", Payload=b"{}")
    print(json.dumps({"code": None}))
except Exception as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}))`)
		if out["code"] != "KMSInvalidStateException" || out["status"] != float64(502) {
			t.Fatalf("boto3 invoke with a key pending deletion = %v", out)
		}
		s.awsOK(admin, "kms", "cancel-key-deletion", "--key-id", key)
		s.awsOK(admin, "kms", "enable-key", "--key-id", key)
		if doc := rtInvoke(s, "gated", "{}").ok(t); doc["v"] != "ok" {
			t.Fatalf("invoke after cancelling the deletion = %v", doc)
		}
	})
}
