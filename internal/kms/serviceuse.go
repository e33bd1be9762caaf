package kms

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"strings"
)

// ServiceKeys is KMS as another Stratus service uses it to encrypt its data
// at rest (Secrets Manager's secrets, Parameter Store's SecureStrings,
// Lambda's environment variables): the AWS managed key "alias/aws/<service>"
// is made on first use, and blobs name their key, so Decrypt needs none.
type ServiceKeys struct {
	kms     *Service
	service string
	// authorize, when set, asks whether the caller behind ctx may perform a
	// KMS action on a customer managed key (see WithCallerCheck).
	authorize func(ctx context.Context, action, keyARN string) error
}

// WithCallerCheck returns ServiceKeys that also require the caller of the
// request behind ctx to be allowed kms:Encrypt or kms:Decrypt on a customer
// managed key, as AWS requires of whoever stores or reads a secret or a
// SecureString under one (the AWS managed key needs no such permission).
// authorize returns nil when ctx carries no caller.
func (k *ServiceKeys) WithCallerCheck(authorize func(ctx context.Context, action, keyARN string) error) *ServiceKeys {
	cp := *k
	cp.authorize = authorize
	return &cp
}

// checkCaller applies the caller check to keyARN unless it is the
// service's AWS managed key.
func (k *ServiceKeys) checkCaller(ctx context.Context, account, region, action, keyARN string) error {
	if k.authorize == nil {
		return nil
	}
	if managed, err := k.kms.ResolveKeyARN(ctx, account, region, k.ManagedAlias()); err == nil && managed == keyARN {
		return nil
	}
	return k.authorize(ctx, action, keyARN)
}

// ForService returns the ServiceKeys of service ("lambda", "secretsmanager", "ssm").
func (s *Service) ForService(service string) *ServiceKeys {
	return &ServiceKeys{kms: s, service: service}
}

// ManagedAlias is the alias of the service's AWS managed key.
func (k *ServiceKeys) ManagedAlias() string { return "alias/aws/" + k.service }

// Encrypt encrypts plaintext under keyID (a key id, ARN or alias; the managed
// alias makes the managed key if needed) with the encryption context.
func (k *ServiceKeys) Encrypt(ctx context.Context, account, region, keyID string, plaintext []byte, encCtx map[string]string) ([]byte, error) {
	if keyID == k.ManagedAlias() {
		if _, err := k.kms.EnsureManagedKey(ctx, account, region, k.service); err != nil {
			return nil, err
		}
	} else if k.authorize != nil {
		arn, err := k.kms.ResolveKeyARN(ctx, account, region, keyID)
		if err != nil {
			return nil, err
		}
		if err := k.checkCaller(ctx, account, region, "kms:Encrypt", arn); err != nil {
			return nil, err
		}
	}
	blob, _, err := k.kms.Encrypt(ctx, account, region, keyID, plaintext, encCtx)
	return blob, err
}

// Decrypt decrypts a blob Encrypt made, checking the encryption context.
func (k *ServiceKeys) Decrypt(ctx context.Context, account, region string, blob []byte, encCtx map[string]string) ([]byte, error) {
	if k.authorize != nil {
		id, err := CiphertextKeyID(blob)
		if err != nil {
			return nil, err
		}
		if err := k.checkCaller(ctx, account, region, "kms:Decrypt", KeyARN(region, account, id)); err != nil {
			return nil, err
		}
	}
	plain, _, err := k.kms.Decrypt(ctx, account, region, "", blob, encCtx)
	return plain, err
}

// KeyUsable is Service.KeyUsable.
func (k *ServiceKeys) KeyUsable(ctx context.Context, account, region, keyARN string) error {
	return k.kms.KeyUsable(ctx, account, region, keyARN)
}

// SigningKeys is KMS as Signer and Lambda code signing use it: signing
// profiles get ECC_NIST_P256 SIGN_VERIFY keys, and signatures are checked
// with the keys' public halves.
type SigningKeys struct{ kms *Service }

// SigningKeys returns the Service as signing keys.
func (s *Service) SigningKeys() SigningKeys { return SigningKeys{kms: s} }

// CreateSigningKey makes a customer managed signing key and returns its ARN.
func (k SigningKeys) CreateSigningKey(ctx context.Context, account, region, description string) (string, error) {
	key, err := k.kms.CreateKey(ctx, account, region, CreateKeyInput{Description: description, KeySpec: SpecECCNISTP256, KeyUsage: UsageSignVerify})
	if err != nil {
		return "", err
	}
	return key.ARN(), nil
}

// PublicKey returns the public half of the signing key keyARN names.
func (k SigningKeys) PublicKey(ctx context.Context, keyARN string) (*ecdsa.PublicKey, error) {
	parts := strings.SplitN(keyARN, ":", 6)
	if len(parts) != 6 || parts[2] != "kms" {
		return nil, errors.New("not a KMS key ARN")
	}
	der, _, err := k.kms.PublicKey(ctx, parts[4], parts[3], keyARN)
	if err != nil {
		return nil, err
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("not an ECDSA key")
	}
	return ec, nil
}
