package configapi_test

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	configsdk "github.com/aws/aws-sdk-go-v2/service/configservice"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/confighistory"
	"github.com/stratus-cloud/stratus/internal/confighistory/configapi"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

// env is the AWS Config API on a real router, authenticated and authorized
// by the IAM service of an apitest.Env (which supplies the store, the
// account and its users). The API is also registered as Services["config"]
// of the apitest.Env, for apitest.CheckCoverage.
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
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: authapi.New(base.Service, base.Clock.Now),
		Authorizer:    base.Authz,
		Codecs:        map[string]codec.Codec{model.JSON: jsonrpc.New()},
		Now:           base.Clock.Now,
	})
	api, err := configapi.New(rec, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(api); err != nil {
		t.Fatal(err)
	}
	base.Services["config"] = api
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return &env{Env: base, Recorder: rec, API: api, ConfigURL: srv.URL}
}

// client returns an AWS Config client signing with c.
func (e *env) client(c apitest.Credentials) *configsdk.Client {
	return configsdk.NewFromConfig(aws.Config{
		Region:           apitest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		BaseEndpoint:     aws.String(e.ConfigURL),
		RetryMaxAttempts: 1,
	})
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
