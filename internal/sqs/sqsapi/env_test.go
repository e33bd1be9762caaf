package sqsapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sqssdk "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/query"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/iam/policy"
	"github.com/stratus-cloud/stratus/internal/sigv4"
	"github.com/stratus-cloud/stratus/internal/sqs"
	"github.com/stratus-cloud/stratus/internal/sqs/sqsapi"
	"github.com/stratus-cloud/stratus/internal/store"
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
	authz := iam.NewAuthorizer(iam.AuthorizerConfig{Service: base.Service, ResourcePolicies: map[string]iam.ResourcePolicySource{"sqs": svc}})
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: authapi.New(base.Service, base.Clock.Now),
		Authorizer:    authz,
		Codecs:        map[string]codec.Codec{model.JSON: jsonrpc.New(), model.Query: query.New()},
		Now:           base.Clock.Now,
	})
	api, err := sqsapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(api); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return &env{Env: base, SQS: svc, API: api, SQSURL: srv.URL}
}

// client returns an SQS client signing with c.
func (e *env) client(c apitest.Credentials) *sqssdk.Client {
	return sqssdk.NewFromConfig(aws.Config{
		Region:           apitest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		BaseEndpoint:     aws.String(e.SQSURL),
		RetryMaxAttempts: 1,
	})
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

// snapshot returns every row of every sqs_ table, as text.
func snapshot(t testing.TB, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	err := st.View(ctx, func(tx *store.Tx) error {
		for _, tbl := range []string{"sqs_queues", "sqs_messages", "sqs_dedup"} {
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

// sign signs req (whose body is body) for SQS with c at now.
func sign(t testing.TB, req *http.Request, body string, c apitest.Credentials, now time.Time) {
	t.Helper()
	cred := sigv4.Credential{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if err := sigv4.Sign(req, []byte(body), cred, apitest.Region, "sqs", now); err != nil {
		t.Fatal(err)
	}
}
