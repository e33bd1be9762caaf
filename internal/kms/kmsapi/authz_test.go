package kmsapi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/kms"
)

// target is what every authorization case works on: a key with the alias
// "alias/NAME" and a ciphertext blob under it, and an ECC signing key with a
// signature of "m".
type target struct {
	name, id, signer string
	blob, signature  []byte
}

func (tg target) alias() string { return "alias/" + tg.name }

// authzCase checks that one operation is authorized against the key (and
// alias) it names and nothing broader: a caller allowed the action on one
// target's ARNs succeeds on it and is denied, with nothing changed, on a
// sibling target.
type authzCase struct {
	op, action string
	// prepare readies a fresh target for the call; may be nil.
	prepare func(t testing.TB, e *env, tg target)
	// resources are the ARNs a call on tg is authorized against.
	resources func(e *env, tg target) []string
	call      func(ctx context.Context, c *kmssdk.Client, tg target) error
}

func allowDoc(action string, resources []string) string {
	q := make([]string, len(resources))
	for i, r := range resources {
		q[i] = `"` + r + `"`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":[` + strings.Join(q, ",") + `]}]}`
}

func newTarget(t testing.TB, e *env, name string) target {
	t.Helper()
	ctx := context.Background()
	k, err := e.KMS.CreateKey(ctx, e.Account, apitest.Region, kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	tg := target{name: name, id: k.ID}
	if err := e.KMS.CreateAlias(ctx, e.Account, apitest.Region, tg.alias(), k.ID); err != nil {
		t.Fatal(err)
	}
	if tg.blob, _, err = e.KMS.Encrypt(ctx, e.Account, apitest.Region, k.ID, []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	sk, err := e.KMS.CreateKey(ctx, e.Account, apitest.Region, kms.CreateKeyInput{KeySpec: kms.SpecECCNISTP256, KeyUsage: kms.UsageSignVerify})
	if err != nil {
		t.Fatal(err)
	}
	tg.signer = sk.ID
	if tg.signature, _, err = e.KMS.Sign(ctx, e.Account, apitest.Region, sk.ID, []byte("m"), kms.MessageRaw, kms.AlgECDSASHA256); err != nil {
		t.Fatal(err)
	}
	return tg
}

func keyARN(e *env, tg target) []string {
	return []string{kms.KeyARN(apitest.Region, e.Account, tg.id)}
}

func signerARN(e *env, tg target) []string {
	return []string{kms.KeyARN(apitest.Region, e.Account, tg.signer)}
}

func aliasAndKey(e *env, tg target) []string {
	return []string{kms.AliasARN(apitest.Region, e.Account, tg.alias()), kms.KeyARN(apitest.Region, e.Account, tg.id)}
}

func TestEveryOperationIsAuthorizedOnItsKey(t *testing.T) {
	e := newEnv(t)
	s := aws.String
	cases := []authzCase{
		{op: "DescribeKey", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.DescribeKey(ctx, &kmssdk.DescribeKeyInput{KeyId: s(tg.alias())})
			return err
		}},
		{op: "EnableKey", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.EnableKey(ctx, &kmssdk.EnableKeyInput{KeyId: s(tg.id)})
			return err
		}},
		{op: "DisableKey", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.DisableKey(ctx, &kmssdk.DisableKeyInput{KeyId: s(tg.alias())})
			return err
		}},
		{op: "ScheduleKeyDeletion", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.ScheduleKeyDeletion(ctx, &kmssdk.ScheduleKeyDeletionInput{KeyId: s(tg.id), PendingWindowInDays: aws.Int32(7)})
			return err
		}},
		{op: "CancelKeyDeletion", resources: keyARN, prepare: func(t testing.TB, e *env, tg target) {
			if _, err := e.KMS.ScheduleKeyDeletion(context.Background(), e.Account, apitest.Region, tg.id, 7); err != nil {
				t.Fatal(err)
			}
		}, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.CancelKeyDeletion(ctx, &kmssdk.CancelKeyDeletionInput{KeyId: s(tg.id)})
			return err
		}},
		{op: "Encrypt", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.Encrypt(ctx, &kmssdk.EncryptInput{KeyId: s(tg.alias()), Plaintext: []byte("p")})
			return err
		}},
		{op: "Decrypt", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.Decrypt(ctx, &kmssdk.DecryptInput{CiphertextBlob: tg.blob})
			return err
		}},
		{op: "GenerateDataKey", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.GenerateDataKey(ctx, &kmssdk.GenerateDataKeyInput{KeyId: s(tg.id), NumberOfBytes: aws.Int32(16)})
			return err
		}},
		{op: "GenerateDataKeyWithoutPlaintext", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kmssdk.GenerateDataKeyWithoutPlaintextInput{KeyId: s(tg.id), NumberOfBytes: aws.Int32(16)})
			return err
		}},
		{op: "ReEncrypt", action: "kms:ReEncryptFrom", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.ReEncrypt(ctx, &kmssdk.ReEncryptInput{CiphertextBlob: tg.blob, DestinationKeyId: s(tg.alias())})
			return err
		}},
		{op: "CreateAlias", resources: func(e *env, tg target) []string {
			return []string{kms.AliasARN(apitest.Region, e.Account, tg.alias()+"-new"), kms.KeyARN(apitest.Region, e.Account, tg.id)}
		}, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.CreateAlias(ctx, &kmssdk.CreateAliasInput{AliasName: s(tg.alias() + "-new"), TargetKeyId: s(tg.id)})
			return err
		}},
		{op: "UpdateAlias", resources: aliasAndKey, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.UpdateAlias(ctx, &kmssdk.UpdateAliasInput{AliasName: s(tg.alias()), TargetKeyId: s(tg.id)})
			return err
		}},
		{op: "DeleteAlias", resources: aliasAndKey, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.DeleteAlias(ctx, &kmssdk.DeleteAliasInput{AliasName: s(tg.alias())})
			return err
		}},
		{op: "EnableKeyRotation", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.EnableKeyRotation(ctx, &kmssdk.EnableKeyRotationInput{KeyId: s(tg.id)})
			return err
		}},
		{op: "DisableKeyRotation", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.DisableKeyRotation(ctx, &kmssdk.DisableKeyRotationInput{KeyId: s(tg.id)})
			return err
		}},
		{op: "GetKeyRotationStatus", resources: keyARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.GetKeyRotationStatus(ctx, &kmssdk.GetKeyRotationStatusInput{KeyId: s(tg.alias())})
			return err
		}},
		{op: "Sign", resources: signerARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.Sign(ctx, &kmssdk.SignInput{KeyId: s(tg.signer), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
			return err
		}},
		{op: "Verify", resources: signerARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.Verify(ctx, &kmssdk.VerifyInput{KeyId: s(tg.signer), Message: []byte("m"), Signature: tg.signature, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
			return err
		}},
		{op: "GetPublicKey", resources: signerARN, call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.GetPublicKey(ctx, &kmssdk.GetPublicKeyInput{KeyId: s(tg.signer)})
			return err
		}},
	}
	checkCoverage(t, e, cases, "CreateKey", "ListKeys", "ListAliases")
	for i, tc := range cases {
		t.Run(tc.op+" is allowed on its key and denied on a sibling key", func(t *testing.T) {
			ctx := context.Background()
			ok, sibling := newTarget(t, e, fmt.Sprintf("t%dok", i)), newTarget(t, e, fmt.Sprintf("t%dno", i))
			if tc.prepare != nil {
				tc.prepare(t, e, ok)
				tc.prepare(t, e, sibling)
			}
			action := tc.action
			if action == "" {
				action = "kms:" + tc.op
			}
			caller := e.NewUser(t, e.Account, fmt.Sprintf("caller%d", i), allowDoc(action, tc.resources(e, ok)))
			c := e.client(caller)
			before := snapshot(t, e.Store)
			if err := tc.call(ctx, c, sibling); apitest.APICode(err) != "AccessDeniedException" {
				t.Fatalf("on the sibling: got %v, want AccessDeniedException", err)
			}
			if after := snapshot(t, e.Store); after != before {
				t.Errorf("the denied call changed the store:\nbefore %s\nafter  %s", before, after)
			}
			if err := tc.call(ctx, c, ok); err != nil {
				t.Errorf("on the allowed resource: %v", err)
			}
		})
	}
}

func TestAccountWideOperationsAreAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	calls := map[string]func(ctx context.Context, c *kmssdk.Client) error{
		"CreateKey": func(ctx context.Context, c *kmssdk.Client) error {
			_, err := c.CreateKey(ctx, &kmssdk.CreateKeyInput{})
			return err
		},
		"ListKeys": func(ctx context.Context, c *kmssdk.Client) error {
			_, err := c.ListKeys(ctx, &kmssdk.ListKeysInput{})
			return err
		},
		"ListAliases": func(ctx context.Context, c *kmssdk.Client) error {
			_, err := c.ListAliases(ctx, &kmssdk.ListAliasesInput{})
			return err
		},
	}
	tg := newTarget(t, e, "some")
	for op, call := range calls {
		t.Run(op+" is denied when allowed only on a key and allowed on *", func(t *testing.T) {
			ctx := context.Background()
			narrow := e.NewUser(t, e.Account, "narrow"+op, allowDoc("kms:"+op, keyARN(e, tg)))
			if got := apitest.APICode(call(ctx, e.client(narrow))); got != "AccessDeniedException" {
				t.Errorf("allowed on a key: got %q", got)
			}
			wide := e.NewUser(t, e.Account, "wide"+op, allowDoc("kms:"+op, []string{"*"}))
			if err := call(ctx, e.client(wide)); err != nil {
				t.Errorf("allowed on *: %v", err)
			}
		})
	}
}

// checkCoverage fails t unless every registered operation has exactly one
// case (or is one of the others, tested on their own).
func checkCoverage(t *testing.T, e *env, cases []authzCase, others ...string) {
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.op]++
	}
	for _, o := range others {
		seen[o]++
	}
	var bad []string
	for op := range e.API.Ops {
		if seen[op] != 1 {
			bad = append(bad, fmt.Sprintf("%s (%d cases)", op, seen[op]))
		}
		delete(seen, op)
	}
	for op := range seen {
		bad = append(bad, op+" (not registered)")
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("operations without exactly one authorization case: %s", strings.Join(bad, ", "))
	}
}
