package configapi_test

import (
	"context"
	"testing"

	configsdk "github.com/aws/aws-sdk-go-v2/service/configservice"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/confighistory"
	"github.com/stratus-cloud/stratus/internal/confighistory/configapi"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

// env is the AWS Config API on a real router, authenticated and authorized
// by the IAM service of an apitest.Env (which supplies the store, the
// account and its users).
type env struct {
	*apitest.Env
	Recorder  *confighistory.Recorder
	API       *awsproto.Service
	ConfigURL string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	base := apitest.New(t)
	rec, err := confighistory.New(context.Background(), confighistory.Config{Store: base.Store, Now: base.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	api, err := configapi.New(rec, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	return &env{Env: base, Recorder: rec, API: api, ConfigURL: apitest.Serve(t, base, api)}
}

// client returns an AWS Config client signing with c.
func (e *env) client(c apitest.Credentials) *configsdk.Client {
	return configsdk.NewFromConfig(apitest.AWSConfig(e.ConfigURL, c))
}

// suite checks the authorization of the AWS Config operations, all of which
// are authorized against "*".
func (e *env) suite() apitest.Suite[*configsdk.Client, string] {
	return apitest.Suite[*configsdk.Client, string]{Env: e.Env, API: e.API, Client: e.client, Service: "config"}
}

// newAccount creates a member account and returns its id.
func (e *env) newAccount(t testing.TB, name string) string {
	t.Helper()
	st, err := e.Service.CreateAccount(context.Background(), e.Account, iam.CreateAccountInput{Email: name + "@example.com", Name: name})
	if err != nil || st.AccountID == "" {
		t.Fatalf("create account: %+v %v", st, err)
	}
	return st.AccountID
}

// record records an item, failing t on error.
func (e *env) record(t testing.TB, it confighistory.Item) {
	t.Helper()
	if err := e.Recorder.Record(context.Background(), it); err != nil {
		t.Fatal(err)
	}
}
