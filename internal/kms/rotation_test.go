package kms

import (
	"context"
	"testing"
	"time"
)

func TestRotation(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.key(t)
	t.Run("a new key does not rotate", func(t *testing.T) {
		st, err := f.svc.GetKeyRotationStatus(ctx, acct, region, k.ID)
		if err != nil || st.Enabled {
			t.Errorf("got %+v %v", st, err)
		}
	})
	t.Run("enabling rotation with a period reports it and the next date", func(t *testing.T) {
		if err := f.svc.EnableKeyRotation(ctx, acct, region, k.ID, 90); err != nil {
			t.Fatal(err)
		}
		st, err := f.svc.GetKeyRotationStatus(ctx, acct, region, k.ID)
		if err != nil || !st.Enabled || st.PeriodDays != 90 || !st.NextRotation.Equal(k.Created.Add(90*24*time.Hour)) {
			t.Errorf("got %+v %v", st, err)
		}
	})
	t.Run("a period under 90 days is a ValidationException", func(t *testing.T) {
		wantCode(t, f.svc.EnableKeyRotation(ctx, acct, region, k.ID, 89), CodeValidation)
	})
	t.Run("disabling rotation turns it off", func(t *testing.T) {
		if err := f.svc.DisableKeyRotation(ctx, acct, region, k.ID); err != nil {
			t.Fatal(err)
		}
		st, err := f.svc.GetKeyRotationStatus(ctx, acct, region, k.ID)
		if err != nil || st.Enabled {
			t.Errorf("got %+v %v", st, err)
		}
	})
	t.Run("rotation of a disabled key is DisabledException", func(t *testing.T) {
		if err := f.svc.DisableKey(ctx, acct, region, k.ID); err != nil {
			t.Fatal(err)
		}
		defer f.svc.EnableKey(ctx, acct, region, k.ID)
		wantCode(t, f.svc.EnableKeyRotation(ctx, acct, region, k.ID, 0), CodeDisabled)
	})
	t.Run("rotating keeps old ciphertexts decryptable and encrypts with the new version", func(t *testing.T) {
		old, _, err := f.svc.Encrypt(ctx, acct, region, k.ID, []byte("v1"), nil)
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.svc.RotateKey(ctx, acct, region, k.ID)
		if err != nil || v != 2 {
			t.Fatalf("RotateKey = %d, %v", v, err)
		}
		fresh, _, err := f.svc.Encrypt(ctx, acct, region, k.ID, []byte("v2"), nil)
		if err != nil {
			t.Fatal(err)
		}
		if p, _ := parseBlob(fresh); p.version != 2 {
			t.Errorf("new blob has version %d", p.version)
		}
		for want, b := range map[string][]byte{"v1": old, "v2": fresh} {
			got, _, err := f.svc.Decrypt(ctx, acct, region, "", b, nil)
			if err != nil || string(got) != want {
				t.Errorf("decrypt %s: %q %v", want, got, err)
			}
		}
	})
	t.Run("the status of a key pending deletion is KMSInvalidStateException", func(t *testing.T) {
		if _, err := f.svc.ScheduleKeyDeletion(ctx, acct, region, k.ID, 7); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.GetKeyRotationStatus(ctx, acct, region, k.ID)
		wantCode(t, err, CodeInvalidState)
	})
}

func TestResourcePolicy(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k := f.key(t)
	t.Run("a key's ARN answers with its policy", func(t *testing.T) {
		p, ok, err := f.svc.ResourcePolicy(ctx, k.ARN(), "kms:Encrypt")
		if err != nil || !ok || p != DefaultPolicy(acct) {
			t.Errorf("got %q %v %v", p, ok, err)
		}
	})
	for _, arn := range []string{KeyARN(region, acct, "1234abcd-12ab-44cd-96ef-1234567890ab"), AliasARN(region, acct, "alias/x"), "arn:aws:sqs:us-east-1:1:q"} {
		t.Run(arn+" has no policy", func(t *testing.T) {
			_, ok, err := f.svc.ResourcePolicy(ctx, arn, "kms:Encrypt")
			if err != nil || ok {
				t.Errorf("got %v %v", ok, err)
			}
		})
	}
}
