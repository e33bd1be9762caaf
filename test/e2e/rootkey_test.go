package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// stratusCmd runs the stratus binary with args and returns its combined
// output and exit code.
func stratusCmd(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = cleanEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return string(out), ee.ExitCode()
		}
		t.Fatalf("stratus %v: %v", args, err)
	}
	return string(out), 0
}

func TestRootKeyRotation(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	role := s.lambdaRole("rotate-role")
	const secretValue = "rotate-me-7d1e"
	s.awsOK(admin, "secretsmanager", "create-secret", "--name", "db", "--secret-string", secretValue)
	code := filepath.Join(t.TempDir(), "fn.zip")
	if err := os.WriteFile(code, zipOf(t, map[string]string{"index.py": "import os\ndef handler(event, context):\n    return {'v': os.environ['VAL']}\n"}), 0o644); err != nil {
		t.Fatal(err)
	}
	s.awsOK(admin, "lambda", "create-function", "--function-name", "keep", "--runtime", "python3.11", "--role", role,
		"--handler", "index.handler", "--zip-file", "fileb://"+code, "--environment", "Variables={VAL=kept}")
	s.awsOK(admin, "lambda", "wait", "function-active-v2", "--function-name", "keep")

	newKey := filepath.Join(t.TempDir(), "new.key")
	t.Run("rotation is refused while the server uses the data directory", func(t *testing.T) {
		out, code := stratusCmd(t, "rootkey", "rotate", "--data-dir", s.dataDir, "--root-key-file", s.keyFile, "--new-root-key-file", newKey)
		if code == 0 || !strings.Contains(out, "in use") {
			t.Fatalf("rotate with the server running: exit %d\n%s", code, out)
		}
		if _, err := os.Stat(newKey); err == nil {
			t.Fatal("a new key was written although the rotation was refused")
		}
	})
	s.stop()
	oldKey := s.keyFile
	t.Run("a stopped data directory rotates to a new key", func(t *testing.T) {
		out, code := stratusCmd(t, "rootkey", "rotate", "--data-dir", s.dataDir, "--root-key-file", oldKey, "--new-root-key-file", newKey)
		if code != 0 {
			t.Fatalf("rotate: exit %d\n%s", code, out)
		}
		fi, err := os.Stat(newKey)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("new key file: %v %v", fi, err)
		}
	})
	t.Run("the old root key no longer opens the data directory", func(t *testing.T) {
		out, err := runServerBriefly(t, s.dataDir, oldKey)
		if err == nil || !strings.Contains(out, "root key") {
			t.Fatalf("server with the old key: %v\n%s", err, out)
		}
	})
	s.keyFile = newKey
	s.start()
	t.Run("with the new root key everything sealed before still opens", func(t *testing.T) {
		got := s.awsOK(s.admin(), "secretsmanager", "get-secret-value", "--secret-id", "db")
		if got["SecretString"] != secretValue {
			t.Fatalf("secret after rotation = %v", got["SecretString"])
		}
		if doc := rtInvoke(s, "keep", "{}").ok(t); doc["v"] != "kept" {
			t.Fatalf("function environment after rotation = %v", doc)
		}
	})
	s.stop()
	t.Run("the audit trail verifies with the new root key", func(t *testing.T) {
		out, code := stratusCmd(t, "audit", "verify", "--data-dir", s.dataDir, "--root-key-file", newKey)
		if code != 0 {
			t.Fatalf("audit verify after rotation: exit %d\n%s", code, out)
		}
	})
}
