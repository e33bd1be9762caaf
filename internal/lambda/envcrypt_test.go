package lambda_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdatest"
)

const envSecret = "s3cr3t-env-value-4242"

func TestEnvironmentIsEncryptedWithKMS(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key, err := e.KMS.CreateKey(ctx, e.Account, "us-east-1", kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	e.create(t, "managed", func(in *lambda.FunctionInput) { in.Environment = map[string]string{"TOKEN": envSecret} })
	cmk := e.create(t, "custom", func(in *lambda.FunctionInput) {
		in.Environment = map[string]string{"TOKEN": envSecret}
		in.KMSKeyArn = key.ARN()
	})
	if cmk.KMSKeyArn != key.ARN() {
		t.Fatalf("KMSKeyArn %q, want %q", cmk.KMSKeyArn, key.ARN())
	}

	t.Run("variables read back decrypted", func(t *testing.T) {
		for _, name := range []string{"managed", "custom"} {
			v, err := e.Svc.GetFunctionConfiguration(ctx, e.Account, name, "")
			if err != nil {
				t.Fatal(err)
			}
			if v.Environment["TOKEN"] != envSecret || v.EnvError != nil {
				t.Errorf("%s: environment %v, error %v", name, v.Environment, v.EnvError)
			}
		}
	})
	t.Run("a function without a key uses the AWS managed key aws/lambda", func(t *testing.T) {
		k, err := e.KMS.DescribeKey(ctx, e.Account, "us-east-1", lambda.ManagedKeyAlias)
		if err != nil {
			t.Fatalf("the managed key was not made: %v", err)
		}
		if k.Manager != kms.ManagerAWS || !strings.Contains(k.Description, "lambda") {
			t.Errorf("managed key %q, manager %q", k.Description, k.Manager)
		}
	})
	t.Run("the store holds no variable in clear", func(t *testing.T) {
		e.Store.Close()
		db, err := os.ReadFile(filepath.Join(e.Dir, "stratus.db"))
		if err != nil {
			t.Fatal(err)
		}
		wal, _ := os.ReadFile(filepath.Join(e.Dir, "stratus.db-wal"))
		if bytes.Contains(db, []byte(envSecret)) || bytes.Contains(wal, []byte(envSecret)) {
			t.Fatal("the environment variable's value is in the database file in clear")
		}
	})
}

func TestDisabledKeyFailsInvokesUntilReenabled(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	key, err := e.KMS.CreateKey(ctx, e.Account, "us-east-1", kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	e.create(t, "fn", func(in *lambda.FunctionInput) {
		in.Environment = map[string]string{"A": "1"}
		in.KMSKeyArn = key.ARN()
	})
	resolve := func() error {
		_, err := e.Svc.ResolveForInvoke(ctx, e.Account, "fn", "")
		return err
	}
	wantCode := func(t *testing.T, err error, code string) {
		t.Helper()
		ae, ok := awserr.As(err)
		if !ok || ae.Code != code {
			t.Fatalf("error %v, want %s", err, code)
		}
		if ae.HTTPStatus() != 502 {
			t.Errorf("status %d, want 502 as AWS", ae.HTTPStatus())
		}
	}
	if err := resolve(); err != nil {
		t.Fatalf("invoke with an enabled key: %v", err)
	}
	t.Run("a disabled key fails invokes with KMSDisabledException, even when cached", func(t *testing.T) {
		if err := e.KMS.DisableKey(ctx, e.Account, "us-east-1", key.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, resolve(), lambda.CodeKMSDisabled)
		v, err := e.Svc.GetFunctionConfiguration(ctx, e.Account, "fn", "")
		if err != nil {
			t.Fatal(err)
		}
		if v.EnvError == nil || v.EnvError.Code != lambda.CodeKMSDisabled || v.Environment != nil {
			t.Errorf("configuration reports environment %v, error %+v; want the KMS error and no variables", v.Environment, v.EnvError)
		}
	})
	t.Run("re-enabling the key restores invokes", func(t *testing.T) {
		if err := e.KMS.EnableKey(ctx, e.Account, "us-east-1", key.ID); err != nil {
			t.Fatal(err)
		}
		if err := resolve(); err != nil {
			t.Fatal(err)
		}
		r, _ := e.Svc.ResolveForInvoke(ctx, e.Account, "fn", "")
		if r.Version.Environment["A"] != "1" {
			t.Errorf("environment %v after re-enabling", r.Version.Environment)
		}
	})
	t.Run("a key pending deletion fails invokes with KMSInvalidStateException", func(t *testing.T) {
		if _, err := e.KMS.ScheduleKeyDeletion(ctx, e.Account, "us-east-1", key.ID, 7); err != nil {
			t.Fatal(err)
		}
		wantCode(t, resolve(), lambda.CodeKMSInvalidState)
		if _, err := e.KMS.CancelKeyDeletion(ctx, e.Account, "us-east-1", key.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.KMS.EnableKey(ctx, e.Account, "us-east-1", key.ID); err != nil {
			t.Fatal(err)
		}
		if err := resolve(); err != nil {
			t.Fatalf("after cancelling the deletion: %v", err)
		}
	})
}

func TestKMSKeyChangesReencryptTheVariables(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	k1, _ := e.KMS.CreateKey(ctx, e.Account, "us-east-1", kms.CreateKeyInput{})
	k2, _ := e.KMS.CreateKey(ctx, e.Account, "us-east-1", kms.CreateKeyInput{})
	e.create(t, "fn", func(in *lambda.FunctionInput) {
		in.Environment = map[string]string{"A": "1"}
		in.KMSKeyArn = k1.ARN()
	})
	arn2 := k2.ARN()
	v, err := e.Svc.UpdateFunctionConfiguration(ctx, e.Account, "fn", lambda.ConfigUpdate{KMSKeyArn: &arn2})
	if err != nil {
		t.Fatal(err)
	}
	if v.KMSKeyArn != arn2 || v.Environment["A"] != "1" {
		t.Fatalf("after the key change: key %q, environment %v", v.KMSKeyArn, v.Environment)
	}
	// The old key no longer matters: disabling it leaves the function working.
	if err := e.KMS.DisableKey(ctx, e.Account, "us-east-1", k1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Svc.ResolveForInvoke(ctx, e.Account, "fn", ""); err != nil {
		t.Fatalf("the function still depends on its old key: %v", err)
	}
	t.Run("a key that is not a KMS key ARN is refused", func(t *testing.T) {
		bad := "alias/mine"
		_, err := e.Svc.UpdateFunctionConfiguration(ctx, e.Account, "fn", lambda.ConfigUpdate{KMSKeyArn: &bad})
		if ae, ok := awserr.As(err); !ok || ae.Code != lambda.CodeInvalidParameterValue {
			t.Fatalf("error %v, want InvalidParameterValueException", err)
		}
	})
	t.Run("creating with a disabled key is refused with nothing created", func(t *testing.T) {
		_, err := e.Svc.CreateFunction(ctx, e.Account, lambda.FunctionInput{Name: "other", Runtime: "provided.al2023", Handler: "bootstrap",
			Role: e.Role, ZipFile: lambdatest.BootstrapZip(t), Environment: map[string]string{"A": "1"}, KMSKeyArn: k1.ARN()})
		if ae, ok := awserr.As(err); !ok || ae.Code != lambda.CodeInvalidParameterValue {
			t.Fatalf("error %v, want InvalidParameterValueException", err)
		}
		if _, err := e.Svc.GetFunctionConfiguration(ctx, e.Account, "other", ""); err == nil {
			t.Fatal("the function exists")
		}
	})
}
