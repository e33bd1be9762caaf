package bind_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/bind"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
)

func ptr[T any](v T) *T { return &v }

// createFunction is a Lambda CreateFunction input in generic form, with a blob, a
// map, lists of strings and structures, an empty list, integers and a boolean.
func createFunction() map[string]any {
	return map[string]any{
		"FunctionName": "hello",
		"Runtime":      lambdashapes.RuntimePython311,
		"Role":         "arn:aws:iam::123456789012:role/lambda",
		"Handler":      "app.handler",
		"Code":         map[string]any{"ZipFile": []byte("PK\x03\x04zip")},
		"Timeout":      int64(30),
		"MemorySize":   int64(256),
		"Publish":      true,
		"Environment":  map[string]any{"Variables": map[string]any{"STAGE": "test", "DEBUG": "1"}},
		"Tags":         map[string]any{"team": "core"},
		"Layers":       []any{"arn:aws:lambda:us-east-1:123456789012:layer:deps:3"},
		"Architectures": []any{
			lambdashapes.ArchitectureArm64,
		},
		"FileSystemConfigs": []any{
			map[string]any{"Arn": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1", "LocalMountPath": "/mnt/efs"},
		},
		"VpcConfig": map[string]any{"SubnetIds": []any{}, "SecurityGroupIds": []any{"sg-1"}},
	}
}

// getUser is an IAM GetUser output in generic form, with timestamps and nested
// structures.
func getUser() map[string]any {
	return map[string]any{
		"User": map[string]any{
			"Path":       "/",
			"UserName":   "alice",
			"UserId":     "AIDAEXAMPLE",
			"Arn":        "arn:aws:iam::123456789012:user/alice",
			"CreateDate": time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
			"PermissionsBoundary": map[string]any{
				"PermissionsBoundaryType": iamshapes.PermissionsBoundaryAttachmentTypePermissionsBoundaryPolicy,
				"PermissionsBoundaryArn":  "arn:aws:iam::aws:policy/PowerUserAccess",
			},
			"Tags": []any{map[string]any{"Key": "team", "Value": "core"}},
		},
	}
}

func TestDecodeThenEncodeGivesBackTheGenericValue(t *testing.T) {
	b := bind.New()
	for _, tc := range []struct {
		name  string
		value map[string]any
		dst   any
		check func(t *testing.T, dst any)
	}{
		{"a lambda CreateFunction input fills every kind of field", createFunction(), &lambdashapes.CreateFunctionRequest{},
			func(t *testing.T, dst any) {
				in := dst.(*lambdashapes.CreateFunctionRequest)
				if *in.FunctionName != "hello" || *in.Timeout != 30 || *in.MemorySize != 256 || !*in.Publish {
					t.Errorf("scalars: %q %d %d %v", *in.FunctionName, *in.Timeout, *in.MemorySize, *in.Publish)
				}
				if string(in.Code.ZipFile) != "PK\x03\x04zip" {
					t.Errorf("blob: %q", in.Code.ZipFile)
				}
				if in.Environment.Variables["STAGE"] != "test" || in.Tags["team"] != "core" {
					t.Errorf("maps: %v %v", in.Environment.Variables, in.Tags)
				}
				if len(in.FileSystemConfigs) != 1 || *in.FileSystemConfigs[0].LocalMountPath != "/mnt/efs" {
					t.Errorf("list of structures: %+v", in.FileSystemConfigs)
				}
				if in.VpcConfig.SubnetIds == nil || len(in.VpcConfig.SubnetIds) != 0 {
					t.Errorf("an empty list must decode to an empty, non-nil slice: %#v", in.VpcConfig.SubnetIds)
				}
				if in.Description != nil || in.DeadLetterConfig != nil || in.ImageConfig != nil {
					t.Error("absent members must stay nil")
				}
			}},
		{"an iam GetUser output fills timestamps and nested structures", getUser(), &iamshapes.GetUserResponse{},
			func(t *testing.T, dst any) {
				u := dst.(*iamshapes.GetUserResponse).User
				if !u.CreateDate.Equal(time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)) {
					t.Errorf("timestamp: %v", u.CreateDate)
				}
				if u.PasswordLastUsed != nil {
					t.Error("absent timestamp must stay nil")
				}
				if *u.Tags[0].Key != "team" || *u.PermissionsBoundary.PermissionsBoundaryArn != "arn:aws:iam::aws:policy/PowerUserAccess" {
					t.Errorf("nested: %+v %+v", u.Tags, u.PermissionsBoundary)
				}
			}},
		{"a lambda alias update fills a map of doubles", map[string]any{
			"FunctionName": "hello", "Name": "live", "FunctionVersion": "2",
			"RoutingConfig": map[string]any{"AdditionalVersionWeights": map[string]any{"3": 0.25}},
		}, &lambdashapes.UpdateAliasRequest{},
			func(t *testing.T, dst any) {
				in := dst.(*lambdashapes.UpdateAliasRequest)
				if in.RoutingConfig.AdditionalVersionWeights["3"] != 0.25 {
					t.Errorf("weights: %v", in.RoutingConfig.AdditionalVersionWeights)
				}
			}},
		{"an empty structure decodes to the zero struct", map[string]any{}, &lambdashapes.GetAccountSettingsRequest{},
			func(t *testing.T, dst any) {}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := b.Decode(tc.value, tc.dst); err != nil {
				t.Fatal(err)
			}
			tc.check(t, tc.dst)
			got, err := b.Encode(tc.dst)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.value) {
				t.Errorf("Encode(Decode(v)) =\n%#v\nwant\n%#v", got, tc.value)
			}
		})
	}
}

func TestEncodeThenDecodeGivesBackTheStruct(t *testing.T) {
	src := &lambdashapes.FunctionConfiguration{
		FunctionName: ptr("hello"),
		MemorySize:   ptr(int64(128)),
		Layers:       []lambdashapes.Layer{{Arn: ptr("arn:layer:1"), CodeSize: ptr(int64(42))}},
		Environment: &lambdashapes.EnvironmentResponse{
			Variables: map[string]string{"A": "1"},
			Error:     &lambdashapes.EnvironmentError{ErrorCode: ptr("E"), Message: ptr("m")},
		},
		Architectures: []string{"x86_64"},
	}
	v, err := bind.Encode(src)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := v["Description"]; ok {
		t.Error("a nil field was encoded")
	}
	var back lambdashapes.FunctionConfiguration
	if err := bind.Decode(v, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&back, src) {
		t.Errorf("Decode(Encode(s)) =\n%+v\nwant\n%+v", back, *src)
	}
}

func TestEncodeOfNothing(t *testing.T) {
	for _, tc := range []struct {
		name string
		src  any
		want map[string]any
	}{
		{"a nil interface encodes to nil", nil, nil},
		{"a nil struct pointer encodes to nil", (*iamshapes.User)(nil), nil},
		{"an empty struct encodes to an empty map", &iamshapes.User{}, map[string]any{}},
		{"a struct value encodes like its pointer", iamshapes.Tag{Key: ptr("k")}, map[string]any{"Key": "k"}},
		{"an empty non-nil list is kept as present", &iamshapes.User{Tags: []iamshapes.Tag{}}, map[string]any{"Tags": []any{}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := bind.Encode(tc.src)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Encode = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestDecodeIsLenientOnlyWhereNothingIsLost(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   any
		want int64
	}{
		{"an int binds to an int64 field", 30, 30},
		{"a uint64 binds to an int64 field", uint64(30), 30},
		{"an integral float64 binds to an int64 field", float64(30), 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var in lambdashapes.CreateFunctionRequest
			if err := bind.Decode(map[string]any{"Timeout": tc.in}, &in); err != nil {
				t.Fatal(err)
			}
			if *in.Timeout != tc.want {
				t.Errorf("Timeout = %d, want %d", *in.Timeout, tc.want)
			}
		})
	}
	t.Run("a nil member is absent", func(t *testing.T) {
		var in lambdashapes.CreateFunctionRequest
		if err := bind.Decode(map[string]any{"Timeout": nil}, &in); err != nil {
			t.Fatal(err)
		}
		if in.Timeout != nil {
			t.Errorf("Timeout = %d, want nil", *in.Timeout)
		}
	})
	t.Run("decoding replaces what the struct held", func(t *testing.T) {
		in := lambdashapes.CreateFunctionRequest{Description: ptr("old")}
		if err := bind.Decode(map[string]any{"FunctionName": "f"}, &in); err != nil {
			t.Fatal(err)
		}
		if in.Description != nil {
			t.Errorf("Description = %q, want nil", *in.Description)
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	var fn lambdashapes.CreateFunctionRequest
	for _, tc := range []struct {
		name string
		in   map[string]any
		dst  any
		want string
	}{
		{"a string where an integer belongs is a mismatch", map[string]any{"Timeout": "30"}, &fn,
			"Timeout: want integer (int64), got string"},
		{"a fractional number where an integer belongs is a mismatch", map[string]any{"Timeout": 1.5}, &fn,
			"Timeout: want integer (int64), got float64"},
		{"a mismatch deep in a list names its path", map[string]any{"FileSystemConfigs": []any{map[string]any{"Arn": 5}}}, &fn,
			"FileSystemConfigs[0].Arn: want string, got int"},
		{"a mismatch in a map names its key", map[string]any{"Tags": map[string]any{"team": true}}, &fn,
			`Tags["team"]: want string, got bool`},
		{"a list where a structure belongs is a mismatch", map[string]any{"Code": []any{}}, &fn,
			"Code: want structure (map[string]any), got []interface {}"},
		{"a string where a blob belongs is a mismatch", map[string]any{"Code": map[string]any{"ZipFile": "UEsD"}}, &fn,
			"Code.ZipFile: want blob ([]byte), got string"},
		{"a string where a timestamp belongs is a mismatch", map[string]any{"User": map[string]any{"CreateDate": "2024-05-01"}}, &iamshapes.GetUserResponse{},
			"User.CreateDate: want timestamp (time.Time), got string"},
		{"a member the struct lacks is refused", map[string]any{"Nope": "x"}, &fn,
			"Nope: no such member"},
		{"a struct value is not a destination", map[string]any{}, fn,
			"want a non-nil pointer to a struct"},
		{"a nil pointer is not a destination", map[string]any{}, (*lambdashapes.CreateFunctionRequest)(nil),
			"want a non-nil pointer to a struct"},
		{"a pointer to a non-struct is not a destination", map[string]any{}, ptr("x"),
			"want a non-nil pointer to a struct"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := bind.Decode(tc.in, tc.dst)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// node is a hand-written struct with what the generated ones rarely have: recursion,
// documents, lists of blobs, a named string type and an untagged field.
type node struct {
	Name     *string  `aws:"Name"`
	Next     *node    `aws:"Next"`
	Kids     []node   `aws:"Kids"`
	Doc      any      `aws:"Doc"`
	Chunks   [][]byte `aws:"Chunks"`
	Kind     *kind    `aws:"Kind"`
	internal string
}

type kind string

func TestRecursiveTypesDocumentsAndNamedStrings(t *testing.T) {
	v := map[string]any{
		"Name": "root",
		"Next": map[string]any{"Name": "second", "Next": map[string]any{"Name": "third"}},
		"Kids": []any{map[string]any{"Name": "kid", "Doc": []any{1.0, "x"}}},
		"Doc": map[string]any{
			"nested": map[string]any{"list": []any{true, nil, 2.5}},
		},
		"Chunks": []any{[]byte("a"), []byte{}},
		"Kind":   "leaf",
	}
	var n node
	if err := bind.Decode(v, &n); err != nil {
		t.Fatal(err)
	}
	if *n.Next.Next.Name != "third" || *n.Kids[0].Name != "kid" || *n.Kind != "leaf" {
		t.Errorf("decoded %+v", n)
	}
	got, err := bind.Encode(&n)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, v) {
		t.Errorf("Encode(Decode(v)) =\n%#v\nwant\n%#v", got, v)
	}
}

func TestTypesThatCannotBeBoundAreRefused(t *testing.T) {
	type withChan struct {
		C chan int `aws:"C"`
	}
	type withIntKeys struct {
		M map[int]string `aws:"M"`
	}
	type twice struct {
		A *string `aws:"X"`
		B *string `aws:"X"`
	}
	b := bind.New()
	for _, tc := range []struct {
		name string
		dst  any
		want string
	}{
		{"a channel field", &withChan{}, "cannot bind values of type chan int"},
		{"a map with non-string keys", &withIntKeys{}, "map keys are int"},
		{"a member tagged twice", &twice{}, "member X is tagged on two fields"},
	} {
		t.Run(tc.name+" is refused by Decode and Encode", func(t *testing.T) {
			if err := b.Decode(map[string]any{}, tc.dst); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode error = %v, want %q", err, tc.want)
			}
			if _, err := b.Encode(tc.dst); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Encode error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestOneBinderServesManyGoroutines(t *testing.T) {
	b := bind.New()
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Go(func() {
			var dst any = &lambdashapes.CreateFunctionRequest{}
			v := createFunction()
			if i%2 == 1 {
				dst, v = &iamshapes.GetUserResponse{}, getUser()
			}
			if err := b.Decode(v, dst); err != nil {
				errs <- err
				return
			}
			got, err := b.Encode(dst)
			if err != nil {
				errs <- err
				return
			}
			if !reflect.DeepEqual(got, v) {
				errs <- errorString("round trip differs")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// FuzzDecode feeds JSON-shaped generic values to Decode. It must never panic, and
// whatever it accepts must survive Encode and a second Decode unchanged.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"FunctionName":"f","Timeout":3,"Publish":true,"Tags":{"a":"b"},"Layers":["x"]}`,
		`{"FileSystemConfigs":[{"Arn":"a","LocalMountPath":"/mnt"}],"VpcConfig":{"SubnetIds":[]}}`,
		`{"Timeout":1.5}`,
		`{"Environment":{"Variables":{"A":null}}}`,
		`{"Code":{"ZipFile":"UEsD"}}`,
		`{"Layers":[null,"x"]}`,
		`{"Nope":1}`,
	} {
		f.Add([]byte(seed))
	}
	b := bind.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		var v map[string]any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		var first lambdashapes.CreateFunctionRequest
		if b.Decode(v, &first) != nil {
			return
		}
		enc, err := b.Encode(&first)
		if err != nil {
			t.Fatal(err)
		}
		var second lambdashapes.CreateFunctionRequest
		if err := b.Decode(enc, &second); err != nil {
			t.Fatalf("re-decoding an encoded value: %v", err)
		}
		if !reflect.DeepEqual(first, second) {
			t.Fatalf("decode/encode/decode changed the value:\n%+v\n%+v", first, second)
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	v := createFunction()
	b.Run("with a shared Binder", func(b *testing.B) {
		bd := bind.New()
		b.ReportAllocs()
		for b.Loop() {
			var in lambdashapes.CreateFunctionRequest
			if err := bd.Decode(v, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("with a fresh Binder per call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var in lambdashapes.CreateFunctionRequest
			if err := bind.Decode(v, &in); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncode(b *testing.B) {
	var in lambdashapes.CreateFunctionRequest
	if err := bind.Decode(createFunction(), &in); err != nil {
		b.Fatal(err)
	}
	b.Run("with a shared Binder", func(b *testing.B) {
		bd := bind.New()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bd.Encode(&in); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("with a fresh Binder per call", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bind.Encode(&in); err != nil {
				b.Fatal(err)
			}
		}
	})
}
