package ssmapi_test

import (
	"context"
	"errors"
	"testing"

	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/kms/kmstest"
	"github.com/stratus-cloud/stratus/internal/ssm"
	"github.com/stratus-cloud/stratus/internal/ssm/ssmapi"
)

// env is the Parameter Store API on a real router with real KMS behind it,
// authenticated and authorized by the IAM service of an apitest.Env.
type env struct {
	*apitest.Env
	KMS *kms.Service
	SSM *ssm.Service
	API *awsproto.Service
	URL string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	base := apitest.New(t)
	kmsSvc := kmstest.New(t, base.Store, base.Clock.Now)
	svc, err := ssm.New(ctx, ssm.Config{Store: base.Store, Keys: kmsSvc.ForService("ssm"), Now: base.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	api, err := ssmapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	return &env{Env: base, KMS: kmsSvc, SSM: svc, API: api, URL: apitest.Serve(t, base, api)}
}

// client returns an SSM client signing with c.
func (e *env) client(c apitest.Credentials) *ssmsdk.Client {
	return ssmsdk.NewFromConfig(apitest.AWSConfig(e.URL, c))
}

// snapshot returns every row of the ssm, kms and iam tables, as text.
func (e *env) snapshot(t testing.TB) string {
	return apitest.Snapshot(t, e.Store, "ssm_", "kms_", "iam_")
}

// suite checks the authorization of every Parameter Store operation on
// parameters made by newTarget under the path "/" + the target's name.
func (e *env) suite() apitest.Suite[*ssmsdk.Client, target] {
	return apitest.Suite[*ssmsdk.Client, target]{
		Env: e.Env, API: e.API, Client: e.client, Service: "ssm", Noun: "parameter",
		Target:    func(t testing.TB, name string) target { return newTarget(t, e, "/"+name) },
		Resources: func(tg target) []string { return []string{tg.arn} },
		Snapshot:  e.snapshot,
	}
}

// asErr reports whether err wraps an error of target's type.
func asErr[T error](err error, target *T) bool {
	return err != nil && errors.As(err, target)
}
