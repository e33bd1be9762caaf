package kmsapi_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/stratus-cloud/stratus/internal/awsproto"
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

func (e *env) keyARN(tg target) []string {
	return []string{kms.KeyARN(apitest.Region, e.Account, tg.id)}
}

func (e *env) signerARN(tg target) []string {
	return []string{kms.KeyARN(apitest.Region, e.Account, tg.signer)}
}

func (e *env) aliasAndKey(tg target) []string {
	return []string{kms.AliasARN(apitest.Region, e.Account, tg.alias()), kms.KeyARN(apitest.Region, e.Account, tg.id)}
}

func TestEveryOperationIsAuthorizedOnItsKey(t *testing.T) {
	e := newEnv(t)
	s := aws.String
	cases := []apitest.Case[*kmssdk.Client, target]{
		{Op: "DescribeKey", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.DescribeKey(ctx, &kmssdk.DescribeKeyInput{KeyId: s(tg.alias())})
			return err
		}},
		{Op: "EnableKey", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.EnableKey(ctx, &kmssdk.EnableKeyInput{KeyId: s(tg.id)})
			return err
		}},
		{Op: "DisableKey", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.DisableKey(ctx, &kmssdk.DisableKeyInput{KeyId: s(tg.alias())})
			return err
		}},
		{Op: "ScheduleKeyDeletion", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.ScheduleKeyDeletion(ctx, &kmssdk.ScheduleKeyDeletionInput{KeyId: s(tg.id), PendingWindowInDays: aws.Int32(7)})
			return err
		}},
		{Op: "CancelKeyDeletion", Resources: e.keyARN, Setup: func(t testing.TB, tg target) {
			if _, err := e.KMS.ScheduleKeyDeletion(context.Background(), e.Account, apitest.Region, tg.id, 7); err != nil {
				t.Fatal(err)
			}
		}, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.CancelKeyDeletion(ctx, &kmssdk.CancelKeyDeletionInput{KeyId: s(tg.id)})
			return err
		}},
		{Op: "Encrypt", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.Encrypt(ctx, &kmssdk.EncryptInput{KeyId: s(tg.alias()), Plaintext: []byte("p")})
			return err
		}},
		{Op: "Decrypt", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.Decrypt(ctx, &kmssdk.DecryptInput{CiphertextBlob: tg.blob})
			return err
		}},
		{Op: "GenerateDataKey", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.GenerateDataKey(ctx, &kmssdk.GenerateDataKeyInput{KeyId: s(tg.id), NumberOfBytes: aws.Int32(16)})
			return err
		}},
		{Op: "GenerateDataKeyWithoutPlaintext", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kmssdk.GenerateDataKeyWithoutPlaintextInput{KeyId: s(tg.id), NumberOfBytes: aws.Int32(16)})
			return err
		}},
		{Op: "ReEncrypt", Grants: func(tg target) []awsproto.Grant {
			// From the target's key to itself: both grants name it.
			k := e.keyARN(tg)[0]
			return []awsproto.Grant{{Action: "kms:ReEncryptFrom", Resource: k}, {Action: "kms:ReEncryptTo", Resource: k}}
		}, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.ReEncrypt(ctx, &kmssdk.ReEncryptInput{CiphertextBlob: tg.blob, DestinationKeyId: s(tg.alias())})
			return err
		}},
		{Op: "CreateAlias", Resources: func(tg target) []string {
			return []string{kms.AliasARN(apitest.Region, e.Account, tg.alias()+"-new"), kms.KeyARN(apitest.Region, e.Account, tg.id)}
		}, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.CreateAlias(ctx, &kmssdk.CreateAliasInput{AliasName: s(tg.alias() + "-new"), TargetKeyId: s(tg.id)})
			return err
		}},
		{Op: "UpdateAlias", Resources: e.aliasAndKey, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.UpdateAlias(ctx, &kmssdk.UpdateAliasInput{AliasName: s(tg.alias()), TargetKeyId: s(tg.id)})
			return err
		}},
		{Op: "DeleteAlias", Resources: e.aliasAndKey, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.DeleteAlias(ctx, &kmssdk.DeleteAliasInput{AliasName: s(tg.alias())})
			return err
		}},
		{Op: "GetKeyPolicy", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.GetKeyPolicy(ctx, &kmssdk.GetKeyPolicyInput{KeyId: s(tg.id), PolicyName: s("default")})
			return err
		}},
		{Op: "PutKeyPolicy", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.PutKeyPolicy(ctx, &kmssdk.PutKeyPolicyInput{KeyId: s(tg.id), PolicyName: s("default"),
				Policy: s(kms.DefaultPolicy(e.Account))})
			return err
		}},
		{Op: "ListKeyPolicies", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.ListKeyPolicies(ctx, &kmssdk.ListKeyPoliciesInput{KeyId: s(tg.id)})
			return err
		}},
		{Op: "TagResource", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.TagResource(ctx, &kmssdk.TagResourceInput{KeyId: s(tg.id), Tags: []kmstypes.Tag{{TagKey: s("team"), TagValue: s("a")}}})
			return err
		}},
		{Op: "UntagResource", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.UntagResource(ctx, &kmssdk.UntagResourceInput{KeyId: s(tg.id), TagKeys: []string{"team"}})
			return err
		}},
		{Op: "ListResourceTags", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.ListResourceTags(ctx, &kmssdk.ListResourceTagsInput{KeyId: s(tg.id)})
			return err
		}},
		{Op: "EnableKeyRotation", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.EnableKeyRotation(ctx, &kmssdk.EnableKeyRotationInput{KeyId: s(tg.id)})
			return err
		}},
		{Op: "DisableKeyRotation", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.DisableKeyRotation(ctx, &kmssdk.DisableKeyRotationInput{KeyId: s(tg.id)})
			return err
		}},
		{Op: "GetKeyRotationStatus", Resources: e.keyARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.GetKeyRotationStatus(ctx, &kmssdk.GetKeyRotationStatusInput{KeyId: s(tg.alias())})
			return err
		}},
		{Op: "Sign", Resources: e.signerARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.Sign(ctx, &kmssdk.SignInput{KeyId: s(tg.signer), Message: []byte("m"), SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
			return err
		}},
		{Op: "Verify", Resources: e.signerARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.Verify(ctx, &kmssdk.VerifyInput{KeyId: s(tg.signer), Message: []byte("m"), Signature: tg.signature, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
			return err
		}},
		{Op: "GetPublicKey", Resources: e.signerARN, Call: func(ctx context.Context, c *kmssdk.Client, tg target) error {
			_, err := c.GetPublicKey(ctx, &kmssdk.GetPublicKeyInput{KeyId: s(tg.signer)})
			return err
		}},
	}
	suite := e.suite()
	suite.Coverage(t, cases, starCases())
	suite.Run(t, cases)
}

// starCases are the operations AWS authorizes against "*".
func starCases() []apitest.Star[*kmssdk.Client] {
	return []apitest.Star[*kmssdk.Client]{
		{Op: "CreateKey", Call: func(ctx context.Context, c *kmssdk.Client) error {
			_, err := c.CreateKey(ctx, &kmssdk.CreateKeyInput{})
			return err
		}},
		{Op: "ListKeys", Call: func(ctx context.Context, c *kmssdk.Client) error {
			_, err := c.ListKeys(ctx, &kmssdk.ListKeysInput{})
			return err
		}},
		{Op: "ListAliases", Call: func(ctx context.Context, c *kmssdk.Client) error {
			_, err := c.ListAliases(ctx, &kmssdk.ListAliasesInput{})
			return err
		}},
	}
}

func TestAccountWideOperationsAreAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	e.suite().RunStars(t, e.keyARN(newTarget(t, e, "some")), starCases())
}
