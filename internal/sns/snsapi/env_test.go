package snsapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	snssdk "github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/query"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/sns"
	"github.com/stratus-cloud/stratus/internal/sns/snsapi"
	"github.com/stratus-cloud/stratus/internal/store"
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
	authz := iam.NewAuthorizer(iam.AuthorizerConfig{Service: base.Service, ResourcePolicies: map[string]iam.ResourcePolicySource{"sns": svc}})
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: authapi.New(base.Service, base.Clock.Now),
		Authorizer:    authz,
		Codecs:        map[string]codec.Codec{model.Query: query.New()},
		Now:           base.Clock.Now,
	})
	api, err := snsapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(api); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return &env{Env: base, SNS: svc, API: api, URL: srv.URL, Queues: queues}
}

// client returns an SNS client signing with c.
func (e *env) client(c apitest.Credentials) *snssdk.Client {
	return snssdk.NewFromConfig(aws.Config{
		Region:           apitest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		BaseEndpoint:     aws.String(e.URL),
		RetryMaxAttempts: 1,
	})
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

// snapshot returns every row of every sns_ table but the signing key's, as
// text.
func snapshot(t testing.TB, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	err := st.View(ctx, func(tx *store.Tx) error {
		for _, tbl := range []string{"sns_topics", "sns_subscriptions", "sns_messages", "sns_deliveries", "sns_dedup"} {
			rows, err := tx.Query(ctx, `SELECT * FROM `+tbl)
			if err != nil {
				return err
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				if err := rows.Scan(ptrs...); err != nil {
					rows.Close()
					return err
				}
				lines = append(lines, fmt.Sprintf("%s %v", tbl, vals))
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
