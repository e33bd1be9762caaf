package e2e

import (
	"fmt"
	"strings"
	"testing"
)

func TestOrganizationsAccountsAreIsolated(t *testing.T) {
	s := startServer(t)
	admin := s.admin()
	mgmt := s.awsOK(admin, "sts", "get-caller-identity")["Account"].(string)

	org := s.awsOK(admin, "organizations", "describe-organization")["Organization"].(map[string]any)
	if org["MasterAccountId"] != mgmt {
		t.Fatalf("organization = %v, want management account %s", org, mgmt)
	}

	st := s.awsOK(admin, "organizations", "create-account", "--email", "dev@example.com", "--account-name", "dev")["CreateAccountStatus"].(map[string]any)
	status := s.awsOK(admin, "organizations", "describe-create-account-status", "--create-account-request-id", st["Id"].(string))["CreateAccountStatus"].(map[string]any)
	if status["State"] != "SUCCEEDED" {
		t.Fatalf("create account status = %v", status)
	}
	dev := status["AccountId"].(string)
	if dev == mgmt || len(dev) != 12 {
		t.Fatalf("new account id %q", dev)
	}

	accounts := s.awsOK(admin, "organizations", "list-accounts")["Accounts"].([]any)
	if len(accounts) != 2 {
		t.Fatalf("accounts = %v", accounts)
	}

	out := s.awsOK(admin, "sts", "assume-role", "--role-arn", fmt.Sprintf("arn:aws:iam::%s:role/OrganizationAccountAccessRole", dev), "--role-session-name", "ops")
	c := out["Credentials"].(map[string]any)
	inDev := creds{c["AccessKeyId"].(string), c["SecretAccessKey"].(string), c["SessionToken"].(string)}

	t.Run("the role works inside the new account", func(t *testing.T) {
		id := s.awsOK(inDev, "sts", "get-caller-identity")
		if id["Account"] != dev {
			t.Fatalf("identity = %v", id)
		}
		s.awsOK(inDev, "iam", "create-user", "--user-name", "dev-user")
		users := s.awsOK(inDev, "iam", "list-users")["Users"].([]any)
		if len(users) != 1 || users[0].(map[string]any)["UserName"] != "dev-user" {
			t.Fatalf("users in the new account = %v", users)
		}
	})
	t.Run("each account sees only its own users", func(t *testing.T) {
		for _, u := range s.awsOK(admin, "iam", "list-users")["Users"].([]any) {
			if u.(map[string]any)["UserName"] == "dev-user" {
				t.Fatal("the management account lists a user of the member account")
			}
		}
		msg := s.awsErr(inDev, "iam", "get-user", "--user-name", "admin")
		if !strings.Contains(msg, "NoSuchEntity") {
			t.Fatalf("the member account reached the management account's user:\n%s", msg)
		}
	})
	t.Run("a member account cannot act on the management account's resources", func(t *testing.T) {
		msg := s.awsErr(inDev, "sts", "assume-role", "--role-arn", fmt.Sprintf("arn:aws:iam::%s:role/OrganizationAccountAccessRole", mgmt), "--role-session-name", "xx")
		if !strings.Contains(msg, "AccessDenied") {
			t.Fatalf("unexpected:\n%s", msg)
		}
	})
	t.Run("only the management account manages the organization", func(t *testing.T) {
		msg := s.awsErr(inDev, "organizations", "create-account", "--email", "x@example.com", "--account-name", "x")
		if !strings.Contains(msg, "AccessDenied") {
			t.Fatalf("unexpected:\n%s", msg)
		}
	})
}
