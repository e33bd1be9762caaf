package iam

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/store"
)

func TestBootstrap(t *testing.T) {
	ctx := context.Background()
	svc, _ := newTestService(t)
	b, created, err := svc.EnsureBootstrap(ctx)
	if err != nil || !created {
		t.Fatalf("first bootstrap: created=%v err=%v", created, err)
	}
	t.Run("the first start creates an account, the admin user and a key", func(t *testing.T) {
		if !regexp.MustCompile(`^\d{12}$`).MatchString(b.AccountID) {
			t.Errorf("account id %q is not 12 digits", b.AccountID)
		}
		if !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(b.AccessKeyID) {
			t.Errorf("access key id %q has the wrong form", b.AccessKeyID)
		}
		if len(b.SecretAccessKey) != 40 {
			t.Errorf("secret has %d characters, want 40", len(b.SecretAccessKey))
		}
		u, err := svc.GetUser(ctx, b.AccountID, "admin")
		if err != nil {
			t.Fatal(err)
		}
		if u.ARN != "arn:aws:iam::"+b.AccountID+":user/admin" {
			t.Errorf("admin ARN = %s", u.ARN)
		}
		att, _, err := svc.ListAttachedPolicies(ctx, b.AccountID, Owner{KindUser, "admin"}, "", Page{})
		if err != nil || len(att) != 1 || att[0].ARN != AdministratorAccessARN {
			t.Errorf("admin attachments = %v, %v; want AdministratorAccess", att, err)
		}
	})
	t.Run("a later start returns the same account and no secret", func(t *testing.T) {
		again, created, err := svc.EnsureBootstrap(ctx)
		if err != nil || created {
			t.Fatalf("created=%v err=%v", created, err)
		}
		if again.AccountID != b.AccountID || again.SecretAccessKey != "" {
			t.Errorf("got %+v", again)
		}
	})
	t.Run("the secret is stored only sealed", func(t *testing.T) {
		c, ok, err := svc.lookupCredential(ctx, b.AccessKeyID)
		if err != nil || !ok || c.Secret != b.SecretAccessKey {
			t.Fatalf("lookup: ok=%v err=%v", ok, err)
		}
		var sealed []byte
		if err := svc.st.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT sealed_secret FROM iam_access_keys WHERE id = ?`, b.AccessKeyID).Scan(&sealed)
		}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(sealed), b.SecretAccessKey) {
			t.Error("the stored secret contains the plaintext")
		}
	})
}

func TestUsers(t *testing.T) {
	ctx := context.Background()
	svc, _ := newTestService(t)
	const acct = "111122223333"
	u := must[*User](t)(svc.CreateUser(ctx, acct, CreateUserInput{Name: "Bob", Path: "/dev/"}))
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"creating a user whose name differs only in case fails", func() error {
			_, err := svc.CreateUser(ctx, acct, CreateUserInput{Name: "bob"})
			return err
		}, CodeEntityAlreadyExists},
		{"the same name in another account is fine", func() error {
			_, err := svc.CreateUser(ctx, "444455556666", CreateUserInput{Name: "Bob"})
			return err
		}, ""},
		{"getting a missing user is NoSuchEntity", func() error {
			_, err := svc.GetUser(ctx, acct, "alice")
			return err
		}, CodeNoSuchEntity},
		{"a boundary that does not exist is refused", func() error {
			_, err := svc.CreateUser(ctx, acct, CreateUserInput{Name: "carol", PermissionsBoundary: "arn:aws:iam::111122223333:policy/nope"})
			return err
		}, CodeNoSuchEntity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := errCode(tc.run()); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("the user has an AIDA id and a path in its ARN", func(t *testing.T) {
		if !regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`).MatchString(u.ID) {
			t.Errorf("id %q", u.ID)
		}
		if u.ARN != "arn:aws:iam::111122223333:user/dev/Bob" {
			t.Errorf("arn %q", u.ARN)
		}
		got, err := svc.GetUser(ctx, acct, "BOB")
		if err != nil || got.Name != "Bob" || got.ID != u.ID {
			t.Errorf("lookup by other case: %+v %v", got, err)
		}
	})
	t.Run("a missing user's message names it as AWS does", func(t *testing.T) {
		_, err := svc.GetUser(ctx, acct, "bob2")
		if err == nil || !strings.Contains(err.Error(), "The user with name bob2 cannot be found.") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("deleting a user with a key is a conflict until the key is gone", func(t *testing.T) {
		k := must[*AccessKey](t)(svc.CreateAccessKey(ctx, acct, "Bob"))
		if got := errCode(svc.DeleteUser(ctx, acct, "Bob")); got != CodeDeleteConflict {
			t.Fatalf("delete with key: %q", got)
		}
		if err := svc.DeleteAccessKey(ctx, acct, "Bob", k.ID); err != nil {
			t.Fatal(err)
		}
		if err := svc.PutInlinePolicy(ctx, acct, Owner{KindUser, "Bob"}, "p", allowAllDoc); err != nil {
			t.Fatal(err)
		}
		if got := errCode(svc.DeleteUser(ctx, acct, "Bob")); got != CodeDeleteConflict {
			t.Fatalf("delete with inline policy: %q", got)
		}
		if err := svc.DeleteInlinePolicy(ctx, acct, Owner{KindUser, "Bob"}, "p"); err != nil {
			t.Fatal(err)
		}
		must[*Group](t)(svc.CreateGroup(ctx, acct, "devs", ""))
		if err := svc.AddUserToGroup(ctx, acct, "devs", "bob"); err != nil {
			t.Fatal(err)
		}
		if got := errCode(svc.DeleteUser(ctx, acct, "Bob")); got != CodeDeleteConflict {
			t.Fatalf("delete while in a group: %q", got)
		}
		if err := svc.RemoveUserFromGroup(ctx, acct, "devs", "bob"); err != nil {
			t.Fatal(err)
		}
		if err := svc.DeleteUser(ctx, acct, "Bob"); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if _, err := svc.GetUser(ctx, acct, "Bob"); errCode(err) != CodeNoSuchEntity {
			t.Errorf("after delete: %v", err)
		}
	})
}

func TestListPagination(t *testing.T) {
	ctx := context.Background()
	svc, _ := newTestService(t)
	const acct = "111122223333"
	for _, n := range []string{"d", "a", "c", "e", "b"} {
		path := "/"
		if n == "c" || n == "e" {
			path = "/ops/"
		}
		must[*User](t)(svc.CreateUser(ctx, acct, CreateUserInput{Name: n, Path: path}))
	}
	t.Run("pages of two walk every user once in name order", func(t *testing.T) {
		var names []string
		p := Page{MaxItems: 2}
		for i := 0; ; i++ {
			users, next, err := svc.ListUsers(ctx, acct, "", p)
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range users {
				names = append(names, u.Name)
			}
			if next == "" {
				break
			}
			if i > 5 {
				t.Fatal("pagination does not end")
			}
			p.Marker = next
		}
		if got := strings.Join(names, ","); got != "a,b,c,d,e" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("a path prefix filters", func(t *testing.T) {
		users, next, err := svc.ListUsers(ctx, acct, "/ops/", Page{})
		if err != nil || next != "" || len(users) != 2 || users[0].Name != "c" || users[1].Name != "e" {
			t.Errorf("got %v %q %v", users, next, err)
		}
	})
	t.Run("a garbage marker is a validation error", func(t *testing.T) {
		_, _, err := svc.ListUsers(ctx, acct, "", Page{Marker: "!!!"})
		if errCode(err) != CodeValidationError {
			t.Errorf("got %v", err)
		}
	})
}

func TestManagedPolicies(t *testing.T) {
	ctx := context.Background()
	svc, _ := newTestService(t)
	const acct = "111122223333"
	p := must[*ManagedPolicy](t)(svc.CreatePolicy(ctx, acct, CreatePolicyInput{Name: "P", Document: allowAllDoc}))
	t.Run("a new policy has an ANPA id, its ARN and default version v1", func(t *testing.T) {
		if !strings.HasPrefix(p.ID, "ANPA") || p.ARN != "arn:aws:iam::111122223333:policy/P" || p.DefaultVersionID != "v1" {
			t.Errorf("got %+v", p)
		}
	})
	t.Run("a policy can have at most five versions", func(t *testing.T) {
		for i := 0; i < 4; i++ {
			if _, err := svc.CreatePolicyVersion(ctx, acct, p.ARN, allowAllDoc, false); err != nil {
				t.Fatal(err)
			}
		}
		_, err := svc.CreatePolicyVersion(ctx, acct, p.ARN, allowAllDoc, false)
		if errCode(err) != CodeLimitExceeded {
			t.Errorf("sixth version: %v", err)
		}
	})
	t.Run("the default version cannot be deleted", func(t *testing.T) {
		if got := errCode(svc.DeletePolicyVersion(ctx, acct, p.ARN, "v1")); got != CodeDeleteConflict {
			t.Errorf("got %q", got)
		}
	})
	t.Run("setting a default version moves IsDefault", func(t *testing.T) {
		if err := svc.SetDefaultPolicyVersion(ctx, acct, p.ARN, "v3"); err != nil {
			t.Fatal(err)
		}
		vs, _, err := svc.ListPolicyVersions(ctx, acct, p.ARN, Page{})
		if err != nil || len(vs) != 5 || vs[0].VersionID != "v5" {
			t.Fatalf("versions %v %v", vs, err)
		}
		for _, v := range vs {
			if v.IsDefault != (v.VersionID == "v3") {
				t.Errorf("%s IsDefault=%v", v.VersionID, v.IsDefault)
			}
		}
	})
	t.Run("a version can be deleted and a new one takes the next number", func(t *testing.T) {
		if err := svc.DeletePolicyVersion(ctx, acct, p.ARN, "v1"); err != nil {
			t.Fatal(err)
		}
		v, err := svc.CreatePolicyVersion(ctx, acct, p.ARN, allowAllDoc, true)
		if err != nil || v.VersionID != "v6" || !v.IsDefault {
			t.Errorf("got %+v %v", v, err)
		}
	})
	t.Run("an attached policy cannot be deleted", func(t *testing.T) {
		must[*Role](t)(svc.CreateRole(ctx, acct, CreateRoleInput{Name: "r", TrustPolicy: trustAccount(acct)}))
		if err := svc.AttachPolicy(ctx, acct, Owner{KindRole, "r"}, p.ARN); err != nil {
			t.Fatal(err)
		}
		if got := errCode(svc.DeletePolicy(ctx, acct, p.ARN)); got != CodeDeleteConflict {
			t.Errorf("got %q", got)
		}
		got, err := svc.GetPolicy(ctx, acct, p.ARN)
		if err != nil || got.AttachmentCount != 1 {
			t.Errorf("attachment count %+v %v", got, err)
		}
	})
	t.Run("ListPolicies scopes separate AWS and local policies", func(t *testing.T) {
		local, _, err := svc.ListPolicies(ctx, acct, ListPoliciesInput{Scope: "Local"}, Page{})
		if err != nil || len(local) != 1 || local[0].Name != "P" {
			t.Errorf("local: %v %v", local, err)
		}
		aws, _, err := svc.ListPolicies(ctx, acct, ListPoliciesInput{Scope: "AWS"}, Page{})
		if err != nil || len(aws) != 2 {
			t.Errorf("aws: %v %v", aws, err)
		}
		attached, _, err := svc.ListPolicies(ctx, acct, ListPoliciesInput{OnlyAttached: true}, Page{})
		if err != nil || len(attached) != 1 || attached[0].ARN != p.ARN {
			t.Errorf("attached: %v %v", attached, err)
		}
	})
	t.Run("AWS managed policies cannot be changed", func(t *testing.T) {
		_, err := svc.CreatePolicyVersion(ctx, acct, AdministratorAccessARN, allowAllDoc, true)
		if errCode(err) != CodeAccessDenied {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a policy of another account is not visible", func(t *testing.T) {
		_, err := svc.GetPolicy(ctx, "999988887777", p.ARN)
		if errCode(err) != CodeNoSuchEntity {
			t.Errorf("got %v", err)
		}
	})
}

func TestPolicyDocuments(t *testing.T) {
	ctx := context.Background()
	svc, _ := newTestService(t)
	const acct = "111122223333"
	must[*User](t)(svc.CreateUser(ctx, acct, CreateUserInput{Name: "u"}))
	must[*Group](t)(svc.CreateGroup(ctx, acct, "g", ""))
	big := func(n int) string {
		// A valid policy of about n non-whitespace characters.
		var b strings.Builder
		b.WriteString(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::`)
		for b.Len() < n-5 {
			b.WriteByte('x')
		}
		b.WriteString(`"}]}`)
		return b.String()
	}
	tests := []struct {
		name string
		run  func() error
		want string
	}{
		{"an invalid inline document is MalformedPolicyDocument", func() error {
			return svc.PutInlinePolicy(ctx, acct, Owner{KindUser, "u"}, "p", `{"Statement":[`)
		}, CodeMalformedPolicyDocument},
		{"a document with a principal is not an identity policy", func() error {
			return svc.PutInlinePolicy(ctx, acct, Owner{KindUser, "u"}, "p",
				`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`)
		}, CodeMalformedPolicyDocument},
		{"a user inline policy over 2048 characters is over quota", func() error {
			return svc.PutInlinePolicy(ctx, acct, Owner{KindUser, "u"}, "p", big(2100))
		}, CodeLimitExceeded},
		{"whitespace does not count against the quota", func() error {
			return svc.PutInlinePolicy(ctx, acct, Owner{KindUser, "u"}, "p", strings.Replace(big(2000), ",", ",     \n     ", -1)+strings.Repeat(" ", 500))
		}, ""},
		{"a group allows 5120 characters", func() error {
			return svc.PutInlinePolicy(ctx, acct, Owner{KindGroup, "g"}, "p", big(5000))
		}, ""},
		{"a managed policy over 6144 characters is over quota", func() error {
			_, err := svc.CreatePolicy(ctx, acct, CreatePolicyInput{Name: "big", Document: big(6200)})
			return err
		}, CodeLimitExceeded},
		{"a trust policy without a principal is malformed", func() error {
			_, err := svc.CreateRole(ctx, acct, CreateRoleInput{Name: "r", TrustPolicy: allowAllDoc})
			return err
		}, CodeMalformedPolicyDocument},
		{"an inline policy of a missing role is NoSuchEntity", func() error {
			return svc.PutInlinePolicy(ctx, acct, Owner{KindRole, "nope"}, "p", allowAllDoc)
		}, CodeNoSuchEntity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := errCode(tc.run()); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func trustAccount(acct string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:root"},"Action":"sts:AssumeRole"}]}`
}

func TestNoSecretReachesTheDatabaseFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(dir, "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(ctx, Config{Store: st, Sealer: newTestSealer(t)})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := svc.EnsureBootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CreateRole(ctx, b.AccountID, CreateRoleInput{Name: "r", TrustPolicy: trustAccount(b.AccountID)}); err != nil {
		t.Fatal(err)
	}
	c, _, err := svc.LookupCredential(ctx, b.AccessKeyID)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := svc.AssumeRole(ctx, &c.Principal, AssumeRoleInput{RoleARN: "arn:aws:iam::" + b.AccountID + ":role/r", SessionName: "s1"})
	if err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{"access key secret": b.SecretAccessKey, "session secret": sess.Secret, "session token": sess.Token}
	for _, phase := range []string{"while open", "after close"} {
		if phase == "after close" {
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
		}
		files, _ := filepath.Glob(filepath.Join(dir, "stratus.db*"))
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for what, s := range secrets {
				t.Run(fmt.Sprintf("the %s is not in %s %s", what, filepath.Base(f), phase), func(t *testing.T) {
					if bytes.Contains(raw, []byte(s)) {
						t.Errorf("found in clear")
					}
				})
			}
		}
	}
}
