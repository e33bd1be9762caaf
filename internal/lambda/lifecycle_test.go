package lambda_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/lambda"
)

func TestFunctionLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	zip := bootstrapZip(t)
	v := e.create(t, "fn", func(in *lambda.FunctionInput) { in.Environment = map[string]string{"SECRET": "s3cr3t"} })

	t.Run("a created function is Active with AWS's CodeSha256 and ARN", func(t *testing.T) {
		sum := sha256.Sum256(zip)
		if v.State != "Active" || v.CodeDigest.Base64() != base64.StdEncoding.EncodeToString(sum[:]) ||
			v.FunctionARN != "arn:aws:lambda:us-east-1:"+e.Account+":function:fn" || v.Version != "$LATEST" || v.RevisionID == "" {
			t.Fatalf("got %+v", v)
		}
	})
	t.Run("an invoke resolves the configuration written just before it", func(t *testing.T) {
		e.create(t, "cachefn", nil)
		for _, mem := range []int64{256, 512} {
			if _, err := e.Svc.UpdateFunctionConfiguration(ctx, e.Account, "cachefn", lambda.ConfigUpdate{MemorySize: &mem}); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Svc.PutFunctionConcurrency(ctx, e.Account, "cachefn", mem/64); err != nil {
				t.Fatal(err)
			}
			r, err := e.Svc.ResolveForInvoke(ctx, e.Account, "cachefn", "")
			if err != nil || r.Version.MemorySize != mem || *r.Version.ReservedConcurrency != mem/64 {
				t.Fatalf("resolve after update to %d = %+v, %v", mem, r.Version, err)
			}
			un, err := e.Svc.UnreservedConcurrency(ctx, e.Account)
			if err != nil || un != 1000-mem/64 {
				t.Fatalf("unreserved = %d, %v", un, err)
			}
		}
		if err := e.Svc.DeleteFunction(ctx, e.Account, "cachefn", ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("creating it again conflicts", func(t *testing.T) {
		_, err := e.Svc.CreateFunction(ctx, e.Account, lambda.FunctionInput{Name: "fn", Runtime: "provided.al2023", Role: e.Role, ZipFile: zip})
		if ae, ok := awserr.As(err); !ok || ae.Code != lambda.CodeResourceConflict || ae.Message != "Function already exist: fn" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a role that does not trust lambda is refused", func(t *testing.T) {
		_, err := e.Svc.CreateFunction(ctx, e.Account, lambda.FunctionInput{Name: "x", Runtime: "provided.al2023", Role: "arn:aws:iam::" + e.Account + ":role/nope", ZipFile: zip})
		if !awserr.Is(err, lambda.CodeInvalidParameterValue) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an unsupported runtime is refused", func(t *testing.T) {
		_, err := e.Svc.CreateFunction(ctx, e.Account, lambda.FunctionInput{Name: "x", Runtime: "java21", Handler: "h", Role: e.Role, ZipFile: zip})
		if !awserr.Is(err, lambda.CodeInvalidParameterValue) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("the environment round-trips through its sealed form", func(t *testing.T) {
		got, err := e.Svc.GetFunctionConfiguration(ctx, e.Account, "fn", "")
		if err != nil || got.Environment["SECRET"] != "s3cr3t" {
			t.Fatalf("got %v, %v", got, err)
		}
	})
	t.Run("an update with a stale revision fails and changes nothing", func(t *testing.T) {
		mem := int64(256)
		_, err := e.Svc.UpdateFunctionConfiguration(ctx, e.Account, "fn", lambda.ConfigUpdate{MemorySize: &mem, RevisionID: "stale"})
		if !awserr.Is(err, lambda.CodePreconditionFailed) {
			t.Fatalf("err = %v", err)
		}
		got, _ := e.Svc.GetFunctionConfiguration(ctx, e.Account, "fn", "")
		if got.MemorySize != 128 {
			t.Fatalf("memory = %d", got.MemorySize)
		}
	})
	var v1 *lambda.Version
	t.Run("publishing makes version 1 and publishing again without change returns it", func(t *testing.T) {
		var err error
		v1, err = e.Svc.PublishVersion(ctx, e.Account, "fn", "", "", "")
		if err != nil || v1.Version != "1" {
			t.Fatalf("publish = %v, %v", v1, err)
		}
		again, err := e.Svc.PublishVersion(ctx, e.Account, "fn", "", "", "")
		if err != nil || again.Version != "1" {
			t.Fatalf("second publish = %v, %v", again, err)
		}
	})
	t.Run("an update with the current revision changes the revision", func(t *testing.T) {
		cur, _ := e.Svc.GetFunctionConfiguration(ctx, e.Account, "fn", "")
		mem := int64(512)
		up, err := e.Svc.UpdateFunctionConfiguration(ctx, e.Account, "fn", lambda.ConfigUpdate{MemorySize: &mem, RevisionID: cur.RevisionID})
		if err != nil || up.MemorySize != 512 || up.RevisionID == cur.RevisionID {
			t.Fatalf("update = %+v, %v", up, err)
		}
		v2, err := e.Svc.PublishVersion(ctx, e.Account, "fn", "", "", "")
		if err != nil || v2.Version != "2" || v2.MemorySize != 512 {
			t.Fatalf("publish = %+v, %v", v2, err)
		}
	})
	t.Run("a weighted alias resolves to both versions", func(t *testing.T) {
		one := "1"
		if _, err := e.Svc.CreateAlias(ctx, e.Account, "fn", lambda.AliasInput{Name: "live", Version: &one, Weights: map[string]float64{"2": 0.5}}); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for range 200 {
			r, err := e.Svc.ResolveForInvoke(ctx, e.Account, "fn", "live")
			if err != nil {
				t.Fatal(err)
			}
			seen[r.Version.Version] = true
			if r.Alias != "live" {
				t.Fatalf("alias = %q", r.Alias)
			}
			if r.Version.Environment["SECRET"] != "s3cr3t" {
				t.Fatal("resolved version lacks its environment")
			}
		}
		if !seen["1"] || !seen["2"] {
			t.Fatalf("versions seen: %v", seen)
		}
	})
	t.Run("a version an alias uses cannot be deleted", func(t *testing.T) {
		if err := e.Svc.DeleteFunction(ctx, e.Account, "fn", "2"); !awserr.Is(err, lambda.CodeResourceConflict) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("$LATEST cannot be deleted alone", func(t *testing.T) {
		if err := e.Svc.DeleteFunction(ctx, e.Account, "fn", "$LATEST"); !awserr.Is(err, lambda.CodeInvalidParameterValue) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("listing versions shows $LATEST, 1 and 2", func(t *testing.T) {
		vs, next, err := e.Svc.ListVersionsByFunction(ctx, e.Account, "fn", lambda.Page{MaxItems: 2})
		if err != nil || len(vs) != 2 || next == "" || vs[0].Version != "$LATEST" {
			t.Fatalf("page 1 = %d, %q, %v", len(vs), next, err)
		}
		vs, next, err = e.Svc.ListVersionsByFunction(ctx, e.Account, "fn", lambda.Page{Marker: next, MaxItems: 2})
		if err != nil || len(vs) != 1 || next != "" || vs[0].Version != "2" {
			t.Fatalf("page 2 = %d, %q, %v", len(vs), next, err)
		}
	})
	t.Run("deleting the function removes it", func(t *testing.T) {
		if err := e.Svc.DeleteFunction(ctx, e.Account, "fn", ""); err != nil {
			t.Fatal(err)
		}
		_, err := e.Svc.GetFunctionConfiguration(ctx, e.Account, "fn", "")
		if ae, ok := awserr.As(err); !ok || ae.Status != 404 || ae.Message != "Function not found: arn:aws:lambda:us-east-1:"+e.Account+":function:fn" {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestLayersConcurrencyTags(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	lv, err := e.Svc.PublishLayerVersion(ctx, e.Account, lambda.LayerInput{Name: "lib", ZipFile: makeZip(t, entry{Name: "python/x.py", Body: "x=1"})})
	if err != nil || lv.Version != 1 {
		t.Fatalf("publish layer = %v, %v", lv, err)
	}
	t.Run("a function with a layer resolves its digest", func(t *testing.T) {
		e.create(t, "withlayer", func(in *lambda.FunctionInput) { in.Layers = []string{lv.LayerVersionARN} })
		r, err := e.Svc.ResolveForInvoke(ctx, e.Account, "withlayer", "")
		if err != nil || len(r.Version.Layers) != 1 || r.Version.Layers[0].Digest != lv.Digest {
			t.Fatalf("resolve = %+v, %v", r, err)
		}
	})
	t.Run("a missing layer version is refused", func(t *testing.T) {
		_, err := e.Svc.CreateFunction(ctx, e.Account, lambda.FunctionInput{Name: "bad", Runtime: "provided.al2023", Role: e.Role, ZipFile: bootstrapZip(t), Layers: []string{lv.LayerARN + ":9"}})
		if !awserr.Is(err, lambda.CodeInvalidParameterValue) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("reserving beyond the unreserved minimum is refused", func(t *testing.T) {
		if _, err := e.Svc.PutFunctionConcurrency(ctx, e.Account, "withlayer", 901); !awserr.Is(err, lambda.CodeInvalidParameterValue) {
			t.Fatalf("err = %v", err)
		}
		if _, err := e.Svc.PutFunctionConcurrency(ctx, e.Account, "withlayer", 900); err != nil {
			t.Fatal(err)
		}
		as, err := e.Svc.GetAccountSettings(ctx, e.Account)
		if err != nil || as.UnreservedConcurrency != 100 || as.FunctionCount != 1 {
			t.Fatalf("settings = %+v, %v", as, err)
		}
	})
	t.Run("tags are added and removed", func(t *testing.T) {
		arn := "arn:aws:lambda:us-east-1:" + e.Account + ":function:withlayer"
		if err := e.Svc.TagResource(ctx, e.Account, arn, map[string]string{"a": "1", "b": "2"}); err != nil {
			t.Fatal(err)
		}
		if err := e.Svc.UntagResource(ctx, e.Account, arn, []string{"a"}); err != nil {
			t.Fatal(err)
		}
		tags, err := e.Svc.ListTags(ctx, e.Account, arn)
		if err != nil || len(tags) != 1 || tags["b"] != "2" {
			t.Fatalf("tags = %v, %v", tags, err)
		}
	})
}
