package signerapi_test

import (
	"context"
	"testing"

	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"
	signersdk "github.com/aws/aws-sdk-go-v2/service/signer"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/kms/kmsapi"
	"github.com/stratus-cloud/stratus/internal/kms/kmstest"
	"github.com/stratus-cloud/stratus/internal/signer"
	"github.com/stratus-cloud/stratus/internal/signer/signerapi"
)

// env is the Signer and KMS APIs on a real router, authenticated and
// authorized by the IAM service of an apitest.Env.
type env struct {
	*apitest.Env
	KMS    *kms.Service
	Keys   kms.SigningKeys
	Signer *signer.Service
	API    *awsproto.Service
	URL    string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	base := apitest.New(t)
	kmsSvc := kmstest.New(t, base.Store, base.Clock.Now)
	keys := kmsSvc.SigningKeys()
	svc, err := signer.New(ctx, signer.Config{Store: base.Store, Keys: keys, Now: base.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	b := bind.New()
	api, err := signerapi.New(svc, b)
	if err != nil {
		t.Fatal(err)
	}
	kmsAPI, err := kmsapi.New(kmsSvc, b)
	if err != nil {
		t.Fatal(err)
	}
	url := apitest.ServeRouter(t, base, awsproto.RouterConfig{}, api, kmsAPI)
	return &env{Env: base, KMS: kmsSvc, Keys: keys, Signer: svc, API: api, URL: url}
}

// client returns a Signer client signing with c.
func (e *env) client(c apitest.Credentials) *signersdk.Client {
	return signersdk.NewFromConfig(apitest.AWSConfig(e.URL, c))
}

// kmsClient returns a KMS client signing with c.
func (e *env) kmsClient(c apitest.Credentials) *kmssdk.Client {
	return kmssdk.NewFromConfig(apitest.AWSConfig(e.URL, c))
}

// suite checks the authorization of every Signer operation on profiles made
// by newTarget, against the signer, kms and iam tables.
func (e *env) suite() apitest.Suite[*signersdk.Client, target] {
	return apitest.Suite[*signersdk.Client, target]{
		Env: e.Env, API: e.API, Client: e.client, Service: "signer", Noun: "profile",
		Target:    func(t testing.TB, name string) target { return newTarget(t, e, name) },
		Resources: func(tg target) []string { return []string{tg.arn} },
		Snapshot:  func(t testing.TB) string { return apitest.Snapshot(t, e.Store, "signer_", "kms_", "iam_") },
	}
}
