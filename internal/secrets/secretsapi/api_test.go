package secretsapi_test

import (
	"bytes"
	"context"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	smsdk "github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/secrets"
)

func TestSecretLifecycleWithTheGoSDK(t *testing.T) {
	e := newEnv(t)
	c := e.client(e.Admin)
	ctx := context.Background()
	s := aws.String

	created, err := c.CreateSecret(ctx, &smsdk.CreateSecretInput{
		Name: s("prod/db"), SecretString: s(`{"password":"p1"}`), Description: s("db"),
		Tags: []types.Tag{{Key: s("team"), Value: s("core")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(created.ARN)
	t.Run("CreateSecret answers with an ARN with a random suffix and a version id", func(t *testing.T) {
		if !regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:\d{12}:secret:prod/db-[A-Za-z0-9]{6}$`).MatchString(arn) || aws.ToString(created.VersionId) == "" {
			t.Errorf("got %s %s", arn, aws.ToString(created.VersionId))
		}
	})
	t.Run("the value is encrypted under the created AWS managed key", func(t *testing.T) {
		if _, err := e.KMS.DescribeKey(ctx, e.Account, apitest.Region, secrets.DefaultKeyAlias); err != nil {
			t.Errorf("managed key: %v", err)
		}
	})
	t.Run("GetSecretValue returns the current value by name, ARN and partial ARN", func(t *testing.T) {
		for _, id := range []string{"prod/db", arn, arn[:len(arn)-7]} {
			out, err := c.GetSecretValue(ctx, &smsdk.GetSecretValueInput{SecretId: s(id)})
			if err != nil {
				t.Fatalf("%s: %v", id, err)
			}
			if aws.ToString(out.SecretString) != `{"password":"p1"}` || aws.ToString(out.ARN) != arn || !slices.Equal(out.VersionStages, []string{"AWSCURRENT"}) || out.CreatedDate == nil {
				t.Errorf("%s: got %+v", id, out)
			}
		}
	})
	put, err := c.PutSecretValue(ctx, &smsdk.PutSecretValueInput{SecretId: s(arn), SecretBinary: []byte{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("PutSecretValue makes the new version current and the old one previous", func(t *testing.T) {
		d, err := c.DescribeSecret(ctx, &smsdk.DescribeSecretInput{SecretId: s("prod/db")})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][]string{aws.ToString(created.VersionId): {"AWSPREVIOUS"}, aws.ToString(put.VersionId): {"AWSCURRENT"}}
		if len(d.VersionIdsToStages) != 2 || !slices.Equal(d.VersionIdsToStages[aws.ToString(put.VersionId)], want[aws.ToString(put.VersionId)]) ||
			!slices.Equal(d.VersionIdsToStages[aws.ToString(created.VersionId)], want[aws.ToString(created.VersionId)]) {
			t.Errorf("stages %v", d.VersionIdsToStages)
		}
		if aws.ToString(d.Description) != "db" || d.CreatedDate == nil || d.LastChangedDate == nil || len(d.Tags) != 1 {
			t.Errorf("describe %+v", d)
		}
		cur, err := c.GetSecretValue(ctx, &smsdk.GetSecretValueInput{SecretId: s("prod/db")})
		if err != nil || !bytes.Equal(cur.SecretBinary, []byte{1, 2, 3}) || cur.SecretString != nil {
			t.Errorf("current %+v %v", cur, err)
		}
		prev, err := c.GetSecretValue(ctx, &smsdk.GetSecretValueInput{SecretId: s("prod/db"), VersionStage: s("AWSPREVIOUS")})
		if err != nil || aws.ToString(prev.SecretString) != `{"password":"p1"}` {
			t.Errorf("previous %+v %v", prev, err)
		}
	})
	t.Run("UpdateSecret changes the description", func(t *testing.T) {
		if _, err := c.UpdateSecret(ctx, &smsdk.UpdateSecretInput{SecretId: s("prod/db"), Description: s("new")}); err != nil {
			t.Fatal(err)
		}
		d, _ := c.DescribeSecret(ctx, &smsdk.DescribeSecretInput{SecretId: s("prod/db")})
		if aws.ToString(d.Description) != "new" {
			t.Errorf("description %q", aws.ToString(d.Description))
		}
	})
	t.Run("ListSecrets pages with a name filter", func(t *testing.T) {
		for _, n := range []string{"prod/a", "prod/b", "dev/a"} {
			if _, err := c.CreateSecret(ctx, &smsdk.CreateSecretInput{Name: s(n), SecretString: s("v")}); err != nil {
				t.Fatal(err)
			}
		}
		var names []string
		p := smsdk.NewListSecretsPaginator(c, &smsdk.ListSecretsInput{MaxResults: aws.Int32(2), Filters: []types.Filter{{Key: types.FilterNameStringTypeName, Values: []string{"prod/"}}}})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, sec := range page.SecretList {
				names = append(names, aws.ToString(sec.Name))
			}
		}
		if want := []string{"prod/a", "prod/b", "prod/db"}; !slices.Equal(names, want) {
			t.Errorf("got %v", names)
		}
	})
	t.Run("a deleted secret refuses GetSecretValue with InvalidRequestException until restored", func(t *testing.T) {
		del, err := c.DeleteSecret(ctx, &smsdk.DeleteSecretInput{SecretId: s("prod/db"), RecoveryWindowInDays: aws.Int64(7)})
		if err != nil {
			t.Fatal(err)
		}
		if del.DeletionDate == nil || del.DeletionDate.Sub(e.Clock.Now().AddDate(0, 0, 7)).Abs() > time.Second {
			t.Errorf("deletion date %v", del.DeletionDate)
		}
		_, err = c.GetSecretValue(ctx, &smsdk.GetSecretValueInput{SecretId: s("prod/db")})
		var ire *types.InvalidRequestException
		if !asErr(err, &ire) {
			t.Errorf("got %v", err)
		}
		if _, err := c.RestoreSecret(ctx, &smsdk.RestoreSecretInput{SecretId: s(arn)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetSecretValue(ctx, &smsdk.GetSecretValueInput{SecretId: s("prod/db")}); err != nil {
			t.Errorf("after restore: %v", err)
		}
	})
	t.Run("a recovery window of 31 days is refused with InvalidParameterException", func(t *testing.T) {
		_, err := c.DeleteSecret(ctx, &smsdk.DeleteSecretInput{SecretId: s("prod/db"), RecoveryWindowInDays: aws.Int64(31)})
		var ipe *types.InvalidParameterException
		if !asErr(err, &ipe) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("an unknown secret is ResourceNotFoundException", func(t *testing.T) {
		_, err := c.GetSecretValue(ctx, &smsdk.GetSecretValueInput{SecretId: s("nope")})
		var nf *types.ResourceNotFoundException
		if !asErr(err, &nf) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a resource policy is put, read and deleted", func(t *testing.T) {
		doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
		if _, err := c.PutResourcePolicy(ctx, &smsdk.PutResourcePolicyInput{SecretId: s("dev/a"), ResourcePolicy: s(doc)}); err != nil {
			t.Fatal(err)
		}
		got, err := c.GetResourcePolicy(ctx, &smsdk.GetResourcePolicyInput{SecretId: s("dev/a")})
		if err != nil || aws.ToString(got.ResourcePolicy) != doc {
			t.Errorf("got %v %v", got, err)
		}
		if _, err := c.DeleteResourcePolicy(ctx, &smsdk.DeleteResourcePolicyInput{SecretId: s("dev/a")}); err != nil {
			t.Fatal(err)
		}
		got, err = c.GetResourcePolicy(ctx, &smsdk.GetResourcePolicyInput{SecretId: s("dev/a")})
		if err != nil || got.ResourcePolicy != nil {
			t.Errorf("after delete: %v %v", got, err)
		}
	})
	t.Run("a repeated CreateSecret with the SDK's token is idempotent", func(t *testing.T) {
		in := &smsdk.CreateSecretInput{Name: s("idem"), SecretString: s("v"), ClientRequestToken: s("aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee")}
		a, err := c.CreateSecret(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.CreateSecret(ctx, in)
		if err != nil || aws.ToString(b.ARN) != aws.ToString(a.ARN) || aws.ToString(b.VersionId) != aws.ToString(a.VersionId) {
			t.Errorf("second: %v %v", b, err)
		}
	})
}

func TestStoreHoldsOnlyCiphertext(t *testing.T) {
	e := newEnv(t)
	c := e.client(e.Admin)
	needle := "the-needle-value-42"
	if _, err := c.CreateSecret(context.Background(), &smsdk.CreateSecretInput{Name: s("n"), SecretString: aws.String(needle)}); err != nil {
		t.Fatal(err)
	}
	snap := apitest.Snapshot(t, e.Store, "secret", "kms_")
	if !regexp.MustCompile(`secret_versions`).MatchString(snap) {
		t.Fatalf("no version rows in %s", snap)
	}
	if bytes.Contains([]byte(snap), []byte(needle)) {
		t.Errorf("the store holds the secret value in the clear")
	}
}

func s(v string) *string { return &v }
