package server

import (
	"context"
	"time"

	"github.com/stratus-cloud/stratus/internal/codesign"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/signer"
)

// codeVerifier is Lambda's code signature check: the codesign format, the
// Signer's profiles and KMS's public keys.
type codeVerifier struct {
	profiles *signer.Service
	keys     kms.SigningKeys
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
	_ signer.Keys         = kms.SigningKeys{}
	_ codesign.PublicKeys = kms.SigningKeys{}
	_ lambda.CodeVerifier = codeVerifier{}
)
