package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/codesign"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/signer"
)

// signingKeys is KMS as Signer and code signing use it: signing profiles get
// ECC keys, and signatures are checked with the keys' public halves.
type signingKeys struct{ kms *kms.Service }

// CreateSigningKey implements signer.Keys.
func (k signingKeys) CreateSigningKey(ctx context.Context, account, region, description string) (string, error) {
	key, err := k.kms.CreateKey(ctx, account, region, kms.CreateKeyInput{
		Description: description, KeySpec: kms.SpecECCNISTP256, KeyUsage: kms.UsageSignVerify,
	})
	if err != nil {
		return "", err
	}
	return key.ARN(), nil
}

// PublicKey implements codesign.PublicKeys.
func (k signingKeys) PublicKey(ctx context.Context, keyARN string) (*ecdsa.PublicKey, error) {
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

// codeVerifier is Lambda's code signature check: the codesign format, the
// Signer's profiles and KMS's public keys.
type codeVerifier struct {
	profiles *signer.Service
	keys     signingKeys
	now      func() time.Time
}

// VerifyCode implements lambda.CodeVerifier.
func (v codeVerifier) VerifyCode(ctx context.Context, zip []byte, allowed []string) (lambda.CodeCheck, error) {
	r, err := codesign.Check(ctx, zip, allowed, v.profiles, v.keys, v.now())
	if err != nil {
		return lambda.CodeCheck{}, err
	}
	c := lambda.CodeCheck{Expired: r.Expired, Mismatch: r.Mismatch, Revoked: r.Revoked, Profile: r.Payload.ProfileVersionARN, JobID: r.Payload.JobID}
	switch {
	case r.Unsigned():
		c.Unsigned = true
	case r.Integrity != nil:
		c.Integrity = r.Integrity.Error()
	}
	return c, nil
}

var (
	_ signer.Keys         = signingKeys{}
	_ codesign.PublicKeys = signingKeys{}
	_ lambda.CodeVerifier = codeVerifier{}
)
