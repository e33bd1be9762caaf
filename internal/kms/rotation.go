package kms

import (
	"context"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// RotationStatus is what GetKeyRotationStatus shows.
type RotationStatus struct {
	KeyARN     string
	Enabled    bool
	PeriodDays int
	// NextRotation is set when rotation is enabled: the newest version's
	// creation plus the period.
	NextRotation time.Time
}

// EnableKeyRotation turns on automatic rotation every days (0 means 365;
// 90 to 2560) for an enabled key.
func (s *Service) EnableKeyRotation(ctx context.Context, account, region, ref string, days int) error {
	if days == 0 {
		days = defaultRotationDays
	}
	if days < minRotationDays || days > maxRotationDays {
		return validation("1 validation error detected: Value '%d' at 'rotationPeriodInDays' failed to satisfy constraint: Member must have value between %d and %d", days, minRotationDays, maxRotationDays)
	}
	_, err := s.update(ctx, account, region, ref, func(_ *store.Tx, k *Key) error {
		if err := rotatable(k); err != nil {
			return err
		}
		k.RotationEnabled, k.RotationDays = true, days
		return nil
	})
	return err
}

// DisableKeyRotation turns automatic rotation off for an enabled key.
func (s *Service) DisableKeyRotation(ctx context.Context, account, region, ref string) error {
	_, err := s.update(ctx, account, region, ref, func(_ *store.Tx, k *Key) error {
		if err := rotatable(k); err != nil {
			return err
		}
		k.RotationEnabled = false
		return nil
	})
	return err
}

// GetKeyRotationStatus returns the rotation setting of a key not pending
// deletion.
func (s *Service) GetKeyRotationStatus(ctx context.Context, account, region, ref string) (*RotationStatus, error) {
	k, err := s.DescribeKey(ctx, account, region, ref)
	if err != nil {
		return nil, err
	}
	if err := notPending(k); err != nil {
		return nil, err
	}
	st := &RotationStatus{KeyARN: k.ARN(), Enabled: k.RotationEnabled, PeriodDays: k.RotationDays}
	if k.RotationEnabled {
		st.NextRotation = k.Rotated.Add(time.Duration(k.RotationDays) * day)
	}
	return st, nil
}

// rotatable returns the error of changing the rotation of k: it must be a
// usable symmetric key.
func rotatable(k *Key) error {
	if err := usable(k); err != nil {
		return err
	}
	if k.Spec != SpecSymmetricDefault {
		return newErr(CodeUnsupportedOp, "%s is not a symmetric encryption key; only those rotate.", k.ARN())
	}
	return nil
}

// RotateKey adds a key version with fresh material to an enabled key (as
// RotateKeyOnDemand and automatic rotation do) and returns its number. New
// encryptions use it; ciphertexts of older versions still decrypt.
func (s *Service) RotateKey(ctx context.Context, account, region, ref string) (int, error) {
	material, err := s.random(32)
	if err != nil {
		return 0, err
	}
	now := s.now().UTC().Truncate(time.Millisecond)
	k, err := s.update(ctx, account, region, ref, func(tx *store.Tx, k *Key) error {
		if err := rotatable(k); err != nil {
			return err
		}
		k.CurrentVersion++
		k.Rotated = now
		return s.insertVersion(ctx, tx, k, k.CurrentVersion, material, now)
	})
	clear(material)
	if err != nil {
		return 0, err
	}
	return k.CurrentVersion, nil
}
