package ssmapi_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ssmsdk "github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
	"github.com/stratus-cloud/stratus/internal/ssm"
)

func s(v string) *string { return &v }

func TestParameterLifecycleWithTheGoSDK(t *testing.T) {
	e := newEnv(t)
	c := e.client(e.Admin)
	ctx := context.Background()

	first, err := c.PutParameter(ctx, &ssmsdk.PutParameterInput{Name: s("/app/db/host"), Value: s("db1"), Type: types.ParameterTypeString, Description: s("host")})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("PutParameter answers version 1 in the Standard tier", func(t *testing.T) {
		if first.Version != 1 || first.Tier != types.ParameterTierStandard {
			t.Errorf("got %d %s", first.Version, first.Tier)
		}
	})
	t.Run("a second put without Overwrite is ParameterAlreadyExists", func(t *testing.T) {
		_, err := c.PutParameter(ctx, &ssmsdk.PutParameterInput{Name: s("/app/db/host"), Value: s("x"), Type: types.ParameterTypeString})
		var exists *types.ParameterAlreadyExists
		if !asErr(err, &exists) {
			t.Errorf("got %v", err)
		}
	})
	if _, err := c.PutParameter(ctx, &ssmsdk.PutParameterInput{Name: s("/app/db/host"), Value: s("db2"), Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	arn := "arn:aws:ssm:us-east-1:" + e.Account + ":parameter/app/db/host"
	t.Run("GetParameter answers the latest version with its ARN and an older one by selector", func(t *testing.T) {
		got, err := c.GetParameter(ctx, &ssmsdk.GetParameterInput{Name: s("/app/db/host")})
		if err != nil {
			t.Fatal(err)
		}
		p := got.Parameter
		if aws.ToString(p.Value) != "db2" || p.Version != 2 || aws.ToString(p.ARN) != arn || p.Type != types.ParameterTypeString || p.LastModifiedDate == nil || aws.ToString(p.DataType) != "text" {
			t.Errorf("got %+v", p)
		}
		old, err := c.GetParameter(ctx, &ssmsdk.GetParameterInput{Name: s("/app/db/host:1")})
		if err != nil || aws.ToString(old.Parameter.Value) != "db1" || aws.ToString(old.Parameter.Selector) != ":1" {
			t.Errorf("selector: %+v %v", old, err)
		}
	})
	t.Run("an unknown parameter is ParameterNotFound and an unknown version ParameterVersionNotFound", func(t *testing.T) {
		_, err := c.GetParameter(ctx, &ssmsdk.GetParameterInput{Name: s("/nope")})
		var nf *types.ParameterNotFound
		if !asErr(err, &nf) {
			t.Errorf("name: %v", err)
		}
		_, err = c.GetParameter(ctx, &ssmsdk.GetParameterInput{Name: s("/app/db/host:7")})
		var vnf *types.ParameterVersionNotFound
		if !asErr(err, &vnf) {
			t.Errorf("version: %v", err)
		}
	})
	if _, err := c.PutParameter(ctx, &ssmsdk.PutParameterInput{Name: s("/app/db/password"), Value: s("hunter2"), Type: types.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	t.Run("a SecureString is encrypted under the created AWS managed key", func(t *testing.T) {
		if _, err := e.KMS.DescribeKey(ctx, e.Account, apitest.Region, ssm.DefaultKeyAlias); err != nil {
			t.Errorf("managed key: %v", err)
		}
	})
	t.Run("a SecureString reads as plaintext with decryption and as base64 ciphertext without", func(t *testing.T) {
		dec, err := c.GetParameter(ctx, &ssmsdk.GetParameterInput{Name: s("/app/db/password"), WithDecryption: aws.Bool(true)})
		if err != nil || aws.ToString(dec.Parameter.Value) != "hunter2" {
			t.Fatalf("decrypted: %+v %v", dec, err)
		}
		enc, err := c.GetParameter(ctx, &ssmsdk.GetParameterInput{Name: s("/app/db/password")})
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(aws.ToString(enc.Parameter.Value))
		if err != nil || len(raw) < 32 || strings.Contains(string(raw), "hunter2") {
			t.Errorf("encrypted value %q: %v", aws.ToString(enc.Parameter.Value), err)
		}
	})
	t.Run("GetParameters answers the found parameters and lists the others as invalid", func(t *testing.T) {
		got, err := c.GetParameters(ctx, &ssmsdk.GetParametersInput{Names: []string{"/app/db/host", "/missing"}, WithDecryption: aws.Bool(true)})
		if err != nil || len(got.Parameters) != 1 || aws.ToString(got.Parameters[0].Value) != "db2" || !slices.Equal(got.InvalidParameters, []string{"/missing"}) {
			t.Errorf("got %+v %v", got, err)
		}
	})
	for _, n := range []string{"/app/a", "/app/b", "/app/c/d"} {
		if _, err := c.PutParameter(ctx, &ssmsdk.PutParameterInput{Name: s(n), Value: s("v"), Type: types.ParameterTypeString}); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("GetParametersByPath pages recursively through the hierarchy", func(t *testing.T) {
		var names []string
		p := ssmsdk.NewGetParametersByPathPaginator(c, &ssmsdk.GetParametersByPathInput{Path: s("/app"), Recursive: aws.Bool(true), MaxResults: aws.Int32(2)})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Parameters) > 2 {
				t.Errorf("page of %d", len(page.Parameters))
			}
			for _, x := range page.Parameters {
				names = append(names, aws.ToString(x.Name))
			}
		}
		if want := []string{"/app/a", "/app/b", "/app/c/d", "/app/db/host", "/app/db/password"}; !slices.Equal(names, want) {
			t.Errorf("got %v", names)
		}
	})
	t.Run("DescribeParameters filters by name prefix and reports who changed each parameter", func(t *testing.T) {
		got, err := c.DescribeParameters(ctx, &ssmsdk.DescribeParametersInput{ParameterFilters: []types.ParameterStringFilter{
			{Key: s("Name"), Option: s("BeginsWith"), Values: []string{"/app/db/"}},
		}})
		if err != nil || len(got.Parameters) != 2 {
			t.Fatalf("got %+v %v", got, err)
		}
		pw := got.Parameters[1]
		if aws.ToString(pw.Name) != "/app/db/password" || aws.ToString(pw.KeyId) != ssm.DefaultKeyAlias || pw.Type != types.ParameterTypeSecureString ||
			!strings.HasPrefix(aws.ToString(pw.LastModifiedUser), "arn:aws:iam::"+e.Account+":") {
			t.Errorf("got %+v", pw)
		}
	})
	t.Run("GetParameterHistory answers every version", func(t *testing.T) {
		got, err := c.GetParameterHistory(ctx, &ssmsdk.GetParameterHistoryInput{Name: s("/app/db/host")})
		if err != nil || len(got.Parameters) != 2 || aws.ToString(got.Parameters[0].Value) != "db1" || aws.ToString(got.Parameters[1].Description) != "host" {
			t.Errorf("got %+v %v", got, err)
		}
	})
	t.Run("a label selects its version until it is removed", func(t *testing.T) {
		l, err := c.LabelParameterVersion(ctx, &ssmsdk.LabelParameterVersionInput{Name: s("/app/db/host"), ParameterVersion: aws.Int64(1), Labels: []string{"stable", "aws-bad"}})
		if err != nil || l.ParameterVersion != 1 || !slices.Equal(l.InvalidLabels, []string{"aws-bad"}) {
			t.Fatalf("label: %+v %v", l, err)
		}
		got, err := c.GetParameter(ctx, &ssmsdk.GetParameterInput{Name: s("/app/db/host:stable")})
		if err != nil || aws.ToString(got.Parameter.Value) != "db1" {
			t.Errorf("by label: %+v %v", got, err)
		}
		u, err := c.UnlabelParameterVersion(ctx, &ssmsdk.UnlabelParameterVersionInput{Name: s("/app/db/host"), ParameterVersion: aws.Int64(1), Labels: []string{"stable"}})
		if err != nil || !slices.Equal(u.RemovedLabels, []string{"stable"}) {
			t.Errorf("unlabel: %+v %v", u, err)
		}
	})
	t.Run("tags are added, listed and removed", func(t *testing.T) {
		if _, err := c.AddTagsToResource(ctx, &ssmsdk.AddTagsToResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: s("/app/a"),
			Tags: []types.Tag{{Key: s("team"), Value: s("core")}, {Key: s("env"), Value: s("prod")}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.RemoveTagsFromResource(ctx, &ssmsdk.RemoveTagsFromResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: s("/app/a"), TagKeys: []string{"env"}}); err != nil {
			t.Fatal(err)
		}
		got, err := c.ListTagsForResource(ctx, &ssmsdk.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: s("/app/a")})
		if err != nil || len(got.TagList) != 1 || aws.ToString(got.TagList[0].Key) != "team" {
			t.Errorf("got %+v %v", got, err)
		}
		_, err = c.ListTagsForResource(ctx, &ssmsdk.ListTagsForResourceInput{ResourceType: types.ResourceTypeForTaggingParameter, ResourceId: s("/none")})
		var bad *types.InvalidResourceId
		if !asErr(err, &bad) {
			t.Errorf("unknown parameter: %v", err)
		}
	})
	t.Run("DeleteParameters deletes the found ones and DeleteParameter then answers ParameterNotFound", func(t *testing.T) {
		got, err := c.DeleteParameters(ctx, &ssmsdk.DeleteParametersInput{Names: []string{"/app/a", "/app/zz"}})
		if err != nil || !slices.Equal(got.DeletedParameters, []string{"/app/a"}) || !slices.Equal(got.InvalidParameters, []string{"/app/zz"}) {
			t.Errorf("got %+v %v", got, err)
		}
		_, err = c.DeleteParameter(ctx, &ssmsdk.DeleteParameterInput{Name: s("/app/a")})
		var nf *types.ParameterNotFound
		if !asErr(err, &nf) {
			t.Errorf("got %v", err)
		}
	})
}

func TestBadInputAnswersAWSErrorsWithNothingStored(t *testing.T) {
	e := newEnv(t)
	c := e.client(e.Admin)
	ctx := context.Background()
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprintf("/n%d", i)
	}
	put := func(name, value string, tier types.ParameterTier) func() error {
		return func() error {
			_, err := c.PutParameter(ctx, &ssmsdk.PutParameterInput{Name: s(name), Value: s(value), Type: types.ParameterTypeString, Tier: tier})
			return err
		}
	}
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"a 4097-byte Standard value", put("/big", strings.Repeat("x", 4097), ""), "ValidationException"},
		{"an 8193-byte Advanced value", put("/big", strings.Repeat("x", 8193), types.ParameterTierAdvanced), "ValidationException"},
		{"a name prefixed with aws", put("aws-thing", "v", ""), "ValidationException"},
		{"a name with 16 levels", put(strings.Repeat("/l", 16), "v", ""), "HierarchyLevelLimitExceededException"},
		{"a name with a space", put("/a b", "v", ""), "ValidationException"},
		{"a value against its allowed pattern", func() error {
			_, err := c.PutParameter(ctx, &ssmsdk.PutParameterInput{Name: s("/num"), Value: s("abc"), Type: types.ParameterTypeString, AllowedPattern: s(`^\d+$`)})
			return err
		}, "ParameterPatternMismatchException"},
		{"GetParameters with 11 names", func() error {
			_, err := c.GetParameters(ctx, &ssmsdk.GetParametersInput{Names: eleven})
			return err
		}, "ValidationException"},
		{"DeleteParameters with 11 names", func() error {
			_, err := c.DeleteParameters(ctx, &ssmsdk.DeleteParametersInput{Names: eleven})
			return err
		}, "ValidationException"},
		{"GetParametersByPath with a Name filter", func() error {
			_, err := c.GetParametersByPath(ctx, &ssmsdk.GetParametersByPathInput{Path: s("/"), ParameterFilters: []types.ParameterStringFilter{{Key: s("Name"), Values: []string{"x"}}}})
			return err
		}, "InvalidFilterKey"},
		{"DescribeParameters with a token it did not issue", func() error {
			_, err := c.DescribeParameters(ctx, &ssmsdk.DescribeParametersInput{NextToken: s("%%%")})
			return err
		}, "InvalidNextToken"},
		{"tagging a document", func() error {
			_, err := c.AddTagsToResource(ctx, &ssmsdk.AddTagsToResourceInput{ResourceType: types.ResourceTypeForTaggingDocument, ResourceId: s("doc"), Tags: []types.Tag{{Key: s("a"), Value: s("b")}}})
			return err
		}, "InvalidResourceType"},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is "+tc.want+" and changes nothing", func(t *testing.T) {
			before := e.snapshot(t)
			if got := apitest.APICode(tc.call()); got != tc.want {
				t.Errorf("got %q", got)
			}
			if after := e.snapshot(t); after != before {
				t.Errorf("the store changed:\n%s", after)
			}
		})
	}
}

func TestStoreHoldsNoSecureStringPlaintext(t *testing.T) {
	e := newEnv(t)
	c := e.client(e.Admin)
	needle := "the-needle-value-42"
	if _, err := c.PutParameter(context.Background(), &ssmsdk.PutParameterInput{Name: s("/n"), Value: s(needle), Type: types.ParameterTypeSecureString}); err != nil {
		t.Fatal(err)
	}
	snap := e.snapshot(t)
	if !regexp.MustCompile(`ssm_parameter_versions .*SecureString`).MatchString(snap) {
		t.Fatalf("no version row in %s", snap)
	}
	if strings.Contains(snap, needle) {
		t.Errorf("the store holds the SecureString value in the clear")
	}
}
