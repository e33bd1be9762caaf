package kmsapi

import (
	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/kmsshapes"
	"github.com/stratus-cloud/stratus/internal/kms"
)

// Keys.

func (a *api) createKey(c *awsproto.Call, in *kmsshapes.CreateKeyRequest) (*kmsshapes.CreateKeyResponse, error) {
	tags := make(map[string]string, len(in.Tags))
	for _, t := range in.Tags {
		if _, dup := tags[str(t.TagKey)]; dup {
			return nil, awserr.New(kms.CodeTag, 400, "Duplicate tag keys")
		}
		tags[str(t.TagKey)] = str(t.TagValue)
	}
	spec := str(in.KeySpec)
	if spec == "" {
		spec = str(in.CustomerMasterKeySpec)
	}
	k, err := a.svc.CreateKey(c.Context, account(c), c.Region, kms.CreateKeyInput{
		Description: str(in.Description), KeyUsage: str(in.KeyUsage), KeySpec: spec, Policy: str(in.Policy), Tags: tags,
	})
	if err != nil {
		return nil, err
	}
	return &kmsshapes.CreateKeyResponse{KeyMetadata: metadata(k)}, nil
}

func metadata(k *kms.Key) *kmsshapes.KeyMetadata {
	m := &kmsshapes.KeyMetadata{
		AWSAccountId: ptr(k.Account), KeyId: ptr(k.ID), Arn: ptr(k.ARN()), CreationDate: timePtr(k.Created),
		Enabled: ptr(k.State == kms.StateEnabled), Description: ptr(k.Description), KeyUsage: ptr(k.Usage),
		KeyState: ptr(k.State), Origin: ptr("AWS_KMS"), KeyManager: ptr(k.Manager),
		CustomerMasterKeySpec: ptr(k.Spec), KeySpec: ptr(k.Spec), MultiRegion: ptr(false),
		DeletionDate: timePtr(k.DeletionDate),
	}
	m.EncryptionAlgorithms, m.SigningAlgorithms = algorithms(k)
	if k.State == kms.StatePendingDeletion {
		m.PendingDeletionWindowInDays = ptr(int64(k.PendingDays))
	}
	return m
}

func (a *api) describeKey(c *awsproto.Call, in *kmsshapes.DescribeKeyRequest) (*kmsshapes.DescribeKeyResponse, error) {
	k, err := a.svc.DescribeKey(c.Context, account(c), c.Region, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	return &kmsshapes.DescribeKeyResponse{KeyMetadata: metadata(k)}, nil
}

func (a *api) listKeys(c *awsproto.Call, in *kmsshapes.ListKeysRequest) (*kmsshapes.ListKeysResponse, error) {
	keys, next, err := a.svc.ListKeys(c.Context, account(c), c.Region, intOf(in.Limit), str(in.Marker))
	if err != nil {
		return nil, err
	}
	out := &kmsshapes.ListKeysResponse{Keys: make([]kmsshapes.KeyListEntry, len(keys)), Truncated: ptr(next != "")}
	for i := range keys {
		out.Keys[i] = kmsshapes.KeyListEntry{KeyId: ptr(keys[i].ID), KeyArn: ptr(keys[i].ARN())}
	}
	if next != "" {
		out.NextMarker = ptr(next)
	}
	return out, nil
}

func (a *api) enableKey(c *awsproto.Call, in *kmsshapes.EnableKeyRequest) (*none, error) {
	return nil, a.svc.EnableKey(c.Context, account(c), c.Region, str(in.KeyId))
}

func (a *api) disableKey(c *awsproto.Call, in *kmsshapes.DisableKeyRequest) (*none, error) {
	return nil, a.svc.DisableKey(c.Context, account(c), c.Region, str(in.KeyId))
}

func (a *api) scheduleKeyDeletion(c *awsproto.Call, in *kmsshapes.ScheduleKeyDeletionRequest) (*kmsshapes.ScheduleKeyDeletionResponse, error) {
	k, err := a.svc.ScheduleKeyDeletion(c.Context, account(c), c.Region, str(in.KeyId), intOf(in.PendingWindowInDays))
	if err != nil {
		return nil, err
	}
	return &kmsshapes.ScheduleKeyDeletionResponse{
		KeyId: ptr(k.ARN()), DeletionDate: timePtr(k.DeletionDate), KeyState: ptr(k.State), PendingWindowInDays: ptr(int64(k.PendingDays)),
	}, nil
}

func (a *api) cancelKeyDeletion(c *awsproto.Call, in *kmsshapes.CancelKeyDeletionRequest) (*kmsshapes.CancelKeyDeletionResponse, error) {
	k, err := a.svc.CancelKeyDeletion(c.Context, account(c), c.Region, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	return &kmsshapes.CancelKeyDeletionResponse{KeyId: ptr(k.ARN())}, nil
}

// Cryptography.

func checkAlgorithm(alg *string) error {
	if alg != nil && *alg != kms.AlgSymmetricDefault {
		return awserr.New(kms.CodeInvalidKeyUsage, 400, "Algorithm %s is not valid for a symmetric key.", *alg)
	}
	return nil
}

func (a *api) encrypt(c *awsproto.Call, in *kmsshapes.EncryptRequest) (*kmsshapes.EncryptResponse, error) {
	if err := checkAlgorithm(in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	blob, arn, err := a.svc.Encrypt(c.Context, account(c), c.Region, str(in.KeyId), in.Plaintext, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return &kmsshapes.EncryptResponse{CiphertextBlob: blob, KeyId: ptr(arn), EncryptionAlgorithm: ptr(kms.AlgSymmetricDefault)}, nil
}

func (a *api) decrypt(c *awsproto.Call, in *kmsshapes.DecryptRequest) (*kmsshapes.DecryptResponse, error) {
	if err := checkAlgorithm(in.EncryptionAlgorithm); err != nil {
		return nil, err
	}
	plain, arn, err := a.svc.Decrypt(c.Context, account(c), c.Region, str(in.KeyId), in.CiphertextBlob, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return &kmsshapes.DecryptResponse{Plaintext: plain, KeyId: ptr(arn), EncryptionAlgorithm: ptr(kms.AlgSymmetricDefault)}, nil
}

func (a *api) generateDataKey(c *awsproto.Call, in *kmsshapes.GenerateDataKeyRequest) (*kmsshapes.GenerateDataKeyResponse, error) {
	n, err := kms.DataKeyBytes(str(in.KeySpec), intOf(in.NumberOfBytes))
	if err != nil {
		return nil, err
	}
	plain, blob, arn, err := a.svc.GenerateDataKey(c.Context, account(c), c.Region, str(in.KeyId), n, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	return &kmsshapes.GenerateDataKeyResponse{Plaintext: plain, CiphertextBlob: blob, KeyId: ptr(arn)}, nil
}

func (a *api) generateDataKeyWithoutPlaintext(c *awsproto.Call, in *kmsshapes.GenerateDataKeyWithoutPlaintextRequest) (*kmsshapes.GenerateDataKeyWithoutPlaintextResponse, error) {
	n, err := kms.DataKeyBytes(str(in.KeySpec), intOf(in.NumberOfBytes))
	if err != nil {
		return nil, err
	}
	plain, blob, arn, err := a.svc.GenerateDataKey(c.Context, account(c), c.Region, str(in.KeyId), n, in.EncryptionContext)
	if err != nil {
		return nil, err
	}
	clear(plain)
	return &kmsshapes.GenerateDataKeyWithoutPlaintextResponse{CiphertextBlob: blob, KeyId: ptr(arn)}, nil
}

func (a *api) reEncrypt(c *awsproto.Call, in *kmsshapes.ReEncryptRequest) (*kmsshapes.ReEncryptResponse, error) {
	if err := checkAlgorithm(in.SourceEncryptionAlgorithm); err != nil {
		return nil, err
	}
	if err := checkAlgorithm(in.DestinationEncryptionAlgorithm); err != nil {
		return nil, err
	}
	r, err := a.svc.ReEncrypt(c.Context, account(c), c.Region, in.CiphertextBlob, str(in.SourceKeyId), in.SourceEncryptionContext,
		str(in.DestinationKeyId), in.DestinationEncryptionContext)
	if err != nil {
		return nil, err
	}
	return &kmsshapes.ReEncryptResponse{
		CiphertextBlob: r.Ciphertext, SourceKeyId: ptr(r.SourceKeyARN), KeyId: ptr(r.DestKeyARN),
		SourceEncryptionAlgorithm: ptr(kms.AlgSymmetricDefault), DestinationEncryptionAlgorithm: ptr(kms.AlgSymmetricDefault),
	}, nil
}

// Aliases.

func (a *api) createAlias(c *awsproto.Call, in *kmsshapes.CreateAliasRequest) (*none, error) {
	return nil, a.svc.CreateAlias(c.Context, account(c), c.Region, str(in.AliasName), str(in.TargetKeyId))
}

func (a *api) updateAlias(c *awsproto.Call, in *kmsshapes.UpdateAliasRequest) (*none, error) {
	return nil, a.svc.UpdateAlias(c.Context, account(c), c.Region, str(in.AliasName), str(in.TargetKeyId))
}

func (a *api) deleteAlias(c *awsproto.Call, in *kmsshapes.DeleteAliasRequest) (*none, error) {
	return nil, a.svc.DeleteAlias(c.Context, account(c), c.Region, str(in.AliasName))
}

func (a *api) listAliases(c *awsproto.Call, in *kmsshapes.ListAliasesRequest) (*kmsshapes.ListAliasesResponse, error) {
	aliases, next, err := a.svc.ListAliases(c.Context, account(c), c.Region, str(in.KeyId), intOf(in.Limit), str(in.Marker))
	if err != nil {
		return nil, err
	}
	out := &kmsshapes.ListAliasesResponse{Aliases: make([]kmsshapes.AliasListEntry, len(aliases)), Truncated: ptr(next != "")}
	for i := range aliases {
		al := &aliases[i]
		out.Aliases[i] = kmsshapes.AliasListEntry{
			AliasName: ptr(al.Name), AliasArn: ptr(al.ARN()), TargetKeyId: ptr(al.KeyID),
			CreationDate: timePtr(al.Created), LastUpdatedDate: timePtr(al.Updated),
		}
	}
	if next != "" {
		out.NextMarker = ptr(next)
	}
	return out, nil
}

// Rotation.

func (a *api) enableKeyRotation(c *awsproto.Call, in *kmsshapes.EnableKeyRotationRequest) (*none, error) {
	return nil, a.svc.EnableKeyRotation(c.Context, account(c), c.Region, str(in.KeyId), intOf(in.RotationPeriodInDays))
}

func (a *api) disableKeyRotation(c *awsproto.Call, in *kmsshapes.DisableKeyRotationRequest) (*none, error) {
	return nil, a.svc.DisableKeyRotation(c.Context, account(c), c.Region, str(in.KeyId))
}

func (a *api) getKeyRotationStatus(c *awsproto.Call, in *kmsshapes.GetKeyRotationStatusRequest) (*kmsshapes.GetKeyRotationStatusResponse, error) {
	st, err := a.svc.GetKeyRotationStatus(c.Context, account(c), c.Region, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	out := &kmsshapes.GetKeyRotationStatusResponse{KeyId: ptr(st.KeyARN), KeyRotationEnabled: ptr(st.Enabled)}
	if st.Enabled {
		out.RotationPeriodInDays = ptr(int64(st.PeriodDays))
		out.NextRotationDate = timePtr(st.NextRotation)
	}
	return out, nil
}

// algorithms are the encryption and signing algorithms of k's spec.
func algorithms(k *kms.Key) (encryption, signing []string) {
	if k.Usage == kms.UsageSignVerify {
		return nil, []string{kms.AlgECDSASHA256}
	}
	return []string{kms.AlgSymmetricDefault}, nil
}

// Signing.

func (a *api) sign(c *awsproto.Call, in *kmsshapes.SignRequest) (*kmsshapes.SignResponse, error) {
	sig, arn, err := a.svc.Sign(c.Context, account(c), c.Region, str(in.KeyId), in.Message, str(in.MessageType), str(in.SigningAlgorithm))
	if err != nil {
		return nil, err
	}
	return &kmsshapes.SignResponse{KeyId: ptr(arn), Signature: sig, SigningAlgorithm: in.SigningAlgorithm}, nil
}

func (a *api) verify(c *awsproto.Call, in *kmsshapes.VerifyRequest) (*kmsshapes.VerifyResponse, error) {
	arn, err := a.svc.Verify(c.Context, account(c), c.Region, str(in.KeyId), in.Message, str(in.MessageType), in.Signature, str(in.SigningAlgorithm))
	if err != nil {
		return nil, err
	}
	return &kmsshapes.VerifyResponse{KeyId: ptr(arn), SignatureValid: ptr(true), SigningAlgorithm: in.SigningAlgorithm}, nil
}

func (a *api) getPublicKey(c *awsproto.Call, in *kmsshapes.GetPublicKeyRequest) (*kmsshapes.GetPublicKeyResponse, error) {
	der, k, err := a.svc.PublicKey(c.Context, account(c), c.Region, str(in.KeyId))
	if err != nil {
		return nil, err
	}
	out := &kmsshapes.GetPublicKeyResponse{
		KeyId: ptr(k.ARN()), PublicKey: der, KeySpec: ptr(k.Spec), CustomerMasterKeySpec: ptr(k.Spec), KeyUsage: ptr(k.Usage),
	}
	out.EncryptionAlgorithms, out.SigningAlgorithms = algorithms(k)
	return out, nil
}
