package secretsapi

import (
	"fmt"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	sm "github.com/stratus-cloud/stratus/internal/awsproto/shapes/secretsmanagershapes"
	"github.com/stratus-cloud/stratus/internal/secrets"
)

// api implements the operations over the Secrets Manager domain.
type api struct {
	svc *secrets.Service
}

// New returns the Secrets Manager API for the router: its model, action
// prefix "secretsmanager" and the implemented operations.
func New(svc *secrets.Service, b *bind.Binder) (*awsproto.Service, error) {
	m, err := sm.Service()
	if err != nil {
		return nil, fmt.Errorf("load secretsmanager model: %w", err)
	}
	a := &api{svc: svc}
	return &awsproto.Service{
		Model:            m,
		ActionPrefix:     "secretsmanager",
		AccessDeniedCode: "AccessDeniedException",
		Ops:              a.ops(b),
	}, nil
}

func (a *api) ops(b *bind.Binder) map[string]awsproto.Op {
	type (
		get = sm.GetSecretValueRequest
		put = sm.PutSecretValueRequest
		des = sm.DescribeSecretRequest
		upd = sm.UpdateSecretRequest
		del = sm.DeleteSecretRequest
		res = sm.RestoreSecretRequest
		prp = sm.PutResourcePolicyRequest
		grp = sm.GetResourcePolicyRequest
		drp = sm.DeleteResourcePolicyRequest
	)
	return map[string]awsproto.Op{
		sm.OpCreateSecret:         awsproto.Typed(b, a.createRes, a.createSecret),
		sm.OpListSecrets:          awsproto.Typed(b, nil, a.listSecrets),
		sm.OpGetSecretValue:       awsproto.Typed(b, secretRes(a.svc, func(in *get) *string { return in.SecretId }), a.getSecretValue),
		sm.OpPutSecretValue:       awsproto.Typed(b, secretRes(a.svc, func(in *put) *string { return in.SecretId }), a.putSecretValue),
		sm.OpDescribeSecret:       awsproto.Typed(b, secretRes(a.svc, func(in *des) *string { return in.SecretId }), a.describeSecret),
		sm.OpUpdateSecret:         awsproto.Typed(b, secretRes(a.svc, func(in *upd) *string { return in.SecretId }), a.updateSecret),
		sm.OpDeleteSecret:         awsproto.Typed(b, secretRes(a.svc, func(in *del) *string { return in.SecretId }), a.deleteSecret),
		sm.OpRestoreSecret:        awsproto.Typed(b, secretRes(a.svc, func(in *res) *string { return in.SecretId }), a.restoreSecret),
		sm.OpPutResourcePolicy:    awsproto.Typed(b, secretRes(a.svc, func(in *prp) *string { return in.SecretId }), a.putResourcePolicy),
		sm.OpGetResourcePolicy:    awsproto.Typed(b, secretRes(a.svc, func(in *grp) *string { return in.SecretId }), a.getResourcePolicy),
		sm.OpDeleteResourcePolicy: awsproto.Typed(b, secretRes(a.svc, func(in *drp) *string { return in.SecretId }), a.deleteResourcePolicy),
	}
}

func account(c *awsproto.Call) string { return c.Principal.Account }

// secretRes authorizes against the ARN of the secret a request names.
func secretRes[In any](svc *secrets.Service, ref func(*In) *string) func(*awsproto.Call, *In) ([]string, error) {
	return func(c *awsproto.Call, in *In) ([]string, error) {
		id := str(ref(in))
		if id == "" {
			return nil, awserr.New(secrets.CodeInvalidParameter, 400, "SecretId is required.")
		}
		arn, err := svc.ResolveARN(c.Context, account(c), c.Region, id)
		if err != nil {
			return nil, err
		}
		return []string{arn}, nil
	}
}

func (a *api) createRes(c *awsproto.Call, in *sm.CreateSecretRequest) ([]string, error) {
	return []string{secrets.ARNPrefix(c.Region, account(c)) + str(in.Name) + "-??????"}, nil
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

func tagMap(tags []sm.Tag) (map[string]string, error) {
	if len(tags) == 0 {
		return nil, nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		if _, dup := m[str(t.Key)]; dup {
			return nil, awserr.New(secrets.CodeInvalidParameter, 400, "Duplicate tag key: %s", str(t.Key))
		}
		m[str(t.Key)] = str(t.Value)
	}
	return m, nil
}

func tagList(m map[string]string) []sm.Tag {
	if len(m) == 0 {
		return nil
	}
	out := make([]sm.Tag, 0, len(m))
	for k, v := range m {
		out = append(out, sm.Tag{Key: ptr(k), Value: ptr(v)})
	}
	return out
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
