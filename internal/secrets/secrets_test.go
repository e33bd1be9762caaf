package secrets

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

func TestCreateAndGetSecretValue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	str := "hunter2"
	sec, version, err := f.svc.CreateSecret(ctx, acct, region, CreateInput{Name: "app/db", Description: "d", Value: ValueInput{String: &str}, Tags: map[string]string{"env": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the ARN ends with the name and a six-character suffix", func(t *testing.T) {
		if !regexp.MustCompile(`^arn:aws:secretsmanager:us-east-1:123456789012:secret:app/db-[A-Za-z0-9]{6}$`).MatchString(sec.ARN) {
			t.Errorf("ARN %q", sec.ARN)
		}
	})
	t.Run("the value is encrypted under the AWS managed key with the AWS encryption context", func(t *testing.T) {
		got := f.keys.Last(t)
		want := map[string]string{"SecretARN": sec.ARN, "SecretVersionId": version}
		if got.KeyID != DefaultKeyAlias || got.Account != acct || got.Region != region || fmt.Sprint(got.Context) != fmt.Sprint(want) {
			t.Errorf("encrypt call %+v", got)
		}
	})
	for _, ref := range []string{"app/db", sec.ARN, strings.TrimSuffix(sec.ARN, sec.ARN[len(sec.ARN)-7:])} {
		t.Run("the value is found by "+ref, func(t *testing.T) {
			v, err := f.svc.GetSecretValue(ctx, acct, region, ref, "", "")
			if err != nil {
				t.Fatal(err)
			}
			if v.String == nil || *v.String != str || v.VersionID != version || !slices.Equal(v.Stages, []string{StageCurrent}) || v.ARN != sec.ARN {
				t.Errorf("got %+v", v)
			}
		})
	}
	t.Run("another region or account does not see it", func(t *testing.T) {
		if _, err := f.svc.GetSecretValue(ctx, acct, "eu-west-1", "app/db", "", ""); code(err) != CodeNotFound {
			t.Errorf("other region: %v", err)
		}
		if _, err := f.svc.GetSecretValue(ctx, "210987654321", region, sec.ARN, "", ""); code(err) != CodeNotFound {
			t.Errorf("other account: %v", err)
		}
	})
	t.Run("a binary value comes back as binary", func(t *testing.T) {
		bin := []byte{0, 1, 2, 255}
		if _, _, err := f.svc.CreateSecret(ctx, acct, region, CreateInput{Name: "bin", KmsKeyID: "alias/mine", Value: ValueInput{Binary: bin}}); err != nil {
			t.Fatal(err)
		}
		if got := f.keys.Last(t).KeyID; got != "alias/mine" {
			t.Errorf("key %q", got)
		}
		v, err := f.svc.GetSecretValue(ctx, acct, region, "bin", "", "")
		if err != nil {
			t.Fatal(err)
		}
		if v.String != nil || !bytes.Equal(v.Binary, bin) {
			t.Errorf("got %+v", v)
		}
	})
	t.Run("a second secret of the same name is refused", func(t *testing.T) {
		if _, _, err := f.svc.CreateSecret(ctx, acct, region, CreateInput{Name: "app/db"}); code(err) != CodeExists {
			t.Errorf("got %v", err)
		}
	})
}

func TestCreateValidation(t *testing.T) {
	f := newFixture(t)
	s := "x"
	cases := []struct {
		name string
		in   CreateInput
	}{
		{"an empty name is refused", CreateInput{}},
		{"a name with a space is refused", CreateInput{Name: "a b"}},
		{"both a string and a binary value are refused", CreateInput{Name: "a", Value: ValueInput{String: &s, Binary: []byte("x")}}},
		{"a short client request token is refused", CreateInput{Name: "a", Value: ValueInput{String: &s, Token: "short"}}},
		{"a tag key with the aws: prefix is refused", CreateInput{Name: "a", Tags: map[string]string{"aws:x": "y"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, err := f.svc.CreateSecret(context.Background(), acct, region, tc.in); code(err) != CodeInvalidParameter {
				t.Errorf("got %v", err)
			}
		})
	}
}

func TestClientRequestTokenIsIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	token := "11111111-2222-4333-8444-555555555555"
	v1, v2 := "one", "two"
	sec, id, err := f.svc.CreateSecret(ctx, acct, region, CreateInput{Name: "s", Value: ValueInput{String: &v1, Token: token}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the token becomes the version id", func(t *testing.T) {
		if id != token {
			t.Errorf("version %q", id)
		}
	})
	t.Run("repeating CreateSecret with the same token and value returns the same secret", func(t *testing.T) {
		again, id2, err := f.svc.CreateSecret(ctx, acct, region, CreateInput{Name: "s", Value: ValueInput{String: &v1, Token: token}})
		if err != nil || again.ARN != sec.ARN || id2 != token {
			t.Errorf("got %v %v %v", again, id2, err)
		}
	})
	t.Run("repeating CreateSecret with the same token and another value is refused", func(t *testing.T) {
		if _, _, err := f.svc.CreateSecret(ctx, acct, region, CreateInput{Name: "s", Value: ValueInput{String: &v2, Token: token}}); code(err) != CodeExists {
			t.Errorf("got %v", err)
		}
	})
	t.Run("PutSecretValue with an existing token and the same value changes nothing", func(t *testing.T) {
		if _, err := f.svc.PutSecretValue(ctx, acct, region, "s", ValueInput{String: &v1, Token: token}, nil); err != nil {
			t.Fatal(err)
		}
		d, _ := f.svc.DescribeSecret(ctx, acct, region, "s")
		if len(d.Versions) != 1 {
			t.Errorf("versions %+v", d.Versions)
		}
	})
	t.Run("PutSecretValue with an existing token and another value is refused", func(t *testing.T) {
		if _, err := f.svc.PutSecretValue(ctx, acct, region, "s", ValueInput{String: &v2, Token: token}, nil); code(err) != CodeExists {
			t.Errorf("got %v", err)
		}
	})
}

func TestPutSecretValueMovesStages(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.create(t, "s", "v1")
	first, _ := f.svc.GetSecretValue(ctx, acct, region, "s", "", "")
	v2, v3 := "v2", "v3"
	second, err := f.svc.PutSecretValue(ctx, acct, region, "s", ValueInput{String: &v2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the new version is AWSCURRENT and the old one AWSPREVIOUS", func(t *testing.T) {
		d, _ := f.svc.DescribeSecret(ctx, acct, region, "s")
		want := map[string][]string{first.VersionID: {StagePrevious}, second.VersionID: {StageCurrent}}
		if fmt.Sprint(d.VersionsToStages()) != fmt.Sprint(want) {
			t.Errorf("got %v, want %v", d.VersionsToStages(), want)
		}
	})
	t.Run("GetSecretValue reads by stage and by version id", func(t *testing.T) {
		prev, err := f.svc.GetSecretValue(ctx, acct, region, "s", "", StagePrevious)
		if err != nil || *prev.String != "v1" {
			t.Errorf("previous: %v %v", prev, err)
		}
		byID, err := f.svc.GetSecretValue(ctx, acct, region, "s", second.VersionID, "")
		if err != nil || *byID.String != "v2" {
			t.Errorf("by id: %v %v", byID, err)
		}
		if _, err := f.svc.GetSecretValue(ctx, acct, region, "s", "", "NOPE"); code(err) != CodeNotFound {
			t.Errorf("unknown stage: %v", err)
		}
	})
	t.Run("a third version leaves the first with no stage", func(t *testing.T) {
		third, err := f.svc.PutSecretValue(ctx, acct, region, "s", ValueInput{String: &v3}, nil)
		if err != nil {
			t.Fatal(err)
		}
		d, _ := f.svc.DescribeSecret(ctx, acct, region, "s")
		want := map[string][]string{second.VersionID: {StagePrevious}, third.VersionID: {StageCurrent}}
		if fmt.Sprint(d.VersionsToStages()) != fmt.Sprint(want) {
			t.Errorf("got %v, want %v", d.VersionsToStages(), want)
		}
	})
	t.Run("a custom stage attaches without moving AWSCURRENT", func(t *testing.T) {
		p := "pending"
		v, err := f.svc.PutSecretValue(ctx, acct, region, "s", ValueInput{String: &p}, []string{StagePending})
		if err != nil {
			t.Fatal(err)
		}
		cur, _ := f.svc.GetSecretValue(ctx, acct, region, "s", "", "")
		pend, _ := f.svc.GetSecretValue(ctx, acct, region, "s", "", StagePending)
		if *cur.String != "v3" || pend.VersionID != v.VersionID {
			t.Errorf("current %v, pending %v", *cur.String, pend.VersionID)
		}
	})
}

func TestUpdateSecret(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.create(t, "s", "v1")
	desc, key, val := "new", "alias/other", "v2"
	sec, version, err := f.svc.UpdateSecret(ctx, acct, region, "s", UpdateInput{Description: &desc, KmsKeyID: &key, Value: ValueInput{String: &val}})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the description and key change and the value gets a new current version", func(t *testing.T) {
		d, _ := f.svc.DescribeSecret(ctx, acct, region, "s")
		v, _ := f.svc.GetSecretValue(ctx, acct, region, "s", "", "")
		if d.Description != "new" || d.KmsKeyID != key || v.VersionID != version || *v.String != "v2" || sec.Description != "new" {
			t.Errorf("describe %+v, value %+v", d, v)
		}
	})
	t.Run("the new version is encrypted under the new key", func(t *testing.T) {
		if got := f.keys.Last(t).KeyID; got != key {
			t.Errorf("key %q", got)
		}
	})
}

func TestDeleteAndRestore(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, days := range []int{6, 31} {
		t.Run(fmt.Sprintf("a recovery window of %d days is refused", days), func(t *testing.T) {
			f.create(t, fmt.Sprintf("w%d", days), "x")
			if _, err := f.svc.DeleteSecret(ctx, acct, region, fmt.Sprintf("w%d", days), days, false); code(err) != CodeInvalidParameter {
				t.Errorf("got %v", err)
			}
		})
	}
	t.Run("a window together with force is refused", func(t *testing.T) {
		if _, err := f.svc.DeleteSecret(ctx, acct, region, "w6", 7, true); code(err) != CodeInvalidParameter {
			t.Errorf("got %v", err)
		}
	})
	sec := f.create(t, "s", "v")
	del, err := f.svc.DeleteSecret(ctx, acct, region, "s", 7, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the deletion date is the end of the window", func(t *testing.T) {
		if !del.PurgeDate.Equal(f.clock.Now().AddDate(0, 0, 7)) {
			t.Errorf("purge %v", del.PurgeDate)
		}
	})
	t.Run("a deleted secret refuses GetSecretValue, PutSecretValue and UpdateSecret with InvalidRequestException", func(t *testing.T) {
		v := "n"
		if _, err := f.svc.GetSecretValue(ctx, acct, region, "s", "", ""); code(err) != CodeInvalidRequest {
			t.Errorf("get: %v", err)
		}
		if _, err := f.svc.PutSecretValue(ctx, acct, region, "s", ValueInput{String: &v}, nil); code(err) != CodeInvalidRequest {
			t.Errorf("put: %v", err)
		}
		if _, _, err := f.svc.UpdateSecret(ctx, acct, region, "s", UpdateInput{Description: &v}); code(err) != CodeInvalidRequest {
			t.Errorf("update: %v", err)
		}
	})
	t.Run("a deleted secret is described with its deletion date and hidden from lists", func(t *testing.T) {
		d, err := f.svc.DescribeSecret(ctx, acct, region, "s")
		if err != nil || d.Deleted.IsZero() {
			t.Errorf("describe %v %v", d, err)
		}
		list, _, _ := f.svc.ListSecrets(ctx, acct, region, ListInput{Filters: []Filter{{Key: FilterName, Values: []string{"s"}}}})
		withDeleted, _, _ := f.svc.ListSecrets(ctx, acct, region, ListInput{IncludeDeleted: true, Filters: []Filter{{Key: FilterName, Values: []string{"s"}}}})
		if len(list) != 0 || len(withDeleted) != 1 {
			t.Errorf("listed %d, with deleted %d", len(list), len(withDeleted))
		}
	})
	t.Run("a name scheduled for deletion cannot be created again", func(t *testing.T) {
		if _, _, err := f.svc.CreateSecret(ctx, acct, region, CreateInput{Name: "s"}); code(err) != CodeInvalidRequest {
			t.Errorf("got %v", err)
		}
	})
	t.Run("RestoreSecret makes the value readable again", func(t *testing.T) {
		if _, err := f.svc.RestoreSecret(ctx, acct, region, sec.ARN); err != nil {
			t.Fatal(err)
		}
		if v, err := f.svc.GetSecretValue(ctx, acct, region, "s", "", ""); err != nil || *v.String != "v" {
			t.Errorf("got %v %v", v, err)
		}
	})
	t.Run("after the window the secret is gone and its name can be reused", func(t *testing.T) {
		if _, err := f.svc.DeleteSecret(ctx, acct, region, "s", 7, false); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(7*24*time.Hour + time.Second)
		if _, err := f.svc.DescribeSecret(ctx, acct, region, sec.ARN); code(err) != CodeNotFound {
			t.Errorf("describe: %v", err)
		}
		again := f.create(t, "s", "new")
		if again.ARN == sec.ARN {
			t.Errorf("the new secret has the old ARN")
		}
		if _, err := f.svc.DescribeSecret(ctx, acct, region, sec.ARN); code(err) != CodeNotFound {
			t.Errorf("the old ARN finds the new secret: %v", err)
		}
	})
	t.Run("force deletion removes the secret at once", func(t *testing.T) {
		f.create(t, "forced", "x")
		if _, err := f.svc.DeleteSecret(ctx, acct, region, "forced", 0, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.DescribeSecret(ctx, acct, region, "forced"); code(err) != CodeNotFound {
			t.Errorf("got %v", err)
		}
		f.create(t, "forced", "y")
	})
}

func TestListSecrets(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, n := range []string{"app/a", "app/b", "app/c", "db/a", "db/b"} {
		f.create(t, n, "v")
	}
	t.Run("pages of two cover every secret once in name order", func(t *testing.T) {
		var names []string
		token := ""
		for range 10 {
			page, next, err := f.svc.ListSecrets(ctx, acct, region, ListInput{Max: 2, NextToken: token})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) > 2 {
				t.Fatalf("page of %d", len(page))
			}
			for _, s := range page {
				names = append(names, s.Name)
			}
			if token = next; token == "" {
				break
			}
		}
		if want := []string{"app/a", "app/b", "app/c", "db/a", "db/b"}; !slices.Equal(names, want) {
			t.Errorf("got %v", names)
		}
	})
	t.Run("a name filter matches prefixes and ! negates", func(t *testing.T) {
		cases := map[string][]string{"app/": {"app/a", "app/b", "app/c"}, "!app/": {"db/a", "db/b"}}
		for v, want := range cases {
			list, _, err := f.svc.ListSecrets(ctx, acct, region, ListInput{Filters: []Filter{{Key: FilterName, Values: []string{v}}}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, s := range list {
				got = append(got, s.Name)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %v", v, got)
			}
		}
	})
	t.Run("a token it did not issue is refused", func(t *testing.T) {
		if _, _, err := f.svc.ListSecrets(ctx, acct, region, ListInput{NextToken: "!!"}); code(err) != CodeInvalidNextToken {
			t.Errorf("got %v", err)
		}
	})
	t.Run("an unknown filter key is refused", func(t *testing.T) {
		if _, _, err := f.svc.ListSecrets(ctx, acct, region, ListInput{Filters: []Filter{{Key: "color"}}}); code(err) != CodeInvalidParameter {
			t.Errorf("got %v", err)
		}
	})
}

func TestResourcePolicy(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sec := f.create(t, "s", "v")
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	t.Run("a malformed document is refused", func(t *testing.T) {
		if _, err := f.svc.PutResourcePolicy(ctx, acct, region, "s", "{"); code(err) != CodeMalformedPolicy {
			t.Errorf("got %v", err)
		}
	})
	t.Run("the authorizer sees the policy on the full ARN only", func(t *testing.T) {
		if _, err := f.svc.PutResourcePolicy(ctx, acct, region, "s", doc); err != nil {
			t.Fatal(err)
		}
		got, ok, err := f.svc.ResourcePolicy(ctx, sec.ARN, "secretsmanager:GetSecretValue")
		if err != nil || !ok || got != doc {
			t.Errorf("got %q %v %v", got, ok, err)
		}
		if _, ok, _ := f.svc.ResourcePolicy(ctx, ARNPrefix(region, acct)+"s", ""); ok {
			t.Errorf("a partial ARN answered with a policy")
		}
	})
	t.Run("after DeleteResourcePolicy there is none", func(t *testing.T) {
		if _, err := f.svc.DeleteResourcePolicy(ctx, acct, region, sec.ARN); err != nil {
			t.Fatal(err)
		}
		if _, ok, _ := f.svc.ResourcePolicy(ctx, sec.ARN, ""); ok {
			t.Errorf("policy still there")
		}
	})
}

func TestStoreHoldsNoSecretValue(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	plain := "correct-horse-battery-staple"
	bin := []byte("binary-needle-0123456789")
	f.create(t, "s", plain)
	if _, _, err := f.svc.CreateSecret(ctx, acct, region, CreateInput{Name: "b", Value: ValueInput{Binary: bin}}); err != nil {
		t.Fatal(err)
	}
	p2 := plain + "-2"
	if _, err := f.svc.PutSecretValue(ctx, acct, region, "s", ValueInput{String: &p2}, nil); err != nil {
		t.Fatal(err)
	}
	var dump bytes.Buffer
	err := f.st.View(ctx, func(tx *store.Tx) error {
		for _, tbl := range []string{"secrets", "secret_versions"} {
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
				for _, v := range vals {
					fmt.Fprintf(&dump, "%s|", v)
				}
			}
			rows.Close()
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if dump.Len() == 0 || !strings.Contains(dump.String(), "secret:s-") {
		t.Fatalf("the dump does not show the rows: %q", dump.String())
	}
	for _, needle := range [][]byte{[]byte(plain), bin} {
		if bytes.Contains(dump.Bytes(), needle) {
			t.Errorf("the store holds %q in the clear", needle)
		}
	}
}
