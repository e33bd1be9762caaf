package sqsapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/iam/policy"
	"github.com/stratus-cloud/stratus/internal/sigv4"
	"github.com/stratus-cloud/stratus/internal/sqs"
	"github.com/stratus-cloud/stratus/internal/sqs/sqsapi"
)

// env is the SQS API on a real router, authenticated by the IAM service of
// an apitest.Env and authorized by an iam.Authorizer that reads queue
// policies from the SQS service, as the server wires it.
type env struct {
	*apitest.Env
	SQS    *sqs.Service
	API    *awsproto.Service
	SQSURL string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	base := apitest.New(t)
	ctx := context.Background()
	svc, err := sqs.New(ctx, sqs.Config{Store: base.Store, Region: apitest.Region, Now: base.Clock.Now, CheckPolicy: func(doc string) error {
		_, err := policy.Parse(doc, policy.Resource)
		return err
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Stop(context.Background()) })
	api, err := sqsapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	url := apitest.ServeRouter(t, base, awsproto.RouterConfig{
		Authorizer: iam.NewAuthorizer(iam.AuthorizerConfig{Service: base.Service, ResourcePolicies: map[string]iam.ResourcePolicySource{"sqs": svc}}),
		Codecs:     apitest.Codecs(model.JSON, model.Query),
	}, api)
	return &env{Env: base, SQS: svc, API: api, SQSURL: url}
}

// client returns an SQS client signing with c.
func (e *env) client(c apitest.Credentials) *sqssdk.Client {
	return sqssdk.NewFromConfig(apitest.AWSConfig(e.SQSURL, c))
}

// queueURL is the URL the API hands out for a queue of account.
func (e *env) queueURL(account, name string) string {
	return sqs.QueueRef{Account: account, Name: name}.URL(e.SQSURL)
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

// suite checks the authorization of every SQS operation on queues named
// by the targets (which the cases' setups create), against the sqs and iam
// tables. Denials are AccessDenied, as SQS's query protocol names them.
func (e *env) suite() apitest.Suite[*sqssdk.Client, *queue] {
	return apitest.Suite[*sqssdk.Client, *queue]{
		Env: e.Env, API: e.API, Client: e.client, Service: "sqs", Noun: "queue",
		Denied: []string{"AccessDenied"},
		Target: func(_ testing.TB, name string) *queue { return &queue{name: name} },
		Resources: func(q *queue) []string {
			return []string{sqs.QueueRef{Account: e.Account, Name: q.name}.ARN(apitest.Region)}
		},
		Snapshot: func(t testing.TB) string { return apitest.Snapshot(t, e.Store, "sqs_", "iam_") },
	}
}

// sign signs req (whose body is body) for SQS with c at now.
func sign(t testing.TB, req *http.Request, body string, c apitest.Credentials, now time.Time) {
	t.Helper()
	cred := sigv4.Credential{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if err := sigv4.Sign(req, []byte(body), cred, apitest.Region, "sqs", now); err != nil {
		t.Fatal(err)
	}
}
