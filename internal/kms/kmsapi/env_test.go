package kmsapi_test

import (
	"context"
	"testing"

	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/kms/kmsapi"
)

// env is the KMS API on a real router, authenticated and authorized by the
// IAM service of an apitest.Env (which supplies the store, the account and
// its users).
type env struct {
	*apitest.Env
	KMS    *kms.Service
	API    *awsproto.Service
	KMSURL string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	base := apitest.New(t)
	svc, err := kms.New(context.Background(), kms.Config{
		Store: base.Store, Sealer: apitest.NewSealer(t), Region: apitest.Region, Now: base.Clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	api, err := kmsapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	return &env{Env: base, KMS: svc, API: api, KMSURL: apitest.Serve(t, base, api)}
}

// client returns a KMS client signing with c.
func (e *env) client(c apitest.Credentials) *kmssdk.Client {
	return kmssdk.NewFromConfig(apitest.AWSConfig(e.KMSURL, c))
}

// suite checks the authorization of every KMS operation on targets made by
// newTarget, against the kms_ and iam_ tables.
func (e *env) suite() apitest.Suite[*kmssdk.Client, target] {
	return apitest.Suite[*kmssdk.Client, target]{
		Env: e.Env, API: e.API, Client: e.client, Service: "kms", Noun: "key",
		Target:   func(t testing.TB, name string) target { return newTarget(t, e, name) },
		Snapshot: func(t testing.TB) string { return apitest.Snapshot(t, e.Store, "kms_", "iam_") },
	}
}
