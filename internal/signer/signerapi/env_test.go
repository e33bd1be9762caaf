package signerapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"
	signersdk "github.com/aws/aws-sdk-go-v2/service/signer"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/restjson"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/codesign"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/kms/kmsapi"
	"github.com/stratus-cloud/stratus/internal/signer"
	"github.com/stratus-cloud/stratus/internal/signer/signerapi"
)

// kmsKeys adapts *kms.Service to signer.Keys and codesign.PublicKeys as the
// server is expected to.
type kmsKeys struct{ svc *kms.Service }

func (k *kmsKeys) CreateSigningKey(ctx context.Context, account, region, description string) (string, error) {
	key, err := k.svc.CreateKey(ctx, account, region, kms.CreateKeyInput{
		Description: description, KeySpec: kms.SpecECCNISTP256, KeyUsage: kms.UsageSignVerify,
	})
	if err != nil {
		return "", err
	}
	return key.ARN(), nil
}

func (k *kmsKeys) PublicKey(ctx context.Context, keyARN string) (*ecdsa.PublicKey, error) {
	parts := strings.SplitN(keyARN, ":", 6)
	if len(parts) != 6 {
		return nil, errors.New("not a key ARN")
	}
	der, _, err := k.svc.PublicKey(ctx, parts[4], parts[3], keyARN)
	if err != nil {
		return nil, err
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	ec, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return nil, errors.New("not an ECDSA key")
	}
	return ec, nil
}

var (
	_ signer.Keys         = (*kmsKeys)(nil)
	_ codesign.PublicKeys = (*kmsKeys)(nil)
)

// env is the Signer and KMS APIs on a real router, authenticated and
// authorized by the IAM service of an apitest.Env.
type env struct {
	*apitest.Env
	KMS    *kms.Service
	Keys   *kmsKeys
	Signer *signer.Service
	API    *awsproto.Service
	URL    string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	base := apitest.New(t)
	kmsSvc, err := kms.New(ctx, kms.Config{Store: base.Store, Sealer: apitest.NewSealer(t), Region: apitest.Region, Now: base.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	keys := &kmsKeys{svc: kmsSvc}
	svc, err := signer.New(ctx, signer.Config{Store: base.Store, Keys: keys, Now: base.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: authapi.New(base.Service, base.Clock.Now),
		Authorizer:    base.Authz,
		Codecs:        map[string]codec.Codec{model.RestJSON: restjson.New(), model.JSON: jsonrpc.New()},
		Now:           base.Clock.Now,
	})
	b := bind.New()
	api, err := signerapi.New(svc, b)
	if err != nil {
		t.Fatal(err)
	}
	kmsAPI, err := kmsapi.New(kmsSvc, b)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*awsproto.Service{api, kmsAPI} {
		if err := rt.Register(s); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return &env{Env: base, KMS: kmsSvc, Keys: keys, Signer: svc, API: api, URL: srv.URL}
}

func (e *env) config(c apitest.Credentials) aws.Config {
	return aws.Config{
		Region:           apitest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		BaseEndpoint:     aws.String(e.URL),
		RetryMaxAttempts: 1,
	}
}

// client returns a Signer client signing with c.
func (e *env) client(c apitest.Credentials) *signersdk.Client {
	return signersdk.NewFromConfig(e.config(c))
}

// kmsClient returns a KMS client signing with c.
func (e *env) kmsClient(c apitest.Credentials) *kmssdk.Client {
	return kmssdk.NewFromConfig(e.config(c))
}
