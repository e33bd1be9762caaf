package lambdaapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/restjson"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdaapi"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/secret"
	"github.com/stratus-cloud/stratus/internal/store"
)

type iamRoles struct{ svc *iam.Service }

func (r iamRoles) CheckExecutionRole(ctx context.Context, account, roleARN string) error {
	role, err := r.svc.GetRole(ctx, account, roleARN[strings.LastIndex(roleARN, "/")+1:])
	if err != nil || role.ARN != roleARN || !lambda.TrustsLambda(role.TrustPolicy) {
		return lambda.RoleNotAssumable()
	}
	return nil
}

func TestSDKLifecycle(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, store.Options{Path: filepath.Join(dir, "db"), NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	key, _ := rootkey.LoadOrCreate(filepath.Join(dir, "root.key"))
	box := secret.NewBox(key)
	is, err := iam.New(ctx, iam.Config{Store: st, Sealer: box})
	if err != nil {
		t.Fatal(err)
	}
	boot, _, err := is.EnsureBootstrap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	role, err := is.CreateRole(ctx, boot.AccountID, iam.CreateRoleInput{Name: "r",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	bs, _ := blob.Open(blob.Options{Dir: filepath.Join(dir, "blobs"), Sealer: box})
	svc, err := lambda.New(ctx, lambda.Config{Store: st, Blobs: bs, Sealer: box, Roles: iamRoles{is}, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: authapi.New(is, time.Now), Authorizer: iam.NewAuthorizer(iam.AuthorizerConfig{Service: is}),
		Codecs: map[string]codec.Codec{model.RestJSON: restjson.New()},
	})
	api, err := lambdaapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(api); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	defer srv.Close()
	cl := lambdasdk.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), RetryMaxAttempts: 1,
		Credentials: credentials.NewStaticCredentialsProvider(boot.AccessKeyID, boot.SecretAccessKey, "")})

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("bootstrap")
	w.Write([]byte("#!/bin/sh\n"))
	zw.Close()

	t.Run("CreateFunction returns an Active $LATEST", func(t *testing.T) {
		out, err := cl.CreateFunction(ctx, &lambdasdk.CreateFunctionInput{FunctionName: aws.String("f"), Runtime: types.RuntimeProvidedal2023,
			Role: aws.String(role.ARN), Handler: aws.String("bootstrap"), Code: &types.FunctionCode{ZipFile: buf.Bytes()}})
		if err != nil || out.State != types.StateActive || aws.ToString(out.Version) != "$LATEST" {
			t.Fatalf("create = %+v, %v", out, err)
		}
	})
	t.Run("GetFunction of a missing function is ResourceNotFoundException", func(t *testing.T) {
		_, err := cl.GetFunction(ctx, &lambdasdk.GetFunctionInput{FunctionName: aws.String("missing")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("PublishVersion and CreateAlias work through the SDK", func(t *testing.T) {
		v, err := cl.PublishVersion(ctx, &lambdasdk.PublishVersionInput{FunctionName: aws.String("f")})
		if err != nil || aws.ToString(v.Version) != "1" {
			t.Fatalf("publish = %v, %v", v, err)
		}
		al, err := cl.CreateAlias(ctx, &lambdasdk.CreateAliasInput{FunctionName: aws.String("f"), Name: aws.String("live"), FunctionVersion: aws.String("1")})
		if err != nil || !strings.HasSuffix(aws.ToString(al.AliasArn), ":function:f:live") {
			t.Fatalf("alias = %v, %v", al, err)
		}
		g, err := cl.GetFunctionConfiguration(ctx, &lambdasdk.GetFunctionConfigurationInput{FunctionName: aws.String("f"), Qualifier: aws.String("live")})
		if err != nil || aws.ToString(g.Version) != "1" {
			t.Fatalf("get = %v, %v", g, err)
		}
	})
	t.Run("DeleteFunction removes it", func(t *testing.T) {
		if _, err := cl.DeleteFunction(ctx, &lambdasdk.DeleteFunctionInput{FunctionName: aws.String("f")}); err != nil {
			t.Fatal(err)
		}
		l, err := cl.ListFunctions(ctx, &lambdasdk.ListFunctionsInput{})
		if err != nil || len(l.Functions) != 0 {
			t.Fatalf("list = %v, %v", l, err)
		}
	})
}
