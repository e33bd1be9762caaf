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
	t.Run("a key policy is the gate: IAM policies count only where it grants the account", func(t *testing.T) {
		acct := s.awsOK(admin, "sts", "get-caller-identity")["Account"].(string)
		s.awsOK(admin, "iam", "create-user", "--user-name", "keyuser")
		k := s.awsOK(admin, "iam", "create-access-key", "--user-name", "keyuser")["AccessKey"].(map[string]any)
		keyuser := creds{k["AccessKeyId"].(string), k["SecretAccessKey"].(string), ""}
		gated := s.awsOK(admin, "kms", "create-key", "--tags", "TagKey=team,TagValue=core")["KeyMetadata"].(map[string]any)["KeyId"].(string)
		if tags := s.awsOK(admin, "kms", "list-resource-tags", "--key-id", gated)["Tags"].([]any); len(tags) != 1 {
			t.Fatalf("tags = %v", tags)
		}
		userOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct +
			`:user/keyuser"},"Action":["kms:Encrypt","kms:DescribeKey"],"Resource":"*"}]}`
		if msg := s.awsErr(admin, "kms", "put-key-policy", "--key-id", gated, "--policy-name", "default", "--policy", userOnly); !strings.Contains(msg, "MalformedPolicyDocumentException") {
			t.Fatalf("a policy locking the account out was accepted without the bypass: %s", msg)
		}
		s.awsOK(admin, "kms", "put-key-policy", "--key-id", gated, "--policy-name", "default", "--policy", userOnly, "--bypass-policy-lockout-safety-check")
		if msg := s.awsErr(admin, "kms", "encrypt", "--key-id", gated, "--plaintext", "fileb://"+plain); !strings.Contains(msg, "AccessDeniedException") {
			t.Fatalf("the administrator's IAM policy alone encrypted under a key whose policy does not grant the account: %s", msg)
		}
		s.awsOK(keyuser, "kms", "encrypt", "--key-id", gated, "--plaintext", "fileb://"+plain)
		if msg := s.awsErr(admin, "kms", "put-key-policy", "--key-id", gated, "--policy-name", "default", "--policy", userOnly); !strings.Contains(msg, "AccessDeniedException") {
			t.Fatalf("the locked-out account changed the key policy: %s", msg)
		}
	})
	t.Run("the AWS managed keys services make are reported as AWS's", func(t *testing.T) {
		s.awsOK(admin, "secretsmanager", "create-secret", "--name", "kms-e2e", "--secret-string", "x")
		md := s.awsOK(admin, "kms", "describe-key", "--key-id", "alias/aws/secretsmanager")["KeyMetadata"].(map[string]any)
		if md["KeyManager"] != "AWS" {
			t.Fatalf("KeyManager = %v", md["KeyManager"])
		}
		if md := s.awsOK(admin, "kms", "describe-key", "--key-id", keyID)["KeyMetadata"].(map[string]any); md["KeyManager"] != "CUSTOMER" {
			t.Fatalf("customer key's KeyManager = %v", md["KeyManager"])
		}
	})
	t.Run("boto3 encrypts, decrypts, signs and verifies; a wrong context or a tampered blob is refused", func(t *testing.T) {
		out := s.python(admin, `
import boto3, json
kms = boto3.client("kms")
key = kms.create_key(Description="boto3")["KeyMetadata"]["KeyId"]
blob = kms.encrypt(KeyId=key, Plaintext=b"boto3 secret", EncryptionContext={"app": "e2e"})["CiphertextBlob"]
res = {"plain": kms.decrypt(CiphertextBlob=blob, EncryptionContext={"app": "e2e"})["Plaintext"].decode()}
for name, kw in (("wrong_context", {"CiphertextBlob": blob, "EncryptionContext": {"app": "other"}}),
                 ("tampered", {"CiphertextBlob": blob[:-1] + bytes([blob[-1] ^ 1]), "EncryptionContext": {"app": "e2e"}})):
    try:
        kms.decrypt(**kw)
        res[name] = None
    except Exception as e:
        res[name] = e.response["Error"]["Code"]
dk = kms.generate_data_key(KeyId=key, KeySpec="AES_256")
res["datakey"] = kms.decrypt(CiphertextBlob=dk["CiphertextBlob"])["Plaintext"] == dk["Plaintext"]
sk = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
sig = kms.sign(KeyId=sk, Message=b"msg", SigningAlgorithm="ECDSA_SHA_256")["Signature"]
res["valid"] = kms.verify(KeyId=sk, Message=b"msg", Signature=sig, SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"]
try:
    kms.verify(KeyId=sk, Message=b"other", Signature=sig, SigningAlgorithm="ECDSA_SHA_256")
    res["forged"] = None
except Exception as e:
    res["forged"] = e.response["Error"]["Code"]
print(json.dumps(res))`)
		if out["plain"] != "boto3 secret" || out["wrong_context"] != "InvalidCiphertextException" || out["tampered"] != "InvalidCiphertextException" ||
			out["datakey"] != true || out["valid"] != true || out["forged"] != "KMSInvalidSignatureException" {
			t.Fatalf("boto3 = %v", out)
		}
	})
}
