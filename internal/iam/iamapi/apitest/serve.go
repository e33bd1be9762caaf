package apitest

import (
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/query"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/restjson"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/rpcv2cbor"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
)

// Serve serves api on a router of its own, authenticated by env's IAM service
// and authorized by env.Authz as in the server, and returns the base URL. The
// router speaks the named protocols (model.JSON, model.Query, ...), or only
// api's own when none is named. The server is closed when t ends.
func Serve(t testing.TB, env *Env, api *awsproto.Service, protocols ...string) string {
	t.Helper()
	if len(protocols) == 0 {
		protocols = []string{api.Model.Protocol}
	}
	return ServeRouter(t, env, awsproto.RouterConfig{Codecs: Codecs(protocols...)}, api)
}

// ServeRouter is Serve for a router that needs more: cfg's Authenticator,
// Authorizer and Now default to env's (authapi over env.Service, env.Authz,
// env.Clock.Now) and its Codecs to those of the apis' protocols; every api is
// registered on the one router.
func ServeRouter(t testing.TB, env *Env, cfg awsproto.RouterConfig, apis ...*awsproto.Service) string {
	t.Helper()
	if cfg.Authenticator == nil {
		cfg.Authenticator = authapi.New(env.Service, env.Clock.Now)
	}
	if cfg.Authorizer == nil {
		cfg.Authorizer = env.Authz
	}
	if cfg.Now == nil {
		cfg.Now = env.Clock.Now
	}
	if cfg.Codecs == nil {
		var protocols []string
		for _, api := range apis {
			protocols = append(protocols, api.Model.Protocol)
		}
		cfg.Codecs = Codecs(protocols...)
	}
	rt := awsproto.NewRouter(cfg)
	for _, api := range apis {
		if err := rt.Register(api); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return srv.URL
}

// Codecs returns the server's codec for each named protocol; a protocol it
// does not know is left out (and Register then fails on it).
func Codecs(protocols ...string) map[string]codec.Codec {
	out := map[string]codec.Codec{}
	for _, p := range protocols {
		switch p {
		case model.JSON:
			out[p] = jsonrpc.New()
		case model.Query:
			out[p] = query.New()
		case model.RestJSON:
			out[p] = restjson.New()
		case model.CBOR:
			out[p] = rpcv2cbor.New()
		}
	}
	return out
}

// AWSConfig is the SDK configuration for a client of the endpoint at baseURL
// signing with c: the Env's region and no retries.
func AWSConfig(baseURL string, c Credentials) aws.Config {
	return aws.Config{
		Region:           Region,
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		BaseEndpoint:     aws.String(baseURL),
		RetryMaxAttempts: 1,
	}
}
