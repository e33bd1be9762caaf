package kms

import (
	"context"
	"testing"
)

func TestKeyPoliciesAndTags(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.key(t)
	t.Run("a new key has the default policy", func(t *testing.T) {
		p, err := f.svc.GetKeyPolicy(ctx, acct, region, k.ID, "default")
		if err != nil || p != DefaultPolicy(acct) {
			t.Fatalf("policy %q, %v", p, err)
		}
	})
	locked := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acct + `:user/u"},"Action":"kms:Decrypt","Resource":"*"}]}`
	t.Run("a policy that would lock the account out is refused without the bypass", func(t *testing.T) {
		wantCode(t, f.svc.PutKeyPolicy(ctx, acct, region, k.ID, "default", locked, false), CodeMalformedPolicy)
		if p, _ := f.svc.GetKeyPolicy(ctx, acct, region, k.ID, ""); p != DefaultPolicy(acct) {
			t.Fatal("the refused policy was stored")
		}
	})
	t.Run("with the bypass it is stored", func(t *testing.T) {
		if err := f.svc.PutKeyPolicy(ctx, acct, region, k.ID, "default", locked, true); err != nil {
			t.Fatal(err)
		}
		if p, _ := f.svc.GetKeyPolicy(ctx, acct, region, k.ID, ""); p != locked {
			t.Fatalf("policy %q", p)
		}
	})
	t.Run("a policy letting the root principal manage the key is accepted", func(t *testing.T) {
		if err := f.svc.PutKeyPolicy(ctx, acct, region, k.ID, "", DefaultPolicy(acct), false); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("another policy name is refused", func(t *testing.T) {
		if _, err := f.svc.GetKeyPolicy(ctx, acct, region, k.ID, "other"); err == nil {
			t.Fatal("policy name other accepted")
		}
	})
	t.Run("tags are added, listed sorted and removed", func(t *testing.T) {
		if err := f.svc.TagResource(ctx, acct, region, k.ID, map[string]string{"b": "2", "a": "1"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.UntagResource(ctx, acct, region, k.ID, []string{"b"}); err != nil {
			t.Fatal(err)
		}
		tags, err := f.svc.ListResourceTags(ctx, acct, region, k.ID)
		if err != nil || len(tags) != 1 || tags[0] != [2]string{"a", "1"} {
			t.Fatalf("tags %v, %v", tags, err)
		}
	})
}

func TestAWSManagedKeysRefuseManagement(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k, err := f.svc.EnsureManagedKey(ctx, acct, region, "lambda")
	if err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"DisableKey": func() error { return f.svc.DisableKey(ctx, acct, region, k.ID) },
		"ScheduleKeyDeletion": func() error {
			_, err := f.svc.ScheduleKeyDeletion(ctx, acct, region, k.ID, 7)
			return err
		},
		"PutKeyPolicy":       func() error { return f.svc.PutKeyPolicy(ctx, acct, region, k.ID, "", DefaultPolicy(acct), false) },
		"TagResource":        func() error { return f.svc.TagResource(ctx, acct, region, k.ID, map[string]string{"a": "b"}) },
		"DisableKeyRotation": func() error { return f.svc.DisableKeyRotation(ctx, acct, region, k.ID) },
	} {
		t.Run(name+" is refused on an AWS managed key", func(t *testing.T) {
			wantCode(t, call(), CodeUnsupportedOp)
		})
	}
	if err := f.svc.KeyUsable(ctx, acct, region, k.ARN()); err != nil {
		t.Fatalf("the managed key is no longer usable: %v", err)
	}
}
