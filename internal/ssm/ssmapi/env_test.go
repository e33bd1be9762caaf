package ssmapi_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/ssm"
	"github.com/stratus-cloud/stratus/internal/ssm/ssmapi"
	"github.com/stratus-cloud/stratus/internal/store"
)

// kmsKeys adapts *kms.Service to ssm.Keys as the server is expected to: the
// AWS managed key alias/aws/ssm is made on first use.
type kmsKeys struct{ svc *kms.Service }

func (k *kmsKeys) Encrypt(ctx context.Context, account, region, keyID string, plaintext []byte, encCtx map[string]string) ([]byte, error) {
	if keyID == ssm.DefaultKeyAlias {
		if _, err := k.svc.EnsureManagedKey(ctx, account, region, "ssm"); err != nil {
			return nil, err
		}
	}
	blob, _, err := k.svc.Encrypt(ctx, account, region, keyID, plaintext, encCtx)
	return blob, err
}

func (k *kmsKeys) Decrypt(ctx context.Context, account, region string, blob []byte, encCtx map[string]string) ([]byte, error) {
	plain, _, err := k.svc.Decrypt(ctx, account, region, "", blob, encCtx)
	return plain, err
}

var _ ssm.Keys = (*kmsKeys)(nil)

// env is the Parameter Store API on a real router with real KMS behind it,
// authenticated and authorized by the IAM service of an apitest.Env.
type env struct {
	*apitest.Env
	KMS *kms.Service
	SSM *ssm.Service
	API *awsproto.Service
	URL string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	base := apitest.New(t)
	kmsSvc, err := kms.New(ctx, kms.Config{Store: base.Store, Sealer: apitest.NewSealer(t), Region: apitest.Region, Now: base.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := ssm.New(ctx, ssm.Config{Store: base.Store, Keys: &kmsKeys{svc: kmsSvc}, Now: base.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: authapi.New(base.Service, base.Clock.Now),
		Authorizer:    iam.NewAuthorizer(iam.AuthorizerConfig{Service: base.Service}),
		Codecs:        map[string]codec.Codec{model.JSON: jsonrpc.New()},
		Now:           base.Clock.Now,
	})
	api, err := ssmapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(api); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return &env{Env: base, KMS: kmsSvc, SSM: svc, API: api, URL: srv.URL}
}

// client returns an SSM client signing with c.
func (e *env) client(c apitest.Credentials) *ssmsdk.Client {
	return ssmsdk.NewFromConfig(aws.Config{
		Region:           apitest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		BaseEndpoint:     aws.String(e.URL),
		RetryMaxAttempts: 1,
	})
}

// snapshot returns every row of the ssm and kms tables, as text.
func snapshot(t testing.TB, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	err := st.View(ctx, func(tx *store.Tx) error {
		for _, tbl := range []string{"ssm_parameters", "ssm_parameter_versions", "kms_keys", "kms_aliases"} {
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
				lines = append(lines, fmt.Sprintf("%s %s", tbl, vals))
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

// asErr reports whether err wraps an error of target's type.
func asErr[T error](err error, target *T) bool {
	return err != nil && errors.As(err, target)
}
