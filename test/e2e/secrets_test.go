package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSecretsManagerFromTheCLI(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	created := s.awsOK(admin, "secretsmanager", "create-secret", "--name", "db/password", "--secret-string", "hunter2-e2e")
	arn, _ := created["ARN"].(string)
	if !strings.Contains(arn, ":secret:db/password-") || len(arn) != len(strings.Split(arn, ":secret:")[0])+len(":secret:db/password-")+6 {
		t.Fatalf("create-secret ARN = %q", arn)
	}
	t.Run("the value comes back as AWSCURRENT and the previous one as AWSPREVIOUS", func(t *testing.T) {
		s.awsOK(admin, "secretsmanager", "put-secret-value", "--secret-id", "db/password", "--secret-string", "hunter3-e2e")
		cur := s.awsOK(admin, "secretsmanager", "get-secret-value", "--secret-id", arn)
		prev := s.awsOK(admin, "secretsmanager", "get-secret-value", "--secret-id", "db/password", "--version-stage", "AWSPREVIOUS")
		if cur["SecretString"] != "hunter3-e2e" || prev["SecretString"] != "hunter2-e2e" {
			t.Fatalf("current %v, previous %v", cur["SecretString"], prev["SecretString"])
		}
	})
	t.Run("it is encrypted with the AWS managed key made on first use", func(t *testing.T) {
		k := s.awsOK(admin, "kms", "describe-key", "--key-id", "alias/aws/secretsmanager")["KeyMetadata"].(map[string]any)
		if k["KeyState"] != "Enabled" {
			t.Fatalf("managed key = %v", k)
		}
		var found []string
		filepath.Walk(s.dataDir, func(p string, info os.FileInfo, err error) error {
			if err == nil && !info.IsDir() {
				if b, _ := os.ReadFile(p); strings.Contains(string(b), "hunter2-e2e") || strings.Contains(string(b), "hunter3-e2e") {
					found = append(found, p)
				}
			}
			return nil
		})
		if len(found) > 0 {
			t.Fatalf("secret values in clear in %v", found)
		}
	})
	t.Run("a deleted secret refuses reads until restored", func(t *testing.T) {
		s.awsOK(admin, "secretsmanager", "delete-secret", "--secret-id", "db/password", "--recovery-window-in-days", "7")
		if msg := s.awsErr(admin, "secretsmanager", "get-secret-value", "--secret-id", "db/password"); !strings.Contains(msg, "InvalidRequestException") {
			t.Fatalf("read of a deleted secret: %s", msg)
		}
		s.awsOK(admin, "secretsmanager", "restore-secret", "--secret-id", "db/password")
		s.awsOK(admin, "secretsmanager", "get-secret-value", "--secret-id", "db/password")
	})
	t.Run("a user without a policy is denied", func(t *testing.T) {
		s.awsOK(admin, "iam", "create-user", "--user-name", "nosecrets")
		k := s.awsOK(admin, "iam", "create-access-key", "--user-name", "nosecrets")["AccessKey"].(map[string]any)
		bob := creds{k["AccessKeyId"].(string), k["SecretAccessKey"].(string), ""}
		if msg := s.awsErr(bob, "secretsmanager", "get-secret-value", "--secret-id", arn); !strings.Contains(msg, "AccessDeniedException") {
			t.Fatalf("denied: %s", msg)
		}
	})
	t.Run("a secret under a customer managed key needs the reader's kms:Decrypt on it (boto3)", func(t *testing.T) {
		key := s.awsOK(admin, "kms", "create-key")["KeyMetadata"].(map[string]any)["Arn"].(string)
		s.awsOK(admin, "secretsmanager", "create-secret", "--name", "cmk/secret", "--secret-string", "under-cmk", "--kms-key-id", key)
		s.awsOK(admin, "secretsmanager", "create-secret", "--name", "managed/secret", "--secret-string", "under-managed")
		s.awsOK(admin, "iam", "create-user", "--user-name", "reader")
		k := s.awsOK(admin, "iam", "create-access-key", "--user-name", "reader")["AccessKey"].(map[string]any)
		reader := creds{k["AccessKeyId"].(string), k["SecretAccessKey"].(string), ""}
		s.awsOK(admin, "iam", "put-user-policy", "--user-name", "reader", "--policy-name", "secrets",
			"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`)
		read := func() map[string]any {
			return s.python(reader, `
import boto3, json
sm = boto3.client("secretsmanager")
out = {}
for name in ("cmk/secret", "managed/secret"):
    try:
        out[name] = sm.get_secret_value(SecretId=name)["SecretString"]
    except Exception as e:
        out[name] = e.response["Error"]["Code"]
print(json.dumps(out))`)
		}
		got := read()
		if got["managed/secret"] != "under-managed" || got["cmk/secret"] != "AccessDeniedException" {
			t.Fatalf("without kms:Decrypt: %v", got)
		}
		s.awsOK(admin, "iam", "put-user-policy", "--user-name", "reader", "--policy-name", "decrypt",
			"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"`+key+`"}]}`)
		if got := read(); got["cmk/secret"] != "under-cmk" {
			t.Fatalf("with kms:Decrypt: %v", got)
		}
	})
}
