package lambda_test

import (
	"archive/zip"
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdatest"
)

// checkOf is a CodeVerifier answering a set outcome: the policy logic is
// what these tests exercise (internal/codesign tests the signatures, and the
// e2e tests both together).
type checkOf struct {
	mu    sync.Mutex
	check lambda.CodeCheck
	seen  [][]string
}

func (c *checkOf) VerifyCode(_ context.Context, _ []byte, allowed []string) (lambda.CodeCheck, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen = append(c.seen, allowed)
	return c.check, nil
}

func (c *checkOf) set(ch lambda.CodeCheck) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.check = ch
}

const profile = "arn:aws:signer:us-east-1:111122223333:/signing-profiles/prof/abcdef1234"

func TestCodeSigningPolicies(t *testing.T) {
	v := &checkOf{}
	var warnings []string
	e := lambdatest.NewWith(t, func(c *lambda.Config) {
		c.CodeVerifier = v
		c.OnCodeWarning = func(_ context.Context, _, fn, csc, reason string) { warnings = append(warnings, fn+": "+reason) }
	})
	ctx := context.Background()
	mk := func(policy string) *lambda.CodeSigningConfig {
		c, err := e.Svc.CreateCodeSigningConfig(ctx, e.Account, lambda.CodeSigningInput{AllowedPublishers: []string{profile}, Policy: &policy})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	enforce, warn := mk(lambda.PolicyEnforce), mk(lambda.PolicyWarn)
	create := func(name string, csc *lambda.CodeSigningConfig) error {
		_, err := e.Svc.CreateFunction(ctx, e.Account, lambda.FunctionInput{Name: name, Runtime: "provided.al2023", Handler: "bootstrap",
			Role: e.Role, ZipFile: lambdatest.BootstrapZip(t), CodeSigningConfigArn: csc.ARN})
		return err
	}
	wantCode := func(t *testing.T, err error, code string) {
		t.Helper()
		if ae, ok := awserr.As(err); !ok || ae.Code != code {
			t.Fatalf("error %v, want %s", err, code)
		}
	}
	exists := func(name string) bool {
		_, err := e.Svc.GetFunctionConfiguration(ctx, e.Account, name, "")
		return err == nil
	}
	cases := []struct {
		name   string
		check  lambda.CodeCheck
		csc    *lambda.CodeSigningConfig
		code   string // "" when deployed
		warned bool
	}{
		{"valid code deploys under Enforce", lambda.CodeCheck{Profile: profile, JobID: "4b5c"}, enforce, "", false},
		{"a broken signature is refused under Enforce with InvalidCodeSignatureException", lambda.CodeCheck{Integrity: "digest mismatch"}, enforce, lambda.CodeInvalidCodeSignature, false},
		{"a broken signature is refused under Warn too", lambda.CodeCheck{Integrity: "digest mismatch"}, warn, lambda.CodeInvalidCodeSignature, false},
		{"an expired signature is refused under Enforce", lambda.CodeCheck{Expired: true}, enforce, lambda.CodeCodeVerificationFailed, false},
		{"a publisher not allowed is refused under Enforce", lambda.CodeCheck{Mismatch: true}, enforce, lambda.CodeCodeVerificationFailed, false},
		{"a revoked profile is refused under Enforce", lambda.CodeCheck{Revoked: true}, enforce, lambda.CodeCodeVerificationFailed, false},
		{"unsigned code is refused under Enforce", lambda.CodeCheck{Unsigned: true}, enforce, lambda.CodeCodeVerificationFailed, false},
		{"an expired signature deploys under Warn with a warning", lambda.CodeCheck{Expired: true}, warn, "", true},
		{"a revoked profile deploys under Warn with a warning", lambda.CodeCheck{Revoked: true}, warn, "", true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := "fn" + string(rune('a'+i))
			v.set(c.check)
			before := len(warnings)
			err := create(name, c.csc)
			if c.code != "" {
				wantCode(t, err, c.code)
				if exists(name) {
					t.Fatal("the refused function exists")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := len(warnings) > before; got != c.warned {
				t.Fatalf("warned %v, want %v (%v)", got, c.warned, warnings)
			}
			_, arn, err := e.Svc.GetFunctionCodeSigningConfig(ctx, e.Account, name)
			if err != nil || arn != c.csc.ARN {
				t.Fatalf("function's code signing config %q, %v; want %s", arn, err, c.csc.ARN)
			}
			if c.check.JobID != "" {
				v, err := e.Svc.GetFunctionConfiguration(ctx, e.Account, name, "")
				wantJob := "arn:aws:signer:us-east-1:111122223333:/signing-jobs/4b5c"
				if err != nil || v.SigningProfileVersionArn != profile || v.SigningJobArn != wantJob {
					t.Fatalf("configuration signing %q %q, %v; want %s %s", v.SigningProfileVersionArn, v.SigningJobArn, err, profile, wantJob)
				}
			}
		})
	}
	t.Run("UpdateFunctionCode is checked against the function's configuration", func(t *testing.T) {
		v.set(lambda.CodeCheck{Mismatch: true})
		_, err := e.Svc.UpdateFunctionCode(ctx, e.Account, "fna", lambda.CodeUpdate{ZipFile: lambdatest.BootstrapZip(t)})
		wantCode(t, err, lambda.CodeCodeVerificationFailed)
		if err := e.Svc.DeleteFunctionCodeSigningConfig(ctx, e.Account, "fna"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Svc.UpdateFunctionCode(ctx, e.Account, "fna", lambda.CodeUpdate{ZipFile: lambdatest.BootstrapZip(t)}); err != nil {
			t.Fatalf("without a configuration: %v", err)
		}
	})
	t.Run("a configuration in use cannot be deleted", func(t *testing.T) {
		wantCode(t, e.Svc.DeleteCodeSigningConfig(ctx, e.Account, warn.ARN), lambda.CodeResourceConflict)
		fns, _, err := e.Svc.ListFunctionsByCodeSigningConfig(ctx, e.Account, warn.ARN, lambda.Page{})
		if err != nil || len(fns) != 2 {
			t.Fatalf("functions of the Warn config: %v %v", fns, err)
		}
	})
	t.Run("the verifier is given the allowed publishers", func(t *testing.T) {
		if len(v.seen) == 0 || len(v.seen[0]) != 1 || v.seen[0][0] != profile {
			t.Fatalf("verifier saw %v", v.seen)
		}
	})
	t.Run("bad configurations are refused", func(t *testing.T) {
		bad := "Sometimes"
		for _, in := range []lambda.CodeSigningInput{
			{AllowedPublishers: nil},
			{AllowedPublishers: []string{"arn:aws:signer:us-east-1:1:/signing-profiles/x"}},
			{AllowedPublishers: []string{profile}, Policy: &bad},
		} {
			_, err := e.Svc.CreateCodeSigningConfig(ctx, e.Account, in)
			wantCode(t, err, lambda.CodeInvalidParameterValue)
		}
		missing := e.Svc.CodeSigningConfigARN(e.Account, "csc-0123456789abcdef0")
		_, err := e.Svc.GetCodeSigningConfig(ctx, e.Account, missing)
		wantCode(t, err, lambda.CodeResourceNotFound) // as the model declares for the configuration's own operations
		_, err = e.Svc.PutFunctionCodeSigningConfig(ctx, e.Account, "fna", missing)
		wantCode(t, err, lambda.CodeCodeSigningConfigNotFound) // and this one for attaching it
	})
}

// markedZips fails the zips that contain marker as unsigned.
type markedZips struct{ marker string }

func (m markedZips) VerifyCode(_ context.Context, zip []byte, _ []string) (lambda.CodeCheck, error) {
	if bytes.Contains(zip, []byte(m.marker)) {
		return lambda.CodeCheck{Unsigned: true}, nil
	}
	return lambda.CodeCheck{}, nil
}

func TestLayersAreCheckedLikeCode(t *testing.T) {
	e := lambdatest.NewWith(t, func(c *lambda.Config) { c.CodeVerifier = markedZips{"UNSIGNED-LAYER"} })
	ctx := context.Background()
	enforce := lambda.PolicyEnforce
	csc, err := e.Svc.CreateCodeSigningConfig(ctx, e.Account, lambda.CodeSigningInput{AllowedPublishers: []string{profile}, Policy: &enforce})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(name, body string) string {
		lv, err := e.Svc.PublishLayerVersion(ctx, e.Account, lambda.LayerInput{Name: name,
			ZipFile: lambdatest.MakeZip(t, lambdatest.Entry{Name: "lib/x.txt", Body: body, Method: zip.Store})})
		if err != nil {
			t.Fatal(err)
		}
		return lv.LayerVersionARN
	}
	good, bad := publish("good", "signed"), publish("bad", "UNSIGNED-LAYER")
	create := func(name, layer string) error {
		_, err := e.Svc.CreateFunction(ctx, e.Account, lambda.FunctionInput{Name: name, Runtime: "provided.al2023", Handler: "bootstrap",
			Role: e.Role, ZipFile: lambdatest.BootstrapZip(t), Layers: []string{layer}, CodeSigningConfigArn: csc.ARN})
		return err
	}
	if err := create("with-good", good); err != nil {
		t.Fatalf("a function with a passing layer: %v", err)
	}
	t.Run("an unsigned layer is refused at creation under Enforce", func(t *testing.T) {
		if ae, ok := awserr.As(create("with-bad", bad)); !ok || ae.Code != lambda.CodeCodeVerificationFailed || !strings.Contains(ae.Message, bad) {
			t.Fatalf("error %v, want CodeVerificationFailedException naming the layer", ae)
		}
	})
	t.Run("an unsigned layer is refused when added to the function", func(t *testing.T) {
		_, err := e.Svc.UpdateFunctionConfiguration(ctx, e.Account, "with-good", lambda.ConfigUpdate{Layers: []string{bad}})
		if ae, ok := awserr.As(err); !ok || ae.Code != lambda.CodeCodeVerificationFailed {
			t.Fatalf("error %v, want CodeVerificationFailedException", err)
		}
	})
}
