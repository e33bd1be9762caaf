package snsapi_test

import (
	"context"
	"sync"
	"testing"
	"time"

	snssdk "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/sns"
	"github.com/stratus-cloud/stratus/internal/sns/snsapi"
)

// env is the SNS API on a real router, authenticated by the IAM service of
// an apitest.Env and authorized by an iam.Authorizer that consults the
// topics' policies, as the server wires it.
type env struct {
	*apitest.Env
	SNS    *sns.Service
	API    *awsproto.Service
	URL    string
	Queues *fakeQueues
}

func newEnv(t *testing.T) *env { return newEnvDelivering(t, true) }

// newEnvDelivering returns an env whose Service delivers only when deliver
// is true (tests that compare the store before and after a call need it
// still).
func newEnvDelivering(t *testing.T, deliver bool) *env {
	t.Helper()
	base := apitest.New(t)
	queues := &fakeQueues{}
	svc, err := sns.New(context.Background(), sns.Config{
		Store: base.Store, Region: apitest.Region, Now: base.Clock.Now, Queues: queues,
		HTTP: snsapi.NewHTTPPoster(nil), PollEvery: 5 * time.Millisecond, Workers: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	if deliver {
		svc.Start()
		t.Cleanup(func() { svc.Stop(context.Background()) })
	}
	api, err := snsapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	url := apitest.ServeRouter(t, base, awsproto.RouterConfig{
		Authorizer: iam.NewAuthorizer(iam.AuthorizerConfig{Service: base.Service, ResourcePolicies: map[string]iam.ResourcePolicySource{"sns": svc}}),
	}, api)
	return &env{Env: base, SNS: svc, API: api, URL: url, Queues: queues}
}

// client returns an SNS client signing with c.
func (e *env) client(c apitest.Credentials) *snssdk.Client {
	return snssdk.NewFromConfig(apitest.AWSConfig(e.URL, c))
}

func (e *env) topicARN(name string) string { return sns.TopicARN(apitest.Region, e.Account, name) }

// fakeQueues records what SNS sends to SQS.
type fakeQueues struct {
	mu   sync.Mutex // guards sent
	sent map[string][]string
}

func (q *fakeQueues) SendToQueue(_ context.Context, queueARN, body string, _ map[string]sns.MessageAttribute) (string, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.sent == nil {
		q.sent = map[string][]string{}
	}
	q.sent[queueARN] = append(q.sent[queueARN], body)
	return "id", nil
}

func (q *fakeQueues) to(queueARN string) []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return append([]string(nil), q.sent[queueARN]...)
}

// suite checks the authorization of every SNS operation on topics named by
// the targets (which the cases' setups create), against the sns and iam
// tables. Denials are AuthorizationError, as SNS names them.
func (e *env) suite() apitest.Suite[*snssdk.Client, *topic] {
	return apitest.Suite[*snssdk.Client, *topic]{
		Env: e.Env, API: e.API, Client: e.client, Service: "sns", Noun: "topic",
		Denied:    []string{"AuthorizationError"},
		Target:    func(_ testing.TB, name string) *topic { return &topic{name: name} },
		Resources: func(tg *topic) []string { return []string{e.topicARN(tg.name)} },
		Snapshot:  func(t testing.TB) string { return apitest.Snapshot(t, e.Store, "sns_", "iam_") },
	}
}
