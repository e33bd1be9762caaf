package secretsapi_test

import (
	"context"
	"errors"
	"testing"

	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/kms/kmstest"
	"github.com/stratus-cloud/stratus/internal/secrets"
	"github.com/stratus-cloud/stratus/internal/secrets/secretsapi"
)

// env is the Secrets Manager API on a real router with real KMS behind it,
// authenticated and authorized by the IAM service of an apitest.Env, with
// the secrets' resource policies served to the authorizer as the server does.
type env struct {
	*apitest.Env
	KMS     *kms.Service
	Secrets *secrets.Service
	API     *awsproto.Service
	URL     string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	base := apitest.New(t)
	kmsSvc := kmstest.New(t, base.Store, base.Clock.Now)
	svc, err := secrets.New(ctx, secrets.Config{Store: base.Store, Keys: kmsSvc.ForService("secretsmanager"), Now: base.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	api, err := secretsapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	url := apitest.ServeRouter(t, base, awsproto.RouterConfig{
		Authorizer: iam.NewAuthorizer(iam.AuthorizerConfig{
			Service: base.Service, ResourcePolicies: map[string]iam.ResourcePolicySource{"secretsmanager": svc},
		}),
	}, api)
	return &env{Env: base, KMS: kmsSvc, Secrets: svc, API: api, URL: url}
}

// client returns a Secrets Manager client signing with c.
func (e *env) client(c apitest.Credentials) *smsdk.Client {
	return smsdk.NewFromConfig(apitest.AWSConfig(e.URL, c))
}

// suite checks the authorization of every Secrets Manager operation on
// secrets made by newTarget, against the secrets, kms and iam tables.
func (e *env) suite() apitest.Suite[*smsdk.Client, target] {
	return apitest.Suite[*smsdk.Client, target]{
		Env: e.Env, API: e.API, Client: e.client, Service: "secretsmanager", Noun: "secret",
		Target:    func(t testing.TB, name string) target { return newTarget(t, e, name) },
		Resources: func(tg target) []string { return []string{tg.arn} },
		Snapshot:  func(t testing.TB) string { return apitest.Snapshot(t, e.Store, "secret", "kms_", "iam_") },
		// CreateSecret's case is allowed on the new secret's name and
		// whatever suffix it is given.
		Wildcards: true,
	}
}

// asErr reports whether err wraps an error of target's type.
func asErr[T error](err error, target *T) bool {
	return err != nil && errors.As(err, target)
}
