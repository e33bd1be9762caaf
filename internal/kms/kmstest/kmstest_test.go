package kmstest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

const (
	acct   = "123456789012"
	region = "us-east-1"
)

func TestRecorder(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := New(t, st, nil)
	rec := NewRecorder(svc.ForService("ssm"))
	encCtx := map[string]string{"PARAMETER_ARN": "p"}
	blob, err := rec.Encrypt(ctx, acct, region, "alias/aws/ssm", []byte("secret"), encCtx)
	if err != nil {
		t.Fatal(err)
	}
	encCtx["PARAMETER_ARN"] = "changed after the call"
	t.Run("it records the key and a copy of the context of each Encrypt call", func(t *testing.T) {
		got := rec.Last(t)
		if got.Account != acct || got.Region != region || got.KeyID != "alias/aws/ssm" || got.Context["PARAMETER_ARN"] != "p" || len(rec.Calls()) != 1 {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("the real KMS decrypts only under the same context", func(t *testing.T) {
		plain, err := rec.Decrypt(ctx, acct, region, blob, map[string]string{"PARAMETER_ARN": "p"})
		if err != nil || string(plain) != "secret" {
			t.Errorf("got %q %v", plain, err)
		}
		if _, err := rec.Decrypt(ctx, acct, region, blob, map[string]string{"PARAMETER_ARN": "q"}); err == nil {
			t.Error("decrypted under another context")
		}
	})
	t.Run("the AWS managed key was made on first use", func(t *testing.T) {
		if n := CountKeys(t, svc, acct, region); n != 1 {
			t.Errorf("%d keys", n)
		}
	})
	t.Run("an aliased key is usable by its alias and an unknown alias is NotFoundException", func(t *testing.T) {
		arn := CreateAliasedKey(t, svc, acct, region, "alias/mine")
		if err := rec.KeyUsable(ctx, acct, region, arn); err != nil {
			t.Errorf("key usable: %v", err)
		}
		if _, err := rec.Encrypt(ctx, acct, region, "alias/mine", []byte("x"), nil); err != nil {
			t.Errorf("encrypt by alias: %v", err)
		}
		_, err := rec.Encrypt(ctx, acct, region, "alias/missing", []byte("x"), nil)
		if e, ok := awserr.As(err); !ok || e.Code != "NotFoundException" {
			t.Errorf("got %v", err)
		}
	})
}
