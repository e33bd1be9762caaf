package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKMSFromTheCLI(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	key := s.awsOK(admin, "kms", "create-key", "--description", "e2e")["KeyMetadata"].(map[string]any)
	keyID := key["KeyId"].(string)
	if key["KeyState"] != "Enabled" || !strings.HasSuffix(key["Arn"].(string), ":key/"+keyID) {
		t.Fatalf("create-key = %v", key)
	}
	s.awsOK(admin, "kms", "create-alias", "--alias-name", "alias/e2e", "--target-key-id", keyID)
	plain := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(plain, []byte("top secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	enc := s.awsOK(admin, "kms", "encrypt", "--key-id", "alias/e2e", "--plaintext", "fileb://"+plain,
		"--encryption-context", "purpose=e2e")
	blob, err := base64.StdEncoding.DecodeString(enc["CiphertextBlob"].(string))
	if err != nil || strings.Contains(string(blob), "top secret") {
		t.Fatalf("ciphertext: %v", err)
	}
	blobFile := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(blobFile, blob, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("decrypt finds the key from the blob and checks the encryption context", func(t *testing.T) {
		dec := s.awsOK(admin, "kms", "decrypt", "--ciphertext-blob", "fileb://"+blobFile, "--encryption-context", "purpose=e2e")
		got, _ := base64.StdEncoding.DecodeString(dec["Plaintext"].(string))
		if string(got) != "top secret" || dec["KeyId"] != key["Arn"] {
			t.Fatalf("decrypt = %v (%q)", dec, got)
		}
		if msg := s.awsErr(admin, "kms", "decrypt", "--ciphertext-blob", "fileb://"+blobFile, "--encryption-context", "purpose=other"); !strings.Contains(msg, "InvalidCiphertextException") {
			t.Fatalf("wrong context: %s", msg)
		}
	})
	t.Run("a disabled key refuses to decrypt until enabled again", func(t *testing.T) {
		s.awsOK(admin, "kms", "disable-key", "--key-id", keyID)
		if msg := s.awsErr(admin, "kms", "decrypt", "--ciphertext-blob", "fileb://"+blobFile, "--encryption-context", "purpose=e2e"); !strings.Contains(msg, "DisabledException") {
			t.Fatalf("disabled: %s", msg)
		}
		s.awsOK(admin, "kms", "enable-key", "--key-id", keyID)
		s.awsOK(admin, "kms", "decrypt", "--ciphertext-blob", "fileb://"+blobFile, "--encryption-context", "purpose=e2e")
	})
	t.Run("a user without a policy is denied", func(t *testing.T) {
		s.awsOK(admin, "iam", "create-user", "--user-name", "nokms")
		k := s.awsOK(admin, "iam", "create-access-key", "--user-name", "nokms")["AccessKey"].(map[string]any)
		bob := creds{k["AccessKeyId"].(string), k["SecretAccessKey"].(string), ""}
		if msg := s.awsErr(bob, "kms", "decrypt", "--ciphertext-blob", "fileb://"+blobFile, "--encryption-context", "purpose=e2e"); !strings.Contains(msg, "AccessDeniedException") {
			t.Fatalf("denied: %s", msg)
		}
	})
	t.Run("scheduling deletion needs 7 to 30 days and can be cancelled", func(t *testing.T) {
		if msg := s.awsErr(admin, "kms", "schedule-key-deletion", "--key-id", keyID, "--pending-window-in-days", "3"); !strings.Contains(msg, "ValidationException") && !strings.Contains(msg, "validation") {
			t.Fatalf("3 days: %s", msg)
		}
		out := s.awsOK(admin, "kms", "schedule-key-deletion", "--key-id", keyID, "--pending-window-in-days", "7")
		if out["KeyState"] != "PendingDeletion" {
			t.Fatalf("schedule = %v", out)
		}
		s.awsOK(admin, "kms", "cancel-key-deletion", "--key-id", keyID)
		if st := s.awsOK(admin, "kms", "describe-key", "--key-id", keyID)["KeyMetadata"].(map[string]any)["KeyState"]; st != "Disabled" {
			t.Fatalf("after cancel: %v", st)
		}
	})
}
