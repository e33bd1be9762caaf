package kms

import (
	"context"
	"testing"
	"time"
)

func TestAliasLifecycle(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, b := f.key(t), f.key(t)
	t.Run("CreateAlias points the alias at the key", func(t *testing.T) {
		if err := f.svc.CreateAlias(ctx, acct, region, "alias/app", a.ID); err != nil {
			t.Fatal(err)
		}
		arn, err := f.svc.ResolveKeyARN(ctx, acct, region, "alias/app")
		if err != nil || arn != a.ARN() {
			t.Errorf("got %s %v", arn, err)
		}
	})
	t.Run("creating it again is AlreadyExistsException", func(t *testing.T) {
		wantCode(t, f.svc.CreateAlias(ctx, acct, region, "alias/app", b.ID), CodeAlreadyExists)
	})
	t.Run("UpdateAlias points it at another key", func(t *testing.T) {
		if err := f.svc.UpdateAlias(ctx, acct, region, "alias/app", b.ARN()); err != nil {
			t.Fatal(err)
		}
		k, err := f.svc.DescribeKey(ctx, acct, region, "alias/app")
		if err != nil || k.ID != b.ID {
			t.Errorf("got %v %v", k, err)
		}
	})
	t.Run("UpdateAlias of a missing alias is NotFoundException", func(t *testing.T) {
		wantCode(t, f.svc.UpdateAlias(ctx, acct, region, "alias/none", b.ID), CodeNotFound)
	})
	t.Run("an alias cannot target an alias", func(t *testing.T) {
		wantCode(t, f.svc.CreateAlias(ctx, acct, region, "alias/two", "alias/app"), CodeValidation)
	})
	t.Run("ListAliases filtered by key lists that key's aliases", func(t *testing.T) {
		if err := f.svc.CreateAlias(ctx, acct, region, "alias/other", a.ID); err != nil {
			t.Fatal(err)
		}
		got, _, err := f.svc.ListAliases(ctx, acct, region, b.ID, 0, "")
		if err != nil || len(got) != 1 || got[0].Name != "alias/app" || got[0].KeyID != b.ID {
			t.Errorf("got %+v %v", got, err)
		}
	})
	t.Run("ListAliases paginates in name order", func(t *testing.T) {
		first, next, err := f.svc.ListAliases(ctx, acct, region, "", 1, "")
		if err != nil || len(first) != 1 || first[0].Name != "alias/app" || next == "" {
			t.Fatalf("got %+v %q %v", first, next, err)
		}
		second, next, err := f.svc.ListAliases(ctx, acct, region, "", 1, next)
		if err != nil || len(second) != 1 || second[0].Name != "alias/other" || next != "" {
			t.Errorf("got %+v %q %v", second, next, err)
		}
	})
	t.Run("DeleteAlias removes the alias but not the key", func(t *testing.T) {
		if err := f.svc.DeleteAlias(ctx, acct, region, "alias/app"); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.DescribeKey(ctx, acct, region, "alias/app")
		wantCode(t, err, CodeNotFound)
		if _, err := f.svc.DescribeKey(ctx, acct, region, b.ID); err != nil {
			t.Error(err)
		}
		wantCode(t, f.svc.DeleteAlias(ctx, acct, region, "alias/app"), CodeNotFound)
	})
	t.Run("an alias cannot point at a key pending deletion", func(t *testing.T) {
		if _, err := f.svc.ScheduleKeyDeletion(ctx, acct, region, b.ID, 7); err != nil {
			t.Fatal(err)
		}
		wantCode(t, f.svc.CreateAlias(ctx, acct, region, "alias/late", b.ID), CodeInvalidState)
	})
	t.Run("aliases of a deleted key are not listed", func(t *testing.T) {
		if err := f.svc.CreateAlias(ctx, acct, region, "alias/doomed", a.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.ScheduleKeyDeletion(ctx, acct, region, a.ID, 7); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(8 * 24 * time.Hour)
		got, _, err := f.svc.ListAliases(ctx, acct, region, "", 0, "")
		if err != nil || len(got) != 0 {
			t.Errorf("got %+v %v", got, err)
		}
	})
}

func TestAliasNameRules(t *testing.T) {
	f := newFixture(t)
	k := f.key(t)
	cases := []struct {
		name, alias, code string
	}{
		{"a name without the alias/ prefix", "app", CodeInvalidAliasName},
		{"the bare prefix", "alias/", CodeInvalidAliasName},
		{"a name with a space", "alias/my app", CodeValidation},
		{"a name in the reserved alias/aws/ namespace", "alias/aws/s3", CodeNotAuthorized},
	}
	for _, tc := range cases {
		t.Run("CreateAlias rejects "+tc.name, func(t *testing.T) {
			wantCode(t, f.svc.CreateAlias(context.Background(), acct, region, tc.alias, k.ID), tc.code)
		})
	}
}

func TestManagedKeysAreMadeOnceUnderTheReservedAlias(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k1, err := f.svc.EnsureManagedKey(ctx, acct, region, "secretsmanager")
	if err != nil {
		t.Fatal(err)
	}
	k2, err := f.svc.EnsureManagedKey(ctx, acct, region, "secretsmanager")
	if err != nil || k2.ID != k1.ID {
		t.Fatalf("second call = %v, %v; want the same key", k2, err)
	}
	if k, err := f.svc.DescribeKey(ctx, acct, region, "alias/aws/secretsmanager"); err != nil || k.ID != k1.ID {
		t.Fatalf("alias/aws/secretsmanager = %v, %v", k, err)
	}
	if err := f.svc.CreateAlias(ctx, acct, region, "alias/aws/other", k1.ID); err == nil {
		t.Fatal("a caller created an alias under alias/aws/")
	}
}
