package secretsapi_test

import (
	"context"
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
	cases := []apitest.Case[*smsdk.Client, target]{
		{Op: "CreateSecret", Resources: func(tg target) []string {
			return []string{secrets.ARNPrefix(apitest.Region, e.Account) + tg.name + "-new-*"}
		}, Call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.CreateSecret(ctx, &smsdk.CreateSecretInput{Name: s(tg.name + "-new"), SecretString: s("v")})
			return err
		}},
		{Op: "GetSecretValue", Call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.GetSecretValue(ctx, &smsdk.GetSecretValueInput{SecretId: s(tg.name)})
			return err
		}},
		{Op: "PutSecretValue", Call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.PutSecretValue(ctx, &smsdk.PutSecretValueInput{SecretId: s(tg.arn), SecretString: s("n")})
			return err
		}},
		{Op: "DescribeSecret", Call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.DescribeSecret(ctx, &smsdk.DescribeSecretInput{SecretId: s(tg.arn[:len(tg.arn)-7])})
			return err
		}},
		{Op: "UpdateSecret", Call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.UpdateSecret(ctx, &smsdk.UpdateSecretInput{SecretId: s(tg.name), Description: s("d")})
			return err
		}},
		{Op: "DeleteSecret", Call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.DeleteSecret(ctx, &smsdk.DeleteSecretInput{SecretId: s(tg.name), RecoveryWindowInDays: aws.Int64(7)})
			return err
		}},
		{Op: "RestoreSecret", Setup: func(t testing.TB, tg target) {
			if _, err := e.Secrets.DeleteSecret(context.Background(), e.Account, apitest.Region, tg.name, 7, false); err != nil {
				t.Fatal(err)
			}
		}, Call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.RestoreSecret(ctx, &smsdk.RestoreSecretInput{SecretId: s(tg.name)})
			return err
		}},
		{Op: "PutResourcePolicy", Call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.PutResourcePolicy(ctx, &smsdk.PutResourcePolicyInput{SecretId: s(tg.name), ResourcePolicy: s(policy)})
			return err
		}},
		{Op: "GetResourcePolicy", Call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.GetResourcePolicy(ctx, &smsdk.GetResourcePolicyInput{SecretId: s(tg.name)})
			return err
		}},
		{Op: "DeleteResourcePolicy", Setup: func(t testing.TB, tg target) {
			if _, err := e.Secrets.PutResourcePolicy(context.Background(), e.Account, apitest.Region, tg.name, policy); err != nil {
				t.Fatal(err)
			}
		}, Call: func(ctx context.Context, c *smsdk.Client, tg target) error {
			_, err := c.DeleteResourcePolicy(ctx, &smsdk.DeleteResourcePolicyInput{SecretId: s(tg.name)})
			return err
		}},
	}
	suite := e.suite()
	suite.Coverage(t, cases, listSecrets())
	suite.Run(t, cases)
}

// listSecrets is the operation AWS authorizes against "*".
func listSecrets() []apitest.Star[*smsdk.Client] {
	return []apitest.Star[*smsdk.Client]{{Op: "ListSecrets", Call: func(ctx context.Context, c *smsdk.Client) error {
		_, err := c.ListSecrets(ctx, &smsdk.ListSecretsInput{})
		return err
	}}}
}

func TestListSecretsIsAuthorizedOnStar(t *testing.T) {
	e := newEnv(t)
	e.suite().RunStars(t, []string{newTarget(t, e, "some").arn}, listSecrets())
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
