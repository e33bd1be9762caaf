package apitest

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/smithy-go"
)

// AuthzCase checks that one operation is authorized against the resource it
// names and nothing broader: a caller allowed the action on the resource of
// one target succeeds on it and is denied, with nothing changed, on a sibling
// target of the same type. It is Case for the IAM APIs, whose calls are made
// with credentials rather than one SDK client.
type AuthzCase struct {
	// Op is the model operation name; Action the IAM action it needs.
	Op, Action string
	// Setup prepares target (creating the entities the call needs) and
	// returns a value Call receives (e.g. an access key id); may be nil.
	Setup func(t testing.TB, env *Env, target string) string
	// Resources returns the ARNs a call on target (with Setup's value extra)
	// is authorized against.
	Resources func(env *Env, target, extra string) []string
	// Call performs the operation on target, signed with c.
	Call func(ctx context.Context, env *Env, c Credentials, target, extra string) error
}

// iamTarget is an AuthzCase's target: its name and what Setup returned.
type iamTarget struct{ name, extra string }

// iamSuite is the Suite the IAM APIs' cases run in: calls get the caller's
// credentials, denials are AccessDenied or AccessDeniedException and the
// snapshot is of the iam_ tables.
func iamSuite(env *Env) Suite[Credentials, *iamTarget] {
	return Suite[Credentials, *iamTarget]{
		Env:       env,
		Client:    func(c Credentials) Credentials { return c },
		Denied:    []string{"AccessDenied", "AccessDeniedException"},
		Target:    func(_ testing.TB, name string) *iamTarget { return &iamTarget{name: name} },
		Snapshot:  func(t testing.TB) string { return Snapshot(t, env.Store) },
		Wildcards: true,
	}
}

// RunAuthzCases runs every case as its own subtest; see AuthzCase.
func RunAuthzCases(t *testing.T, env *Env, cases []AuthzCase) {
	t.Helper()
	out := make([]Case[Credentials, *iamTarget], len(cases))
	for i, tc := range cases {
		out[i] = Case[Credentials, *iamTarget]{
			Op: tc.Op, Action: tc.Action,
			Resources: func(tg *iamTarget) []string { return tc.Resources(env, tg.name, tg.extra) },
			Call: func(ctx context.Context, c Credentials, tg *iamTarget) error {
				return tc.Call(ctx, env, c, tg.name, tg.extra)
			},
		}
		if tc.Setup != nil {
			out[i].Setup = func(t testing.TB, tg *iamTarget) { tg.extra = tc.Setup(t, env, tg.name) }
		}
	}
	iamSuite(env).Run(t, out)
}

// StarCase is an operation whose AWS resource is "*" (the Service
// Authorization Reference lists no resource type for it).
type StarCase struct {
	Op, Action string
	// Why says why the operation has no resource.
	Why  string
	Call func(ctx context.Context, env *Env, c Credentials) error
}

// RunStarCases checks that each operation is denied when the action is allowed
// only on a specific ARN and allowed when it is allowed on "*".
func RunStarCases(t *testing.T, env *Env, cases []StarCase) {
	t.Helper()
	out := make([]Star[Credentials], len(cases))
	for i, tc := range cases {
		out[i] = Star[Credentials]{Op: tc.Op, Action: tc.Action, Why: tc.Why,
			Call: func(ctx context.Context, c Credentials) error { return tc.Call(ctx, env, c) }}
	}
	iamSuite(env).RunStars(t, []string{"arn:aws:iam::" + env.Account + ":user/someone"}, out)
}

// CheckCoverage fails t unless every operation the named service registers
// has exactly one case.
func CheckCoverage(t *testing.T, env *Env, service string, cases []AuthzCase, stars []StarCase) {
	t.Helper()
	var ops []string
	for _, c := range cases {
		ops = append(ops, c.Op)
	}
	for _, c := range stars {
		ops = append(ops, c.Op)
	}
	CheckOps(t, env.Services[service], ops)
}

// APICode returns the AWS error code of an SDK error, "" for nil.
func APICode(err error) string {
	if err == nil {
		return ""
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "?" + err.Error()
}
