package policy

import (
	"reflect"
	"strings"
	"testing"
)

func TestActionAndResourceMatching(t *testing.T) {
	tests := []struct {
		name     string
		stmt     string // Action/Resource members of one Allow statement
		action   string
		resource string
		ctx      Context
		want     Decision
	}{
		{"the allow-everything policy allows any action on any resource", `"Action":"*","Resource":"*"`, "iam:CreateUser", "arn:aws:iam::111122223333:user/x", nil, Allowed},
		{"action names match case-insensitively", `"Action":"iam:createuser","Resource":"*"`, "iam:CreateUser", "*", nil, Allowed},
		{"service prefixes match case-insensitively", `"Action":"IAM:CreateUser","Resource":"*"`, "iam:CreateUser", "*", nil, Allowed},
		{"a star matches the rest of an action name", `"Action":"iam:Get*","Resource":"*"`, "iam:GetUser", "*", nil, Allowed},
		{"a star in the middle matches any run of characters", `"Action":"iam:*AccessKey*","Resource":"*"`, "iam:ListAccessKeys", "*", nil, Allowed},
		{"a question mark matches exactly one character", `"Action":"s3:Get?bject","Resource":"*"`, "s3:GetObject", "*", nil, Allowed},
		{"a question mark does not match two characters", `"Action":"s3:Get?ject","Resource":"*"`, "s3:GetObject", "*", nil, ImplicitDeny},
		{"an action of another service does not match", `"Action":"iam:*","Resource":"*"`, "sts:AssumeRole", "*", nil, ImplicitDeny},
		{"a service wildcard does not match a longer service name", `"Action":"s3:*","Resource":"*"`, "s3express:CreateSession", "*", nil, ImplicitDeny},
		{"any of several actions may match", `"Action":["sqs:SendMessage","sqs:ReceiveMessage"],"Resource":"*"`, "sqs:ReceiveMessage", "*", nil, Allowed},
		{"NotAction allows every action but those listed", `"NotAction":"iam:*","Resource":"*"`, "s3:GetObject", "*", nil, Allowed},
		{"NotAction does not allow a listed action", `"NotAction":["iam:*"],"Resource":"*"`, "iam:DeleteUser", "*", nil, ImplicitDeny},
		{"a resource star matches every resource", `"Action":"s3:*","Resource":"*"`, "s3:GetObject", "arn:aws:s3:::b/k", nil, Allowed},
		{"resource wildcards match across colons", `"Action":"sqs:*","Resource":"arn:aws:sqs:*"`, "sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q", nil, Allowed},
		{"a resource pattern matches a whole ARN only", `"Action":"s3:*","Resource":"arn:aws:s3:::b"`, "s3:GetObject", "arn:aws:s3:::b/k", nil, ImplicitDeny},
		{"resources match case-sensitively", `"Action":"s3:*","Resource":"arn:aws:s3:::Bucket/*"`, "s3:GetObject", "arn:aws:s3:::bucket/k", nil, ImplicitDeny},
		{"a specific ARN does not match a request for resource star", `"Action":"iam:ListUsers","Resource":"arn:aws:iam::111122223333:user/*"`, "iam:ListUsers", "*", nil, ImplicitDeny},
		{"NotResource allows every resource but those listed", `"Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"`, "s3:GetObject", "arn:aws:s3:::public/k", nil, Allowed},
		{"NotResource does not allow a listed resource", `"Action":"s3:*","NotResource":["arn:aws:s3:::secret/*"]`, "s3:GetObject", "arn:aws:s3:::secret/k", nil, ImplicitDeny},
		{"a variable in a resource resolves from the context", `"Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"`, "s3:GetObject", "arn:aws:s3:::home/alice/k", ctx("aws:username", StringValue("alice")), Allowed},
		{"a variable in a resource does not match another user", `"Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"`, "s3:GetObject", "arn:aws:s3:::home/bob/k", ctx("aws:username", StringValue("alice")), ImplicitDeny},
		{"an unresolvable variable in a resource does not match", `"Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"`, "s3:GetObject", "arn:aws:s3:::home/${aws:username}/k", nil, ImplicitDeny},
		{"an unresolvable variable in NotResource makes the statement inapplicable", `"Action":"s3:*","NotResource":"arn:aws:s3:::home/${aws:username}/*"`, "s3:GetObject", "arn:aws:s3:::other", nil, ImplicitDeny},
		{"a resource variable's default applies when the key is missing", `"Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username, 'guest'}/*"`, "s3:GetObject", "arn:aws:s3:::home/guest/k", nil, Allowed},
		{"the ${*} escape in a resource is a literal star", `"Action":"s3:*","Resource":"arn:aws:s3:::b/${*}"`, "s3:GetObject", "arn:aws:s3:::b/k", nil, ImplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow",` + tc.stmt + `}]}`
			req := &Request{Principal: user(), Action: tc.action, Resource: tc.resource, Context: tc.ctx}
			if got := Decide(req, &Input{Identity: []Source{src(t, "p", doc)}}); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

const (
	allowS3      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	allowGetOnly = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	denyS3       = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:*","Resource":"*"}]}`
	allowIAM     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`
	bucketObj    = "arn:aws:s3:::data/report.csv"
)

// bucketPolicy is a resource policy allowing s3:* on the data bucket to the
// given Principal element.
func bucketPolicy(principal string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"s3:*","Resource":"arn:aws:s3:::data/*"}]}`
}

func TestEvaluationLogic(t *testing.T) {
	sessionPol := func(t *testing.T, doc string) Source {
		return Source{ID: "session", Policy: mustParse(t, doc, SessionPolicy)}
	}
	tests := []struct {
		name   string
		who    PrincipalInfo
		action string
		input  func(t *testing.T) *Input
		want   Decision
	}{
		{"no policies at all is an implicit deny", user(), "s3:GetObject",
			func(t *testing.T) *Input { return &Input{} }, ImplicitDeny},
		{"an identity allow allows", user(), "s3:GetObject",
			func(t *testing.T) *Input { return &Input{Identity: []Source{src(t, "a", allowS3)}} }, Allowed},
		{"an explicit deny in the same policy wins over an allow", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"s3:Get*","Resource":"*"}]}`)}}
			}, ExplicitDeny},
		{"an explicit deny in another identity policy wins", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowAll), src(t, "d", denyS3)}}
			}, ExplicitDeny},
		{"a deny that does not match the action leaves the allow", user(), "iam:GetUser",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowAll), src(t, "d", denyS3)}}
			}, Allowed},
		{"a permissions boundary that does not allow turns an allow into an implicit deny", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowAll)}, Boundary: &Source{ID: "b", Policy: mustParse(t, allowIAM, Identity)}}
			}, ImplicitDeny},
		{"a permissions boundary that allows keeps the allow", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowS3)}, Boundary: &Source{ID: "b", Policy: mustParse(t, allowAll, Identity)}}
			}, Allowed},
		{"a permissions boundary grants nothing by itself", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Boundary: &Source{ID: "b", Policy: mustParse(t, allowAll, Identity)}}
			}, ImplicitDeny},
		{"a deny in the permissions boundary is an explicit deny", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowAll)}, Boundary: &Source{ID: "b", Policy: mustParse(t, denyS3, Identity)}}
			}, ExplicitDeny},
		{"a session policy that does not allow turns an allow into an implicit deny", roleSession(), "s3:PutObject",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowS3)}, SessionPolicies: []Source{sessionPol(t, allowGetOnly)}}
			}, ImplicitDeny},
		{"a session policy that allows keeps the allow", roleSession(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowS3)}, SessionPolicies: []Source{sessionPol(t, allowGetOnly)}}
			}, Allowed},
		{"an allow in any one of several session policies is enough", roleSession(), "iam:GetUser",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowAll)}, SessionPolicies: []Source{sessionPol(t, allowGetOnly), sessionPol(t, allowIAM)}}
			}, Allowed},
		{"a session policy grants nothing by itself", roleSession(), "s3:GetObject",
			func(t *testing.T) *Input { return &Input{SessionPolicies: []Source{sessionPol(t, allowAll)}} }, ImplicitDeny},
		{"a deny in a session policy is an explicit deny", roleSession(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowAll)}, SessionPolicies: []Source{sessionPol(t, denyS3)}}
			}, ExplicitDeny},
		{"a federated-user session without session policies has no permissions", federatedUser(), "s3:GetObject",
			func(t *testing.T) *Input { return &Input{Identity: []Source{src(t, "a", allowAll)}} }, ImplicitDeny},
		{"a federated-user session gets what its session policy and the user's policies both allow", federatedUser(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowAll)}, SessionPolicies: []Source{sessionPol(t, allowGetOnly)}}
			}, Allowed},

		// Resource policies within one account.
		{"a resource policy naming the user allows without an identity allow", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+userARN+`"}`))}
			}, Allowed},
		{"a resource policy naming the user is not limited by the boundary", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+userARN+`"}`)), Boundary: &Source{Policy: mustParse(t, allowIAM, Identity)}}
			}, Allowed},
		{"a resource policy naming the user by unique id allows", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"AIDAEXAMPLEUSER00001"}`))}
			}, Allowed},
		{"a resource policy naming another user does not allow", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:user/bob"}`))}
			}, ImplicitDeny},
		{"a resource policy naming the role allows its sessions", roleSession(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+roleARN+`"}`))}
			}, Allowed},
		{"a resource policy naming the role is limited by the role's boundary", roleSession(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+roleARN+`"}`)), Boundary: &Source{Policy: mustParse(t, allowIAM, Identity)}}
			}, ImplicitDeny},
		{"a resource policy naming the role is limited by the session policy", roleSession(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+roleARN+`"}`)), SessionPolicies: []Source{sessionPol(t, allowIAM)}}
			}, ImplicitDeny},
		{"a resource policy naming the role session is not limited by the session policy", roleSession(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+sessARN+`"}`)), SessionPolicies: []Source{sessionPol(t, allowIAM)}, Boundary: &Source{Policy: mustParse(t, allowIAM, Identity)}}
			}, Allowed},
		{"a resource policy naming the federated-user session allows it directly", federatedUser(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+fedARN+`"}`))}
			}, Allowed},
		{"a resource policy naming the user behind a federated session is limited by its session policy", federatedUser(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+userARN+`"}`))}
			}, ImplicitDeny},
		{"a resource policy naming the account delegates to identity policies", user(), "s3:GetObject",
			func(t *testing.T) *Input { return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+acct+`"}`))} }, ImplicitDeny},
		{"a resource policy naming the account root ARN allows with an identity allow", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:root"}`)), Identity: []Source{src(t, "a", allowS3)}}
			}, Allowed},
		{"a resource policy naming everyone allows a principal of the account", user(), "s3:GetObject",
			func(t *testing.T) *Input { return &Input{Resource: resourceSrc(t, bucketPolicy(`"*"`))} }, Allowed},
		{"an identity allow suffices when the resource policy says nothing", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:user/bob"}`)), Identity: []Source{src(t, "a", allowS3)}}
			}, Allowed},
		{"a deny in the resource policy wins over an identity allow", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowS3)}, Resource: resourceSrc(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"`+acct+`"},"Action":"s3:*","Resource":"*"}]}`)}
			}, ExplicitDeny},
		{"where the resource policy is required, an identity allow alone is not enough (KMS key policies)", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceRequired: true, Resource: resourceSrc(t, bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:user/bob"}`)), Identity: []Source{src(t, "a", allowS3)}}
			}, ImplicitDeny},
		{"where the resource policy is required, naming the account root lets identity policies allow", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceRequired: true, Resource: resourceSrc(t, bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:root"}`)), Identity: []Source{src(t, "a", allowS3)}}
			}, Allowed},
		{"where the resource policy is required, naming the account root does not allow without an identity allow", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceRequired: true, Resource: resourceSrc(t, bucketPolicy(`{"AWS":"arn:aws:iam::111122223333:root"}`))}
			}, ImplicitDeny},
		{"where the resource policy is required, naming the principal allows alone", user(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceRequired: true, Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+user().ARN+`"}`))}
			}, Allowed},

		// Cross-account requests.
		{"across accounts a resource policy alone is not enough", foreignUser(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceAccount: acct, Resource: resourceSrc(t, bucketPolicy(`{"AWS":"arn:aws:iam::444455556666:user/eve"}`))}
			}, ImplicitDeny},
		{"across accounts an identity allow alone is not enough", foreignUser(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceAccount: acct, Identity: []Source{src(t, "a", allowS3)}}
			}, ImplicitDeny},
		{"across accounts an identity allow and a resource allow together allow", foreignUser(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceAccount: acct, Identity: []Source{src(t, "a", allowS3)}, Resource: resourceSrc(t, bucketPolicy(`{"AWS":"arn:aws:iam::444455556666:user/eve"}`))}
			}, Allowed},
		{"across accounts a resource policy naming the caller's account is enough with an identity allow", foreignUser(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceAccount: acct, Identity: []Source{src(t, "a", allowS3)}, Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+otherAcct+`"}`))}
			}, Allowed},
		{"across accounts the caller's boundary still limits", foreignUser(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceAccount: acct, Identity: []Source{src(t, "a", allowS3)}, Resource: resourceSrc(t, bucketPolicy(`"*"`)), Boundary: &Source{Policy: mustParse(t, allowIAM, Identity)}}
			}, ImplicitDeny},

		// Root, anonymous and service callers.
		{"the root user is allowed in its own account without policies", root(), "iam:DeleteUser",
			func(t *testing.T) *Input { return &Input{} }, Allowed},
		{"an explicit deny in a resource policy applies to the root user", root(), "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Resource: resourceSrc(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}`)}
			}, ExplicitDeny},
		{"the root user of another account needs the resource policy", PrincipalInfo{Type: PrincipalRoot, ARN: "arn:aws:iam::444455556666:root", Account: otherAcct}, "s3:GetObject",
			func(t *testing.T) *Input { return &Input{ResourceAccount: acct} }, ImplicitDeny},
		{"the root user of another account is allowed when the resource policy names its account", PrincipalInfo{Type: PrincipalRoot, ARN: "arn:aws:iam::444455556666:root", Account: otherAcct}, "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceAccount: acct, Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+otherAcct+`"}`))}
			}, Allowed},
		{"an anonymous caller is allowed by a resource policy naming everyone", PrincipalInfo{}, "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceAccount: acct, Resource: resourceSrc(t, bucketPolicy(`{"AWS":"*"}`))}
			}, Allowed},
		{"an anonymous caller is not allowed by a resource policy naming an account", PrincipalInfo{}, "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceAccount: acct, Resource: resourceSrc(t, bucketPolicy(`{"AWS":"`+acct+`"}`))}
			}, ImplicitDeny},
		{"a service principal is allowed by a resource policy naming it", PrincipalInfo{Type: PrincipalService, Service: "sns.amazonaws.com"}, "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceAccount: acct, Resource: resourceSrc(t, bucketPolicy(`{"Service":"SNS.amazonaws.com"}`))}
			}, Allowed},
		{"a service principal is not allowed by a resource policy naming another service", PrincipalInfo{Type: PrincipalService, Service: "sns.amazonaws.com"}, "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{ResourceAccount: acct, Resource: resourceSrc(t, bucketPolicy(`{"Service":"sqs.amazonaws.com"}`))}
			}, ImplicitDeny},
		{"a canonical user is allowed by a resource policy naming it", PrincipalInfo{Type: PrincipalUser, ARN: "arn:aws:iam::444455556666:user/eve", Account: otherAcct, CanonicalUser: "79a5"}, "s3:GetObject",
			func(t *testing.T) *Input {
				return &Input{Identity: []Source{src(t, "a", allowS3)}, ResourceAccount: acct, Resource: resourceSrc(t, bucketPolicy(`{"CanonicalUser":"79a5"}`))}
			}, Allowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := &Request{Principal: tc.who, Action: tc.action, Resource: bucketObj}
			in := tc.input(t)
			if got := Decide(req, in); got != tc.want {
				t.Errorf("Decide: got %v, want %v", got, tc.want)
			}
			if got := Evaluate(req, in).Decision; got != tc.want {
				t.Errorf("Evaluate: got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTrustPolicies(t *testing.T) {
	trustDoc := func(principal string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRole"}]}`
	}
	allowAssume := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`
	tests := []struct {
		name  string
		who   PrincipalInfo
		input func(t *testing.T) *Input
		want  Decision
	}{
		{"a trust policy naming the user lets it assume the role without an identity allow", user(),
			func(t *testing.T) *Input { return &Input{Resource: trustSrc(t, trustDoc(`{"AWS":"`+userARN+`"}`))} }, Allowed},
		{"a trust policy naming the account needs an identity allow", user(),
			func(t *testing.T) *Input { return &Input{Resource: trustSrc(t, trustDoc(`{"AWS":"`+acct+`"}`))} }, ImplicitDeny},
		{"a trust policy naming the account allows with an identity allow", user(),
			func(t *testing.T) *Input {
				return &Input{Resource: trustSrc(t, trustDoc(`{"AWS":"`+acct+`"}`)), Identity: []Source{src(t, "a", allowAssume)}}
			}, Allowed},
		{"an identity allow cannot bypass a trust policy that does not name the caller", user(),
			func(t *testing.T) *Input {
				return &Input{Resource: trustSrc(t, trustDoc(`{"Service":"lambda.amazonaws.com"}`)), Identity: []Source{src(t, "a", allowAssume)}}
			}, ImplicitDeny},
		{"a service can assume a role whose trust policy names it", PrincipalInfo{Type: PrincipalService, Service: "lambda.amazonaws.com"},
			func(t *testing.T) *Input {
				return &Input{Resource: trustSrc(t, trustDoc(`{"Service":["ecs-tasks.amazonaws.com","lambda.amazonaws.com"]}`))}
			}, Allowed},
		{"a web identity can assume a role whose trust policy names its provider", PrincipalInfo{Type: PrincipalWebIdentity, Provider: "accounts.google.com"},
			func(t *testing.T) *Input {
				return &Input{Resource: trustSrc(t, trustDoc(`{"Federated":"accounts.google.com"}`))}
			}, Allowed},
		{"a web identity of another provider cannot", PrincipalInfo{Type: PrincipalWebIdentity, Provider: "graph.facebook.com"},
			func(t *testing.T) *Input {
				return &Input{Resource: trustSrc(t, trustDoc(`{"Federated":"accounts.google.com"}`))}
			}, ImplicitDeny},
		{"a role in another account needs both the trust policy and its own allow", foreignUser(),
			func(t *testing.T) *Input {
				return &Input{ResourceAccount: acct, Resource: trustSrc(t, trustDoc(`{"AWS":"`+otherAcct+`"}`)), Identity: []Source{src(t, "a", allowAssume)}}
			}, Allowed},
		{"a trust policy condition is checked", user(),
			func(t *testing.T) *Input {
				return &Input{Resource: trustSrc(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+userARN+`"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)}
			}, ImplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := &Request{Principal: tc.who, Action: "sts:AssumeRole", Resource: roleARN}
			if got := Decide(req, tc.input(t)); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNotPrincipal(t *testing.T) {
	// A bucket policy that is open to everyone except that it denies all but
	// the listed principals.
	denyAllBut := func(listed ...string) string {
		list := `"` + strings.Join(listed, `","`) + `"`
		return `{"Version":"2012-10-17","Statement":[` +
			`{"Effect":"Deny","NotPrincipal":{"AWS":[` + list + `]},"Action":"s3:*","Resource":"*"},` +
			`{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`
	}
	const acctRoot = "arn:aws:iam::111122223333:root"
	tests := []struct {
		name string
		who  PrincipalInfo
		doc  string
		want Decision
	}{
		{"a user listed with its account is not denied", user(), denyAllBut(userARN, acctRoot), Allowed},
		{"a user listed without its account is denied", user(), denyAllBut(userARN), ExplicitDeny},
		{"another user of a listed account is denied", PrincipalInfo{Type: PrincipalUser, ARN: "arn:aws:iam::111122223333:user/bob", Account: acct}, denyAllBut(userARN, acctRoot), ExplicitDeny},
		{"a role session listed with its role and account is not denied", roleSession(), denyAllBut(sessARN, roleARN, acct), Allowed},
		{"a role session listed without its role is denied", roleSession(), denyAllBut(sessARN, acctRoot), ExplicitDeny},
		{"a role listed without the session is denied", roleSession(), denyAllBut(roleARN, acctRoot), ExplicitDeny},
		{"the root user is excluded by its account", root(), denyAllBut(acct), Allowed},
		{"an anonymous caller is never excluded", PrincipalInfo{}, denyAllBut(userARN, acctRoot), ExplicitDeny},
		{"NotPrincipal with an allow grants to everyone not listed", user(), `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::444455556666:root"},"Action":"s3:*","Resource":"*"}]}`, Allowed},
		{"NotPrincipal with an allow grants nothing to those listed", foreignUser(), `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":["arn:aws:iam::444455556666:root","arn:aws:iam::444455556666:user/eve"]},"Action":"s3:*","Resource":"*"}]}`, ImplicitDeny},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := &Request{Principal: tc.who, Action: "s3:GetObject", Resource: bucketObj}
			if got := Decide(req, &Input{Resource: resourceSrc(t, tc.doc)}); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestDecisionStrings(t *testing.T) {
	tests := []struct {
		name string
		d    Decision
		want string
	}{
		{"an allow reads allowed", Allowed, "allowed"},
		{"an explicit deny reads explicitDeny", ExplicitDeny, "explicitDeny"},
		{"an implicit deny reads implicitDeny", ImplicitDeny, "implicitDeny"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.String(); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestEvaluateReportsDetails(t *testing.T) {
	doc := "{\"Version\":\"2012-10-17\",\"Statement\":[\n" +
		"{\"Sid\":\"Read\",\"Effect\":\"Allow\",\"Action\":\"s3:Get*\",\"Resource\":\"*\"},\n" +
		"{\"Sid\":\"Tls\",\"Effect\":\"Deny\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}},\n" +
		"{\"Sid\":\"Home\",\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"arn:aws:s3:::home/${aws:username}/*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"},\"Null\":{\"aws:TokenIssueTime\":\"true\"}}}\n" +
		"]}"
	p := Source{ID: "UserPolicy", Type: "user", Policy: mustParse(t, doc, Identity)}
	tests := []struct {
		name        string
		ctx         Context
		resource    string
		want        Decision
		wantSids    []string
		wantMissing []string
	}{
		{"an allow lists every allow statement that applies", ctx("aws:SecureTransport", BoolValue(true), "aws:username", StringValue("alice"), "aws:SourceIp", StringValue("10.1.1.1")),
			"arn:aws:s3:::home/alice/k", Allowed, []string{"Read", "Home"}, nil},
		{"an explicit deny lists the deny statements only", ctx("aws:SecureTransport", BoolValue(false), "aws:username", StringValue("alice"), "aws:SourceIp", StringValue("10.1.1.1")),
			"arn:aws:s3:::home/alice/k", ExplicitDeny, []string{"Tls"}, nil},
		{"missing keys of matching statements are reported as written", nil,
			"arn:aws:s3:::home/alice/k", Allowed, []string{"Read"}, []string{"aws:SecureTransport", "aws:username"}},
		{"keys of conditions are reported even when the resource variable resolves", ctx("aws:username", StringValue("alice")),
			"arn:aws:s3:::home/alice/k", Allowed, []string{"Read"}, []string{"aws:SecureTransport", "aws:SourceIp"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := &Request{Principal: user(), Action: "s3:GetObject", Resource: tc.resource, Context: tc.ctx}
			res := Evaluate(req, &Input{Identity: []Source{p}})
			if res.Decision != tc.want {
				t.Fatalf("decision %v, want %v", res.Decision, tc.want)
			}
			var sids []string
			for _, m := range res.Matched {
				sids = append(sids, m.Sid)
				if m.PolicyID != "UserPolicy" || m.PolicyType != "user" {
					t.Errorf("matched statement from %q/%q", m.PolicyID, m.PolicyType)
				}
			}
			if !reflect.DeepEqual(sids, tc.wantSids) {
				t.Errorf("matched %v, want %v", sids, tc.wantSids)
			}
			if !reflect.DeepEqual(res.MissingContextKeys, tc.wantMissing) {
				t.Errorf("missing %v, want %v", res.MissingContextKeys, tc.wantMissing)
			}
		})
	}
	t.Run("a matched statement carries its index and position", func(t *testing.T) {
		req := &Request{Principal: user(), Action: "s3:GetObject", Resource: "*", Context: ctx("aws:SecureTransport", BoolValue(false))}
		res := Evaluate(req, &Input{Identity: []Source{p}})
		want := MatchedStatement{PolicyID: "UserPolicy", PolicyType: "user", Index: 1, Sid: "Tls", Effect: Deny,
			Start: Position{Line: 3, Column: 1}, End: Position{Line: 3, Column: 114}}
		if len(res.Matched) != 1 || res.Matched[0] != want {
			t.Errorf("got %+v, want %+v", res.Matched, want)
		}
	})
	t.Run("the boundary's verdict is reported", func(t *testing.T) {
		req := &Request{Principal: user(), Action: "s3:GetObject", Resource: "*"}
		res := Evaluate(req, &Input{Identity: []Source{src(t, "a", allowAll)}, Boundary: &Source{Policy: mustParse(t, allowS3, Identity)}})
		if res.Decision != Allowed || !res.AllowedByBoundary {
			t.Errorf("got %+v", res)
		}
	})
}

func TestDecideDoesNotAllocate(t *testing.T) {
	in, req := benchInput(t)
	allocs := testing.AllocsPerRun(100, func() {
		if Decide(req, in) != Allowed {
			t.Fatal("the benchmark request must be allowed")
		}
	})
	if allocs != 0 {
		t.Errorf("Decide allocated %v times per run, want 0", allocs)
	}
}
