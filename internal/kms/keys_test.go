package kms

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

func TestCreateKeyDefaults(t *testing.T) {
	f := newFixture(t)
	k, err := f.svc.CreateKey(context.Background(), acct, region, CreateKeyInput{Description: "d", Tags: map[string]string{"a": "b"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the key is an enabled symmetric encryption key", func(t *testing.T) {
		if k.State != StateEnabled || k.Spec != SpecSymmetricDefault || k.Usage != UsageEncryptDecrypt || k.CurrentVersion != 1 {
			t.Errorf("got %+v", k)
		}
	})
	t.Run("its id is a version 4 UUID", func(t *testing.T) {
		if _, ok := parseKeyID(k.ID); !ok || k.ID[14] != '4' {
			t.Errorf("id %q", k.ID)
		}
	})
	t.Run("it gets the default key policy of the account", func(t *testing.T) {
		if k.Policy != DefaultPolicy(acct) {
			t.Errorf("policy %s", k.Policy)
		}
	})
	t.Run("DescribeKey returns what was created", func(t *testing.T) {
		got, err := f.svc.DescribeKey(context.Background(), acct, region, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Description != "d" || got.Tags["a"] != "b" || !got.Created.Equal(k.Created) {
			t.Errorf("got %+v", got)
		}
	})
}

func TestCreateKeyRejects(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name string
		in   CreateKeyInput
		code string
	}{
		{"an asymmetric key spec", CreateKeyInput{KeySpec: "RSA_2048"}, CodeUnsupportedOp},
		{"a signing usage for a symmetric key", CreateKeyInput{KeyUsage: "SIGN_VERIFY"}, CodeValidation},
		{"a policy that is not JSON", CreateKeyInput{Policy: "{"}, CodeMalformedPolicy},
		{"a tag key in the aws: namespace", CreateKeyInput{Tags: map[string]string{"aws:x": "y"}}, CodeTag},
		{"a description over 8192 characters", CreateKeyInput{Description: strings.Repeat("x", 8193)}, CodeValidation},
	}
	for _, tc := range cases {
		t.Run("it rejects "+tc.name, func(t *testing.T) {
			_, err := f.svc.CreateKey(context.Background(), acct, region, tc.in)
			wantCode(t, err, tc.code)
		})
	}
}

func TestDescribeKeyByEveryReference(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.key(t)
	if err := f.svc.CreateAlias(ctx, acct, region, "alias/app", k.ID); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{k.ID, k.ARN(), "alias/app", AliasARN(region, acct, "alias/app")} {
		t.Run("it finds the key by "+ref, func(t *testing.T) {
			got, err := f.svc.DescribeKey(ctx, acct, region, ref)
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != k.ID {
				t.Errorf("got %s", got.ID)
			}
		})
	}
	for _, ref := range []string{"not-a-key", "alias/missing", "1234abcd-12ab-34cd-56ef-1234567890ab", KeyARN("eu-west-1", acct, k.ID), KeyARN(region, "999999999999", k.ID)} {
		t.Run("it answers NotFoundException for "+ref, func(t *testing.T) {
			_, err := f.svc.DescribeKey(ctx, acct, region, ref)
			wantCode(t, err, CodeNotFound)
		})
	}
}

func TestListKeysPaginates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	want := map[string]bool{}
	for range 5 {
		want[f.key(t).ID] = true
	}
	got := map[string]bool{}
	marker, pages := "", 0
	for {
		keys, next, err := f.svc.ListKeys(ctx, acct, region, 2, marker)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, k := range keys {
			if got[k.ID] {
				t.Errorf("key %s listed twice", k.ID)
			}
			got[k.ID] = true
		}
		if next == "" {
			break
		}
		marker = next
	}
	if len(got) != len(want) || pages != 3 {
		t.Errorf("listed %d keys in %d pages, want 5 in 3", len(got), pages)
	}
	t.Run("another region lists nothing", func(t *testing.T) {
		keys, _, err := f.svc.ListKeys(ctx, acct, "eu-west-1", 0, "")
		if err != nil || len(keys) != 0 {
			t.Errorf("got %v %v", keys, err)
		}
	})
	t.Run("a bad marker is InvalidMarkerException", func(t *testing.T) {
		_, _, err := f.svc.ListKeys(ctx, acct, region, 0, "junk")
		wantCode(t, err, CodeInvalidMarker)
	})
}

func TestKeyStates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.key(t)
	step := func(name string, fn func() error, code, state string) {
		t.Run(name, func(t *testing.T) {
			err := fn()
			if code == "" && err != nil {
				t.Fatal(err)
			}
			if code != "" {
				wantCode(t, err, code)
			}
			got, err := f.svc.DescribeKey(ctx, acct, region, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != state {
				t.Errorf("state %s, want %s", got.State, state)
			}
		})
	}
	encrypt := func() error {
		_, _, err := f.svc.Encrypt(ctx, acct, region, k.ID, []byte("x"), nil)
		return err
	}
	step("disabling an enabled key disables it", func() error { return f.svc.DisableKey(ctx, acct, region, k.ID) }, "", StateDisabled)
	step("a disabled key does not encrypt", encrypt, CodeDisabled, StateDisabled)
	t.Run("the DisabledException message names the key ARN", func(t *testing.T) {
		if err := encrypt(); err == nil || !strings.Contains(err.Error(), k.ARN()+" is disabled.") {
			t.Errorf("got %v", err)
		}
	})
	step("cancelling deletion of a key not pending deletion is KMSInvalidStateException", func() error {
		_, err := f.svc.CancelKeyDeletion(ctx, acct, region, k.ID)
		return err
	}, CodeInvalidState, StateDisabled)
	step("enabling a disabled key enables it", func() error { return f.svc.EnableKey(ctx, acct, region, k.ID) }, "", StateEnabled)
	step("a pending window of 6 days is rejected", func() error {
		_, err := f.svc.ScheduleKeyDeletion(ctx, acct, region, k.ID, 6)
		return err
	}, CodeValidation, StateEnabled)
	step("a pending window of 31 days is rejected", func() error {
		_, err := f.svc.ScheduleKeyDeletion(ctx, acct, region, k.ID, 31)
		return err
	}, CodeValidation, StateEnabled)
	step("scheduling deletion makes the key pending deletion", func() error {
		got, err := f.svc.ScheduleKeyDeletion(ctx, acct, region, k.ID, 7)
		if err == nil && !got.DeletionDate.Equal(f.clock.Now().Add(7*24*time.Hour)) {
			t.Errorf("deletion date %v", got.DeletionDate)
		}
		return err
	}, "", StatePendingDeletion)
	step("a key pending deletion does not encrypt", encrypt, CodeInvalidState, StatePendingDeletion)
	step("a key pending deletion cannot be enabled", func() error { return f.svc.EnableKey(ctx, acct, region, k.ID) }, CodeInvalidState, StatePendingDeletion)
	step("a key pending deletion cannot be disabled", func() error { return f.svc.DisableKey(ctx, acct, region, k.ID) }, CodeInvalidState, StatePendingDeletion)
	step("scheduling deletion twice is KMSInvalidStateException", func() error {
		_, err := f.svc.ScheduleKeyDeletion(ctx, acct, region, k.ID, 7)
		return err
	}, CodeInvalidState, StatePendingDeletion)
	step("cancelling deletion leaves the key disabled", func() error {
		_, err := f.svc.CancelKeyDeletion(ctx, acct, region, k.ID)
		return err
	}, "", StateDisabled)
	t.Run("after the deletion date the key no longer exists", func(t *testing.T) {
		if _, err := f.svc.ScheduleKeyDeletion(ctx, acct, region, k.ID, 7); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(7 * 24 * time.Hour)
		_, err := f.svc.DescribeKey(ctx, acct, region, k.ID)
		wantCode(t, err, CodeNotFound)
		keys, _, err := f.svc.ListKeys(ctx, acct, region, 0, "")
		if err != nil || len(keys) != 0 {
			t.Errorf("ListKeys: %v %v", keys, err)
		}
	})
}

func TestKeyMaterialIsStoredSealedAndBoundToTheKeyVersion(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a, b := f.key(t), f.key(t)
	sealed := func(k *Key) []byte {
		var m []byte
		err := f.st.View(ctx, func(tx *store.Tx) error {
			return tx.QueryRow(ctx, `SELECT material FROM kms_key_versions WHERE key_id = ?`, k.ID).Scan(&m)
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Run("the stored material is not the AES key", func(t *testing.T) {
		var plain []byte
		err := f.st.View(ctx, func(tx *store.Tx) error {
			var err error
			plain, err = f.svc.material(ctx, tx, a, 1)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(plain) != 32 || bytes.Contains(sealed(a), plain) {
			t.Error("material stored in the clear")
		}
	})
	t.Run("material moved to another key does not open", func(t *testing.T) {
		err := f.st.Update(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE kms_key_versions SET material = ? WHERE key_id = ?`, sealed(a), b.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Encrypt(ctx, acct, region, b.ID, []byte("x"), nil); err == nil {
			t.Error("encrypt with swapped material succeeded")
		}
	})
}

func TestKeyUsableFollowsEveryStateChange(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.key(t)
	usable := func() error { return f.svc.KeyUsable(ctx, acct, region, k.ARN()) }
	if err := usable(); err != nil {
		t.Fatalf("an enabled key is not usable: %v", err)
	}
	steps := []struct {
		name   string
		change func() error
		code   string
	}{
		{"a disabled key is not usable", func() error { return f.svc.DisableKey(ctx, acct, region, k.ID) }, CodeDisabled},
		{"a re-enabled key is usable again", func() error { return f.svc.EnableKey(ctx, acct, region, k.ID) }, ""},
		{"a key pending deletion is not usable", func() error {
			_, err := f.svc.ScheduleKeyDeletion(ctx, acct, region, k.ID, 7)
			return err
		}, CodeInvalidState},
		{"a key whose deletion was cancelled is usable once enabled", func() error {
			if _, err := f.svc.CancelKeyDeletion(ctx, acct, region, k.ID); err != nil {
				return err
			}
			return f.svc.EnableKey(ctx, acct, region, k.ID)
		}, ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if err := usable(); err != nil && s.code == "" {
				t.Logf("before: %v", err)
			}
			if err := s.change(); err != nil {
				t.Fatal(err)
			}
			err := usable()
			if s.code == "" {
				if err != nil {
					t.Fatalf("not usable: %v", err)
				}
				return
			}
			wantCode(t, err, s.code)
		})
	}
	t.Run("a key that does not exist is not usable", func(t *testing.T) {
		wantCode(t, f.svc.KeyUsable(ctx, acct, region, KeyARN(region, acct, "00000000-0000-0000-0000-000000000000")), CodeNotFound)
	})
}
