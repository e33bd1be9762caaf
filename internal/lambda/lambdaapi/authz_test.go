package lambdaapi_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/blob"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdaapi"
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
	api, err := lambdaapi.New(svc, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	return &env{Env: base, Lambda: svc, API: api, URL: apitest.Serve(t, base, api), BlobDir: blobDir, Role: role.ARN}
}

// client returns a Lambda client signing with c.
func (e *env) client(c apitest.Credentials) *lambdasdk.Client {
	return lambdasdk.NewFromConfig(apitest.AWSConfig(e.URL, c))
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
	var blobs []string
	err := filepath.WalkDir(e.BlobDir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			blobs = append(blobs, "blob "+path+"\n")
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(blobs)
	return apitest.Snapshot(t, e.Store, "lambda_", "iam_") + strings.Join(blobs, "")
}

// suite checks the authorization of every Lambda operation on functions,
// layers, mappings and code signing configurations named by the targets
// (which the cases' setups create).
func (e *env) suite() apitest.Suite[*lambdasdk.Client, string] {
	return apitest.Suite[*lambdasdk.Client, string]{
		Env: e.Env, API: e.API, Client: e.client, Service: "lambda",
		Target:   func(_ testing.TB, name string) string { return name },
		Snapshot: func(t testing.TB) string { return snapshot(t, e) },
	}
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

// authzCases are the operations authorized against the resource they name,
// by name.
func (e *env) authzCases() map[string]apitest.Case[*lambdasdk.Client, string] {
	s := aws.String
	// on and res adapt the setups and resource lists, which take the env.
	on := func(with func(testing.TB, *env, string)) func(testing.TB, string) {
		return func(t testing.TB, n string) { with(t, e, n) }
	}
	res := func(of func(*env, string) []string) func(string) []string {
		return func(n string) []string { return of(e, n) }
	}
	zip := func(note string) []byte {
		return makeZip(map[string]string{"bootstrap": "#!/bin/sh\n# " + note + "\n"})
	}
	return map[string]apitest.Case[*lambdasdk.Client, string]{
		"GetCodeSigningConfig": {Action: "lambda:GetCodeSigningConfig", Setup: on(withCSC), Resources: res(cscRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetCodeSigningConfig(ctx, &lambdasdk.GetCodeSigningConfigInput{CodeSigningConfigArn: s(e.cscARN(n))})
				return err
			}},
		"UpdateCodeSigningConfig": {Action: "lambda:UpdateCodeSigningConfig", Setup: on(withCSC), Resources: res(cscRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.UpdateCodeSigningConfig(ctx, &lambdasdk.UpdateCodeSigningConfigInput{CodeSigningConfigArn: s(e.cscARN(n)),
					CodeSigningPolicies: &types.CodeSigningPolicies{UntrustedArtifactOnDeployment: types.CodeSigningPolicyEnforce}})
				return err
			}},
		"DeleteCodeSigningConfig": {Action: "lambda:DeleteCodeSigningConfig", Setup: on(withCSC), Resources: res(cscRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.DeleteCodeSigningConfig(ctx, &lambdasdk.DeleteCodeSigningConfigInput{CodeSigningConfigArn: s(e.cscARN(n))})
				return err
			}},
		"ListFunctionsByCodeSigningConfig": {Action: "lambda:ListFunctionsByCodeSigningConfig", Setup: on(withCSC), Resources: res(cscRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.ListFunctionsByCodeSigningConfig(ctx, &lambdasdk.ListFunctionsByCodeSigningConfigInput{CodeSigningConfigArn: s(e.cscARN(n))})
				return err
			}},
		"PutFunctionCodeSigningConfig": {Action: "lambda:PutFunctionCodeSigningConfig",
			Setup:     func(t testing.TB, n string) { withFunction(t, e, n); withCSC(t, e, n) },
			Resources: func(n string) []string { return []string{e.functionARN(n), e.cscARN(n)} },
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.PutFunctionCodeSigningConfig(ctx, &lambdasdk.PutFunctionCodeSigningConfigInput{FunctionName: s(n), CodeSigningConfigArn: s(e.cscARN(n))})
				return err
			}},
		"GetFunctionCodeSigningConfig": {Action: "lambda:GetFunctionCodeSigningConfig", Setup: on(withFunctionCSC), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetFunctionCodeSigningConfig(ctx, &lambdasdk.GetFunctionCodeSigningConfigInput{FunctionName: s(n)})
				return err
			}},
		"DeleteFunctionCodeSigningConfig": {Action: "lambda:DeleteFunctionCodeSigningConfig", Setup: on(withFunctionCSC), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.DeleteFunctionCodeSigningConfig(ctx, &lambdasdk.DeleteFunctionCodeSigningConfigInput{FunctionName: s(n)})
				return err
			}},
		"CreateFunction": {Action: "lambda:CreateFunction", Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.CreateFunction(ctx, &lambdasdk.CreateFunctionInput{FunctionName: s(n), Runtime: types.RuntimeProvidedal2023,
					Role: s(e.Role), Handler: s("bootstrap"), Code: &types.FunctionCode{ZipFile: zip(n)}})
				return err
			}},
		"GetFunction": {Action: "lambda:GetFunction", Setup: on(withFunction), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetFunction(ctx, &lambdasdk.GetFunctionInput{FunctionName: s(n)})
				return err
			}},
		"GetFunctionConfiguration": {Action: "lambda:GetFunctionConfiguration", Setup: on(withFunction), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetFunctionConfiguration(ctx, &lambdasdk.GetFunctionConfigurationInput{FunctionName: s(n)})
				return err
			}},
		"UpdateFunctionCode": {Action: "lambda:UpdateFunctionCode", Setup: on(withFunction), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.UpdateFunctionCode(ctx, &lambdasdk.UpdateFunctionCodeInput{FunctionName: s(n), ZipFile: zip(n + " v2")})
				return err
			}},
		"UpdateFunctionConfiguration": {Action: "lambda:UpdateFunctionConfiguration", Setup: on(withFunction), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.UpdateFunctionConfiguration(ctx, &lambdasdk.UpdateFunctionConfigurationInput{FunctionName: s(n), Description: s("changed")})
				return err
			}},
		"DeleteFunction": {Action: "lambda:DeleteFunction", Setup: on(withFunction), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.DeleteFunction(ctx, &lambdasdk.DeleteFunctionInput{FunctionName: s(n)})
				return err
			}},
		"PublishVersion": {Action: "lambda:PublishVersion", Setup: on(withFunction), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.PublishVersion(ctx, &lambdasdk.PublishVersionInput{FunctionName: s(n)})
				return err
			}},
		"ListVersionsByFunction": {Action: "lambda:ListVersionsByFunction", Setup: on(withFunction), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.ListVersionsByFunction(ctx, &lambdasdk.ListVersionsByFunctionInput{FunctionName: s(n)})
				return err
			}},
		"CreateAlias": {Action: "lambda:CreateAlias", Setup: on(withVersion), Resources: res(aliasRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.CreateAlias(ctx, &lambdasdk.CreateAliasInput{FunctionName: s(n), Name: s("live"), FunctionVersion: s("1")})
				return err
			}},
		"GetAlias": {Action: "lambda:GetAlias", Setup: on(withAlias), Resources: res(aliasRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetAlias(ctx, &lambdasdk.GetAliasInput{FunctionName: s(n), Name: s("live")})
				return err
			}},
		"UpdateAlias": {Action: "lambda:UpdateAlias", Setup: on(withAlias), Resources: res(aliasRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.UpdateAlias(ctx, &lambdasdk.UpdateAliasInput{FunctionName: s(n), Name: s("live"), Description: s("changed")})
				return err
			}},
		"ListAliases": {Action: "lambda:ListAliases", Setup: on(withAlias), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.ListAliases(ctx, &lambdasdk.ListAliasesInput{FunctionName: s(n)})
				return err
			}},
		"DeleteAlias": {Action: "lambda:DeleteAlias", Setup: on(withAlias), Resources: res(aliasRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.DeleteAlias(ctx, &lambdasdk.DeleteAliasInput{FunctionName: s(n), Name: s("live")})
				return err
			}},
		"PutFunctionConcurrency": {Action: "lambda:PutFunctionConcurrency", Setup: on(withFunction), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.PutFunctionConcurrency(ctx, &lambdasdk.PutFunctionConcurrencyInput{FunctionName: s(n), ReservedConcurrentExecutions: aws.Int32(3)})
				return err
			}},
		"GetFunctionConcurrency": {Action: "lambda:GetFunctionConcurrency", Setup: on(withConcurrency), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetFunctionConcurrency(ctx, &lambdasdk.GetFunctionConcurrencyInput{FunctionName: s(n)})
				return err
			}},
		"DeleteFunctionConcurrency": {Action: "lambda:DeleteFunctionConcurrency", Setup: on(withConcurrency), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.DeleteFunctionConcurrency(ctx, &lambdasdk.DeleteFunctionConcurrencyInput{FunctionName: s(n)})
				return err
			}},
		"PutFunctionEventInvokeConfig": {Action: "lambda:PutFunctionEventInvokeConfig", Setup: on(withFunction), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.PutFunctionEventInvokeConfig(ctx, &lambdasdk.PutFunctionEventInvokeConfigInput{FunctionName: s(n), MaximumRetryAttempts: aws.Int32(1)})
				return err
			}},
		"UpdateFunctionEventInvokeConfig": {Action: "lambda:UpdateFunctionEventInvokeConfig", Setup: on(withEventConfig), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.UpdateFunctionEventInvokeConfig(ctx, &lambdasdk.UpdateFunctionEventInvokeConfigInput{FunctionName: s(n), MaximumRetryAttempts: aws.Int32(0)})
				return err
			}},
		"GetFunctionEventInvokeConfig": {Action: "lambda:GetFunctionEventInvokeConfig", Setup: on(withEventConfig), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetFunctionEventInvokeConfig(ctx, &lambdasdk.GetFunctionEventInvokeConfigInput{FunctionName: s(n)})
				return err
			}},
		"DeleteFunctionEventInvokeConfig": {Action: "lambda:DeleteFunctionEventInvokeConfig", Setup: on(withEventConfig), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.DeleteFunctionEventInvokeConfig(ctx, &lambdasdk.DeleteFunctionEventInvokeConfigInput{FunctionName: s(n)})
				return err
			}},
		"ListFunctionEventInvokeConfigs": {Action: "lambda:ListFunctionEventInvokeConfigs", Setup: on(withEventConfig), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.ListFunctionEventInvokeConfigs(ctx, &lambdasdk.ListFunctionEventInvokeConfigsInput{FunctionName: s(n)})
				return err
			}},
		"TagResource": {Action: "lambda:TagResource", Setup: on(withFunction), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.TagResource(ctx, &lambdasdk.TagResourceInput{Resource: s(e.functionARN(n)), Tags: map[string]string{"a": "b"}})
				return err
			}},
		"UntagResource": {Action: "lambda:UntagResource", Setup: on(withTag), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.UntagResource(ctx, &lambdasdk.UntagResourceInput{Resource: s(e.functionARN(n)), TagKeys: []string{"k"}})
				return err
			}},
		"ListTags": {Action: "lambda:ListTags", Setup: on(withTag), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.ListTags(ctx, &lambdasdk.ListTagsInput{Resource: s(e.functionARN(n))})
				return err
			}},
		"Invoke": {Action: "lambda:InvokeFunction", Setup: on(withFunction), Resources: res(functionRes),
			MayFail: "the test environment has no sandbox to run the function in",
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.Invoke(ctx, &lambdasdk.InvokeInput{FunctionName: s(n), Payload: []byte(`{}`)})
				return err
			}},

		"GetEventSourceMapping": {Action: "lambda:GetEventSourceMapping", Setup: on(withEventSourceMapping), Resources: res(esmRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetEventSourceMapping(ctx, &lambdasdk.GetEventSourceMappingInput{UUID: s(e.esmUUID(n))})
				return err
			}},
		"UpdateEventSourceMapping": {Action: "lambda:UpdateEventSourceMapping", Setup: on(withEventSourceMapping), Resources: res(esmRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.UpdateEventSourceMapping(ctx, &lambdasdk.UpdateEventSourceMappingInput{UUID: s(e.esmUUID(n)), Enabled: aws.Bool(false)})
				return err
			}},
		"DeleteEventSourceMapping": {Action: "lambda:DeleteEventSourceMapping", Setup: on(withEventSourceMapping), Resources: res(esmRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.DeleteEventSourceMapping(ctx, &lambdasdk.DeleteEventSourceMappingInput{UUID: s(e.esmUUID(n))})
				return err
			}},

		"PublishLayerVersion": {Action: "lambda:PublishLayerVersion", Resources: res(layerRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.PublishLayerVersion(ctx, &lambdasdk.PublishLayerVersionInput{LayerName: s(n),
					Content: &types.LayerVersionContentInput{ZipFile: makeZip(map[string]string{"lib/" + n: n})}})
				return err
			}},
		"GetLayerVersion": {Action: "lambda:GetLayerVersion", Setup: on(withLayer), Resources: res(layerVersionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetLayerVersion(ctx, &lambdasdk.GetLayerVersionInput{LayerName: s(n), VersionNumber: aws.Int64(1)})
				return err
			}},
		"GetLayerVersionByArn": {Action: "lambda:GetLayerVersion", Setup: on(withLayer), Resources: res(layerVersionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetLayerVersionByArn(ctx, &lambdasdk.GetLayerVersionByArnInput{Arn: s(e.layerARN(n) + ":1")})
				return err
			}},
		"ListLayerVersions": {Action: "lambda:ListLayerVersions", Setup: on(withLayer), Resources: res(layerRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.ListLayerVersions(ctx, &lambdasdk.ListLayerVersionsInput{LayerName: s(n)})
				return err
			}},
		"DeleteLayerVersion": {Action: "lambda:DeleteLayerVersion", Setup: on(withLayer), Resources: res(layerVersionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.DeleteLayerVersion(ctx, &lambdasdk.DeleteLayerVersionInput{LayerName: s(n), VersionNumber: aws.Int64(1)})
				return err
			}},

		"AddPermission": {Action: "lambda:AddPermission", Setup: on(withFunction), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.AddPermission(ctx, &lambdasdk.AddPermissionInput{FunctionName: s(n), StatementId: s("sns"),
					Action: s("lambda:InvokeFunction"), Principal: s("sns.amazonaws.com")})
				return err
			}},
		"RemovePermission": {Action: "lambda:RemovePermission", Setup: on(withPermission), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.RemovePermission(ctx, &lambdasdk.RemovePermissionInput{FunctionName: s(n), StatementId: s("granted")})
				return err
			}},
		"GetPolicy": {Action: "lambda:GetPolicy", Setup: on(withPermission), Resources: res(functionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetPolicy(ctx, &lambdasdk.GetPolicyInput{FunctionName: s(n)})
				return err
			}},
		"AddLayerVersionPermission": {Action: "lambda:AddLayerVersionPermission", Setup: on(withLayer), Resources: res(layerVersionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.AddLayerVersionPermission(ctx, &lambdasdk.AddLayerVersionPermissionInput{LayerName: s(n), VersionNumber: aws.Int64(1),
					StatementId: s("all"), Action: s("lambda:GetLayerVersion"), Principal: s("*")})
				return err
			}},
		"RemoveLayerVersionPermission": {Action: "lambda:RemoveLayerVersionPermission", Setup: on(withLayerPermission), Resources: res(layerVersionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.RemoveLayerVersionPermission(ctx, &lambdasdk.RemoveLayerVersionPermissionInput{LayerName: s(n), VersionNumber: aws.Int64(1),
					StatementId: s("granted")})
				return err
			}},
		"GetLayerVersionPolicy": {Action: "lambda:GetLayerVersionPolicy", Setup: on(withLayerPermission), Resources: res(layerVersionRes),
			Call: func(ctx context.Context, c *lambdasdk.Client, n string) error {
				_, err := c.GetLayerVersionPolicy(ctx, &lambdasdk.GetLayerVersionPolicyInput{LayerName: s(n), VersionNumber: aws.Int64(1)})
				return err
			}},
	}
}

// starCases are the operations AWS authorizes against "*" (it lists no
// resource type for them), by name.
func starCases() map[string]apitest.Star[*lambdasdk.Client] {
	return map[string]apitest.Star[*lambdasdk.Client]{
		"ListFunctions": {Action: "lambda:ListFunctions", Call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.ListFunctions(ctx, &lambdasdk.ListFunctionsInput{})
			return err
		}},
		"GetAccountSettings": {Action: "lambda:GetAccountSettings", Call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.GetAccountSettings(ctx, &lambdasdk.GetAccountSettingsInput{})
			return err
		}},
		"ListLayers": {Action: "lambda:ListLayers", Call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.ListLayers(ctx, &lambdasdk.ListLayersInput{})
			return err
		}},
		"CreateEventSourceMapping": {Action: "lambda:CreateEventSourceMapping", Call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.CreateEventSourceMapping(ctx, &lambdasdk.CreateEventSourceMappingInput{FunctionName: aws.String("f"),
				EventSourceArn: aws.String("arn:aws:sqs:" + apitest.Region + ":111122223333:star")})
			return err
		}},
		"ListEventSourceMappings": {Action: "lambda:ListEventSourceMappings", Call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.ListEventSourceMappings(ctx, &lambdasdk.ListEventSourceMappingsInput{})
			return err
		}},
		"CreateCodeSigningConfig": {Action: "lambda:CreateCodeSigningConfig", Call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.CreateCodeSigningConfig(ctx, &lambdasdk.CreateCodeSigningConfigInput{
				AllowedPublishers: &types.AllowedPublishers{SigningProfileVersionArns: []string{profileVersion}}})
			return err
		}},
		"ListCodeSigningConfigs": {Action: "lambda:ListCodeSigningConfigs", Call: func(ctx context.Context, c *lambdasdk.Client) error {
			_, err := c.ListCodeSigningConfigs(ctx, &lambdasdk.ListCodeSigningConfigsInput{})
			return err
		}},
	}
}

// named returns m's values with their Op set to their key, sorted by it.
func named[V any](m map[string]V, setOp func(*V, string)) []V {
	ops := make([]string, 0, len(m))
	for op := range m {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	out := make([]V, len(ops))
	for i, op := range ops {
		out[i] = m[op]
		setOp(&out[i], op)
	}
	return out
}

func (e *env) cases() []apitest.Case[*lambdasdk.Client, string] {
	return named(e.authzCases(), func(c *apitest.Case[*lambdasdk.Client, string], op string) { c.Op = op })
}

func stars() []apitest.Star[*lambdasdk.Client] {
	return named(starCases(), func(c *apitest.Star[*lambdasdk.Client], op string) { c.Op = op })
}

func TestEveryOperationHasAnAuthorizationCase(t *testing.T) {
	e := newEnv(t)
	e.suite().Coverage(t, e.cases(), stars())
}

func TestEveryOperationIsAuthorizedOnItsResource(t *testing.T) {
	e := newEnv(t)
	e.suite().Run(t, e.cases())
}

func TestAccountWideOperationsAreAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	withFunction(t, e, "f")
	withLayer(t, e, "l")
	e.suite().RunStars(t, []string{e.functionARN("f")}, stars())
}
