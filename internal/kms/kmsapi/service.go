package kmsapi

import (
	"fmt"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/kmsshapes"
	"github.com/stratus-cloud/stratus/internal/kms"
)

// none is the output of operations that return nothing.
type none = struct{}

// api implements the operations over the KMS domain.
type api struct {
	svc *kms.Service
}

// New returns the KMS API for the router: its model, action prefix "kms"
// and the implemented operations.
func New(svc *kms.Service, b *bind.Binder) (*awsproto.Service, error) {
	m, err := kmsshapes.Service()
	if err != nil {
		return nil, fmt.Errorf("load kms model: %w", err)
	}
	a := &api{svc: svc}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "kms",
		AccessDeniedCode: "AccessDeniedException",
		Ops:              a.allOps(b),
	}, nil
}

func (a *api) allOps(b *bind.Binder) map[string]awsproto.Op {
	ops := a.ops(b)
	for name, op := range a.policyOps(b) {
		ops[name] = op
	}
	return ops
}

func (a *api) ops(b *bind.Binder) map[string]awsproto.Op {
	type (
		ks  = kmsshapes.DescribeKeyRequest
		enk = kmsshapes.EnableKeyRequest
		dis = kmsshapes.DisableKeyRequest
		sch = kmsshapes.ScheduleKeyDeletionRequest
		cnl = kmsshapes.CancelKeyDeletionRequest
		enc = kmsshapes.EncryptRequest
		gdk = kmsshapes.GenerateDataKeyRequest
		gdn = kmsshapes.GenerateDataKeyWithoutPlaintextRequest
		erk = kmsshapes.EnableKeyRotationRequest
		drk = kmsshapes.DisableKeyRotationRequest
		grs = kmsshapes.GetKeyRotationStatusRequest
		sig = kmsshapes.SignRequest
		ver = kmsshapes.VerifyRequest
		gpk = kmsshapes.GetPublicKeyRequest
	)
	return map[string]awsproto.Op{
		kmsshapes.OpCreateKey:           awsproto.Typed(b, nil, a.createKey),
		kmsshapes.OpListKeys:            awsproto.Typed(b, nil, a.listKeys),
		kmsshapes.OpListAliases:         awsproto.Typed(b, nil, a.listAliases),
		kmsshapes.OpDescribeKey:         awsproto.Typed(b, keyRes(a.svc, func(in *ks) *string { return in.KeyId }), a.describeKey),
		kmsshapes.OpEnableKey:           awsproto.Typed(b, keyRes(a.svc, func(in *enk) *string { return in.KeyId }), a.enableKey),
		kmsshapes.OpDisableKey:          awsproto.Typed(b, keyRes(a.svc, func(in *dis) *string { return in.KeyId }), a.disableKey),
		kmsshapes.OpScheduleKeyDeletion: awsproto.Typed(b, keyRes(a.svc, func(in *sch) *string { return in.KeyId }), a.scheduleKeyDeletion),
		kmsshapes.OpCancelKeyDeletion:   awsproto.Typed(b, keyRes(a.svc, func(in *cnl) *string { return in.KeyId }), a.cancelKeyDeletion),

		kmsshapes.OpEncrypt:                         awsproto.Typed(b, keyRes(a.svc, func(in *enc) *string { return in.KeyId }), a.encrypt),
		kmsshapes.OpDecrypt:                         awsproto.Typed(b, a.decryptRes, a.decrypt),
		kmsshapes.OpGenerateDataKey:                 awsproto.Typed(b, keyRes(a.svc, func(in *gdk) *string { return in.KeyId }), a.generateDataKey),
		kmsshapes.OpGenerateDataKeyWithoutPlaintext: awsproto.Typed(b, keyRes(a.svc, func(in *gdn) *string { return in.KeyId }), a.generateDataKeyWithoutPlaintext),
		// ReEncrypt needs kms:ReEncryptFrom on the source key and
		// kms:ReEncryptTo on the destination.
		kmsshapes.OpReEncrypt: awsproto.WithGrants(awsproto.Typed(b, nil, a.reEncrypt), a.reEncryptGrants),

		kmsshapes.OpCreateAlias: awsproto.Typed(b, a.createAliasRes, a.createAlias),
		kmsshapes.OpUpdateAlias: awsproto.Typed(b, a.updateAliasRes, a.updateAlias),
		kmsshapes.OpDeleteAlias: awsproto.Typed(b, a.deleteAliasRes, a.deleteAlias),

		kmsshapes.OpEnableKeyRotation:    awsproto.Typed(b, keyRes(a.svc, func(in *erk) *string { return in.KeyId }), a.enableKeyRotation),
		kmsshapes.OpDisableKeyRotation:   awsproto.Typed(b, keyRes(a.svc, func(in *drk) *string { return in.KeyId }), a.disableKeyRotation),
		kmsshapes.OpGetKeyRotationStatus: awsproto.Typed(b, keyRes(a.svc, func(in *grs) *string { return in.KeyId }), a.getKeyRotationStatus),

		kmsshapes.OpSign:         awsproto.Typed(b, keyRes(a.svc, func(in *sig) *string { return in.KeyId }), a.sign),
		kmsshapes.OpVerify:       awsproto.Typed(b, keyRes(a.svc, func(in *ver) *string { return in.KeyId }), a.verify),
		kmsshapes.OpGetPublicKey: awsproto.Typed(b, keyRes(a.svc, func(in *gpk) *string { return in.KeyId }), a.getPublicKey),
	}
}

// Resources.

func account(c *awsproto.Call) string { return c.Principal.Account }

// keyRes authorizes against the ARN of the key a request names, aliases
// resolved.
func keyRes[In any](svc *kms.Service, ref func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		arn, err := svc.ResolveKeyARN(c.Context, account(c), c.Region, str(ref(in)))
		if err != nil {
			return nil, err
		}
		return []string{arn}, nil
	}
}

// blobKeyARN is the ARN of the key a ciphertext blob names, or of the key
// ref names when given (Decrypt then checks that they agree).
func (a *api) blobKeyARN(c *awsproto.Call, ref *string, blob []byte) (string, error) {
	if str(ref) != "" {
		return a.svc.ResolveKeyARN(c.Context, account(c), c.Region, str(ref))
	}
	id, err := kms.CiphertextKeyID(blob)
	if err != nil {
		return "", err
	}
	return kms.KeyARN(c.Region, account(c), id), nil
}

func (a *api) decryptRes(c *awsproto.Call, in *kmsshapes.DecryptRequest) ([]string, error) {
	arn, err := a.blobKeyARN(c, in.KeyId, in.CiphertextBlob)
	if err != nil {
		return nil, err
	}
	return []string{arn}, nil
}

func (a *api) reEncryptGrants(c *awsproto.Call, in *kmsshapes.ReEncryptRequest) ([]awsproto.Grant, error) {
	src, err := a.blobKeyARN(c, in.SourceKeyId, in.CiphertextBlob)
	if err != nil {
		return nil, err
	}
	dst, err := a.svc.ResolveKeyARN(c.Context, account(c), c.Region, str(in.DestinationKeyId))
	if err != nil {
		return nil, err
	}
	return []awsproto.Grant{{Action: "kms:ReEncryptFrom", Resource: src}, {Action: "kms:ReEncryptTo", Resource: dst}}, nil
}

func (a *api) createAliasRes(c *awsproto.Call, in *kmsshapes.CreateAliasRequest) ([]string, error) {
	if err := kms.CheckAliasName(str(in.AliasName)); err != nil {
		return nil, err
	}
	key, err := a.svc.ResolveKeyARN(c.Context, account(c), c.Region, str(in.TargetKeyId))
	if err != nil {
		return nil, err
	}
	return []string{kms.AliasARN(c.Region, account(c), str(in.AliasName)), key}, nil
}

// updateAliasRes: the alias, the key it points at and the new target.
func (a *api) updateAliasRes(c *awsproto.Call, in *kmsshapes.UpdateAliasRequest) ([]string, error) {
	if err := kms.CheckAliasName(str(in.AliasName)); err != nil {
		return nil, err
	}
	old, err := a.svc.ResolveKeyARN(c.Context, account(c), c.Region, str(in.AliasName))
	if err != nil {
		return nil, err
	}
	key, err := a.svc.ResolveKeyARN(c.Context, account(c), c.Region, str(in.TargetKeyId))
	if err != nil {
		return nil, err
	}
	res := []string{kms.AliasARN(c.Region, account(c), str(in.AliasName)), old}
	if key != old {
		res = append(res, key)
	}
	return res, nil
}

func (a *api) deleteAliasRes(c *awsproto.Call, in *kmsshapes.DeleteAliasRequest) ([]string, error) {
	if err := kms.CheckAliasName(str(in.AliasName)); err != nil {
		return nil, err
	}
	key, err := a.svc.ResolveKeyARN(c.Context, account(c), c.Region, str(in.AliasName))
	if err != nil {
		return nil, err
	}
	return []string{kms.AliasARN(c.Region, account(c), str(in.AliasName)), key}, nil
}

// Conversions.

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func intOf(p *int64) int {
	if p == nil {
		return 0
	}
	return int(*p)
}
