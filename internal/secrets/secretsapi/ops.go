package secretsapi

import (
	"github.com/stratus-cloud/stratus/internal/awsproto"
	sm "github.com/stratus-cloud/stratus/internal/awsproto/shapes/secretsmanagershapes"
	"github.com/stratus-cloud/stratus/internal/secrets"
)

func value(s *string, b []byte, token *string) secrets.ValueInput {
	return secrets.ValueInput{String: s, Binary: b, Token: str(token)}
}

func (a *api) createSecret(c *awsproto.Call, in *sm.CreateSecretRequest) (*sm.CreateSecretResponse, error) {
	tags, err := tagMap(in.Tags)
	if err != nil {
		return nil, err
	}
	sec, version, err := a.svc.CreateSecret(c.Context, account(c), c.Region, secrets.CreateInput{
		Name: str(in.Name), Description: str(in.Description), KmsKeyID: str(in.KmsKeyId),
		Value: value(in.SecretString, in.SecretBinary, in.ClientRequestToken), Tags: tags,
	})
	if err != nil {
		return nil, err
	}
	return &sm.CreateSecretResponse{ARN: ptr(sec.ARN), Name: ptr(sec.Name), VersionId: optional(version)}, nil
}

func (a *api) getSecretValue(c *awsproto.Call, in *sm.GetSecretValueRequest) (*sm.GetSecretValueResponse, error) {
	v, err := a.svc.GetSecretValue(c.Context, account(c), c.Region, str(in.SecretId), str(in.VersionId), str(in.VersionStage))
	if err != nil {
		return nil, err
	}
	return &sm.GetSecretValueResponse{
		ARN: ptr(v.ARN), Name: ptr(v.Name), VersionId: ptr(v.VersionID), SecretString: v.String, SecretBinary: v.Binary,
		VersionStages: v.Stages, CreatedDate: timePtr(v.Created),
	}, nil
}

func (a *api) putSecretValue(c *awsproto.Call, in *sm.PutSecretValueRequest) (*sm.PutSecretValueResponse, error) {
	v, err := a.svc.PutSecretValue(c.Context, account(c), c.Region, str(in.SecretId),
		value(in.SecretString, in.SecretBinary, in.ClientRequestToken), in.VersionStages)
	if err != nil {
		return nil, err
	}
	return &sm.PutSecretValueResponse{ARN: ptr(v.ARN), Name: ptr(v.Name), VersionId: ptr(v.VersionID), VersionStages: v.Stages}, nil
}

func (a *api) describeSecret(c *awsproto.Call, in *sm.DescribeSecretRequest) (*sm.DescribeSecretResponse, error) {
	sec, err := a.svc.DescribeSecret(c.Context, account(c), c.Region, str(in.SecretId))
	if err != nil {
		return nil, err
	}
	return &sm.DescribeSecretResponse{
		ARN: ptr(sec.ARN), Name: ptr(sec.Name), Description: optional(sec.Description), KmsKeyId: optional(sec.KmsKeyID),
		RotationEnabled: ptr(false), LastChangedDate: timePtr(sec.Changed), DeletedDate: timePtr(sec.Deleted),
		Tags: tagList(sec.Tags), VersionIdsToStages: sec.VersionsToStages(), CreatedDate: timePtr(sec.Created),
	}, nil
}

func (a *api) listSecrets(c *awsproto.Call, in *sm.ListSecretsRequest) (*sm.ListSecretsResponse, error) {
	filters := make([]secrets.Filter, len(in.Filters))
	for i, f := range in.Filters {
		filters[i] = secrets.Filter{Key: str(f.Key), Values: f.Values}
	}
	max := 0
	if in.MaxResults != nil {
		max = int(*in.MaxResults)
	}
	list, next, err := a.svc.ListSecrets(c.Context, account(c), c.Region, secrets.ListInput{
		Max: max, NextToken: str(in.NextToken), Filters: filters, IncludeDeleted: in.IncludePlannedDeletion != nil && *in.IncludePlannedDeletion,
	})
	if err != nil {
		return nil, err
	}
	out := &sm.ListSecretsResponse{SecretList: make([]sm.SecretListEntry, len(list)), NextToken: optional(next)}
	for i, sec := range list {
		out.SecretList[i] = sm.SecretListEntry{
			ARN: ptr(sec.ARN), Name: ptr(sec.Name), Description: optional(sec.Description), KmsKeyId: optional(sec.KmsKeyID),
			LastChangedDate: timePtr(sec.Changed), DeletedDate: timePtr(sec.Deleted), Tags: tagList(sec.Tags),
			SecretVersionsToStages: sec.VersionsToStages(), CreatedDate: timePtr(sec.Created),
		}
	}
	return out, nil
}

func (a *api) updateSecret(c *awsproto.Call, in *sm.UpdateSecretRequest) (*sm.UpdateSecretResponse, error) {
	sec, version, err := a.svc.UpdateSecret(c.Context, account(c), c.Region, str(in.SecretId), secrets.UpdateInput{
		Description: in.Description, KmsKeyID: in.KmsKeyId, Value: value(in.SecretString, in.SecretBinary, in.ClientRequestToken),
	})
	if err != nil {
		return nil, err
	}
	return &sm.UpdateSecretResponse{ARN: ptr(sec.ARN), Name: ptr(sec.Name), VersionId: optional(version)}, nil
}

func (a *api) deleteSecret(c *awsproto.Call, in *sm.DeleteSecretRequest) (*sm.DeleteSecretResponse, error) {
	days := 0
	if in.RecoveryWindowInDays != nil {
		days = int(*in.RecoveryWindowInDays)
		if days == 0 {
			days = -1 // given as 0: out of range, not the default
		}
	}
	force := in.ForceDeleteWithoutRecovery != nil && *in.ForceDeleteWithoutRecovery
	sec, err := a.svc.DeleteSecret(c.Context, account(c), c.Region, str(in.SecretId), days, force)
	if err != nil {
		return nil, err
	}
	return &sm.DeleteSecretResponse{ARN: ptr(sec.ARN), Name: ptr(sec.Name), DeletionDate: timePtr(sec.PurgeDate)}, nil
}

func (a *api) restoreSecret(c *awsproto.Call, in *sm.RestoreSecretRequest) (*sm.RestoreSecretResponse, error) {
	sec, err := a.svc.RestoreSecret(c.Context, account(c), c.Region, str(in.SecretId))
	if err != nil {
		return nil, err
	}
	return &sm.RestoreSecretResponse{ARN: ptr(sec.ARN), Name: ptr(sec.Name)}, nil
}

func (a *api) putResourcePolicy(c *awsproto.Call, in *sm.PutResourcePolicyRequest) (*sm.PutResourcePolicyResponse, error) {
	sec, err := a.svc.PutResourcePolicy(c.Context, account(c), c.Region, str(in.SecretId), str(in.ResourcePolicy))
	if err != nil {
		return nil, err
	}
	return &sm.PutResourcePolicyResponse{ARN: ptr(sec.ARN), Name: ptr(sec.Name)}, nil
}

func (a *api) getResourcePolicy(c *awsproto.Call, in *sm.GetResourcePolicyRequest) (*sm.GetResourcePolicyResponse, error) {
	sec, err := a.svc.GetResourcePolicy(c.Context, account(c), c.Region, str(in.SecretId))
	if err != nil {
		return nil, err
	}
	return &sm.GetResourcePolicyResponse{ARN: ptr(sec.ARN), Name: ptr(sec.Name), ResourcePolicy: optional(sec.Policy)}, nil
}

func (a *api) deleteResourcePolicy(c *awsproto.Call, in *sm.DeleteResourcePolicyRequest) (*sm.DeleteResourcePolicyResponse, error) {
	sec, err := a.svc.DeleteResourcePolicy(c.Context, account(c), c.Region, str(in.SecretId))
	if err != nil {
		return nil, err
	}
	return &sm.DeleteResourcePolicyResponse{ARN: ptr(sec.ARN), Name: ptr(sec.Name)}, nil
}
