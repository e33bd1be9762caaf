package ssm

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestARN(t *testing.T) {
	cases := []struct{ name, ref, want string }{
		{"a hierarchical name does not double its slash", "/a/b", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b"},
		{"a plain name follows parameter/", "x", "arn:aws:ssm:us-east-1:123456789012:parameter/x"},
		{"a version selector is dropped", "/a/b:3", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b"},
		{"a label selector on an ARN is dropped", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b:prod", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := RefARN(region, acct, tc.ref); got != tc.want {
				t.Errorf("got %s", got)
			}
		})
	}
}

func TestPutAndGetParameter(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	desc := "the db host"
	v, tier, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "/app/db/host", Type: TypeString, Value: "db1", Description: &desc, User: user})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the first put is version 1 in the Standard tier", func(t *testing.T) {
		if v != 1 || tier != TierStandard {
			t.Errorf("got %d %s", v, tier)
		}
	})
	t.Run("a second put without Overwrite is ParameterAlreadyExists and changes nothing", func(t *testing.T) {
		before := dump(t, f.st)
		_, _, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "/app/db/host", Type: TypeString, Value: "db2"})
		if code(err) != CodeAlreadyExists {
			t.Errorf("got %v", err)
		}
		if dump(t, f.st) != before {
			t.Errorf("the store changed")
		}
	})
	t.Run("an overwrite makes version 2 and keeps the type and description", func(t *testing.T) {
		v, _, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "/app/db/host", Value: "db2", Overwrite: true, User: user})
		if err != nil || v != 2 {
			t.Fatalf("got %d %v", v, err)
		}
		p, err := f.svc.GetParameter(ctx, acct, region, "/app/db/host", false)
		if err != nil {
			t.Fatal(err)
		}
		if p.Value != "db2" || p.Version != 2 || p.Type != TypeString || p.Description != desc || p.ARN != "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/host" || p.ModifiedUser != user || !p.Modified.Equal(f.clock.Now()) {
			t.Errorf("got %+v", p)
		}
	})
	t.Run("a version selector reads an older version and is echoed", func(t *testing.T) {
		p, err := f.svc.GetParameter(ctx, acct, region, "/app/db/host:1", false)
		if err != nil || p.Value != "db1" || p.Selector != ":1" || p.Name != "/app/db/host" {
			t.Errorf("got %+v %v", p, err)
		}
	})
	t.Run("the parameter's ARN finds it too", func(t *testing.T) {
		p, err := f.svc.GetParameter(ctx, acct, region, "arn:aws:ssm:us-east-1:123456789012:parameter/app/db/host", false)
		if err != nil || p.Value != "db2" {
			t.Errorf("got %+v %v", p, err)
		}
	})
	t.Run("an unknown version is ParameterVersionNotFound and an unknown name ParameterNotFound", func(t *testing.T) {
		if _, err := f.svc.GetParameter(ctx, acct, region, "/app/db/host:9", false); code(err) != CodeVersionNotFound {
			t.Errorf("version: %v", err)
		}
		if _, err := f.svc.GetParameter(ctx, acct, region, "/nope", false); code(err) != CodeNotFound {
			t.Errorf("name: %v", err)
		}
	})
	t.Run("a new parameter without a type is refused", func(t *testing.T) {
		if _, _, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "untyped", Value: "v"}); code(err) != CodeValidation {
			t.Errorf("got %v", err)
		}
	})
}

func TestBadInputIsRefusedWithNothingStored(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, "/exists", TypeString, "v")
	pattern := `\d+`
	badPattern := `(`
	deep := strings.Repeat("/l", 16)
	long := "/" + strings.Repeat("n", maxARNLength-len(ARN(region, acct, ""))+1)
	cases := []struct {
		name string
		in   PutInput
		want string
	}{
		{"a Standard value over 4096 bytes", PutInput{Name: "big", Type: TypeString, Value: strings.Repeat("x", 4097)}, CodeValidation},
		{"an Advanced value over 8192 bytes", PutInput{Name: "bigger", Type: TypeString, Tier: TierAdvanced, Value: strings.Repeat("x", 8193)}, CodeValidation},
		{"an empty value", PutInput{Name: "empty", Type: TypeString}, CodeValidation},
		{"a name prefixed with aws", PutInput{Name: "/AWS/x", Type: TypeString, Value: "v"}, CodeValidation},
		{"a name prefixed with ssm", PutInput{Name: "ssmthing", Type: TypeString, Value: "v"}, CodeValidation},
		{"a hierarchical name without a leading slash", PutInput{Name: "a/b", Type: TypeString, Value: "v"}, CodeValidation},
		{"a name with an empty level", PutInput{Name: "/a//b", Type: TypeString, Value: "v"}, CodeValidation},
		{"a name with a space inside", PutInput{Name: "/a b", Type: TypeString, Value: "v"}, CodeValidation},
		{"a name with 16 levels", PutInput{Name: deep, Type: TypeString, Value: "v"}, CodeHierarchyLevelLimit},
		{"a name whose ARN exceeds 1011 characters", PutInput{Name: long, Type: TypeString, Value: "v"}, CodeValidation},
		{"a KeyId on a String", PutInput{Name: "k", Type: TypeString, Value: "v", KeyID: "alias/x"}, CodeValidation},
		{"tags together with Overwrite", PutInput{Name: "/exists", Value: "v", Overwrite: true, Tags: map[string]string{"a": "b"}}, CodeValidation},
		{"an allowed pattern that is not a regular expression", PutInput{Name: "p", Type: TypeString, Value: "v", AllowedPattern: &badPattern}, CodeInvalidAllowedPattern},
		{"a value that does not match the allowed pattern", PutInput{Name: "p", Type: TypeString, Value: "12a", AllowedPattern: &pattern}, CodePatternMismatch},
		{"an unknown data type", PutInput{Name: "d", Type: TypeString, Value: "v", DataType: "json"}, CodeValidation},
		{"an unknown KMS key", PutInput{Name: "s", Type: TypeSecureString, Value: "v", KeyID: missingKey}, CodeInvalidKeyID},
		{"51 tags", PutInput{Name: "t", Type: TypeString, Value: "v", Tags: manyTags(51)}, CodeTooManyTags},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is "+tc.want+" and stores nothing", func(t *testing.T) {
			before := dump(t, f.st)
			_, _, err := f.svc.PutParameter(ctx, acct, region, tc.in)
			if code(err) != tc.want {
				t.Errorf("got %v, want %s", err, tc.want)
			}
			if after := dump(t, f.st); after != before {
				t.Errorf("the store changed:\n%s", after)
			}
		})
	}
	t.Run("a name whose ARN another parameter has is ValidationException", func(t *testing.T) {
		if _, _, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "exists", Type: TypeString, Value: "v"}); code(err) != CodeValidation {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a name with 15 levels and one of exactly 1011 ARN characters are accepted", func(t *testing.T) {
		f.put(t, strings.Repeat("/l", 15), TypeString, "v")
		f.put(t, long[:len(long)-1], TypeString, "v")
	})
	t.Run("an overwrite is checked against the pattern the parameter already has", func(t *testing.T) {
		if _, _, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "/num", Type: TypeString, Value: "42", AllowedPattern: &pattern}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "/num", Value: "x", Overwrite: true}); code(err) != CodePatternMismatch {
			t.Errorf("got %v", err)
		}
	})
}

func manyTags(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprintf("k%d", i)] = "v"
	}
	return m
}

func TestTiers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	put := func(name, tier string, size int, overwrite bool) (string, error) {
		_, got, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: name, Type: TypeString, Value: strings.Repeat("x", size), Tier: tier, Overwrite: overwrite})
		return got, err
	}
	t.Run("Intelligent-Tiering chooses Standard for a small value and Advanced for a large one", func(t *testing.T) {
		small, err1 := put("small", TierIntelligentTiering, 10, false)
		large, err2 := put("large", TierIntelligentTiering, 5000, false)
		if small != TierStandard || large != TierAdvanced || err1 != nil || err2 != nil {
			t.Errorf("got %s %s %v %v", small, large, err1, err2)
		}
	})
	t.Run("an Advanced parameter stays Advanced and cannot be downgraded", func(t *testing.T) {
		if got, err := put("large", "", 10, true); got != TierAdvanced || err != nil {
			t.Errorf("got %s %v", got, err)
		}
		if _, err := put("large", TierStandard, 10, true); code(err) != CodeValidation {
			t.Errorf("got %v", err)
		}
	})
}

func TestSecureString(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, "/s/pw", TypeSecureString, "hunter2")
	arn := ARN(region, acct, "/s/pw")
	t.Run("it is encrypted under the AWS managed key with the parameter ARN as context", func(t *testing.T) {
		c := f.keys.Last(t)
		if c.KeyID != DefaultKeyAlias || c.Context["PARAMETER_ARN"] != arn || len(c.Context) != 1 || c.Account != acct || c.Region != region {
			t.Errorf("got %+v", c)
		}
	})
	t.Run("with decryption the value is the plaintext", func(t *testing.T) {
		p, err := f.svc.GetParameter(ctx, acct, region, "/s/pw", true)
		if err != nil || p.Value != "hunter2" || p.KeyID != DefaultKeyAlias {
			t.Errorf("got %+v %v", p, err)
		}
	})
	t.Run("without decryption the value is the stored ciphertext in base64", func(t *testing.T) {
		p, err := f.svc.GetParameter(ctx, acct, region, "/s/pw", false)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := base64.StdEncoding.DecodeString(p.Value)
		if err != nil || bytes.Contains(raw, []byte("hunter2")) || !strings.Contains(dump(t, f.st), string(raw)) {
			t.Errorf("got %q %v", p.Value, err)
		}
	})
	t.Run("an overwrite without KeyId keeps the parameter's key", func(t *testing.T) {
		if _, _, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "/s/own", Type: TypeSecureString, Value: "a", KeyID: "alias/mine"}); err != nil {
			t.Fatal(err)
		}
		f.put(t, "/s/own", "", "b")
		if got := f.keys.Last(t).KeyID; got != "alias/mine" {
			t.Errorf("got %s", got)
		}
	})
	t.Run("an Advanced value longer than KMS's 4096-byte limit round-trips", func(t *testing.T) {
		big := strings.Repeat("s", 8000)
		if _, _, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "/s/big", Type: TypeSecureString, Value: big, Tier: TierAdvanced}); err != nil {
			t.Fatal(err)
		}
		p, err := f.svc.GetParameter(ctx, acct, region, "/s/big", true)
		if err != nil || p.Value != big {
			t.Errorf("got %d bytes, %v", len(p.Value), err)
		}
	})
}

func TestStoreHoldsNoSecureStringPlaintext(t *testing.T) {
	f := newFixture(t)
	needle := "correct-horse-battery-staple"
	f.put(t, "/secret/one", TypeSecureString, needle)
	f.put(t, "/secret/one", TypeSecureString, needle+"-2")
	f.put(t, "/plain", TypeString, "visible-value")
	d := dump(t, f.st)
	if !strings.Contains(d, "visible-value") || !strings.Contains(d, "parameter/secret/one") {
		t.Fatalf("the dump does not show the rows: %q", d)
	}
	if strings.Contains(d, needle) {
		t.Errorf("the store holds a SecureString value in the clear")
	}
}

func TestVersionLimit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := 1; i <= maxVersions; i++ {
		f.put(t, "/v", TypeString, fmt.Sprint(i))
	}
	t.Run("the 101st version drops the oldest", func(t *testing.T) {
		if v := f.put(t, "/v", TypeString, "101"); v != 101 {
			t.Errorf("version %d", v)
		}
		if _, err := f.svc.GetParameter(ctx, acct, region, "/v:1", false); code(err) != CodeVersionNotFound {
			t.Errorf("version 1: %v", err)
		}
		if p, err := f.svc.GetParameter(ctx, acct, region, "/v:2", false); err != nil || p.Value != "2" {
			t.Errorf("version 2: %v %v", p, err)
		}
	})
	t.Run("when the oldest version has a label the put is ParameterMaxVersionLimitExceeded", func(t *testing.T) {
		if _, _, err := f.svc.LabelParameterVersion(ctx, acct, region, "/v", 2, []string{"keep"}); err != nil {
			t.Fatal(err)
		}
		before := dump(t, f.st)
		if _, _, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "/v", Value: "x", Overwrite: true}); code(err) != CodeMaxVersionLimit {
			t.Errorf("got %v", err)
		}
		if dump(t, f.st) != before {
			t.Errorf("the store changed")
		}
	})
}

func TestLabels(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, "/l", TypeString, "one")
	f.put(t, "/l", TypeString, "two")
	t.Run("a label attaches to the latest version by default and selects it", func(t *testing.T) {
		invalid, v, err := f.svc.LabelParameterVersion(ctx, acct, region, "/l", 0, []string{"prod", "1bad", "awsx", "prod"})
		if err != nil || v != 2 || !slices.Equal(invalid, []string{"1bad", "awsx"}) {
			t.Fatalf("got %v %d %v", invalid, v, err)
		}
		p, err := f.svc.GetParameter(ctx, acct, region, "/l:prod", false)
		if err != nil || p.Value != "two" || p.Selector != ":prod" || !slices.Equal(p.Labels, []string{"prod"}) {
			t.Errorf("got %+v %v", p, err)
		}
	})
	t.Run("labelling another version moves the label", func(t *testing.T) {
		if _, _, err := f.svc.LabelParameterVersion(ctx, acct, region, "/l", 1, []string{"prod"}); err != nil {
			t.Fatal(err)
		}
		p, _ := f.svc.GetParameter(ctx, acct, region, "/l:prod", false)
		latest, _ := f.svc.GetParameter(ctx, acct, region, "/l", false)
		if p.Value != "one" || latest.Labels != nil {
			t.Errorf("labelled %+v, latest %+v", p, latest)
		}
	})
	t.Run("a parameter's ARN names it for labelling too", func(t *testing.T) {
		if _, _, err := f.svc.LabelParameterVersion(ctx, acct, region, ARN(region, acct, "/l"), 2, []string{"byarn"}); err != nil {
			t.Fatal(err)
		}
		if p, err := f.svc.GetParameter(ctx, acct, region, "/l:byarn", false); err != nil || p.Version != 2 {
			t.Errorf("got %+v %v", p, err)
		}
	})
	t.Run("an unknown version is ParameterVersionNotFound", func(t *testing.T) {
		if _, _, err := f.svc.LabelParameterVersion(ctx, acct, region, "/l", 7, []string{"x"}); code(err) != CodeVersionNotFound {
			t.Errorf("got %v", err)
		}
	})
	t.Run("more than 10 labels on a version is ParameterVersionLabelLimitExceeded", func(t *testing.T) {
		many := make([]string, 11)
		for i := range many {
			many[i] = fmt.Sprintf("l%d", i)
		}
		if _, _, err := f.svc.LabelParameterVersion(ctx, acct, region, "/l", 2, many); code(err) != CodeLabelLimit {
			t.Errorf("got %v", err)
		}
	})
	t.Run("unlabelling removes the labels the version has and reports the others", func(t *testing.T) {
		removed, invalid, err := f.svc.UnlabelParameterVersion(ctx, acct, region, "/l", 1, []string{"prod", "nope"})
		if err != nil || !slices.Equal(removed, []string{"prod"}) || !slices.Equal(invalid, []string{"nope"}) {
			t.Errorf("got %v %v %v", removed, invalid, err)
		}
		if _, err := f.svc.GetParameter(ctx, acct, region, "/l:prod", false); code(err) != CodeVersionNotFound {
			t.Errorf("still selected: %v", err)
		}
	})
}

func TestGetAndDeleteSeveral(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, "/a", TypeString, "A")
	f.put(t, "b", TypeStringList, "x,y")
	t.Run("GetParameters answers the found ones and lists the others as invalid", func(t *testing.T) {
		got, invalid, err := f.svc.GetParameters(ctx, acct, region, []string{"/a", "nope", "b", "/a", "/a:5"}, false)
		if err != nil || !slices.Equal(names(got), []string{"/a", "b"}) || !slices.Equal(invalid, []string{"nope", "/a:5"}) || got[1].Value != "x,y" {
			t.Errorf("got %v %v %v", names(got), invalid, err)
		}
	})
	t.Run("DeleteParameters deletes the found ones and lists the others as invalid", func(t *testing.T) {
		deleted, invalid, err := f.svc.DeleteParameters(ctx, acct, region, []string{"/a", "nope"})
		if err != nil || !slices.Equal(deleted, []string{"/a"}) || !slices.Equal(invalid, []string{"nope"}) {
			t.Errorf("got %v %v %v", deleted, invalid, err)
		}
		if _, err := f.svc.GetParameter(ctx, acct, region, "/a", false); code(err) != CodeNotFound {
			t.Errorf("still there: %v", err)
		}
	})
	t.Run("eleven names are ValidationException for both", func(t *testing.T) {
		eleven := strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")
		if _, _, err := f.svc.GetParameters(ctx, acct, region, eleven, false); code(err) != CodeValidation {
			t.Errorf("get: %v", err)
		}
		if _, _, err := f.svc.DeleteParameters(ctx, acct, region, eleven); code(err) != CodeValidation {
			t.Errorf("delete: %v", err)
		}
	})
	t.Run("DeleteParameter of a missing parameter is ParameterNotFound", func(t *testing.T) {
		if err := f.svc.DeleteParameter(ctx, acct, region, "/a"); code(err) != CodeNotFound {
			t.Errorf("got %v", err)
		}
	})
	t.Run("a deleted name starts again at version 1", func(t *testing.T) {
		if err := f.svc.DeleteParameter(ctx, acct, region, "b"); err != nil {
			t.Fatal(err)
		}
		if v := f.put(t, "b", TypeString, "again"); v != 1 {
			t.Errorf("version %d", v)
		}
	})
}

func TestGetParametersByPath(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, n := range []string{"/app/a", "/app/b", "/app/c", "/app/sub/d", "/other/e", "top"} {
		f.put(t, n, TypeString, "v-"+n)
	}
	f.put(t, "/app/s", TypeSecureString, "secret")
	all := func(in PathInput) []string {
		t.Helper()
		var got []string
		for range 20 {
			page, next, err := f.svc.GetParametersByPath(ctx, acct, region, in)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, names(page)...)
			if in.NextToken = next; next == "" {
				return got
			}
		}
		t.Fatal("no end of pages")
		return nil
	}
	t.Run("one level lists the parameters directly below the path", func(t *testing.T) {
		if got := all(PathInput{Path: "/app"}); !slices.Equal(got, []string{"/app/a", "/app/b", "/app/c", "/app/s"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("recursive pages of two cover every parameter below the path once", func(t *testing.T) {
		if got := all(PathInput{Path: "/app/", Recursive: true, Max: 2}); !slices.Equal(got, []string{"/app/a", "/app/b", "/app/c", "/app/s", "/app/sub/d"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("the root lists names without a slash too", func(t *testing.T) {
		if got := all(PathInput{Path: "/"}); !slices.Equal(got, []string{"top"}) {
			t.Errorf("got %v", got)
		}
	})
	t.Run("a Type filter keeps SecureStrings, decrypted on request", func(t *testing.T) {
		page, _, err := f.svc.GetParametersByPath(ctx, acct, region, PathInput{Path: "/app", Decrypt: true, Filters: []Filter{{Key: FilterType, Values: []string{TypeSecureString}}}})
		if err != nil || len(page) != 1 || page[0].Value != "secret" {
			t.Errorf("got %v %v", page, err)
		}
	})
	t.Run("a Label filter answers the labelled version", func(t *testing.T) {
		f.put(t, "/app/a", TypeString, "newer")
		if _, _, err := f.svc.LabelParameterVersion(ctx, acct, region, "/app/a", 1, []string{"stable"}); err != nil {
			t.Fatal(err)
		}
		page, _, err := f.svc.GetParametersByPath(ctx, acct, region, PathInput{Path: "/app", Filters: []Filter{{Key: FilterLabel, Values: []string{"stable"}}}})
		if err != nil || len(page) != 1 || page[0].Version != 1 || page[0].Value != "v-/app/a" {
			t.Errorf("got %+v %v", page, err)
		}
	})
	cases := []struct {
		name string
		in   PathInput
		want string
	}{
		{"a path without a leading slash", PathInput{Path: "app"}, CodeValidation},
		{"a Name filter", PathInput{Path: "/app", Filters: []Filter{{Key: FilterName, Values: []string{"x"}}}}, CodeInvalidFilterKey},
		{"a Label filter with BeginsWith", PathInput{Path: "/app", Filters: []Filter{{Key: FilterLabel, Option: OptionBeginsWith, Values: []string{"x"}}}}, CodeInvalidFilterOption},
		{"an unknown Type value", PathInput{Path: "/app", Filters: []Filter{{Key: FilterType, Values: []string{"Blob"}}}}, CodeInvalidFilterValue},
		{"a token it did not issue", PathInput{Path: "/app", NextToken: "!!"}, CodeInvalidNextToken},
		{"11 results", PathInput{Path: "/app", Max: 11}, CodeValidation},
	}
	for _, tc := range cases {
		t.Run(tc.name+" is "+tc.want, func(t *testing.T) {
			if _, _, err := f.svc.GetParametersByPath(ctx, acct, region, tc.in); code(err) != tc.want {
				t.Errorf("got %v", err)
			}
		})
	}
}

func TestDescribeParameters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, n := range []string{"/app/a", "/app/b", "/app/sub/c", "/db/x"} {
		f.put(t, n, TypeString, "v")
	}
	if _, _, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "/app/s", Type: TypeSecureString, Value: "s", KeyID: "alias/k", Tags: map[string]string{"team": "core"}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		filters []Filter
		legacy  []Filter
		want    []string
	}{
		{"no filter lists every parameter", nil, nil, []string{"/app/a", "/app/b", "/app/s", "/app/sub/c", "/db/x"}},
		{"Name BeginsWith matches prefixes", []Filter{{Key: FilterName, Option: OptionBeginsWith, Values: []string{"/app/s"}}}, nil, []string{"/app/s", "/app/sub/c"}},
		{"Name Equals matches the whole name", []Filter{{Key: FilterName, Values: []string{"/app/s"}}}, nil, []string{"/app/s"}},
		{"Path OneLevel lists one level", []Filter{{Key: FilterPath, Values: []string{"/app"}}}, nil, []string{"/app/a", "/app/b", "/app/s"}},
		{"Path Recursive lists every level", []Filter{{Key: FilterPath, Option: OptionRecursive, Values: []string{"/app"}}}, nil, []string{"/app/a", "/app/b", "/app/s", "/app/sub/c"}},
		{"Type and KeyId together must both match", []Filter{{Key: FilterType, Values: []string{TypeSecureString}}, {Key: FilterKeyID, Values: []string{"alias/k"}}}, nil, []string{"/app/s"}},
		{"a tag filter without values matches parameters with the tag", []Filter{{Key: "tag:team"}}, nil, []string{"/app/s"}},
		{"the older Filters match name prefixes", nil, []Filter{{Key: FilterName, Values: []string{"/db"}}}, []string{"/db/x"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := f.svc.DescribeParameters(ctx, acct, region, DescribeInput{Filters: tc.filters, Legacy: tc.legacy})
			if err != nil || !slices.Equal(names(got), tc.want) {
				t.Errorf("got %v %v", names(got), err)
			}
		})
	}
	t.Run("the metadata has no value and the latest version's attributes", func(t *testing.T) {
		got, _, _ := f.svc.DescribeParameters(ctx, acct, region, DescribeInput{Filters: []Filter{{Key: FilterName, Values: []string{"/app/s"}}}})
		if len(got) != 1 || got[0].Value != "" || got[0].KeyID != "alias/k" || got[0].Version != 1 || got[0].Tier != TierStandard {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("pages of two cover every parameter once", func(t *testing.T) {
		var all []string
		token := ""
		for range 10 {
			page, next, err := f.svc.DescribeParameters(ctx, acct, region, DescribeInput{Max: 2, NextToken: token})
			if err != nil || len(page) > 2 {
				t.Fatalf("got %d, %v", len(page), err)
			}
			all = append(all, names(page)...)
			if token = next; token == "" {
				break
			}
		}
		if len(all) != 5 || !slices.IsSorted(all) {
			t.Errorf("got %v", all)
		}
	})
	bad := []struct {
		name string
		in   DescribeInput
		want string
	}{
		{"a Label filter", DescribeInput{Filters: []Filter{{Key: FilterLabel, Values: []string{"x"}}}}, CodeInvalidFilterKey},
		{"Path with BeginsWith", DescribeInput{Filters: []Filter{{Key: FilterPath, Option: OptionBeginsWith, Values: []string{"/a"}}}}, CodeInvalidFilterOption},
		{"a Path value without a leading slash", DescribeInput{Filters: []Filter{{Key: FilterPath, Values: []string{"a"}}}}, CodeInvalidFilterValue},
		{"Filters together with ParameterFilters", DescribeInput{Filters: []Filter{{Key: FilterName, Values: []string{"a"}}}, Legacy: []Filter{{Key: FilterName, Values: []string{"a"}}}}, CodeValidation},
		{"a token it did not issue", DescribeInput{NextToken: "%%"}, CodeInvalidNextToken},
	}
	for _, tc := range bad {
		t.Run(tc.name+" is "+tc.want, func(t *testing.T) {
			if _, _, err := f.svc.DescribeParameters(ctx, acct, region, tc.in); code(err) != tc.want {
				t.Errorf("got %v", err)
			}
		})
	}
}

func TestGetParameterHistory(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for i := range 5 {
		f.put(t, "/h", TypeSecureString, fmt.Sprintf("s%d", i+1))
		f.clock.Add(1e9)
	}
	t.Run("pages of two answer every version once, oldest first, decrypted", func(t *testing.T) {
		var values []string
		token := ""
		for range 10 {
			page, next, err := f.svc.GetParameterHistory(ctx, acct, region, "/h", true, 2, token)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range page {
				values = append(values, p.Value)
			}
			if token = next; token == "" {
				break
			}
		}
		if !slices.Equal(values, []string{"s1", "s2", "s3", "s4", "s5"}) {
			t.Errorf("got %v", values)
		}
	})
	t.Run("without decryption no value is in the clear", func(t *testing.T) {
		page, _, err := f.svc.GetParameterHistory(ctx, acct, region, "/h", false, 0, "")
		if err != nil || len(page) != 5 || page[0].Value == "s1" {
			t.Errorf("got %v", err)
		}
	})
	t.Run("an unknown parameter is ParameterNotFound and a bad token InvalidNextToken", func(t *testing.T) {
		if _, _, err := f.svc.GetParameterHistory(ctx, acct, region, "/none", false, 0, ""); code(err) != CodeNotFound {
			t.Errorf("got %v", err)
		}
		if _, _, err := f.svc.GetParameterHistory(ctx, acct, region, "/h", false, 0, "bad!"); code(err) != CodeInvalidNextToken {
			t.Errorf("got %v", err)
		}
	})
}

func TestTags(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, _, err := f.svc.PutParameter(ctx, acct, region, PutInput{Name: "/t", Type: TypeString, Value: "v", Tags: map[string]string{"a": "1"}}); err != nil {
		t.Fatal(err)
	}
	t.Run("tags are added, replaced and removed", func(t *testing.T) {
		if err := f.svc.AddTagsToParameter(ctx, acct, region, "/t", map[string]string{"a": "2", "b": "3"}); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RemoveTagsFromParameter(ctx, acct, region, "/t", []string{"b", "zz"}); err != nil {
			t.Fatal(err)
		}
		got, err := f.svc.ListTagsForParameter(ctx, acct, region, "/t")
		if err != nil || len(got) != 1 || got["a"] != "2" {
			t.Errorf("got %v %v", got, err)
		}
	})
	t.Run("an unknown parameter is InvalidResourceId", func(t *testing.T) {
		if _, err := f.svc.ListTagsForParameter(ctx, acct, region, "/none"); code(err) != CodeInvalidResourceID {
			t.Errorf("got %v", err)
		}
	})
	t.Run("more than 50 tags is TooManyTagsError", func(t *testing.T) {
		if err := f.svc.AddTagsToParameter(ctx, acct, region, "/t", manyTags(50)); code(err) != CodeTooManyTags {
			t.Errorf("got %v", err)
		}
	})
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"/a/b", "x:3", "/a:label", "arn:aws:ssm:us-east-1:123456789012:parameter/a/b:1", ":", "a::b", "/a:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseRef(region, acct, s)
		if err != nil {
			return
		}
		if r.name == "" || strings.Contains(r.name, ":") {
			t.Errorf("%q parsed to name %q", s, r.name)
		}
		if (r.selector == "") != (r.version == 0 && r.label == "") {
			t.Errorf("%q parsed to selector %q, version %d, label %q", s, r.selector, r.version, r.label)
		}
	})
}
