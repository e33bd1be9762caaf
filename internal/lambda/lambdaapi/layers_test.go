package lambdaapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	lambdasdk "github.com/aws/aws-sdk-go-v2/service/lambda"
	"github.com/aws/aws-sdk-go-v2/service/lambda/types"

	"github.com/stratus-cloud/stratus/internal/iam/iamapi/apitest"
)

// makeZip returns a zip holding files (name to content), in name order.
func makeZip(files map[string]string) []byte {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			panic(err)
		}
		w.Write([]byte(files[n]))
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// createdDateRE is how AWS writes a layer version's CreatedDate.
var createdDateRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$`)

func versionsOf(items []types.LayerVersionsListItem) []int64 {
	var out []int64
	for _, it := range items {
		out = append(out, it.Version)
	}
	return out
}

func TestLayerVersionsOverTheSDK(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.client(apitest.Credentials{AccessKeyID: e.Admin.AccessKeyID, SecretAccessKey: e.Admin.SecretAccessKey})
	s := aws.String
	zip1 := makeZip(map[string]string{"python/lib.py": "x = 1\n"})
	zip2 := makeZip(map[string]string{"bin/tool": "#!/bin/sh\n"})
	sum := sha256.Sum256(zip1)
	layerARN := e.layerARN("lib")

	var v1 *lambdasdk.PublishLayerVersionOutput
	t.Run("PublishLayerVersion returns version 1 with AWS's fields", func(t *testing.T) {
		var err error
		v1, err = cl.PublishLayerVersion(ctx, &lambdasdk.PublishLayerVersionInput{LayerName: s("lib"),
			Content: &types.LayerVersionContentInput{ZipFile: zip1}, Description: s("first"), LicenseInfo: s("MIT"),
			CompatibleRuntimes: []types.Runtime{types.RuntimePython311}, CompatibleArchitectures: []types.Architecture{types.ArchitectureX8664}})
		if err != nil {
			t.Fatal(err)
		}
		checks := []struct {
			what      string
			got, want any
		}{
			{"Version", v1.Version, int64(1)},
			{"LayerArn", aws.ToString(v1.LayerArn), layerARN},
			{"LayerVersionArn", aws.ToString(v1.LayerVersionArn), layerARN + ":1"},
			{"Description", aws.ToString(v1.Description), "first"},
			{"LicenseInfo", aws.ToString(v1.LicenseInfo), "MIT"},
			{"CompatibleRuntimes", v1.CompatibleRuntimes, []types.Runtime{types.RuntimePython311}},
			{"CompatibleArchitectures", v1.CompatibleArchitectures, []types.Architecture{types.ArchitectureX8664}},
			{"Content.CodeSha256", aws.ToString(v1.Content.CodeSha256), base64.StdEncoding.EncodeToString(sum[:])},
			{"Content.CodeSize", v1.Content.CodeSize, int64(len(zip1))},
			{"Content.Location has the code host", strings.HasPrefix(aws.ToString(v1.Content.Location), codeHost), true},
			{"CreatedDate is in AWS's format", createdDateRE.MatchString(aws.ToString(v1.CreatedDate)), true},
		}
		for _, c := range checks {
			if !equal(c.got, c.want) {
				t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
			}
		}
	})
	t.Run("a second PublishLayerVersion is version 2", func(t *testing.T) {
		v2, err := cl.PublishLayerVersion(ctx, &lambdasdk.PublishLayerVersionInput{LayerName: s("lib"),
			Content: &types.LayerVersionContentInput{ZipFile: zip2}, CompatibleRuntimes: []types.Runtime{types.RuntimeProvidedal2023}})
		if err != nil || v2.Version != 2 || aws.ToString(v2.LayerVersionArn) != layerARN+":2" || v2.LicenseInfo != nil {
			t.Fatalf("publish = %+v, %v", v2, err)
		}
	})
	t.Run("GetLayerVersion returns what PublishLayerVersion did", func(t *testing.T) {
		for _, name := range []string{"lib", layerARN} {
			g, err := cl.GetLayerVersion(ctx, &lambdasdk.GetLayerVersionInput{LayerName: s(name), VersionNumber: aws.Int64(1)})
			if err != nil {
				t.Fatalf("by %s: %v", name, err)
			}
			if aws.ToString(g.LayerVersionArn) != aws.ToString(v1.LayerVersionArn) || aws.ToString(g.CreatedDate) != aws.ToString(v1.CreatedDate) ||
				aws.ToString(g.Content.CodeSha256) != aws.ToString(v1.Content.CodeSha256) || g.Content.CodeSize != v1.Content.CodeSize ||
				aws.ToString(g.Description) != "first" || aws.ToString(g.LicenseInfo) != "MIT" || !slices.Equal(g.CompatibleRuntimes, v1.CompatibleRuntimes) {
				t.Errorf("by %s: get = %+v, publish = %+v", name, g, v1)
			}
		}
	})
	t.Run("GetLayerVersionByArn returns the version the ARN names", func(t *testing.T) {
		g, err := cl.GetLayerVersionByArn(ctx, &lambdasdk.GetLayerVersionByArnInput{Arn: s(layerARN + ":2")})
		if err != nil || g.Version != 2 || aws.ToString(g.LayerArn) != layerARN {
			t.Fatalf("get = %+v, %v", g, err)
		}
	})
	t.Run("ListLayerVersions lists newest first, filtered and in pages", func(t *testing.T) {
		all, err := cl.ListLayerVersions(ctx, &lambdasdk.ListLayerVersionsInput{LayerName: s("lib")})
		if err != nil || !slices.Equal(versionsOf(all.LayerVersions), []int64{2, 1}) || all.NextMarker != nil {
			t.Fatalf("list = %+v, %v", all, err)
		}
		if it := all.LayerVersions[1]; aws.ToString(it.LayerVersionArn) != layerARN+":1" || aws.ToString(it.Description) != "first" ||
			aws.ToString(it.LicenseInfo) != "MIT" || !createdDateRE.MatchString(aws.ToString(it.CreatedDate)) {
			t.Errorf("item = %+v", it)
		}
		py, err := cl.ListLayerVersions(ctx, &lambdasdk.ListLayerVersionsInput{LayerName: s("lib"), CompatibleRuntime: types.RuntimePython311})
		if err != nil || !slices.Equal(versionsOf(py.LayerVersions), []int64{1}) {
			t.Errorf("python3.11 only = %+v, %v", py, err)
		}
		var pages [][]int64
		var marker *string
		for {
			p, err := cl.ListLayerVersions(ctx, &lambdasdk.ListLayerVersionsInput{LayerName: s("lib"), MaxItems: aws.Int32(1), Marker: marker})
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, versionsOf(p.LayerVersions))
			if marker = p.NextMarker; marker == nil || len(pages) > 3 {
				break
			}
		}
		if len(pages) != 2 || !slices.Equal(pages[0], []int64{2}) || !slices.Equal(pages[1], []int64{1}) {
			t.Errorf("pages = %v", pages)
		}
	})
	t.Run("ListLayerVersions of a layer that does not exist is empty", func(t *testing.T) {
		l, err := cl.ListLayerVersions(ctx, &lambdasdk.ListLayerVersionsInput{LayerName: s("nosuch")})
		if err != nil || len(l.LayerVersions) != 0 {
			t.Errorf("list = %+v, %v", l, err)
		}
	})
	t.Run("ListLayers shows each layer's latest matching version, in pages", func(t *testing.T) {
		for _, n := range []string{"alpha", "zeta"} {
			withLayer(t, e, n)
		}
		l, err := cl.ListLayers(ctx, &lambdasdk.ListLayersInput{})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range l.Layers {
			got = append(got, aws.ToString(it.LayerName)+":"+aws.ToString(it.LatestMatchingVersion.LayerVersionArn)[len(aws.ToString(it.LayerArn))+1:])
		}
		if want := []string{"alpha:1", "lib:2", "zeta:1"}; !slices.Equal(got, want) {
			t.Errorf("layers = %v, want %v", got, want)
		}
		if it := l.Layers[1]; aws.ToString(it.LayerArn) != layerARN || !createdDateRE.MatchString(aws.ToString(it.LatestMatchingVersion.CreatedDate)) {
			t.Errorf("lib = %+v", it)
		}
		for _, f := range []struct {
			in   lambdasdk.ListLayersInput
			want int64
		}{
			{lambdasdk.ListLayersInput{CompatibleRuntime: types.RuntimePython311}, 1},
			{lambdasdk.ListLayersInput{CompatibleArchitecture: types.ArchitectureX8664}, 1},
			{lambdasdk.ListLayersInput{CompatibleRuntime: types.RuntimeProvidedal2023}, 2},
		} {
			l, err := cl.ListLayers(ctx, &f.in)
			if err != nil || len(l.Layers) != 1 || l.Layers[0].LatestMatchingVersion.Version != f.want {
				t.Errorf("ListLayers(%s %s) = %+v, %v; want lib version %d only", f.in.CompatibleRuntime, f.in.CompatibleArchitecture, l, err, f.want)
			}
		}
		var names []string
		var marker *string
		for range 5 {
			p, err := cl.ListLayers(ctx, &lambdasdk.ListLayersInput{MaxItems: aws.Int32(2), Marker: marker})
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range p.Layers {
				names = append(names, aws.ToString(it.LayerName))
			}
			if marker = p.NextMarker; marker == nil {
				break
			}
		}
		if want := []string{"alpha", "lib", "zeta"}; !slices.Equal(names, want) {
			t.Errorf("paged names = %v, want %v", names, want)
		}
	})
	t.Run("DeleteLayerVersion removes the version and succeeds again when it is gone", func(t *testing.T) {
		for range 2 {
			if _, err := cl.DeleteLayerVersion(ctx, &lambdasdk.DeleteLayerVersionInput{LayerName: s("lib"), VersionNumber: aws.Int64(1)}); err != nil {
				t.Fatal(err)
			}
		}
		_, err := cl.GetLayerVersion(ctx, &lambdasdk.GetLayerVersionInput{LayerName: s("lib"), VersionNumber: aws.Int64(1)})
		if code := apitest.APICode(err); code != "ResourceNotFoundException" {
			t.Errorf("get after delete = %v, want ResourceNotFoundException", err)
		}
		l, err := cl.ListLayerVersions(ctx, &lambdasdk.ListLayerVersionsInput{LayerName: s("lib")})
		if err != nil || !slices.Equal(versionsOf(l.LayerVersions), []int64{2}) {
			t.Errorf("list after delete = %+v, %v", l, err)
		}
		if _, err := cl.DeleteLayerVersion(ctx, &lambdasdk.DeleteLayerVersionInput{LayerName: s("nosuch"), VersionNumber: aws.Int64(7)}); err != nil {
			t.Errorf("delete of a layer that never existed: %v", err)
		}
	})
	t.Run("a version number is never reused after a delete", func(t *testing.T) {
		v, err := cl.PublishLayerVersion(ctx, &lambdasdk.PublishLayerVersionInput{LayerName: s("lib"), Content: &types.LayerVersionContentInput{ZipFile: zip1}})
		if err != nil || v.Version != 3 {
			t.Fatalf("publish = %+v, %v", v, err)
		}
	})
}

func TestLayerErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cl := e.client(apitest.Credentials{AccessKeyID: e.Admin.AccessKeyID, SecretAccessKey: e.Admin.SecretAccessKey})
	s := aws.String
	withLayer(t, e, "lib")
	good := makeZip(map[string]string{"a": "b"})
	publish := func(name string, zip []byte, runtimes ...types.Runtime) error {
		_, err := cl.PublishLayerVersion(ctx, &lambdasdk.PublishLayerVersionInput{LayerName: s(name),
			Content: &types.LayerVersionContentInput{ZipFile: zip}, CompatibleRuntimes: runtimes})
		return err
	}
	cases := []struct {
		name string
		call func() error
		want string
	}{
		{"publishing bytes that are not a zip is InvalidParameterValueException",
			func() error { return publish("lib", []byte("not a zip")) }, "InvalidParameterValueException"},
		{"publishing no content is InvalidParameterValueException",
			func() error { return publish("lib", nil) }, "InvalidParameterValueException"},
		{"publishing under a name with a space is rejected as invalid",
			func() error { return publish("bad name", good) }, "ValidationException"},
		{"publishing under a name of 65 characters is InvalidParameterValueException",
			func() error { return publish(strings.Repeat("n", 65), good) }, "InvalidParameterValueException"},
		{"publishing for a runtime Stratus does not run is InvalidParameterValueException",
			func() error { return publish("lib", good, types.RuntimeJava21) }, "InvalidParameterValueException"},
		{"getting a version that does not exist is ResourceNotFoundException",
			func() error {
				_, err := cl.GetLayerVersion(ctx, &lambdasdk.GetLayerVersionInput{LayerName: s("lib"), VersionNumber: aws.Int64(9)})
				return err
			}, "ResourceNotFoundException"},
		{"getting a version of a layer that does not exist is ResourceNotFoundException",
			func() error {
				_, err := cl.GetLayerVersion(ctx, &lambdasdk.GetLayerVersionInput{LayerName: s("nosuch"), VersionNumber: aws.Int64(1)})
				return err
			}, "ResourceNotFoundException"},
		{"getting by the ARN of the same layer in another region is ResourceNotFoundException",
			func() error {
				_, err := cl.GetLayerVersionByArn(ctx, &lambdasdk.GetLayerVersionByArnInput{Arn: s("arn:aws:lambda:eu-west-1:" + e.Account + ":layer:lib:1")})
				return err
			}, "ResourceNotFoundException"},
		{"getting by a layer ARN without a version is rejected as invalid",
			func() error {
				_, err := cl.GetLayerVersionByArn(ctx, &lambdasdk.GetLayerVersionByArnInput{Arn: s(e.layerARN("lib"))})
				return err
			}, "ValidationException"},
		{"listing versions from a marker that is not one is InvalidParameterValueException",
			func() error {
				_, err := cl.ListLayerVersions(ctx, &lambdasdk.ListLayerVersionsInput{LayerName: s("lib"), Marker: s("bm90IGEgbnVtYmVy")})
				return err
			}, "InvalidParameterValueException"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := apitest.APICode(tc.call()); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func equal(a, b any) bool {
	switch a := a.(type) {
	case []types.Runtime:
		return slices.Equal(a, b.([]types.Runtime))
	case []types.Architecture:
		return slices.Equal(a, b.([]types.Architecture))
	}
	return a == b
}
