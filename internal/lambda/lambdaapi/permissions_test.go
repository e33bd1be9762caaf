package lambdaapi_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/restjson"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/iam/authapi"
	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdaapi"
)

// withPermission makes a function whose policy has a statement "granted".
func withPermission(t testing.TB, e *env, name string) {
	withFunction(t, e, name)
	if _, err := e.Lambda.AddPermission(context.Background(), e.Account, name, "", lambda.PermissionInput{
		StatementID: "granted", Action: "lambda:InvokeFunction", Principal: "sns.amazonaws.com"}); err != nil {
		t.Fatal(err)
	}
}

// withLayerPermission makes a layer whose version 1 has a policy statement "granted".
func withLayerPermission(t testing.TB, e *env, name string) {
	withLayer(t, e, name)
	if _, _, err := e.Lambda.AddLayerVersionPermission(context.Background(), e.Account, name, 1, lambda.LayerPermissionInput{
		StatementID: "granted", Action: "lambda:GetLayerVersion", Principal: "*"}); err != nil {
		t.Fatal(err)
	}
}

// policyEnv is env with the router's authorizer reading Lambda's resource
// policies, as the server wires it, and a second account.
type policyEnv struct {
	*env
	Authz *iam.Authorizer
	// Other is a second account; OtherRole a role Lambda may assume in it.
	Other, OtherRole string
}

func newPolicyEnv(t *testing.T) *policyEnv {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	authz := iam.NewAuthorizer(iam.AuthorizerConfig{Service: e.Service, ResourcePolicies: map[string]iam.ResourcePolicySource{"lambda": e.Lambda}})
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: authapi.New(e.Service, e.Clock.Now),
		Authorizer:    authz,
		Codecs:        map[string]codec.Codec{model.RestJSON: restjson.New()},
		Now:           e.Clock.Now,
	})
	api, err := lambdaapi.New(e.Lambda, bind.New())
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(api); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(rt)
	t.Cleanup(srv.Close)
	e.URL = srv.URL
	st, err := e.Service.CreateAccount(ctx, e.Account, iam.CreateAccountInput{Email: "other@example.com", Name: "other"})
	if err != nil || st.AccountID == "" {
		t.Fatalf("create account: %+v %v", st, err)
	}
	role, err := e.Service.CreateRole(ctx, st.AccountID, iam.CreateRoleInput{Name: "exec",
		TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`})
	if err != nil {
		t.Fatal(err)
	}
	return &policyEnv{env: e, Authz: authz, Other: st.AccountID, OtherRole: role.ARN}
}

func TestSDKFunctionPolicies(t *testing.T) {
	e := newPolicyEnv(t)
	ctx := context.Background()
	withVersion(t, e.env, "f")
	admin := e.client(e.Admin)
	s := aws.String
	fn := e.functionARN("f")

	t.Run("AddPermission answers the statement and GetPolicy the document", func(t *testing.T) {
		out, err := admin.AddPermission(ctx, &lambdasdk.AddPermissionInput{FunctionName: s("f"), StatementId: s("sns"),
			Action: s("lambda:InvokeFunction"), Principal: s("sns.amazonaws.com"), SourceArn: s("arn:aws:sns:us-east-1:" + e.Account + ":t")})
		want := `{"Sid":"sns","Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"` + fn +
			`","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:sns:us-east-1:` + e.Account + `:t"}}}`
		if err != nil || aws.ToString(out.Statement) != want {
			t.Fatalf("add = %v, %v\nwant %s", aws.ToString(out.Statement), err, want)
		}
		p, err := admin.GetPolicy(ctx, &lambdasdk.GetPolicyInput{FunctionName: s("f")})
		if err != nil || aws.ToString(p.Policy) != `{"Version":"2012-10-17","Id":"default","Statement":[`+want+`]}` {
			t.Fatalf("get = %v, %v", p, err)
		}
		cfg, err := admin.GetFunctionConfiguration(ctx, &lambdasdk.GetFunctionConfigurationInput{FunctionName: s("f")})
		if err != nil || aws.ToString(cfg.RevisionId) != aws.ToString(p.RevisionId) {
			t.Fatalf("function revision %v, policy revision %v (%v)", cfg.RevisionId, p.RevisionId, err)
		}
	})
	t.Run("the errors are the SDK's typed exceptions", func(t *testing.T) {
		_, err := admin.AddPermission(ctx, &lambdasdk.AddPermissionInput{FunctionName: s("f"), StatementId: s("sns"),
			Action: s("lambda:InvokeFunction"), Principal: s("*")})
		var conflict *types.ResourceConflictException
		if !errors.As(err, &conflict) {
			t.Errorf("duplicate sid: %v", err)
		}
		_, err = admin.AddPermission(ctx, &lambdasdk.AddPermissionInput{FunctionName: s("f"), StatementId: s("x"),
			Action: s("lambda:InvokeFunction"), Principal: s("*"), RevisionId: s("stale")})
		var pre *types.PreconditionFailedException
		if !errors.As(err, &pre) {
			t.Errorf("stale revision: %v", err)
		}
		_, err = admin.GetPolicy(ctx, &lambdasdk.GetPolicyInput{FunctionName: s("f"), Qualifier: s("1")})
		var nf *types.ResourceNotFoundException
		if !errors.As(err, &nf) {
			t.Errorf("version without a policy: %v", err)
		}
	})
	t.Run("RemovePermission removes the statement", func(t *testing.T) {
		if _, err := admin.RemovePermission(ctx, &lambdasdk.RemovePermissionInput{FunctionName: s("f"), StatementId: s("sns")}); err != nil {
			t.Fatal(err)
		}
		_, err := admin.GetPolicy(ctx, &lambdasdk.GetPolicyInput{FunctionName: s("f")})
		if apitest.APICode(err) != "ResourceNotFoundException" {
			t.Fatalf("get after remove: %v", err)
		}
	})
}

func TestCrossAccountFunctionAccess(t *testing.T) {
	e := newPolicyEnv(t)
	ctx := context.Background()
	withVersion(t, e.env, "f")
	s := aws.String
	fn := e.functionARN("f")
	// bob's own account lets him do anything to the function: the function's
	// policy decides.
	bobKeys := e.NewUser(t, e.Other, "bob", apitest.AllowDoc("lambda:*", fn, fn+":*"))
	bob := e.client(bobKeys)
	bobPrincipal := &identity.Principal{Kind: identity.KindUser, Account: e.Other, Name: "bob", ARN: "arn:aws:iam::" + e.Other + ":user/bob"}
	authorize := func(action, resource string) error {
		return e.Authz.Authorize(ctx, &awsproto.AuthzRequest{Principal: bobPrincipal, Action: action, Resource: resource, Region: apitest.Region})
	}
	grant := func(q, sid, action string) {
		t.Helper()
		if _, err := e.Lambda.AddPermission(ctx, e.Account, "f", q, lambda.PermissionInput{StatementID: sid, Action: action, Principal: e.Other}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("without a policy another account is denied", func(t *testing.T) {
		if err := authorize("lambda:InvokeFunction", fn); !awserr.Is(err, "AccessDenied") {
			t.Errorf("invoke: %v", err)
		}
		_, err := bob.GetPolicy(ctx, &lambdasdk.GetPolicyInput{FunctionName: s(fn)})
		if apitest.APICode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "because no resource-based policy allows the lambda:GetPolicy action") {
			t.Errorf("GetPolicy: %v", err)
		}
	})
	t.Run("a permission for the account allows its action and no other", func(t *testing.T) {
		grant("", "invoke", "lambda:InvokeFunction")
		if err := authorize("lambda:InvokeFunction", fn); err != nil {
			t.Errorf("invoke: %v", err)
		}
		if err := authorize("lambda:GetFunction", fn); !awserr.Is(err, "AccessDenied") {
			t.Errorf("GetFunction is allowed by an invoke permission")
		}
	})
	t.Run("a permission on the function does not extend to its versions", func(t *testing.T) {
		if err := authorize("lambda:InvokeFunction", fn+":1"); !awserr.Is(err, "AccessDenied") {
			t.Fatal("version 1 is invocable with the function's permission")
		}
		grant("1", "invoke1", "lambda:InvokeFunction")
		if err := authorize("lambda:InvokeFunction", fn+":1"); err != nil {
			t.Fatalf("after granting version 1: %v", err)
		}
	})
	t.Run("GetPolicy by ARN serves the other account once the policy allows it", func(t *testing.T) {
		grant("", "read", "lambda:GetPolicy")
		p, err := bob.GetPolicy(ctx, &lambdasdk.GetPolicyInput{FunctionName: s(fn)})
		if err != nil || !strings.Contains(aws.ToString(p.Policy), `"Sid":"read"`) {
			t.Fatalf("get = %v, %v", p, err)
		}
	})
	t.Run("operations AWS does not serve across accounts stay not found even under lambda:*", func(t *testing.T) {
		grant("", "all", "lambda:*")
		_, err := bob.AddPermission(ctx, &lambdasdk.AddPermissionInput{FunctionName: s(fn), StatementId: s("mine"),
			Action: s("lambda:*"), Principal: s("*")})
		if apitest.APICode(err) != "ResourceNotFoundException" {
			t.Errorf("AddPermission: %v", err)
		}
		_, err = bob.UpdateFunctionConfiguration(ctx, &lambdasdk.UpdateFunctionConfigurationInput{FunctionName: s(fn), Description: s("mine")})
		if apitest.APICode(err) != "ResourceNotFoundException" {
			t.Errorf("UpdateFunctionConfiguration: %v", err)
		}
	})
	t.Run("within the account a resource policy naming a user is enough without an identity policy", func(t *testing.T) {
		carolKeys := e.NewUser(t, e.Account, "carol", "")
		carol := e.client(carolKeys)
		if _, err := carol.GetPolicy(ctx, &lambdasdk.GetPolicyInput{FunctionName: s("f")}); apitest.APICode(err) != "AccessDeniedException" {
			t.Fatalf("before: %v", err)
		}
		if _, err := e.Lambda.AddPermission(ctx, e.Account, "f", "", lambda.PermissionInput{StatementID: "carol", Action: "lambda:GetPolicy",
			Principal: "arn:aws:iam::" + e.Account + ":user/carol"}); err != nil {
			t.Fatal(err)
		}
		if _, err := carol.GetPolicy(ctx, &lambdasdk.GetPolicyInput{FunctionName: s("f")}); err != nil {
			t.Fatalf("after: %v", err)
		}
	})
}

func TestCrossAccountLayerUse(t *testing.T) {
	e := newPolicyEnv(t)
	ctx := context.Background()
	withLayer(t, e.env, "lib")
	s := aws.String
	layerVersion := e.layerARN("lib") + ":1"
	bob := e.client(e.NewUser(t, e.Other, "bob", apitest.AllowDoc("lambda:*", "*")))
	create := func(name string) error {
		_, err := bob.CreateFunction(ctx, &lambdasdk.CreateFunctionInput{FunctionName: s(name), Runtime: types.RuntimeProvidedal2023,
			Role: s(e.OtherRole), Handler: s("bootstrap"), Layers: []string{layerVersion},
			Code: &types.FunctionCode{ZipFile: makeZip(map[string]string{"bootstrap": "#!/bin/sh\n"})}})
		return err
	}
	t.Run("another account's layer version is refused without a policy", func(t *testing.T) {
		err := create("a")
		if apitest.APICode(err) != "AccessDeniedException" || !strings.Contains(err.Error(), "user/bob is not authorized to perform: lambda:GetLayerVersion on resource: "+layerVersion) {
			t.Fatalf("err = %v", err)
		}
		if _, err := bob.GetLayerVersionByArn(ctx, &lambdasdk.GetLayerVersionByArnInput{Arn: s(layerVersion)}); apitest.APICode(err) != "AccessDeniedException" {
			t.Fatalf("GetLayerVersionByArn: %v", err)
		}
	})
	t.Run("after AddLayerVersionPermission the account can read and use it", func(t *testing.T) {
		admin := e.client(e.Admin)
		out, err := admin.AddLayerVersionPermission(ctx, &lambdasdk.AddLayerVersionPermissionInput{LayerName: s("lib"), VersionNumber: aws.Int64(1),
			StatementId: s("xaccount"), Action: s("lambda:GetLayerVersion"), Principal: s(e.Other)})
		if err != nil || aws.ToString(out.RevisionId) == "" || !strings.Contains(aws.ToString(out.Statement), `"AWS":"arn:aws:iam::`+e.Other+`:root"`) {
			t.Fatalf("add = %v, %v", out, err)
		}
		p, err := admin.GetLayerVersionPolicy(ctx, &lambdasdk.GetLayerVersionPolicyInput{LayerName: s("lib"), VersionNumber: aws.Int64(1)})
		if err != nil || aws.ToString(p.RevisionId) != aws.ToString(out.RevisionId) || !strings.HasPrefix(aws.ToString(p.Policy), `{"Version":"2012-10-17","Id":"default"`) {
			t.Fatalf("get policy = %v, %v", p, err)
		}
		got, err := bob.GetLayerVersionByArn(ctx, &lambdasdk.GetLayerVersionByArnInput{Arn: s(layerVersion)})
		if err != nil || aws.ToString(got.LayerVersionArn) != layerVersion {
			t.Fatalf("GetLayerVersionByArn = %v, %v", got, err)
		}
		if err := create("b"); err != nil {
			t.Fatalf("create with the layer: %v", err)
		}
	})
	t.Run("RemoveLayerVersionPermission takes the use away", func(t *testing.T) {
		admin := e.client(e.Admin)
		if _, err := admin.RemoveLayerVersionPermission(ctx, &lambdasdk.RemoveLayerVersionPermissionInput{LayerName: s("lib"), VersionNumber: aws.Int64(1),
			StatementId: s("xaccount")}); err != nil {
			t.Fatal(err)
		}
		if err := create("c"); apitest.APICode(err) != "AccessDeniedException" {
			t.Fatalf("err = %v", err)
		}
	})
}
