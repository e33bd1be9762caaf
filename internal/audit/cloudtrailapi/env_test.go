package cloudtrailapi_test

import (
	"context"
	"crypto/ed25519"
	"strings"
	"testing"
	"time"

	ctsdk "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stratus-cloud/stratus/internal/audit"
	"github.com/stratus-cloud/stratus/internal/audit/cloudtrailapi"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/sqsshapes"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/identity"
)

// env is the CloudTrail API on a real router whose Auditor is the trail it
// serves, authenticated and authorized by the IAM service of an apitest.Env.
type env struct {
	*apitest.Env
	Trail  *audit.Trail
	API    *awsproto.Service
	URL    string
	Lambda *model.Service
	SQS    *model.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	base := apitest.New(t)
	tr, err := audit.New(context.Background(), audit.Config{
		Store: base.Store, DigestKey: ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)),
		FlushInterval: 5 * time.Millisecond, Now: base.Clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	api, err := cloudtrailapi.New(tr, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	url := apitest.ServeRouter(t, base, awsproto.RouterConfig{Auditor: tr}, api)
	lm, err := lambdashapes.Service()
	if err != nil {
		t.Fatal(err)
	}
	sm, err := sqsshapes.Service()
	if err != nil {
		t.Fatal(err)
	}
	return &env{Env: base, Trail: tr, API: api, URL: url, Lambda: lm, SQS: sm}
}

// fullTarget makes the Go SDK v2 send the model's full X-Amz-Target prefix
// ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents", as
// botocore sends it) instead of its short form ("CloudTrail_20131101.
// LookupEvents"). AWS accepts both, but internal/awsproto's router and json
// codec know only the model's prefix; until they map the short form too,
// this keeps the SDK tests about CloudTrail rather than about the prefix.
func fullTarget(prefix string) func(*middleware.Stack) error {
	short := prefix[strings.LastIndex(prefix, ".")+1:] + "."
	return func(s *middleware.Stack) error {
		return s.Build.Add(middleware.BuildMiddlewareFunc("StratusFullTarget",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					if op, ok := strings.CutPrefix(req.Header.Get("X-Amz-Target"), short); ok {
						req.Header.Set("X-Amz-Target", prefix+"."+op)
					}
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
}

// client returns a CloudTrail client signing with c.
func (e *env) client(c apitest.Credentials) *ctsdk.Client {
	cfg := apitest.AWSConfig(e.URL, c)
	cfg.APIOptions = []func(*middleware.Stack) error{fullTarget(e.API.Model.TargetPrefix)}
	return ctsdk.NewFromConfig(cfg)
}

// call records a call of op of svc in account by the user name, at when.
func (e *env) call(svc *model.Service, op, reqID, account, name string, when time.Time, in map[string]any) {
	e.Trail.Audit(context.Background(), &awsproto.AuditEntry{
		Time: when, Service: svc, Operation: svc.Operations[op], Region: apitest.Region, RequestID: reqID,
		SourceIP: "127.0.0.1", UserAgent: "test", In: in,
		Principal: &identity.Principal{Kind: identity.KindUser, Account: account, Name: name,
			ARN: "arn:aws:iam::" + account + ":user/" + name, UserID: "AIDA" + name, AccessKeyID: "AKIA" + name},
	})
}
