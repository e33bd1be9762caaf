package lambda_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/iam"
	"github.com/stratus-cloud/stratus/internal/lambda"
	"github.com/stratus-cloud/stratus/internal/lambda/lambdatest"
)

func ptrTo[T any](v T) *T { return &v }

func TestAddPermissionWritesStatementsAsAWSDoes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "f", nil)
	if _, err := e.Svc.PublishVersion(ctx, e.Account, "f", "", "", ""); err != nil {
		t.Fatal(err)
	}
	fn := "arn:aws:lambda:us-east-1:" + e.Account + ":function:f"
	cases := []struct {
		name      string
		qualifier string
		in        lambda.PermissionInput
		want      string
	}{
		{"a service principal with a source account and ARN gets StringEquals before ArnLike", "",
			lambda.PermissionInput{StatementID: "s3", Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com",
				SourceAccount: "123456789012", SourceARN: "arn:aws:s3:::my-bucket"},
			`{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"` + fn +
				`","Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::my-bucket"}}}`},
		{"an account id becomes the account's root", "",
			lambda.PermissionInput{StatementID: "xaccount", Action: "lambda:InvokeFunction", Principal: "223456789012"},
			`{"Sid":"xaccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::223456789012:root"},"Action":"lambda:InvokeFunction","Resource":"` + fn + `"}`},
		{"everyone in an organization is * with aws:PrincipalOrgID", "",
			lambda.PermissionInput{StatementID: "org", Action: "lambda:GetFunction", Principal: "*", PrincipalOrgID: "o-a1b2c3d4e5"},
			`{"Sid":"org","Effect":"Allow","Principal":"*","Action":"lambda:GetFunction","Resource":"` + fn + `","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`},
		{"an IAM role ARN is kept as written", "",
			lambda.PermissionInput{StatementID: "role", Action: "lambda:*", Principal: "arn:aws:iam::223456789012:role/caller"},
			`{"Sid":"role","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::223456789012:role/caller"},"Action":"lambda:*","Resource":"` + fn + `"}`},
		{"a function URL permission carries its auth type", "",
			lambda.PermissionInput{StatementID: "url", Action: "lambda:InvokeFunctionUrl", Principal: "*", FunctionURLAuthType: "NONE"},
			`{"Sid":"url","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunctionUrl","Resource":"` + fn + `","Condition":{"StringEquals":{"lambda:FunctionUrlAuthType":"NONE"}}}`},
		{"a version's statement names the qualified ARN", "1",
			lambda.PermissionInput{StatementID: "xaccount", Action: "lambda:InvokeFunction", Principal: "223456789012"},
			`{"Sid":"xaccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::223456789012:root"},"Action":"lambda:InvokeFunction","Resource":"` + fn + `:1"}`},
	}
	docs := map[string][]string{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.Svc.AddPermission(ctx, e.Account, "f", tc.qualifier, tc.in)
			if err != nil || got != tc.want {
				t.Fatalf("statement =\n%s, %v\nwant\n%s", got, err, tc.want)
			}
			docs[tc.qualifier] = append(docs[tc.qualifier], tc.want)
		})
	}
	for q, stmts := range docs {
		t.Run("GetPolicy of qualifier "+q+" lists its statements in order", func(t *testing.T) {
			p, err := e.Svc.GetPolicy(ctx, e.Account, "f", q)
			want := `{"Version":"2012-10-17","Id":"default","Statement":[` + strings.Join(stmts, ",") + `]}`
			if err != nil || p.Document != want {
				t.Fatalf("policy =\n%+v, %v\nwant\n%s", p, err, want)
			}
		})
	}
}

func TestPermissionErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "f", nil)
	if _, err := e.Svc.PublishVersion(ctx, e.Account, "f", "", "", ""); err != nil {
		t.Fatal(err)
	}
	invoke := func(sid string) lambda.PermissionInput {
		return lambda.PermissionInput{StatementID: sid, Action: "lambda:InvokeFunction", Principal: "sns.amazonaws.com"}
	}
	if _, err := e.Svc.AddPermission(ctx, e.Account, "f", "", invoke("taken")); err != nil {
		t.Fatal(err)
	}
	fn := "arn:aws:lambda:us-east-1:" + e.Account + ":function:f"
	cases := []struct {
		name, qualifier string
		in              lambda.PermissionInput
		code, message   string
	}{
		{"a statement id in use conflicts", "", invoke("taken"), lambda.CodeResourceConflict,
			"The statement id (taken) provided already exists. Please provide a new statement id, or remove the existing statement."},
		{"$LATEST takes no policy", "$LATEST", invoke("a"), lambda.CodeInvalidParameterValue, "We currently do not support adding policies for $LATEST."},
		{"a missing alias is not found", "nope", invoke("a"), lambda.CodeResourceNotFound, "Cannot find alias arn: " + fn + ":nope"},
		{"a missing version is not found", "7", invoke("a"), lambda.CodeResourceNotFound, "Function not found: " + fn + ":7"},
		{"a principal that is none of the forms is refused", "", lambda.PermissionInput{StatementID: "a", Action: "lambda:InvokeFunction", Principal: "bob"},
			lambda.CodeInvalidParameterValue, "The provided principal was invalid. Please check the principal and try again."},
		{"an action outside lambda is refused", "", lambda.PermissionInput{StatementID: "a", Action: "s3:GetObject", Principal: "*"}, lambda.CodeInvalidParameterValue, ""},
		{"a statement id with a dot is refused", "", invoke("a.b"), lambda.CodeInvalidParameterValue, ""},
		{"a stale revision fails the precondition", "", lambda.PermissionInput{StatementID: "a", Action: "lambda:InvokeFunction", Principal: "*", RevisionID: "stale"},
			lambda.CodePreconditionFailed, "The Revision Id provided does not match the latest Revision Id. Call the GetPolicy API to retrieve the latest Revision Id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Svc.AddPermission(ctx, e.Account, "f", tc.qualifier, tc.in)
			ae, ok := awserr.As(err)
			if !ok || ae.Code != tc.code || (tc.message != "" && ae.Message != tc.message) {
				t.Fatalf("err = %v, want %s %q", err, tc.code, tc.message)
			}
		})
	}
	t.Run("a function of another account is not found", func(t *testing.T) {
		_, err := e.Svc.AddPermission(ctx, "210987654321", fn, "", invoke("x"))
		if !awserr.Is(err, lambda.CodeResourceNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a policy over 20 KB is refused and left as it was", func(t *testing.T) {
		before, _ := e.Svc.GetPolicy(ctx, e.Account, "f", "1")
		long := lambda.PermissionInput{Action: "lambda:InvokeFunction", Principal: "s3.amazonaws.com", SourceARN: "arn:aws:s3:::" + strings.Repeat("b", 900)}
		var err error
		for i := 0; i < 40 && err == nil; i++ {
			long.StatementID = "s" + strings.Repeat("x", i)
			_, err = e.Svc.AddPermission(ctx, e.Account, "f", "1", long)
		}
		ae, ok := awserr.As(err)
		if !ok || ae.Code != lambda.CodePolicyLengthExceeded || !strings.HasSuffix(ae.Message, "is bigger than the limit (20480).") {
			t.Fatalf("err = %v", err)
		}
		after, gerr := e.Svc.GetPolicy(ctx, e.Account, "f", "1")
		if gerr != nil || len(after.Document) > 20480 || before != nil && after.Document == before.Document {
			t.Fatalf("after = %d bytes, %v", len(after.Document), gerr)
		}
		if strings.Contains(after.Document, `"Sid":"`+long.StatementID+`"`) {
			t.Fatalf("the refused statement was stored")
		}
	})
}

func TestPermissionRevisionsAndRemoval(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	v := e.create(t, "f", nil)
	in := lambda.PermissionInput{StatementID: "one", Action: "lambda:InvokeFunction", Principal: "sns.amazonaws.com", RevisionID: v.RevisionID}

	t.Run("adding with the current revision renews the function's revision", func(t *testing.T) {
		if _, err := e.Svc.AddPermission(ctx, e.Account, "f", "", in); err != nil {
			t.Fatal(err)
		}
		cur, err := e.Svc.GetFunctionConfiguration(ctx, e.Account, "f", "")
		if err != nil || cur.RevisionID == v.RevisionID {
			t.Fatalf("revision %q after add, was %q (%v)", cur.RevisionID, v.RevisionID, err)
		}
		p, err := e.Svc.GetPolicy(ctx, e.Account, "f", "")
		if err != nil || p.RevisionID != cur.RevisionID {
			t.Fatalf("policy revision = %+v, %v; function's %s", p, err, cur.RevisionID)
		}
	})
	t.Run("adding with the old revision fails the precondition", func(t *testing.T) {
		in.StatementID = "two"
		if _, err := e.Svc.AddPermission(ctx, e.Account, "f", "", in); !awserr.Is(err, lambda.CodePreconditionFailed) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("removing a statement that is not there is not found", func(t *testing.T) {
		err := e.Svc.RemovePermission(ctx, e.Account, "f", "", "two", "")
		if ae, ok := awserr.As(err); !ok || ae.Code != lambda.CodeResourceNotFound || ae.Message != "Statement two is not found in resource policy." {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("removing with a stale revision fails the precondition", func(t *testing.T) {
		if err := e.Svc.RemovePermission(ctx, e.Account, "f", "", "one", v.RevisionID); !awserr.Is(err, lambda.CodePreconditionFailed) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("removing the last statement removes the policy", func(t *testing.T) {
		if err := e.Svc.RemovePermission(ctx, e.Account, "f", "", "one", ""); err != nil {
			t.Fatal(err)
		}
		_, err := e.Svc.GetPolicy(ctx, e.Account, "f", "")
		if ae, ok := awserr.As(err); !ok || ae.Code != lambda.CodeResourceNotFound || ae.Message != "The resource you requested does not exist." {
			t.Fatalf("err = %v", err)
		}
		err = e.Svc.RemovePermission(ctx, e.Account, "f", "", "one", "")
		if ae, ok := awserr.As(err); !ok || ae.Message != "No policy is associated with the given resource." {
			t.Fatalf("removing again: %v", err)
		}
	})
	t.Run("removing from a missing function names it", func(t *testing.T) {
		err := e.Svc.RemovePermission(ctx, e.Account, "ghost", "", "one", "")
		if ae, ok := awserr.As(err); !ok || ae.Code != lambda.CodeResourceNotFound || !strings.HasPrefix(ae.Message, "No policy found for: arn:aws:lambda:") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestPoliciesAreScopedToTheirQualifierAndDeletedWithIt(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "f", nil)
	for i := range 2 {
		if _, err := e.Svc.UpdateFunctionConfiguration(ctx, e.Account, "f", lambda.ConfigUpdate{Timeout: ptrTo(int64(10 + i))}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Svc.PublishVersion(ctx, e.Account, "f", "", "", ""); err != nil {
			t.Fatal(err)
		}
	}
	al, err := e.Svc.CreateAlias(ctx, e.Account, "f", lambda.AliasInput{Name: "live", Version: ptrTo("1")})
	if err != nil {
		t.Fatal(err)
	}
	fn := "arn:aws:lambda:us-east-1:" + e.Account + ":function:f"
	grant := func(q, sid string) {
		t.Helper()
		if _, err := e.Svc.AddPermission(ctx, e.Account, "f", q, lambda.PermissionInput{StatementID: sid, Action: "lambda:InvokeFunction", Principal: "*"}); err != nil {
			t.Fatal(err)
		}
	}
	grant("", "fn")
	grant("1", "v1")
	grant("live", "alias")
	grant("2", "v2")

	has := func(resource, sid string) bool {
		doc, ok, err := e.Svc.ResourcePolicy(ctx, resource, "lambda:InvokeFunction")
		if err != nil {
			t.Fatal(err)
		}
		return ok && strings.Contains(doc, `"Sid":"`+sid+`"`)
	}
	t.Run("each ARN has its own qualifier's policy only", func(t *testing.T) {
		for _, c := range []struct {
			arn, sid string
			want     bool
		}{
			{fn, "fn", true}, {fn, "v1", false}, {fn + ":$LATEST", "fn", true},
			{fn + ":1", "v1", true}, {fn + ":1", "fn", false}, {fn + ":live", "alias", true}, {fn + ":live", "v1", false},
		} {
			if got := has(c.arn, c.sid); got != c.want {
				t.Errorf("policy of %s has %s = %v, want %v", c.arn, c.sid, got, c.want)
			}
		}
	})
	t.Run("adding to an alias renews the alias's revision", func(t *testing.T) {
		now, err := e.Svc.GetAlias(ctx, e.Account, "f", "live")
		if err != nil || now.RevisionID == al.RevisionID {
			t.Fatalf("alias revision %q, was %q (%v)", now.RevisionID, al.RevisionID, err)
		}
		p, _ := e.Svc.GetPolicy(ctx, e.Account, "f", "live")
		if p == nil || p.RevisionID != now.RevisionID {
			t.Fatalf("policy revision %+v, alias's %s", p, now.RevisionID)
		}
	})
	t.Run("deleting an alias deletes its policy, also for an alias made again", func(t *testing.T) {
		if err := e.Svc.DeleteAlias(ctx, e.Account, "f", "live"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.Svc.CreateAlias(ctx, e.Account, "f", lambda.AliasInput{Name: "live", Version: ptrTo("1")}); err != nil {
			t.Fatal(err)
		}
		if has(fn+":live", "alias") {
			t.Fatal("the new alias has the old alias's policy")
		}
		if _, err := e.Svc.GetPolicy(ctx, e.Account, "f", "live"); !awserr.Is(err, lambda.CodeResourceNotFound) {
			t.Fatalf("GetPolicy = %v", err)
		}
	})
	t.Run("deleting a version deletes its policy", func(t *testing.T) {
		if err := e.Svc.DeleteFunction(ctx, e.Account, "f", "2"); err != nil {
			t.Fatal(err)
		}
		if has(fn+":2", "v2") {
			t.Fatal("the deleted version still has a policy")
		}
	})
	t.Run("deleting the function deletes every policy", func(t *testing.T) {
		if err := e.Svc.DeleteFunction(ctx, e.Account, "f", ""); err != nil {
			t.Fatal(err)
		}
		e.create(t, "f", nil)
		if has(fn, "fn") || has(fn+":1", "v1") {
			t.Fatal("a function made again has the deleted function's policies")
		}
	})
}

func TestPermitService(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "f", nil)
	e.create(t, "bare", nil)
	fn := "arn:aws:lambda:us-east-1:" + e.Account + ":function:"
	topic := "arn:aws:sns:us-east-1:" + e.Account + ":orders"
	if _, err := e.Svc.AddPermission(ctx, e.Account, "f", "", lambda.PermissionInput{StatementID: "sns", Action: "lambda:InvokeFunction",
		Principal: "sns.amazonaws.com", SourceARN: topic}); err != nil {
		t.Fatal(err)
	}
	e.create(t, "owned", nil)
	if _, err := e.Svc.AddPermission(ctx, e.Account, "owned", "", lambda.PermissionInput{StatementID: "sns", Action: "lambda:InvokeFunction",
		Principal: "sns.amazonaws.com", SourceAccount: e.Account}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name                          string
		function, service, source, by string
		allowed                       bool
	}{
		{"the right service from the right topic is allowed", fn + "f", "sns.amazonaws.com", topic, e.Account, true},
		{"another topic is denied", fn + "f", "sns.amazonaws.com", topic + "-other", e.Account, false},
		{"no source ARN is denied", fn + "f", "sns.amazonaws.com", "", e.Account, false},
		{"another service is denied", fn + "f", "events.amazonaws.com", topic, e.Account, false},
		{"a function without a policy is denied", fn + "bare", "sns.amazonaws.com", topic, e.Account, false},
		{"a version the permission is not on is denied", fn + "f:1", "sns.amazonaws.com", topic, e.Account, false},
		{"a topic of the source account is allowed", fn + "owned", "sns.amazonaws.com", topic, e.Account, true},
		{"a topic of another account is denied", fn + "owned", "sns.amazonaws.com", "arn:aws:sns:us-east-1:210987654321:orders", "210987654321", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := e.Svc.PermitService(ctx, tc.function, tc.service, tc.source, tc.by)
			if tc.allowed && err != nil {
				t.Fatalf("err = %v", err)
			}
			if !tc.allowed && !awserr.Is(err, "AccessDeniedException") {
				t.Fatalf("err = %v, want AccessDeniedException", err)
			}
		})
	}
	t.Run("removing the permission denies at once", func(t *testing.T) {
		if err := e.Svc.RemovePermission(ctx, e.Account, "f", "", "sns", ""); err != nil {
			t.Fatal(err)
		}
		if err := e.Svc.PermitService(ctx, fn+"f", "sns.amazonaws.com", topic, e.Account); !awserr.Is(err, "AccessDeniedException") {
			t.Fatalf("err = %v", err)
		}
	})
}

// otherAccount creates a member account with a role Lambda may assume.
func otherAccount(t *testing.T, e *env) (account, role string) {
	t.Helper()
	ctx := context.Background()
	st, err := e.IAM.CreateAccount(ctx, e.Account, iam.CreateAccountInput{Email: "b@example.com", Name: "b"})
	if err != nil || st.AccountID == "" {
		t.Fatalf("create account: %+v %v", st, err)
	}
	r, err := e.IAM.CreateRole(ctx, st.AccountID, iam.CreateRoleInput{Name: "fn-role", TrustPolicy: lambdatest.TrustLambda})
	if err != nil {
		t.Fatal(err)
	}
	return st.AccountID, r.ARN
}

func TestLayerVersionPermissions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	lv, err := e.Svc.PublishLayerVersion(ctx, e.Account, lambda.LayerInput{Name: "lib", ZipFile: makeZip(t, entry{Name: "lib/x", Body: "x"})})
	if err != nil {
		t.Fatal(err)
	}
	other, role := otherAccount(t, e)
	useLayer := func() error {
		_, err := e.Svc.CreateFunction(ctx, other, lambda.FunctionInput{Name: "user", Runtime: "provided.al2023", Role: role,
			ZipFile: bootstrapZip(t), Layers: []string{lv.LayerVersionARN}})
		return err
	}
	t.Run("another account cannot use a layer version without a policy", func(t *testing.T) {
		err := useLayer()
		if ae, ok := awserr.As(err); !ok || ae.Code != "AccessDeniedException" ||
			ae.Message != "User: arn:aws:iam::"+other+":root is not authorized to perform: lambda:GetLayerVersion on resource: "+lv.LayerVersionARN+
				" because no resource-based policy allows the lambda:GetLayerVersion action" {
			t.Fatalf("err = %v", err)
		}
	})
	var rev string
	t.Run("granting the account writes AWS's statement", func(t *testing.T) {
		st, r, err := e.Svc.AddLayerVersionPermission(ctx, e.Account, "lib", 1, lambda.LayerPermissionInput{StatementID: "xaccount", Action: "lambda:GetLayerVersion", Principal: other})
		want := `{"Sid":"xaccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + other + `:root"},"Action":"lambda:GetLayerVersion","Resource":"` + lv.LayerVersionARN + `"}`
		if err != nil || st != want || r == "" {
			t.Fatalf("statement = %s, %q, %v\nwant %s", st, r, err, want)
		}
		p, err := e.Svc.GetLayerVersionPolicy(ctx, e.Account, "lib", 1)
		if err != nil || p.Document != `{"Version":"2012-10-17","Id":"default","Statement":[`+want+`]}` || p.RevisionID != r {
			t.Fatalf("policy = %+v, %v", p, err)
		}
		rev = r
	})
	t.Run("the granted account can use the layer version", func(t *testing.T) {
		if err := useLayer(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the layer statement errors match AWS", func(t *testing.T) {
		for _, c := range []struct {
			in   lambda.LayerPermissionInput
			code string
		}{
			{lambda.LayerPermissionInput{StatementID: "xaccount", Action: "lambda:GetLayerVersion", Principal: "*"}, lambda.CodeResourceConflict},
			{lambda.LayerPermissionInput{StatementID: "a", Action: "lambda:InvokeFunction", Principal: "*"}, lambda.CodeInvalidParameterValue},
			{lambda.LayerPermissionInput{StatementID: "a", Action: "lambda:GetLayerVersion", Principal: "sns.amazonaws.com"}, lambda.CodeInvalidParameterValue},
			{lambda.LayerPermissionInput{StatementID: "a", Action: "lambda:GetLayerVersion", Principal: "*", RevisionID: "stale"}, lambda.CodePreconditionFailed},
		} {
			if _, _, err := e.Svc.AddLayerVersionPermission(ctx, e.Account, "lib", 1, c.in); !awserr.Is(err, c.code) {
				t.Errorf("%+v: err = %v, want %s", c.in, err, c.code)
			}
		}
		if _, _, err := e.Svc.AddLayerVersionPermission(ctx, e.Account, "lib", 9, lambda.LayerPermissionInput{StatementID: "a", Action: "lambda:GetLayerVersion", Principal: "*"}); !awserr.Is(err, lambda.CodeResourceNotFound) {
			t.Errorf("missing version: err = %v", err)
		}
	})
	t.Run("everyone in an organization is * with aws:PrincipalOrgID", func(t *testing.T) {
		st, _, err := e.Svc.AddLayerVersionPermission(ctx, e.Account, "lib", 1, lambda.LayerPermissionInput{StatementID: "org", Action: "lambda:GetLayerVersion", Principal: "*", OrganizationID: "o-a1b2c3d4e5", RevisionID: rev})
		want := `{"Sid":"org","Effect":"Allow","Principal":"*","Action":"lambda:GetLayerVersion","Resource":"` + lv.LayerVersionARN + `","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-a1b2c3d4e5"}}}`
		if err != nil || st != want {
			t.Fatalf("statement = %s, %v", st, err)
		}
	})
	t.Run("removing the grant stops new uses", func(t *testing.T) {
		if err := e.Svc.RemoveLayerVersionPermission(ctx, e.Account, "lib", 1, "xaccount", ""); err != nil {
			t.Fatal(err)
		}
		if err := e.Svc.RemoveLayerVersionPermission(ctx, e.Account, "lib", 1, "xaccount", ""); !awserr.Is(err, lambda.CodeResourceNotFound) {
			t.Fatalf("removing again: %v", err)
		}
		_, err := e.Svc.UpdateFunctionConfiguration(ctx, other, "user", lambda.ConfigUpdate{Layers: []string{lv.LayerVersionARN}})
		if !awserr.Is(err, "AccessDeniedException") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("deleting the layer version deletes its policy", func(t *testing.T) {
		if err := e.Svc.DeleteLayerVersion(ctx, e.Account, "lib", 1); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := e.Svc.ResourcePolicy(ctx, lv.LayerVersionARN, "lambda:GetLayerVersion"); ok || err != nil {
			t.Fatalf("policy still there: %v, %v", ok, err)
		}
	})
}

func TestActingAccount(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "f", nil)
	other := "210987654321"
	fn := "arn:aws:lambda:us-east-1:" + e.Account + ":function:f"
	t.Run("an action AWS serves across accounts runs as the function's account", func(t *testing.T) {
		for _, action := range []string{"lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:InvokeFunction", "lambda:GetPolicy"} {
			if got := e.Svc.ActingAccount(other, fn, action); got != e.Account {
				t.Errorf("%s acts as %s", action, got)
			}
		}
		f, err := e.Svc.GetFunction(ctx, e.Svc.ActingAccount(other, fn, "lambda:GetFunction"), fn, "")
		if err != nil || f.Latest.FunctionARN != fn {
			t.Fatalf("get = %+v, %v", f, err)
		}
	})
	t.Run("any other action runs as the caller, who cannot see the function", func(t *testing.T) {
		acting := e.Svc.ActingAccount(other, fn, "lambda:UpdateFunctionConfiguration")
		if acting != other {
			t.Fatalf("acts as %s", acting)
		}
		_, err := e.Svc.UpdateFunctionConfiguration(ctx, acting, fn, lambda.ConfigUpdate{Description: ptrTo("x")})
		if !awserr.Is(err, lambda.CodeResourceNotFound) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a name without an ARN is the caller's own", func(t *testing.T) {
		if got := e.Svc.ActingAccount(other, "f", "lambda:GetFunction"); got != other {
			t.Fatalf("acts as %s", got)
		}
	})
}
