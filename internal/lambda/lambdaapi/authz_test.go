package lambdaapi_test

import (
	"context"
	"fmt"
	"io/fs"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"

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
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdaapi"
	"github.com/stratus-cloud/stratus/internal/store"
)

// env is the Lambda API on a real router, authenticated and authorized by the
// IAM service of an apitest.Env (which supplies the store, the account and
// its users), with an execution role functions can use.
type env struct {
	*apitest.Env
	Lambda *lambda.Service
	API    *awsproto.Service
	URL    string
	// BlobDir is the blob store's directory.
	BlobDir string
	// Role is the ARN of a role Lambda may assume.
	Role string
}

// codeHost is where CodeLocation points code downloads.
const codeHost = "https://code.test/"

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	base := apitest.New(t)
	blobDir := filepath.Join(t.TempDir(), "blobs")
	box := apitest.NewSealer(t)
	bs, err := blob.Open(blob.Options{Dir: blobDir, Sealer: box})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := lambda.New(ctx, lambda.Config{
		Store: base.Store, Blobs: bs, Sealer: box, Roles: iamRoles{base.Service}, Region: apitest.Region,
		Now:          base.Clock.Now,
		CodeLocation: func(account string, d blob.Digest) string { return codeHost + account + "/" + d.String() },
	})
	if err != nil {
		t.Fatal(err)
	}
	role, err := base.Service.CreateRole(ctx, base.Account, iam.CreateRoleInput{Name: "exec",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: authapi.New(base.Service, base.Clock.Now),
		Authorizer:    base.Authz,
		Codecs:        map[string]codec.Codec{model.RestJSON: restjson.New()},
		Now:           base.Clock.Now,
	})
	api, err := lambdaapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(api); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	return &env{Env: base, Lambda: svc, API: api, URL: srv.URL, BlobDir: blobDir, Role: role.ARN}
}

// client returns a Lambda client signing with c.
func (e *env) client(c apitest.Credentials) *lambdasdk.Client {
	return lambdasdk.NewFromConfig(aws.Config{
		Region:           apitest.Region,
		Credentials:      credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		BaseEndpoint:     aws.String(e.URL),
		RetryMaxAttempts: 1,
	})
}

func (e *env) functionARN(name string) string {
	return "arn:aws:lambda:" + apitest.Region + ":" + e.Account + ":function:" + name
}

func (e *env) layerARN(name string) string {
	return "arn:aws:lambda:" + apitest.Region + ":" + e.Account + ":layer:" + name
}

// snapshot returns every row of every lambda_ and iam_ table and the names of
// the files in the blob store, as text, for comparing before and after a call.
func snapshot(t testing.TB, e *env) string {
	t.Helper()
	ctx := context.Background()
	var lines []string
	err := e.Store.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'lambda\_%' ESCAPE '\' ORDER BY name`)
		if err != nil {
			return err
		}
		var tables []string
		for rows.Next() {
			var n string
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return err
			}
			tables = append(tables, n)
		}
		rows.Close()
		for _, tbl := range tables {
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
	err = filepath.WalkDir(e.BlobDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			lines = append(lines, "blob "+path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n") + "\n" + apitest.Snapshot(t, e.Store)
}

// Setups: each prepares one target (a function or a layer of that name).

func withFunction(t testing.TB, e *env, name string) {
	_, err := e.Lambda.CreateFunction(context.Background(), e.Account, lambda.FunctionInput{Name: name, Runtime: "provided.al2023",
		Handler: "bootstrap", Role: e.Role, ZipFile: makeZip(map[string]string{"bootstrap": "#!/bin/sh\n"})})
	if err != nil {
		t.Fatal(err)
	}
}

func withVersion(t testing.TB, e *env, name string) {
	withFunction(t, e, name)
	if _, err := e.Lambda.PublishVersion(context.Background(), e.Account, name, "", "", ""); err != nil {
		t.Fatal(err)
	}
}

func withAlias(t testing.TB, e *env, name string) {
	withVersion(t, e, name)
	if _, err := e.Lambda.CreateAlias(context.Background(), e.Account, name, lambda.AliasInput{Name: "live", Version: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
}

func withConcurrency(t testing.TB, e *env, name string) {
	withFunction(t, e, name)
	if _, err := e.Lambda.PutFunctionConcurrency(context.Background(), e.Account, name, 5); err != nil {
		t.Fatal(err)
	}
}

func withEventConfig(t testing.TB, e *env, name string) {
	withFunction(t, e, name)
	two := int64(2)
	if _, err := e.Lambda.PutFunctionEventInvokeConfig(context.Background(), e.Account, name, "", lambda.EventInvokeInput{MaximumRetryAttempts: &two}); err != nil {
		t.Fatal(err)
	}
}

func withTag(t testing.TB, e *env, name string) {
	withFunction(t, e, name)
	if err := e.Lambda.TagResource(context.Background(), e.Account, e.functionARN(name), map[string]string{"k": "v"}); err != nil {
		t.Fatal(err)
	}
}

func withLayer(t testing.TB, e *env, name string) {
	_, err := e.Lambda.PublishLayerVersion(context.Background(), e.Account, lambda.LayerInput{Name: name,
		ZipFile: makeZip(map[string]string{"lib/x.txt": "x"})})
	if err != nil {
		t.Fatal(err)
	}
}

// withEventSourceMapping maps a queue named like the target to a function
// of that name.
func withEventSourceMapping(t testing.TB, e *env, name string) {
	withFunction(t, e, name)
	fn := name
	if _, err := e.Lambda.CreateEventSourceMapping(context.Background(), e.Account, lambda.EventSourceMappingInput{
		EventSourceARN: "arn:aws:sqs:" + apitest.Region + ":" + e.Account + ":" + name, FunctionName: &fn}); err != nil {
		t.Fatal(err)
	}
}

// esmUUID is the UUID of the mapping withEventSourceMapping made for name.
func (e *env) esmUUID(name string) string {
	ms, _, err := e.Lambda.ListEventSourceMappings(context.Background(), e.Account, "", name, lambda.Page{})
	if err != nil || len(ms) != 1 {
		return "00000000-0000-4000-8000-000000000000"
	}
	return ms[0].UUID
}

// profileVersion is a signing profile version ARN for code signing configs.
const profileVersion = "arn:aws:signer:" + apitest.Region + ":111122223333:/signing-profiles/prof/abcdef1234"

// withCSC makes a code signing configuration described as name.
func withCSC(t testing.TB, e *env, name string) {
	desc := name
	if _, err := e.Lambda.CreateCodeSigningConfig(context.Background(), e.Account, lambda.CodeSigningInput{Description: &desc,
		AllowedPublishers: []string{profileVersion}}); err != nil {
		t.Fatal(err)
	}
}

// withFunctionCSC makes a function and a configuration of one name, attached.
func withFunctionCSC(t testing.TB, e *env, name string) {
	withFunction(t, e, name)
	withCSC(t, e, name)
	if _, err := e.Lambda.PutFunctionCodeSigningConfig(context.Background(), e.Account, name, e.cscARN(name)); err != nil {
		t.Fatal(err)
	}
}

// cscARN is the ARN of the configuration withCSC made for name.
func (e *env) cscARN(name string) string {
	cs, _, err := e.Lambda.ListCodeSigningConfigs(context.Background(), e.Account, lambda.Page{})
	if err == nil {
		for _, c := range cs {
			if c.Description == name {
				return c.ARN
			}
		}
	}
	return e.Lambda.CodeSigningConfigARN(e.Account, "csc-00000000000000000")
}

func cscRes(e *env, n string) []string { return []string{e.cscARN(n)} }

// Resources: the ARNs a call on a target is authorized against.

func functionRes(e *env, n string) []string     { return []string{e.functionARN(n)} }
func aliasRes(e *env, n string) []string        { return []string{e.functionARN(n) + ":live"} }
func layerRes(e *env, n string) []string        { return []string{e.layerARN(n)} }
func layerVersionRes(e *env, n string) []string { return []string{e.layerARN(n) + ":1"} }

func esmRes(e *env, n string) []string {
	return []string{e.Lambda.EventSourceMappingARN(e.Account, e.esmUUID(n))}
}

// authzCase checks that one operation is authorized against the resource it
// names and nothing broader: a caller allowed the action on the resource of
// one target succeeds on it and is denied, with nothing changed, on a sibling
// target.
type authzCase struct {
	// action is the IAM action the operation needs.
	action string
	// setup prepares a target; may be nil.
	setup func(t testing.TB, e *env, target string)
	// resources are the ARNs a call on target is authorized against.
	resources func(e *env, target string) []string
	call      func(ctx context.Context, c *lambdasdk.Client, e *env, target string) error
	// mayFail, if set, says why the allowed call may fail for a reason other
	// than authorization; the test then only requires that it is not denied.
	mayFail string
}

// starCase is an operation AWS authorizes against "*" (it lists no resource
// type for it).
type starCase struct {
	action string
	call   func(ctx context.Context, c *lambdasdk.Client) error
}

func authzCases() map[string]authzCase {
	s := aws.String
	zip := func(note string) []byte {
		return makeZip(map[string]string{"bootstrap": "#!/bin/sh\n# " + note + "\n"})
	}
	return map[string]authzCase{
		"GetCodeSigningConfig": {action: "lambda:GetCodeSigningConfig", setup: withCSC, resources: cscRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetCodeSigningConfig(ctx, &lambdasdk.GetCodeSigningConfigInput{CodeSigningConfigArn: s(e.cscARN(n))})
				return err
			}},
		"UpdateCodeSigningConfig": {action: "lambda:UpdateCodeSigningConfig", setup: withCSC, resources: cscRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.UpdateCodeSigningConfig(ctx, &lambdasdk.UpdateCodeSigningConfigInput{CodeSigningConfigArn: s(e.cscARN(n)),
					CodeSigningPolicies: &types.CodeSigningPolicies{UntrustedArtifactOnDeployment: types.CodeSigningPolicyEnforce}})
				return err
			}},
		"DeleteCodeSigningConfig": {action: "lambda:DeleteCodeSigningConfig", setup: withCSC, resources: cscRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.DeleteCodeSigningConfig(ctx, &lambdasdk.DeleteCodeSigningConfigInput{CodeSigningConfigArn: s(e.cscARN(n))})
				return err
			}},
		"ListFunctionsByCodeSigningConfig": {action: "lambda:ListFunctionsByCodeSigningConfig", setup: withCSC, resources: cscRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.ListFunctionsByCodeSigningConfig(ctx, &lambdasdk.ListFunctionsByCodeSigningConfigInput{CodeSigningConfigArn: s(e.cscARN(n))})
				return err
			}},
		"PutFunctionCodeSigningConfig": {action: "lambda:PutFunctionCodeSigningConfig",
			setup:     func(t testing.TB, e *env, n string) { withFunction(t, e, n); withCSC(t, e, n) },
			resources: func(e *env, n string) []string { return []string{e.functionARN(n), e.cscARN(n)} },
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.PutFunctionCodeSigningConfig(ctx, &lambdasdk.PutFunctionCodeSigningConfigInput{FunctionName: s(n), CodeSigningConfigArn: s(e.cscARN(n))})
				return err
			}},
		"GetFunctionCodeSigningConfig": {action: "lambda:GetFunctionCodeSigningConfig", setup: withFunctionCSC, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetFunctionCodeSigningConfig(ctx, &lambdasdk.GetFunctionCodeSigningConfigInput{FunctionName: s(n)})
				return err
			}},
		"DeleteFunctionCodeSigningConfig": {action: "lambda:DeleteFunctionCodeSigningConfig", setup: withFunctionCSC, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.DeleteFunctionCodeSigningConfig(ctx, &lambdasdk.DeleteFunctionCodeSigningConfigInput{FunctionName: s(n)})
				return err
			}},
		"CreateFunction": {action: "lambda:CreateFunction", resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.CreateFunction(ctx, &lambdasdk.CreateFunctionInput{FunctionName: s(n), Runtime: types.RuntimeProvidedal2023,
					Role: s(e.Role), Handler: s("bootstrap"), Code: &types.FunctionCode{ZipFile: zip(n)}})
				return err
			}},
		"GetFunction": {action: "lambda:GetFunction", setup: withFunction, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetFunction(ctx, &lambdasdk.GetFunctionInput{FunctionName: s(n)})
				return err
			}},
		"GetFunctionConfiguration": {action: "lambda:GetFunctionConfiguration", setup: withFunction, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetFunctionConfiguration(ctx, &lambdasdk.GetFunctionConfigurationInput{FunctionName: s(n)})
				return err
			}},
		"UpdateFunctionCode": {action: "lambda:UpdateFunctionCode", setup: withFunction, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.UpdateFunctionCode(ctx, &lambdasdk.UpdateFunctionCodeInput{FunctionName: s(n), ZipFile: zip(n + " v2")})
				return err
			}},
		"UpdateFunctionConfiguration": {action: "lambda:UpdateFunctionConfiguration", setup: withFunction, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.UpdateFunctionConfiguration(ctx, &lambdasdk.UpdateFunctionConfigurationInput{FunctionName: s(n), Description: s("changed")})
				return err
			}},
		"DeleteFunction": {action: "lambda:DeleteFunction", setup: withFunction, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.DeleteFunction(ctx, &lambdasdk.DeleteFunctionInput{FunctionName: s(n)})
				return err
			}},
		"PublishVersion": {action: "lambda:PublishVersion", setup: withFunction, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.PublishVersion(ctx, &lambdasdk.PublishVersionInput{FunctionName: s(n)})
				return err
			}},
		"ListVersionsByFunction": {action: "lambda:ListVersionsByFunction", setup: withFunction, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.ListVersionsByFunction(ctx, &lambdasdk.ListVersionsByFunctionInput{FunctionName: s(n)})
				return err
			}},
		"CreateAlias": {action: "lambda:CreateAlias", setup: withVersion, resources: aliasRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.CreateAlias(ctx, &lambdasdk.CreateAliasInput{FunctionName: s(n), Name: s("live"), FunctionVersion: s("1")})
				return err
			}},
		"GetAlias": {action: "lambda:GetAlias", setup: withAlias, resources: aliasRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetAlias(ctx, &lambdasdk.GetAliasInput{FunctionName: s(n), Name: s("live")})
				return err
			}},
		"UpdateAlias": {action: "lambda:UpdateAlias", setup: withAlias, resources: aliasRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.UpdateAlias(ctx, &lambdasdk.UpdateAliasInput{FunctionName: s(n), Name: s("live"), Description: s("changed")})
				return err
			}},
		"ListAliases": {action: "lambda:ListAliases", setup: withAlias, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.ListAliases(ctx, &lambdasdk.ListAliasesInput{FunctionName: s(n)})
				return err
			}},
		"DeleteAlias": {action: "lambda:DeleteAlias", setup: withAlias, resources: aliasRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.DeleteAlias(ctx, &lambdasdk.DeleteAliasInput{FunctionName: s(n), Name: s("live")})
				return err
			}},
		"PutFunctionConcurrency": {action: "lambda:PutFunctionConcurrency", setup: withFunction, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.PutFunctionConcurrency(ctx, &lambdasdk.PutFunctionConcurrencyInput{FunctionName: s(n), ReservedConcurrentExecutions: aws.Int32(3)})
				return err
			}},
		"GetFunctionConcurrency": {action: "lambda:GetFunctionConcurrency", setup: withConcurrency, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetFunctionConcurrency(ctx, &lambdasdk.GetFunctionConcurrencyInput{FunctionName: s(n)})
				return err
			}},
		"DeleteFunctionConcurrency": {action: "lambda:DeleteFunctionConcurrency", setup: withConcurrency, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.DeleteFunctionConcurrency(ctx, &lambdasdk.DeleteFunctionConcurrencyInput{FunctionName: s(n)})
				return err
			}},
		"PutFunctionEventInvokeConfig": {action: "lambda:PutFunctionEventInvokeConfig", setup: withFunction, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.PutFunctionEventInvokeConfig(ctx, &lambdasdk.PutFunctionEventInvokeConfigInput{FunctionName: s(n), MaximumRetryAttempts: aws.Int32(1)})
				return err
			}},
		"UpdateFunctionEventInvokeConfig": {action: "lambda:UpdateFunctionEventInvokeConfig", setup: withEventConfig, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.UpdateFunctionEventInvokeConfig(ctx, &lambdasdk.UpdateFunctionEventInvokeConfigInput{FunctionName: s(n), MaximumRetryAttempts: aws.Int32(0)})
				return err
			}},
		"GetFunctionEventInvokeConfig": {action: "lambda:GetFunctionEventInvokeConfig", setup: withEventConfig, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetFunctionEventInvokeConfig(ctx, &lambdasdk.GetFunctionEventInvokeConfigInput{FunctionName: s(n)})
				return err
			}},
		"DeleteFunctionEventInvokeConfig": {action: "lambda:DeleteFunctionEventInvokeConfig", setup: withEventConfig, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.DeleteFunctionEventInvokeConfig(ctx, &lambdasdk.DeleteFunctionEventInvokeConfigInput{FunctionName: s(n)})
				return err
			}},
		"ListFunctionEventInvokeConfigs": {action: "lambda:ListFunctionEventInvokeConfigs", setup: withEventConfig, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.ListFunctionEventInvokeConfigs(ctx, &lambdasdk.ListFunctionEventInvokeConfigsInput{FunctionName: s(n)})
				return err
			}},
		"TagResource": {action: "lambda:TagResource", setup: withFunction, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.TagResource(ctx, &lambdasdk.TagResourceInput{Resource: s(e.functionARN(n)), Tags: map[string]string{"a": "b"}})
				return err
			}},
		"UntagResource": {action: "lambda:UntagResource", setup: withTag, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.UntagResource(ctx, &lambdasdk.UntagResourceInput{Resource: s(e.functionARN(n)), TagKeys: []string{"k"}})
				return err
			}},
		"ListTags": {action: "lambda:ListTags", setup: withTag, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.ListTags(ctx, &lambdasdk.ListTagsInput{Resource: s(e.functionARN(n))})
				return err
			}},
		"Invoke": {action: "lambda:InvokeFunction", setup: withFunction, resources: functionRes,
			mayFail: "the test environment has no sandbox to run the function in",
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.Invoke(ctx, &lambdasdk.InvokeInput{FunctionName: s(n), Payload: []byte(`{}`)})
				return err
			}},

		"GetEventSourceMapping": {action: "lambda:GetEventSourceMapping", setup: withEventSourceMapping, resources: esmRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetEventSourceMapping(ctx, &lambdasdk.GetEventSourceMappingInput{UUID: s(e.esmUUID(n))})
				return err
			}},
		"UpdateEventSourceMapping": {action: "lambda:UpdateEventSourceMapping", setup: withEventSourceMapping, resources: esmRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.UpdateEventSourceMapping(ctx, &lambdasdk.UpdateEventSourceMappingInput{UUID: s(e.esmUUID(n)), Enabled: aws.Bool(false)})
				return err
			}},
		"DeleteEventSourceMapping": {action: "lambda:DeleteEventSourceMapping", setup: withEventSourceMapping, resources: esmRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.DeleteEventSourceMapping(ctx, &lambdasdk.DeleteEventSourceMappingInput{UUID: s(e.esmUUID(n))})
				return err
			}},

		"PublishLayerVersion": {action: "lambda:PublishLayerVersion", resources: layerRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.PublishLayerVersion(ctx, &lambdasdk.PublishLayerVersionInput{LayerName: s(n),
					Content: &types.LayerVersionContentInput{ZipFile: makeZip(map[string]string{"lib/" + n: n})}})
				return err
			}},
		"GetLayerVersion": {action: "lambda:GetLayerVersion", setup: withLayer, resources: layerVersionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetLayerVersion(ctx, &lambdasdk.GetLayerVersionInput{LayerName: s(n), VersionNumber: aws.Int64(1)})
				return err
			}},
		"GetLayerVersionByArn": {action: "lambda:GetLayerVersion", setup: withLayer, resources: layerVersionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetLayerVersionByArn(ctx, &lambdasdk.GetLayerVersionByArnInput{Arn: s(e.layerARN(n) + ":1")})
				return err
			}},
		"ListLayerVersions": {action: "lambda:ListLayerVersions", setup: withLayer, resources: layerRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.ListLayerVersions(ctx, &lambdasdk.ListLayerVersionsInput{LayerName: s(n)})
				return err
			}},
		"DeleteLayerVersion": {action: "lambda:DeleteLayerVersion", setup: withLayer, resources: layerVersionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.DeleteLayerVersion(ctx, &lambdasdk.DeleteLayerVersionInput{LayerName: s(n), VersionNumber: aws.Int64(1)})
				return err
			}},

		"AddPermission": {action: "lambda:AddPermission", setup: withFunction, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.AddPermission(ctx, &lambdasdk.AddPermissionInput{FunctionName: s(n), StatementId: s("sns"),
					Action: s("lambda:InvokeFunction"), Principal: s("sns.amazonaws.com")})
				return err
			}},
		"RemovePermission": {action: "lambda:RemovePermission", setup: withPermission, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.RemovePermission(ctx, &lambdasdk.RemovePermissionInput{FunctionName: s(n), StatementId: s("granted")})
				return err
			}},
		"GetPolicy": {action: "lambda:GetPolicy", setup: withPermission, resources: functionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetPolicy(ctx, &lambdasdk.GetPolicyInput{FunctionName: s(n)})
				return err
			}},
		"AddLayerVersionPermission": {action: "lambda:AddLayerVersionPermission", setup: withLayer, resources: layerVersionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.AddLayerVersionPermission(ctx, &lambdasdk.AddLayerVersionPermissionInput{LayerName: s(n), VersionNumber: aws.Int64(1),
					StatementId: s("all"), Action: s("lambda:GetLayerVersion"), Principal: s("*")})
				return err
			}},
		"RemoveLayerVersionPermission": {action: "lambda:RemoveLayerVersionPermission", setup: withLayerPermission, resources: layerVersionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.RemoveLayerVersionPermission(ctx, &lambdasdk.RemoveLayerVersionPermissionInput{LayerName: s(n), VersionNumber: aws.Int64(1),
					StatementId: s("granted")})
				return err
			}},
		"GetLayerVersionPolicy": {action: "lambda:GetLayerVersionPolicy", setup: withLayerPermission, resources: layerVersionRes,
			call: func(ctx context.Context, c *lambdasdk.Client, e *env, n string) error {
				_, err := c.GetLayerVersionPolicy(ctx, &lambdasdk.GetLayerVersionPolicyInput{LayerName: s(n), VersionNumber: aws.Int64(1)})
				return err
			}},
	}
}

func starCases() map[string]starCase {
	return map[string]starCase{
		"ListFunctions": {action: "lambda:ListFunctions", call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.ListFunctions(ctx, &lambdasdk.ListFunctionsInput{})
			return err
		}},
		"GetAccountSettings": {action: "lambda:GetAccountSettings", call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.GetAccountSettings(ctx, &lambdasdk.GetAccountSettingsInput{})
			return err
		}},
		"ListLayers": {action: "lambda:ListLayers", call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.ListLayers(ctx, &lambdasdk.ListLayersInput{})
			return err
		}},
		"CreateEventSourceMapping": {action: "lambda:CreateEventSourceMapping", call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("f"),
				EventSourceArn: aws.String("arn:aws:sqs:" + apitest.Region + ":111122223333:star")})
			return err
		}},
		"ListEventSourceMappings": {action: "lambda:ListEventSourceMappings", call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.ListEventSourceMappings(ctx, &lambdasdk.ListEventSourceMappingsInput{})
			return err
		}},
		"CreateCodeSigningConfig": {action: "lambda:CreateCodeSigningConfig", call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.CreateCodeSigningConfig(ctx, &lambdasdk.CreateCodeSigningConfigInput{
				AllowedPublishers: &types.AllowedPublishers{SigningProfileVersionArns: []string{profileVersion}}})
			return err
		}},
		"ListCodeSigningConfigs": {action: "lambda:ListCodeSigningConfigs", call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.ListCodeSigningConfigs(ctx, &lambdasdk.ListCodeSigningConfigsInput{})
			return err
		}},
	}
}

// served returns the names of the operations the API serves, sorted.
func served(e *env) []string {
	ops := make([]string, 0, len(e.API.Ops))
	for op := range e.API.Ops {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	return ops
}

func TestEveryOperationHasAnAuthorizationCase(t *testing.T) {
	e := newEnv(t)
	cases, stars := authzCases(), starCases()
	var bad []string
	for _, op := range served(e) {
		_, c := cases[op]
		_, s := stars[op]
		if c == s {
			bad = append(bad, op+" (served, with no case or with both kinds)")
		}
	}
	for _, ops := range []map[string]bool{keys(cases), keys(stars)} {
		for op := range ops {
			if _, ok := e.API.Ops[op]; !ok {
				bad = append(bad, op+" (has a case, not served)")
			}
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("operations without exactly one authorization case: %s", strings.Join(bad, ", "))
	}
}

func TestEveryOperationIsAuthorizedOnItsResource(t *testing.T) {
	e := newEnv(t)
	cases := authzCases()
	for i, op := range served(e) {
		tc, ok := cases[op]
		if !ok {
			continue
		}
		t.Run(op+" is allowed on the named resource and denied on its sibling", func(t *testing.T) {
			ctx := context.Background()
			okName, sibling := fmt.Sprintf("t%dok", i), fmt.Sprintf("t%dno", i)
			if tc.setup != nil {
				tc.setup(t, e, okName)
				tc.setup(t, e, sibling)
			}
			resources := tc.resources(e, okName)
			for _, r := range resources {
				if strings.Contains(r, "*") {
					t.Fatalf("case allows %q: the point is a specific resource", r)
				}
			}
			caller := e.client(e.NewUser(t, e.Account, fmt.Sprintf("caller%d", i), allowDoc(tc.action, resources)))
			before := snapshot(t, e)
			if err := tc.call(ctx, caller, e, sibling); apitest.APICode(err) != "AccessDeniedException" {
				t.Fatalf("on the sibling: got %v, want AccessDeniedException", err)
			}
			if after := snapshot(t, e); after != before {
				t.Errorf("the denied call changed the store:\nbefore %s\nafter  %s", before, after)
			}
			err := tc.call(ctx, caller, e, okName)
			switch {
			case apitest.APICode(err) == "AccessDeniedException":
				t.Errorf("on the allowed resource: %v", err)
			case err != nil && tc.mayFail == "":
				t.Errorf("on the allowed resource: %v", err)
			case err != nil:
				t.Logf("on the allowed resource, not denied but failed (%s): %v", tc.mayFail, err)
			}
		})
	}
}

func TestAccountWideOperationsAreAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	withFunction(t, e, "f")
	withLayer(t, e, "l")
	stars := starCases()
	for i, op := range served(e) {
		tc, ok := stars[op]
		if !ok {
			continue
		}
		t.Run(op+" is denied to a caller allowed on one function and allowed to one allowed on *", func(t *testing.T) {
			ctx := context.Background()
			narrow := e.client(e.NewUser(t, e.Account, fmt.Sprintf("narrow%d", i), allowDoc(tc.action, []string{e.functionARN("f")})))
			if err := tc.call(ctx, narrow); apitest.APICode(err) != "AccessDeniedException" {
				t.Errorf("allowed only on one function: got %v, want AccessDeniedException", err)
			}
			wide := e.client(e.NewUser(t, e.Account, fmt.Sprintf("wide%d", i), allowDoc(tc.action, []string{"*"})))
			if err := tc.call(ctx, wide); err != nil {
				t.Errorf("allowed on *: %v", err)
			}
		})
	}
}

func keys[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

func allowDoc(action string, resources []string) string {
	q := make([]string, len(resources))
	for i, r := range resources {
		q[i] = `"` + r + `"`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":[` + strings.Join(q, ",") + `]}]}`
}
