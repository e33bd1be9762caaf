package logsapi_test

import (
	"context"
	"testing"

	cwl "github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/logs"
	"github.com/stratus-cloud/stratus/internal/logs/logsapi"
)

// env is the Logs API on a real router, authenticated and authorized by the
// IAM service of an apitest.Env (which supplies the store, the account and
// its users).
type env struct {
	*apitest.Env
	Logs    *logs.Service
	API     *awsproto.Service
	LogsURL string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	base := apitest.New(t)
	svc, err := logs.New(context.Background(), logs.Config{Store: base.Store, Now: base.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	api, err := logsapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	return &env{Env: base, Logs: svc, API: api, LogsURL: apitest.Serve(t, base, api)}
}

// client returns a CloudWatch Logs client signing with c.
func (e *env) client(c apitest.Credentials) *cwl.Client {
	return cwl.NewFromConfig(apitest.AWSConfig(e.LogsURL, c))
}

// suite checks the authorization of every Logs operation on log groups
// named by the targets (which the cases' setups create), against the logs
// and iam tables.
func (e *env) suite() apitest.Suite[*cwl.Client, string] {
	return apitest.Suite[*cwl.Client, string]{
		Env: e.Env, API: e.API, Client: e.client, Service: "logs",
		Target:   func(_ testing.TB, name string) string { return name },
		Snapshot: func(t testing.TB) string { return apitest.Snapshot(t, e.Store, "logs_", "iam_") },
	}
}
