package kms

import (
	"context"
	"errors"
	"testing"
)

func TestServiceKeysCheckTheCallerOnCustomerManagedKeysOnly(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cmk := f.key(t)
	var asked []string
	deny := false
	keys := f.svc.ForService("secretsmanager").WithCallerCheck(func(_ context.Context, action, keyARN string) error {
		asked = append(asked, action+" "+keyARN)
		if deny {
			return errors.New("denied")
		}
		return nil
	})
	ec := map[string]string{"k": "v"}
	t.Run("the AWS managed key needs no caller permission", func(t *testing.T) {
		blob, err := keys.Encrypt(ctx, acct, region, keys.ManagedAlias(), []byte("x"), ec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := keys.Decrypt(ctx, acct, region, blob, ec); err != nil {
			t.Fatal(err)
		}
		if len(asked) != 0 {
			t.Fatalf("asked %v", asked)
		}
	})
	t.Run("a customer managed key needs kms:Encrypt and kms:Decrypt on it", func(t *testing.T) {
		blob, err := keys.Encrypt(ctx, acct, region, cmk.ID, []byte("x"), ec)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := keys.Decrypt(ctx, acct, region, blob, ec); err != nil {
			t.Fatal(err)
		}
		want := []string{"kms:Encrypt " + cmk.ARN(), "kms:Decrypt " + cmk.ARN()}
		if len(asked) != 2 || asked[0] != want[0] || asked[1] != want[1] {
			t.Fatalf("asked %v, want %v", asked, want)
		}
		deny = true
		if _, err := keys.Decrypt(ctx, acct, region, blob, ec); err == nil {
			t.Fatal("a caller without kms:Decrypt decrypted")
		}
		if _, err := keys.Encrypt(ctx, acct, region, cmk.ARN(), []byte("x"), ec); err == nil {
			t.Fatal("a caller without kms:Encrypt encrypted")
		}
	})
}
