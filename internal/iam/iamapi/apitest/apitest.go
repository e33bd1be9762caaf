// Package apitest runs the IAM, STS and Organizations APIs on a real
// awsproto.Router over a real store in a temporary directory, for the tests of
// internal/iam and its wire adapters: requests are signed and sent by the AWS
// SDK for Go v2 (or by hand with internal/sigv4), authenticated by
// authapi.Authenticator and authorized by iam.Authorizer exactly as in the server.
//
// It is also the shared harness of every other service's wire adapter tests:
// Serve puts an API on a router authenticated and authorized by the Env,
// Snapshot captures tables as text, and Suite runs the per-operation
// authorization checks (allowed on one target, denied with nothing changed on
// its sibling, account-wide operations only on "*", every operation covered).
//
// It is not for production code; import it only from tests.
package apitest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	orgsdk "github.com/aws/aws-sdk-go-v2/service/organizations"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/query"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/clocktest"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi"
	"github.com/stratus-cloud/stratus/internal/iam/orgapi"
	"github.com/stratus-cloud/stratus/internal/iam/stsapi"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Region is the region clients sign for.
const Region = "us-east-1"

// Env is a running IAM/STS/Organizations endpoint.
type Env struct {
	Store   *store.Store
	Service *iam.Service
	Authz   *iam.Authorizer
	Router  *awsproto.Router
	Server  *httptest.Server
	// Clock is the wall clock shifted by whatever tests Add to it.
	Clock *clocktest.Clock
	// Services are the registered APIs by model name (iam, sts, organizations).
	Services map[string]*awsproto.Service
	// Account is the management account; Admin the bootstrap user's key.
	Account string
	Admin   Credentials
}

// Credentials is an access key, with a session token for temporary ones.
type Credentials struct {
	AccessKeyID, SecretAccessKey, SessionToken string
}

// New starts an Env whose management account is bootstrapped. Everything is
// stopped when t ends.
func New(t testing.TB) *Env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(t.TempDir(), "stratus.db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := clocktest.NewWall()
	svc, err := iam.New(ctx, iam.Config{Store: st, Sealer: NewSealer(t), Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	authz := iam.NewAuthorizer(iam.AuthorizerConfig{Service: svc})
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: authapi.New(svc, clock.Now),
		Authorizer:    authz,
		Codecs:        map[string]codec.Codec{model.Query: query.New(), model.JSON: jsonrpc.New()},
		Now:           clock.Now,
	})
	b := bind.New()
	iamSvc, err := iamapi.New(svc, authz, b)
	if err != nil {
		t.Fatal(err)
	}
	stsSvc, err := stsapi.New(svc, b)
	if err != nil {
		t.Fatal(err)
	}
	orgSvc, err := orgapi.New(svc, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*awsproto.Service{iamSvc, stsSvc, orgSvc} {
		if err := rt.Register(s); err != nil {
			t.Fatal(err)
		}
	}
	boot, _, err := svc.EnsureBootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return &Env{
		Store: st, Services: map[string]*awsproto.Service{"iam": iamSvc, "sts": stsSvc, "organizations": orgSvc},
		Service: svc, Authz: authz, Router: rt, Server: srv, Clock: clock, Account: boot.AccountID,
		Admin: Credentials{AccessKeyID: boot.AccessKeyID, SecretAccessKey: boot.SecretAccessKey},
	}
}

func (e *Env) config(c Credentials) aws.Config {
	cfg := AWSConfig(e.Server.URL, c)
	cfg.HTTPClient = e.Server.Client()
	return cfg
}

// IAM returns an IAM client signing with c.
func (e *Env) IAM(c Credentials) *iamsdk.Client { return iamsdk.NewFromConfig(e.config(c)) }

// STS returns an STS client signing with c.
func (e *Env) STS(c Credentials) *stssdk.Client { return stssdk.NewFromConfig(e.config(c)) }

// Orgs returns an Organizations client signing with c.
func (e *Env) Orgs(c Credentials) *orgsdk.Client { return orgsdk.NewFromConfig(e.config(c)) }

// NewUser creates a user in account with an access key and the given inline
// policy (none when doc is ""), and returns the key.
func (e *Env) NewUser(t testing.TB, account, name, doc string) Credentials {
	t.Helper()
	ctx := context.Background()
	if _, err := e.Service.CreateUser(ctx, account, iam.CreateUserInput{Name: name}); err != nil {
		t.Fatal(err)
	}
	if doc != "" {
		if err := e.Service.PutInlinePolicy(ctx, account, iam.Owner{Kind: iam.KindUser, Name: name}, "test", doc); err != nil {
			t.Fatal(err)
		}
	}
	k, err := e.Service.CreateAccessKey(ctx, account, name)
	if err != nil {
		t.Fatal(err)
	}
	return Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
}

// NewSealer returns the sealer the server uses, secret.Box, under a fresh
// root key in a temporary directory.
func NewSealer(t testing.TB) *secret.Box {
	key, err := rootkey.LoadOrCreate(filepath.Join(t.TempDir(), "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	return secret.NewBox(key)
}

var _ http.Handler = (*awsproto.Router)(nil)
