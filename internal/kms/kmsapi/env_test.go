package kmsapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	kmssdk "github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/kms"
	"github.com/stratus-cloud/stratus/internal/kms/kmsapi"
	"github.com/stratus-cloud/stratus/internal/store"
)

// env is the KMS API on a real router, authenticated and authorized by the
// IAM service of an apitest.Env (which supplies the store, the account and
// its users).
type env struct {
	*apitest.Env
	KMS    *kms.Service
	API    *awsproto.Service
	KMSURL string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	base := apitest.New(t)
	svc, err := kms.New(context.Background(), kms.Config{
		Store: base.Store, Sealer: apitest.NewSealer(t), Region: apitest.Region, Now: base.Clock.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: authapi.New(base.Service, base.Clock.Now),
		Authorizer:    base.Authz,
		Codecs:        map[string]codec.Codec{model.JSON: jsonrpc.New()},
		Now:           base.Clock.Now,
	})
	api, err := kmsapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(api); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return &env{Env: base, KMS: svc, API: api, KMSURL: srv.URL}
}

// client returns a KMS client signing with c.
func (e *env) client(c apitest.Credentials) *kmssdk.Client {
	return kmssdk.NewFromConfig(aws.Config{
		Region:           apitest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		BaseEndpoint:     aws.String(e.KMSURL),
		RetryMaxAttempts: 1,
	})
}

// snapshot returns every row of every kms_ table, as text.
func snapshot(t testing.TB, st *store.Store) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	err := st.View(ctx, func(tx *store.Tx) error {
		for _, tbl := range []string{"kms_keys", "kms_key_versions", "kms_aliases"} {
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
