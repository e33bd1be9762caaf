package secretsapi_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/secrets"
)

// target is a secret every authorization case works on.
type target struct {
	name, arn string
}

// authzCase checks that one operation is authorized against the secret it
// names and nothing broader: a caller allowed the action on one target's ARN
// succeeds on it and is denied, with nothing changed, on a sibling.
type authzCase struct {
	op string
	// prepare readies a fresh target for the call; may be nil.
	prepare func(t testing.TB, e *env, tg target)
	// resources are the ARNs the caller is allowed; nil means the target's.
	resources func(e *env, tg target) []string
	call      func(ctx context.Context, c *smsdk.Client, tg target) error
}

func allowDoc(action string, resources []string) string {
	q := make([]string, len(resources))
	for i, r := range resources {
		q[i] = `"` + r + `"`
	}
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"` + action + `","Resource":[` + strings.Join(q, ",") + `]}]}`
}

func newTarget(t testing.TB, e *env, name string) target {
	t.Helper()
	v := "value"
	sec, _, err := e.Secrets.CreateSecret(context.Background(), e.Account, apitest.Region, secrets.CreateInput{Name: name, Value: secrets.ValueInput{String: &v}})
	if err != nil {
		t.Fatal(err)
	}
	return target{name: name, arn: sec.ARN}
}

func TestEveryOperationIsAuthorizedOnItsSecret(t *testing.T) {
	e := newEnv(t)
	s := aws.String
	policy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	cases := []authzCase{
		{op: "CreateSecret", resources: func(e *env, tg target) []string {
			return []string{secrets.ARNPrefix(apitest.Region, e.Account) + tg.name + "-new-*"}
		}, call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.CreateSecret(ctx, &smsdk.CreateSecretInput{Name: s(tg.name + "-new"), SecretString: s("v")})
			return err
		}},
		{op: "GetSecretValue", call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.GetSecretValue(ctx, &smsdk.GetSecretValueInput{SecretId: s(tg.name)})
			return err
		}},
		{op: "PutSecretValue", call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.PutSecretValue(ctx, &smsdk.PutSecretValueInput{SecretId: s(tg.arn), SecretString: s("n")})
			return err
		}},
		{op: "DescribeSecret", call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.DescribeSecret(ctx, &smsdk.DescribeSecretInput{SecretId: s(tg.arn[:len(tg.arn)-7])})
			return err
		}},
		{op: "UpdateSecret", call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.UpdateSecret(ctx, &smsdk.UpdateSecretInput{SecretId: s(tg.name), Description: s("d")})
			return err
		}},
		{op: "DeleteSecret", call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.DeleteSecret(ctx, &smsdk.DeleteSecretInput{SecretId: s(tg.name), RecoveryWindowInDays: aws.Int64(7)})
			return err
		}},
		{op: "RestoreSecret", prepare: func(t testing.TB, e *env, tg target) {
			if _, err := e.Secrets.DeleteSecret(context.Background(), e.Account, apitest.Region, tg.name, 7, false); err != nil {
				t.Fatal(err)
			}
		}, call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.RestoreSecret(ctx, &smsdk.RestoreSecretInput{SecretId: s(tg.name)})
			return err
		}},
		{op: "PutResourcePolicy", call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.PutResourcePolicy(ctx, &smsdk.PutResourcePolicyInput{SecretId: s(tg.name), ResourcePolicy: s(policy)})
			return err
		}},
		{op: "GetResourcePolicy", call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.GetResourcePolicy(ctx, &smsdk.GetResourcePolicyInput{SecretId: s(tg.name)})
			return err
		}},
		{op: "DeleteResourcePolicy", prepare: func(t testing.TB, e *env, tg target) {
			if _, err := e.Secrets.PutResourcePolicy(context.Background(), e.Account, apitest.Region, tg.name, policy); err != nil {
				t.Fatal(err)
			}
		}, call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.DeleteResourcePolicy(ctx, &smsdk.DeleteResourcePolicyInput{SecretId: s(tg.name)})
			return err
		}},
	}
	checkCoverage(t, e, cases, "ListSecrets")
	for i, tc := range cases {
		t.Run(tc.op+" is allowed on its secret and denied on a sibling secret", func(t *testing.T) {
			ctx := context.Background()
			ok, sibling := newTarget(t, e, fmt.Sprintf("t%dok", i)), newTarget(t, e, fmt.Sprintf("t%dno", i))
			if tc.prepare != nil {
				tc.prepare(t, e, ok)
				tc.prepare(t, e, sibling)
			}
			resources := []string{ok.arn}
			if tc.resources != nil {
				resources = tc.resources(e, ok)
			}
			caller := e.NewUser(t, e.Account, fmt.Sprintf("caller%d", i), allowDoc("secretsmanager:"+tc.op, resources))
			c := e.client(caller)
			before := snapshot(t, e.Store)
			if err := tc.call(ctx, c, sibling); apitest.APICode(err) != "AccessDeniedException" {
				t.Fatalf("on the sibling: got %v, want AccessDeniedException", err)
			}
			if after := snapshot(t, e.Store); after != before {
				t.Errorf("the denied call changed the store:\nbefore %s\nafter  %s", before, after)
			}
			if err := tc.call(ctx, c, ok); err != nil {
				t.Errorf("on the allowed secret: %v", err)
			}
		})
	}
}

func TestListSecretsIsAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	tg := newTarget(t, e, "some")
	list := func(c *smsdk.Client) error {
		_, err := c.ListSecrets(context.Background(), &smsdk.ListSecretsInput{})
		return err
	}
	t.Run("ListSecrets is denied when allowed only on a secret and allowed on *", func(t *testing.T) {
		narrow := e.NewUser(t, e.Account, "narrow", allowDoc("secretsmanager:ListSecrets", []string{tg.arn}))
		if got := apitest.APICode(list(e.client(narrow))); got != "AccessDeniedException" {
			t.Errorf("allowed on a secret: got %q", got)
		}
		wide := e.NewUser(t, e.Account, "wide", allowDoc("secretsmanager:ListSecrets", []string{"*"}))
		if err := list(e.client(wide)); err != nil {
			t.Errorf("allowed on *: %v", err)
		}
	})
}

// checkCoverage fails t unless every registered operation has exactly one
// case (or is one of the others, tested on their own).
func checkCoverage(t *testing.T, e *env, cases []authzCase, others ...string) {
	seen := map[string]int{}
	for _, c := range cases {
		seen[c.op]++
	}
	for _, o := range others {
		seen[o]++
	}
	var bad []string
	for op := range e.API.Ops {
		if seen[op] != 1 {
			bad = append(bad, fmt.Sprintf("%s (%d cases)", op, seen[op]))
		}
		delete(seen, op)
	}
	for op := range seen {
		bad = append(bad, op+" (not registered)")
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Errorf("operations without exactly one authorization case: %s", strings.Join(bad, ", "))
	}
}

func TestResourcePolicyGrantsAccess(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	shared, private := newTarget(t, e, "shared"), newTarget(t, e, "private")
	reader := e.NewUser(t, e.Account, "reader", "")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + e.Account +
		`:user/reader"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	if _, err := e.Secrets.PutResourcePolicy(ctx, e.Account, apitest.Region, shared.name, doc); err != nil {
		t.Fatal(err)
	}
	c := e.client(reader)
	get := func(tg target) error {
		_, err := c.GetSecretValue(ctx, &smsdk.GetSecretValueInput{SecretId: aws.String(tg.arn)})
		return err
	}
	t.Run("a user without identity policies reads a secret whose policy allows it", func(t *testing.T) {
		if err := get(shared); err != nil {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a deny in a secret's policy overrides the administrator's identity policy", func(t *testing.T) {
		deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
		if _, err := e.Secrets.PutResourcePolicy(ctx, e.Account, apitest.Region, private.name, deny); err != nil {
			t.Fatal(err)
		}
		_, err := e.client(e.Admin).GetSecretValue(ctx, &smsdk.GetSecretValueInput{SecretId: aws.String(private.name)})
		if got := apitest.APICode(err); got != "AccessDeniedException" {
			t.Errorf("got %q", got)
		}
		if _, err := e.Secrets.DeleteResourcePolicy(ctx, e.Account, apitest.Region, private.name); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("the same user is denied a secret without such a policy", func(t *testing.T) {
		if got := apitest.APICode(get(private)); got != "AccessDeniedException" {
			t.Errorf("got %q", got)
		}
	})
}
