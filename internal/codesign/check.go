package codesign

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

// Validity units, as Signer spells them.
const (
	ValidityDays   = "DAYS"
	ValidityMonths = "MONTHS"
	ValidityYears  = "YEARS"
)

// Validity is a signing profile's signature validity period.
type Validity struct {
	Value int64
	Type  string
}

// AddTo returns t plus the period (calendar months and years, as
// time.AddDate counts them).
func (v Validity) AddTo(t time.Time) time.Time {
	n := int(v.Value)
	switch v.Type {
	case ValidityYears:
		return t.AddDate(n, 0, 0)
	case ValidityMonths:
		return t.AddDate(0, n, 0)
	default:
		return t.AddDate(0, 0, n)
	}
}

// Profile version statuses.
const (
	StatusActive   = "Active"
	StatusCanceled = "Canceled"
	StatusRevoked  = "Revoked"
)

// ProfileVersion is what a signature check needs to know of one signing
// profile version.
type ProfileVersion struct {
	Account, Region, Name, Version string
	// ARN is the profile version ARN
	// (arn:aws:signer:REGION:ACCOUNT:/signing-profiles/NAME/VERSION).
	ARN    string
	Status string
	// KeyARN is the KMS key the version signs with.
	KeyARN string
	// RevokedFrom is the revocation's effective time; zero unless Status
	// is Revoked. Signatures made at or after it are revoked.
	RevokedFrom time.Time
	Validity    Validity
}

// ProfileLookup finds signing profile versions; internal/signer's Service
// implements it. An *awserr.Error with code ResourceNotFoundException means
// the version does not exist; other errors are failures to look.
type ProfileLookup interface {
	ProfileVersion(ctx context.Context, profileVersionARN string) (*ProfileVersion, error)
}

// PublicKeys returns the public key of a KMS signing key. An *awserr.Error
// (the key is missing, disabled or not an ECC key) fails the integrity
// check; other errors are failures to look.
type PublicKeys interface {
	PublicKey(ctx context.Context, keyARN string) (*ecdsa.PublicKey, error)
}

// Signer signs a SHA-256 digest with a KMS key (KMS Sign with MessageType
// DIGEST and ECDSA_SHA_256) and returns the DER signature.
type Signer interface {
	SignDigest(ctx context.Context, keyARN string, digest []byte) ([]byte, error)
}

// Digest completes p for zip (CodeDigest and Algorithm; the times cut to
// whole seconds in UTC) and returns it with the digest to sign: SHA-256 of
// its canonical bytes. Returns ErrNotZip, or an error wrapping ErrMalformed
// when a field the caller fills is missing.
func Digest(zip []byte, p Payload) (Payload, []byte, error) {
	code, err := CodeDigest(zip)
	if err != nil {
		return Payload{}, nil, err
	}
	p.CodeDigest = code
	p.Algorithm = AlgorithmECDSASHA256
	p.SignedAt = p.SignedAt.UTC().Truncate(time.Second)
	p.ExpiresAt = p.ExpiresAt.UTC().Truncate(time.Second)
	if err := p.validate(); err != nil {
		return Payload{}, nil, err
	}
	return p, p.Digest(), nil
}

// Sign signs zip: it completes p (CodeDigest and Algorithm; the times are
// cut to whole seconds in UTC), has s sign its digest with p.KeyARN and
// returns the signed zip and the payload as signed. The caller fills
// ProfileVersionARN, JobID, SignedAt, ExpiresAt and KeyARN.
func Sign(ctx context.Context, zip []byte, p Payload, s Signer) ([]byte, Payload, error) {
	p, digest, err := Digest(zip, p)
	if err != nil {
		return nil, Payload{}, err
	}
	sig, err := s.SignDigest(ctx, p.KeyARN, digest)
	if err != nil {
		return nil, Payload{}, fmt.Errorf("sign with %s: %w", p.KeyARN, err)
	}
	out, err := Assemble(zip, p, sig)
	if err != nil {
		return nil, Payload{}, err
	}
	return out, p, nil
}

// Result is the outcome of Lambda's four checks on one zip.
type Result struct {
	// Payload is what the signature claims; zero when it could not be read.
	Payload Payload
	// Integrity is nil when the signature is sound and verifies; else it
	// wraps ErrNotZip, ErrUnsigned, ErrMalformed, ErrDigest,
	// ErrUnknownProfile, ErrKeyMismatch or ErrBadSignature.
	Integrity error
	// Expired: now is past the signature's expiresAt.
	Expired bool
	// Mismatch: the profile version is not among the allowed publishers.
	Mismatch bool
	// Revoked: the profile version is revoked with an effective time at or
	// before the signing time.
	Revoked bool
}

// Unsigned reports whether the zip carries no signature at all (Integrity
// then wraps ErrUnsigned), which Lambda treats apart from a broken one.
func (r Result) Unsigned() bool { return errors.Is(r.Integrity, ErrUnsigned) }

// OK reports whether every check passed.
func (r Result) OK() bool { return r.Integrity == nil && !r.Expired && !r.Mismatch && !r.Revoked }

// Check makes the four checks on zip against allowed, the profile version
// ARNs a code signing config allows. Expired and Mismatch are judged from
// the payload whenever it can be read, Revoked whenever the profile version
// exists, even when integrity fails. The error is non-nil only when lookup
// or keys failed to look (not for anything wrong with the zip).
func Check(ctx context.Context, zip []byte, allowed []string, lookup ProfileLookup, keys PublicKeys, now time.Time) (Result, error) {
	var r Result
	p, sig, err := Parse(zip)
	if err != nil {
		r.Integrity = err
		return r, nil
	}
	r.Payload = p
	r.Mismatch = !slices.Contains(allowed, p.ProfileVersionARN)
	r.Expired = now.After(p.ExpiresAt)
	if digest, err := CodeDigest(zip); err != nil || digest != p.CodeDigest {
		r.Integrity = ErrDigest
	}
	pv, err := lookup.ProfileVersion(ctx, p.ProfileVersionARN)
	if err != nil {
		if awserr.Is(err, "ResourceNotFoundException") {
			r.Integrity = firstErr(r.Integrity, ErrUnknownProfile)
			return r, nil
		}
		return r, fmt.Errorf("look up %s: %w", p.ProfileVersionARN, err)
	}
	r.Revoked = pv.Status == StatusRevoked && !p.SignedAt.Before(pv.RevokedFrom)
	if r.Integrity != nil {
		return r, nil
	}
	if pv.KeyARN != p.KeyARN {
		r.Integrity = ErrKeyMismatch
		return r, nil
	}
	pub, err := keys.PublicKey(ctx, pv.KeyARN)
	if err != nil {
		if _, ok := awserr.As(err); ok {
			r.Integrity = fmt.Errorf("%w: %w", ErrBadSignature, err)
			return r, nil
		}
		return r, fmt.Errorf("public key of %s: %w", pv.KeyARN, err)
	}
	if !ecdsa.VerifyASN1(pub, p.Digest(), sig) {
		r.Integrity = ErrBadSignature
	}
	return r, nil
}

// firstErr keeps the first integrity failure found.
func firstErr(have, next error) error {
	if have != nil {
		return have
	}
	return next
}
