package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func TestFirstStartCreatesAccountAndCredentials(t *testing.T) {
	s := startServer(t)

	t.Run("the credentials file is private to the user", func(t *testing.T) {
		fi, err := os.Stat(filepath.Join(s.dataDir, "credentials"))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("credentials mode = %v, want 0600", fi.Mode().Perm())
		}
	})
	t.Run("the server says once how to use the credentials", func(t *testing.T) {
		if !strings.Contains(s.stdout.String(), "stratus env") {
			t.Fatalf("first start printed no usage hint:\n%s", s.stdout.String())
		}
		if strings.Contains(s.stdout.String()+s.stderr.String(), s.secret) {
			t.Fatal("the secret access key appeared in the server's output")
		}
	})
	t.Run("health lists the services", func(t *testing.T) {
		resp, err := http.Get(s.url + "/_stratus/health")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var h struct {
			Status   string
			Services []struct{ Name, State string }
		}
		if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
			t.Fatal(err)
		}
		states := map[string]string{}
		for _, sv := range h.Services {
			states[sv.Name] = sv.State
		}
		if h.Status != "ready" || states["iam"] != "running" || states["sts"] != "running" {
			t.Fatalf("health = %+v", h)
		}
	})
	t.Run("a restart keeps the account and does not print again", func(t *testing.T) {
		first := s.awsOK(s.admin(), "sts", "get-caller-identity")
		s.stop()
		s.start()
		if strings.Contains(s.stdout.String(), "stratus env") {
			t.Fatalf("second start printed the first-start hint again:\n%s", s.stdout.String())
		}
		again := s.awsOK(s.admin(), "sts", "get-caller-identity")
		if first["Account"] != again["Account"] || first["Arn"] != again["Arn"] {
			t.Fatalf("identity changed across restart: %v vs %v", first, again)
		}
	})
}

func TestGetCallerIdentityWithEveryClient(t *testing.T) {
	s := startServer(t)
	accountRe := regexp.MustCompile(`^\d{12}$`)

	cli := s.awsOK(s.admin(), "sts", "get-caller-identity")
	account, _ := cli["Account"].(string)
	if !accountRe.MatchString(account) {
		t.Fatalf("Account = %q, want 12 digits", account)
	}
	wantArn := "arn:aws:iam::" + account + ":user/admin"
	if cli["Arn"] != wantArn {
		t.Fatalf("CLI Arn = %v, want %s", cli["Arn"], wantArn)
	}

	py := s.python(s.admin(), `
import boto3, json
print(json.dumps(boto3.client("sts").get_caller_identity()))`)
	if py["Arn"] != wantArn || py["Account"] != account {
		t.Fatalf("boto3 identity = %v", py)
	}

	out, err := sts.NewFromConfig(s.sdkConfig(s.admin())).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *out.Arn != wantArn || *out.Account != account {
		t.Fatalf("Go SDK identity = %s %s", *out.Arn, *out.Account)
	}

	t.Run("stratus env exports what the CLI needs", func(t *testing.T) {
		requireTool(t, "aws", "--version")
		cmd := exec.Command("bash", "-c", fmt.Sprintf(`eval "$(%s env --data-dir %s)"; aws sts get-caller-identity --output json`, binary, s.dataDir))
		cmd.Env = append(cleanEnv(), "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null")
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		if !strings.Contains(string(b), wantArn) {
			t.Fatalf("output does not name %s:\n%s", wantArn, b)
		}
	})
}

func TestUserIsDeniedUntilAPolicyAllows(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	s.awsOK(admin, "iam", "create-user", "--user-name", "bob")
	key := s.awsOK(admin, "iam", "create-access-key", "--user-name", "bob")["AccessKey"].(map[string]any)
	bob := creds{key["AccessKeyId"].(string), key["SecretAccessKey"].(string), ""}
	if !strings.HasPrefix(bob.AccessKeyID, "AKIA") || len(bob.SecretAccessKey) != 40 {
		t.Fatalf("access key looks wrong: %v", key)
	}

	t.Run("the CLI prints AccessDenied for ListUsers", func(t *testing.T) {
		msg := s.awsErr(bob, "iam", "list-users")
		if !strings.Contains(msg, "An error occurred (AccessDenied) when calling the ListUsers operation: User: arn:aws:iam::") ||
			!strings.Contains(msg, ":user/bob is not authorized to perform: iam:ListUsers on resource: ") {
			t.Fatalf("unexpected error:\n%s", msg)
		}
	})
	t.Run("boto3 sees AccessDenied too", func(t *testing.T) {
		r := s.python(bob, `
import boto3, json, botocore
try:
    boto3.client("iam").list_users()
    print(json.dumps({"code": "none"}))
except botocore.exceptions.ClientError as e:
    print(json.dumps({"code": e.response["Error"]["Code"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}))`)
		if r["code"] != "AccessDenied" || r["status"] != float64(403) {
			t.Fatalf("boto3 error = %v", r)
		}
	})
	t.Run("the Go SDK sees AccessDenied too", func(t *testing.T) {
		_, err := iam.NewFromConfig(s.sdkConfig(bob)).ListUsers(context.Background(), &iam.ListUsersInput{})
		var ae smithy.APIError
		if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" {
			t.Fatalf("err = %v", err)
		}
	})

	s.awsOK(admin, "iam", "put-user-policy", "--user-name", "bob", "--policy-name", "list",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`)

	t.Run("after the policy grants it, ListUsers works", func(t *testing.T) {
		out := s.awsOK(bob, "iam", "list-users")
		names := []string{}
		for _, u := range out["Users"].([]any) {
			names = append(names, u.(map[string]any)["UserName"].(string))
		}
		if strings.Join(names, ",") != "admin,bob" {
			t.Fatalf("users = %v", names)
		}
	})
	t.Run("the policy allows nothing else", func(t *testing.T) {
		msg := s.awsErr(bob, "iam", "create-user", "--user-name", "mallory")
		if !strings.Contains(msg, "(AccessDenied)") {
			t.Fatalf("unexpected error:\n%s", msg)
		}
		if r := s.aws(admin, "iam", "get-user", "--user-name", "mallory"); !strings.Contains(r.Stderr, "NoSuchEntity") {
			t.Fatalf("a denied CreateUser changed state: %s %s", r.Stdout, r.Stderr)
		}
	})
	t.Run("an explicit deny wins over the allow", func(t *testing.T) {
		s.awsOK(admin, "iam", "put-user-policy", "--user-name", "bob", "--policy-name", "deny",
			"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:List*","Resource":"*"}]}`)
		msg := s.awsErr(bob, "iam", "list-users")
		if !strings.Contains(msg, "with an explicit deny") {
			t.Fatalf("unexpected error:\n%s", msg)
		}
	})
}

func TestAssumedRoleActsWithTheRolesPermissions(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	account := s.awsOK(admin, "sts", "get-caller-identity")["Account"].(string)

	s.awsOK(admin, "iam", "create-user", "--user-name", "carol")
	key := s.awsOK(admin, "iam", "create-access-key", "--user-name", "carol")["AccessKey"].(map[string]any)
	carol := creds{key["AccessKeyId"].(string), key["SecretAccessKey"].(string), ""}
	roleArn := "arn:aws:iam::" + account + ":role/reader"
	s.awsOK(admin, "iam", "create-role", "--role-name", "reader", "--assume-role-policy-document",
		fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::%s:user/carol"},"Action":"sts:AssumeRole"}]}`, account))
	s.awsOK(admin, "iam", "attach-role-policy", "--role-name", "reader", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	s.awsOK(admin, "iam", "put-user-policy", "--user-name", "carol", "--policy-name", "assume",
		"--policy-document", fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"%s"}]}`, roleArn))

	if msg := s.awsErr(carol, "iam", "list-roles"); !strings.Contains(msg, "(AccessDenied)") {
		t.Fatalf("carol herself should not list roles:\n%s", msg)
	}

	out := s.awsOK(carol, "sts", "assume-role", "--role-arn", roleArn, "--role-session-name", "s1")
	c := out["Credentials"].(map[string]any)
	session := creds{c["AccessKeyId"].(string), c["SecretAccessKey"].(string), c["SessionToken"].(string)}
	if !strings.HasPrefix(session.AccessKeyID, "ASIA") {
		t.Fatalf("session key id = %s", session.AccessKeyID)
	}
	if got := out["AssumedRoleUser"].(map[string]any)["Arn"]; got != "arn:aws:sts::"+account+":assumed-role/reader/s1" {
		t.Fatalf("AssumedRoleUser.Arn = %v", got)
	}

	t.Run("the session is the assumed role", func(t *testing.T) {
		id := s.awsOK(session, "sts", "get-caller-identity")
		if id["Arn"] != "arn:aws:sts::"+account+":assumed-role/reader/s1" {
			t.Fatalf("identity = %v", id)
		}
	})
	t.Run("the role's read-only policy lets it list", func(t *testing.T) {
		s.awsOK(session, "iam", "list-roles")
	})
	t.Run("the role's read-only policy stops writes", func(t *testing.T) {
		msg := s.awsErr(session, "iam", "create-user", "--user-name", "x")
		if !strings.Contains(msg, "(AccessDenied)") || !strings.Contains(msg, "assumed-role/reader/s1") {
			t.Fatalf("unexpected error:\n%s", msg)
		}
	})
	t.Run("a principal the trust policy does not name cannot assume it", func(t *testing.T) {
		s.awsOK(admin, "iam", "create-user", "--user-name", "dave")
		k := s.awsOK(admin, "iam", "create-access-key", "--user-name", "dave")["AccessKey"].(map[string]any)
		dave := creds{k["AccessKeyId"].(string), k["SecretAccessKey"].(string), ""}
		s.awsOK(admin, "iam", "attach-user-policy", "--user-name", "dave", "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
		msg := s.awsErr(dave, "sts", "assume-role", "--role-arn", roleArn, "--role-session-name", "s2")
		if !strings.Contains(msg, "(AccessDenied)") {
			t.Fatalf("unexpected error:\n%s", msg)
		}
	})
	t.Run("boto3 assumes the role too", func(t *testing.T) {
		r := s.python(carol, fmt.Sprintf(`
import boto3, json
c = boto3.client("sts").assume_role(RoleArn=%q, RoleSessionName="py")["Credentials"]
s = boto3.client("sts", aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
print(json.dumps(s.get_caller_identity()))`, roleArn))
		if r["Arn"] != "arn:aws:sts::"+account+":assumed-role/reader/py" {
			t.Fatalf("boto3 identity = %v", r)
		}
	})
}

func TestBadSignaturesAreRefused(t *testing.T) {
	s := startServer(t)
	t.Run("a wrong secret gets SignatureDoesNotMatch", func(t *testing.T) {
		bad := s.admin()
		bad.SecretAccessKey = strings.Repeat("x", 40)
		msg := s.awsErr(bad, "sts", "get-caller-identity")
		if !strings.Contains(msg, "(SignatureDoesNotMatch)") {
			t.Fatalf("unexpected error:\n%s", msg)
		}
	})
	t.Run("an unknown key gets InvalidClientTokenId", func(t *testing.T) {
		msg := s.awsErr(creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""}, "iam", "list-users")
		if !strings.Contains(msg, "(InvalidClientTokenId)") {
			t.Fatalf("unexpected error:\n%s", msg)
		}
	})
	t.Run("a request signed 20 minutes ago is refused", func(t *testing.T) {
		r := s.python(s.admin(), `
import boto3, json, botocore, datetime
from unittest import mock
import botocore.auth
real = datetime.datetime
class Past(real):
    @classmethod
    def utcnow(cls): return real.utcnow() - datetime.timedelta(minutes=20)
    @classmethod
    def now(cls, tz=None): return real.now(tz) - datetime.timedelta(minutes=20)
c = boto3.client("sts")
with mock.patch.object(botocore.auth.datetime, "datetime", Past):
    try:
        c.get_caller_identity()
        print(json.dumps({"code": "none"}))
    except botocore.exceptions.ClientError as e:
        print(json.dumps({"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"]}))`)
		if r["code"] != "SignatureDoesNotMatch" || !strings.Contains(r["message"].(string), "Signature expired") {
			t.Fatalf("boto3 error = %v", r)
		}
	})
	t.Run("an unsigned request is refused", func(t *testing.T) {
		resp, err := http.Post(s.url+"/", "application/x-www-form-urlencoded", strings.NewReader("Action=ListUsers&Version=2010-05-08"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status = %d, want 403", resp.StatusCode)
		}
	})
}

func TestSecretsAreNotInTheDataDirectory(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	s.awsOK(admin, "iam", "create-user", "--user-name", "erin")
	key := s.awsOK(admin, "iam", "create-access-key", "--user-name", "erin")["AccessKey"].(map[string]any)
	secret := key["SecretAccessKey"].(string)
	s.stop()
	err := filepath.Walk(s.dataDir, func(path string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || filepath.Base(path) == "credentials" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, sec := range []string{secret, s.secret} {
			if strings.Contains(string(b), sec) {
				t.Errorf("%s holds a secret access key in plaintext", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the root key is outside the data directory", func(t *testing.T) {
		if strings.HasPrefix(s.keyFile, s.dataDir) {
			t.Fatal("root key inside the data directory")
		}
		fi, err := os.Stat(s.keyFile)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("root key file: %v %v", fi, err)
		}
	})
	t.Run("without the root key the data directory is useless", func(t *testing.T) {
		out, err := runServerBriefly(t, s.dataDir, filepath.Join(t.TempDir(), "other.key"))
		if err == nil {
			t.Fatal("server started with the wrong root key")
		}
		if !strings.Contains(out, "root key") {
			t.Fatalf("error does not name the root key:\n%s", out)
		}
	})
}

func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	for i := 0; i < 5; i++ {
		s.awsOK(admin, "iam", "create-user", "--user-name", fmt.Sprintf("k%d", i))
	}
	s.kill()
	s.start()
	out := s.awsOK(admin, "iam", "list-users")
	if n := len(out["Users"].([]any)); n != 6 {
		t.Fatalf("after kill -9 there are %d users, want 6", n)
	}
}

func TestUnimplementedOperationsAnswerNotImplemented(t *testing.T) {
	s := startServer(t)
	msg := s.awsErr(s.admin(), "iam", "list-open-id-connect-providers")
	if !strings.Contains(msg, "An error occurred (NotImplemented) when calling the ListOpenIDConnectProviders operation") {
		t.Fatalf("unexpected error:\n%s", msg)
	}
}
