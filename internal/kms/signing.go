package kms

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"io"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Signing algorithm and message types of ECC_NIST_P256 keys.
const (
	AlgECDSASHA256  = "ECDSA_SHA_256"
	MessageRaw      = "RAW"
	MessageDigest   = "DIGEST"
	maxSignMessage  = 4096
	sha256DigestLen = 32
)

func newECDSAMaterial(r io.Reader) ([]byte, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), r)
	if err != nil {
		return nil, fmt.Errorf("generate ecc key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("marshal ecc key: %w", err)
	}
	return der, nil
}

// signingKey loads the key ref names and its private key; the key must be
// a usable SIGN_VERIFY key. op names the operation in errors.
func (s *Service) signingKey(ctx context.Context, account, region, ref, op string) (*Key, *ecdsa.PrivateKey, error) {
	var k *Key
	var der []byte
	err := s.view(ctx, func(tx *store.Tx) error {
		var err error
		if k, err = s.load(ctx, tx, account, region, ref); err != nil {
			return err
		}
		if err := usable(k); err != nil {
			return err
		}
		if k.Usage != UsageSignVerify {
			return newErr(CodeInvalidKeyUsage, "%s key usage is %s which is not valid for %s.", k.ARN(), k.Usage, op)
		}
		der, err = s.material(ctx, tx, k, k.CurrentVersion)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	defer clear(der)
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, nil, fmt.Errorf("parse ecc key %s: %w", k.ID, err)
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("key %s: material is %T, not an ecdsa key", k.ID, parsed)
	}
	return k, priv, nil
}

// digest returns the SHA-256 digest a Sign or Verify request signs: of the
// message when messageType is RAW (or empty), the message itself when it is
// DIGEST.
func digest(k *Key, message []byte, messageType, alg string) ([]byte, error) {
	if alg != AlgECDSASHA256 {
		return nil, newErr(CodeInvalidKeyUsage, "Algorithm %s is incompatible with key spec %s.", alg, k.Spec)
	}
	if len(message) == 0 || len(message) > maxSignMessage {
		return nil, validation("1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length between 1 and %d", maxSignMessage)
	}
	switch messageType {
	case "", MessageRaw:
		d := sha256.Sum256(message)
		return d[:], nil
	case MessageDigest:
		if len(message) != sha256DigestLen {
			return nil, validation("Digest is invalid length for algorithm %s.", alg)
		}
		return message, nil
	}
	return nil, validation("1 validation error detected: Value '%s' at 'messageType' failed to satisfy constraint: Member must satisfy enum value set: [RAW, DIGEST]", messageType)
}

// Sign signs message (RAW, hashed with SHA-256, or a 32-byte DIGEST) with
// the ECC key ref names and returns the DER-encoded ECDSA signature and the
// key's ARN. A key that is not SIGN_VERIFY is InvalidKeyUsageException.
func (s *Service) Sign(ctx context.Context, account, region, ref string, message []byte, messageType, alg string) ([]byte, string, error) {
	k, priv, err := s.signingKey(ctx, account, region, ref, "Sign")
	if err != nil {
		return nil, "", err
	}
	d, err := digest(k, message, messageType, alg)
	if err != nil {
		return nil, "", err
	}
	sig, err := ecdsa.SignASN1(s.rand, priv, d)
	if err != nil {
		return nil, "", fmt.Errorf("sign: %w", err)
	}
	return sig, k.ARN(), nil
}

// Verify checks a signature Sign made and returns the key's ARN; a
// signature that does not verify is KMSInvalidSignatureException.
func (s *Service) Verify(ctx context.Context, account, region, ref string, message []byte, messageType string, signature []byte, alg string) (string, error) {
	k, priv, err := s.signingKey(ctx, account, region, ref, "Verify")
	if err != nil {
		return "", err
	}
	d, err := digest(k, message, messageType, alg)
	if err != nil {
		return "", err
	}
	if !ecdsa.VerifyASN1(&priv.PublicKey, d, signature) {
		return "", newErr(CodeInvalidSignature, "")
	}
	return k.ARN(), nil
}

// PublicKey returns the DER SubjectPublicKeyInfo of an asymmetric key and
// the key; a symmetric key is UnsupportedOperationException.
func (s *Service) PublicKey(ctx context.Context, account, region, ref string) ([]byte, *Key, error) {
	k, err := s.DescribeKey(ctx, account, region, ref)
	if err != nil {
		return nil, nil, err
	}
	if k.Spec == SpecSymmetricDefault {
		return nil, nil, newErr(CodeUnsupportedOp, "%s is a symmetric key and has no public key.", k.ARN())
	}
	k, priv, err := s.signingKey(ctx, account, region, ref, "GetPublicKey")
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, nil, fmt.Errorf("marshal public key: %w", err)
	}
	return der, k, nil
}
