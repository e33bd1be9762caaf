package kmsapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

func TestKeyLifecycleThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	created, err := c.CreateKey(ctx, &kmssdk.CreateKeyInput{
		Description: aws.String("app key"),
		Tags:        []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("core")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	md := created.KeyMetadata
	id := aws.ToString(md.KeyId)
	t.Run("CreateKey returns enabled symmetric metadata", func(t *testing.T) {
		if !md.Enabled || md.KeyState != types.KeyStateEnabled || md.KeySpec != types.KeySpecSymmetricDefault ||
			md.KeyUsage != types.KeyUsageTypeEncryptDecrypt || aws.ToString(md.Description) != "app key" ||
			!strings.HasSuffix(aws.ToString(md.Arn), ":key/"+id) || aws.ToString(md.AWSAccountId) != e.Account {
			t.Errorf("got %+v", md)
		}
	})
	t.Run("DescribeKey by ARN returns the same key", func(t *testing.T) {
		out, err := c.DescribeKey(ctx, &kmssdk.DescribeKeyInput{KeyId: md.Arn})
		if err != nil || aws.ToString(out.KeyMetadata.KeyId) != id {
			t.Errorf("got %v %v", out, err)
		}
	})
	t.Run("ListKeys lists it", func(t *testing.T) {
		out, err := c.ListKeys(ctx, &kmssdk.ListKeysInput{})
		if err != nil || len(out.Keys) != 1 || aws.ToString(out.Keys[0].KeyId) != id || out.Truncated {
			t.Errorf("got %+v %v", out, err)
		}
	})
	t.Run("Encrypt and Decrypt without a key id round-trip with the context", func(t *testing.T) {
		ec := map[string]string{"k": "v"}
		enc, err := c.Encrypt(ctx, &kmssdk.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("hello"), EncryptionContext: ec})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := c.Decrypt(ctx, &kmssdk.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: ec})
		if err != nil || string(dec.Plaintext) != "hello" || aws.ToString(dec.KeyId) != aws.ToString(md.Arn) {
			t.Errorf("got %v %v", dec, err)
		}
		_, err = c.Decrypt(ctx, &kmssdk.DecryptInput{CiphertextBlob: enc.CiphertextBlob, EncryptionContext: map[string]string{"k": "w"}})
		var ic *types.InvalidCiphertextException
		if !errors.As(err, &ic) {
			t.Errorf("with another context: got %v, want InvalidCiphertextException", err)
		}
	})
	t.Run("GenerateDataKey returns 32 bytes and a blob that decrypts to them", func(t *testing.T) {
		dk, err := c.GenerateDataKey(ctx, &kmssdk.GenerateDataKeyInput{KeyId: aws.String(id), KeySpec: types.DataKeySpecAes256})
		if err != nil || len(dk.Plaintext) != 32 {
			t.Fatalf("got %v %v", dk, err)
		}
		dec, err := c.Decrypt(ctx, &kmssdk.DecryptInput{CiphertextBlob: dk.CiphertextBlob})
		if err != nil || string(dec.Plaintext) != string(dk.Plaintext) {
			t.Errorf("got %v %v", dec, err)
		}
		np, err := c.GenerateDataKeyWithoutPlaintext(ctx, &kmssdk.GenerateDataKeyWithoutPlaintextInput{KeyId: aws.String(id), NumberOfBytes: aws.Int32(16)})
		if err != nil || len(np.CiphertextBlob) == 0 {
			t.Errorf("without plaintext: %v %v", np, err)
		}
	})
	t.Run("aliases name the key and ReEncrypt moves a blob to it", func(t *testing.T) {
		if _, err := c.CreateAlias(ctx, &kmssdk.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		other, err := c.CreateKey(ctx, &kmssdk.CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		enc, err := c.Encrypt(ctx, &kmssdk.EncryptInput{KeyId: other.KeyMetadata.KeyId, Plaintext: []byte("x")})
		if err != nil {
			t.Fatal(err)
		}
		re, err := c.ReEncrypt(ctx, &kmssdk.ReEncryptInput{CiphertextBlob: enc.CiphertextBlob, DestinationKeyId: aws.String("alias/app")})
		if err != nil || aws.ToString(re.KeyId) != aws.ToString(md.Arn) {
			t.Fatalf("got %v %v", re, err)
		}
		al, err := c.ListAliases(ctx, &kmssdk.ListAliasesInput{KeyId: aws.String(id)})
		if err != nil || len(al.Aliases) != 1 || aws.ToString(al.Aliases[0].TargetKeyId) != id {
			t.Errorf("ListAliases: %+v %v", al, err)
		}
		_, err = c.CreateAlias(ctx, &kmssdk.CreateAliasInput{AliasName: aws.String("alias/aws/x"), TargetKeyId: aws.String(id)})
		if apitest.APICode(err) != "NotAuthorizedException" {
			t.Errorf("reserved alias: got %v", err)
		}
	})
	t.Run("rotation status reflects EnableKeyRotation", func(t *testing.T) {
		if _, err := c.EnableKeyRotation(ctx, &kmssdk.EnableKeyRotationInput{KeyId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		st, err := c.GetKeyRotationStatus(ctx, &kmssdk.GetKeyRotationStatusInput{KeyId: aws.String(id)})
		if err != nil || !st.KeyRotationEnabled || aws.ToInt32(st.RotationPeriodInDays) != 365 {
			t.Errorf("got %+v %v", st, err)
		}
		if _, err := c.DisableKeyRotation(ctx, &kmssdk.DisableKeyRotationInput{KeyId: aws.String(id)}); err != nil {
			t.Error(err)
		}
	})
	t.Run("a disabled key answers DisabledException", func(t *testing.T) {
		if _, err := c.DisableKey(ctx, &kmssdk.DisableKeyInput{KeyId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		_, err := c.Encrypt(ctx, &kmssdk.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
		var de *types.DisabledException
		if !errors.As(err, &de) {
			t.Errorf("got %v", err)
		}
		if _, err := c.EnableKey(ctx, &kmssdk.EnableKeyInput{KeyId: aws.String(id)}); err != nil {
			t.Error(err)
		}
	})
	t.Run("scheduling deletion and cancelling it leaves the key disabled", func(t *testing.T) {
		sch, err := c.ScheduleKeyDeletion(ctx, &kmssdk.ScheduleKeyDeletionInput{KeyId: aws.String(id), PendingWindowInDays: aws.Int32(7)})
		if err != nil || sch.KeyState != types.KeyStatePendingDeletion || aws.ToInt32(sch.PendingWindowInDays) != 7 {
			t.Fatalf("got %+v %v", sch, err)
		}
		_, err = c.Encrypt(ctx, &kmssdk.EncryptInput{KeyId: aws.String(id), Plaintext: []byte("x")})
		var is *types.KMSInvalidStateException
		if !errors.As(err, &is) {
			t.Errorf("encrypt while pending deletion: got %v", err)
		}
		if _, err := c.CancelKeyDeletion(ctx, &kmssdk.CancelKeyDeletionInput{KeyId: aws.String(id)}); err != nil {
			t.Fatal(err)
		}
		d, err := c.DescribeKey(ctx, &kmssdk.DescribeKeyInput{KeyId: aws.String("alias/app")})
		if err != nil || d.KeyMetadata.KeyState != types.KeyStateDisabled {
			t.Errorf("got %+v %v", d, err)
		}
	})
	t.Run("aliases can be updated and deleted", func(t *testing.T) {
		k2, err := c.CreateKey(ctx, &kmssdk.CreateKeyInput{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.UpdateAlias(ctx, &kmssdk.UpdateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: k2.KeyMetadata.KeyId}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.DeleteAlias(ctx, &kmssdk.DeleteAliasInput{AliasName: aws.String("alias/app")}); err != nil {
			t.Fatal(err)
		}
		_, err = c.DescribeKey(ctx, &kmssdk.DescribeKeyInput{KeyId: aws.String("alias/app")})
		var nf *types.NotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("got %v", err)
		}
	})
}

func TestListKeysPaginatesThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	for range 3 {
		if _, err := c.CreateKey(ctx, &kmssdk.CreateKeyInput{}); err != nil {
			t.Fatal(err)
		}
	}
	p := kmssdk.NewListKeysPaginator(c, &kmssdk.ListKeysInput{Limit: aws.Int32(2)})
	var n, pages int
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.Keys)
		pages++
	}
	if n != 3 || pages != 2 {
		t.Errorf("got %d keys in %d pages, want 3 in 2", n, pages)
	}
}

func TestSigningThroughTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.client(e.Admin)
	created, err := c.CreateKey(ctx, &kmssdk.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify})
	if err != nil {
		t.Fatal(err)
	}
	id := created.KeyMetadata.KeyId
	t.Run("the key's metadata lists ECDSA_SHA_256 and no encryption algorithm", func(t *testing.T) {
		md := created.KeyMetadata
		if len(md.SigningAlgorithms) != 1 || md.SigningAlgorithms[0] != types.SigningAlgorithmSpecEcdsaSha256 || len(md.EncryptionAlgorithms) != 0 {
			t.Errorf("got %+v", md)
		}
	})
	msg := []byte("release v1")
	signed, err := c.Sign(ctx, &kmssdk.SignInput{KeyId: id, Message: msg, MessageType: types.MessageTypeRaw, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the signature verifies with the public key GetPublicKey returns", func(t *testing.T) {
		pk, err := c.GetPublicKey(ctx, &kmssdk.GetPublicKeyInput{KeyId: id})
		if err != nil {
			t.Fatal(err)
		}
		pub, err := x509.ParsePKIXPublicKey(pk.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		d := sha256.Sum256(msg)
		if ec, ok := pub.(*ecdsa.PublicKey); !ok || !ecdsa.VerifyASN1(ec, d[:], signed.Signature) || pk.KeySpec != types.KeySpecEccNistP256 {
			t.Errorf("public key %T does not verify the signature", pub)
		}
	})
	t.Run("Verify answers SignatureValid for it", func(t *testing.T) {
		v, err := c.Verify(ctx, &kmssdk.VerifyInput{KeyId: id, Message: msg, Signature: signed.Signature, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
		if err != nil || !v.SignatureValid {
			t.Errorf("got %+v %v", v, err)
		}
	})
	t.Run("Verify of another message is KMSInvalidSignatureException", func(t *testing.T) {
		_, err := c.Verify(ctx, &kmssdk.VerifyInput{KeyId: id, Message: []byte("x"), Signature: signed.Signature, SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256})
		var is *types.KMSInvalidSignatureException
		if !errors.As(err, &is) {
			t.Errorf("got %v", err)
		}
	})
}
