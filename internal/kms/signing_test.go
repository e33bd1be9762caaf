package kms

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"testing"
)

func TestSigningKeys(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	k, err := f.svc.CreateKey(ctx, acct, region, CreateKeyInput{KeySpec: SpecECCNISTP256, KeyUsage: UsageSignVerify})
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte("sign me")
	sig, arn, err := f.svc.Sign(ctx, acct, region, k.ID, msg, MessageRaw, AlgECDSASHA256)
	if err != nil || arn != k.ARN() {
		t.Fatalf("Sign: %s %v", arn, err)
	}
	t.Run("the public key is a DER SubjectPublicKeyInfo that verifies the signature", func(t *testing.T) {
		der, _, err := f.svc.PublicKey(ctx, acct, region, k.ID)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			t.Fatal(err)
		}
		d := sha256.Sum256(msg)
		if ec, ok := pub.(*ecdsa.PublicKey); !ok || !ecdsa.VerifyASN1(ec, d[:], sig) {
			t.Errorf("public key %T does not verify the signature", pub)
		}
	})
	t.Run("Verify accepts the signature", func(t *testing.T) {
		if _, err := f.svc.Verify(ctx, acct, region, k.ID, msg, MessageRaw, sig, AlgECDSASHA256); err != nil {
			t.Error(err)
		}
	})
	t.Run("Verify of the digest with message type DIGEST accepts it", func(t *testing.T) {
		d := sha256.Sum256(msg)
		if _, err := f.svc.Verify(ctx, acct, region, k.ID, d[:], MessageDigest, sig, AlgECDSASHA256); err != nil {
			t.Error(err)
		}
	})
	t.Run("Verify of another message is KMSInvalidSignatureException", func(t *testing.T) {
		_, err := f.svc.Verify(ctx, acct, region, k.ID, []byte("other"), MessageRaw, sig, AlgECDSASHA256)
		wantCode(t, err, CodeInvalidSignature)
	})
	t.Run("a DIGEST of the wrong length is a ValidationException", func(t *testing.T) {
		_, _, err := f.svc.Sign(ctx, acct, region, k.ID, []byte("short"), MessageDigest, AlgECDSASHA256)
		wantCode(t, err, CodeValidation)
	})
	t.Run("another signing algorithm is InvalidKeyUsageException", func(t *testing.T) {
		_, _, err := f.svc.Sign(ctx, acct, region, k.ID, msg, MessageRaw, "RSASSA_PSS_SHA_256")
		wantCode(t, err, CodeInvalidKeyUsage)
	})
	t.Run("a signing key does not encrypt", func(t *testing.T) {
		_, _, err := f.svc.Encrypt(ctx, acct, region, k.ID, msg, nil)
		wantCode(t, err, CodeInvalidKeyUsage)
	})
	t.Run("a signing key does not rotate", func(t *testing.T) {
		wantCode(t, f.svc.EnableKeyRotation(ctx, acct, region, k.ID, 0), CodeUnsupportedOp)
	})
	t.Run("an ECC key for encryption is a ValidationException", func(t *testing.T) {
		_, err := f.svc.CreateKey(ctx, acct, region, CreateKeyInput{KeySpec: SpecECCNISTP256})
		wantCode(t, err, CodeValidation)
	})
	sym := f.key(t)
	t.Run("a symmetric key does not sign", func(t *testing.T) {
		_, _, err := f.svc.Sign(ctx, acct, region, sym.ID, msg, MessageRaw, AlgECDSASHA256)
		wantCode(t, err, CodeInvalidKeyUsage)
	})
	t.Run("a symmetric key has no public key", func(t *testing.T) {
		_, _, err := f.svc.PublicKey(ctx, acct, region, sym.ID)
		wantCode(t, err, CodeUnsupportedOp)
	})
}
