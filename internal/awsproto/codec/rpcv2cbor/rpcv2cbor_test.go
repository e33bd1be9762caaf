package rpcv2cbor_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/codectest"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/rpcv2cbor"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

const typesModel = `{
  "metadata": {"protocol": "smithy-rpc-v2-cbor", "targetPrefix": "TypesService", "apiVersion": "2020-01-01", "endpointPrefix": "types"},
  "operations": {
    "Put": {"name": "Put", "http": {"method": "POST", "requestUri": "/"}, "input": {"shape": "All"}, "output": {"shape": "All"}},
    "Ping": {"name": "Ping", "http": {"method": "POST", "requestUri": "/"}}
  },
  "shapes": {
    "All": {"type": "structure", "members": {
      "Str": {"shape": "Str"}, "Int": {"shape": "Int"}, "Long": {"shape": "Long"},
      "Flt": {"shape": "Flt"}, "Dbl": {"shape": "Dbl"}, "Bool": {"shape": "Bool"},
      "Time": {"shape": "Time"}, "Data": {"shape": "Data"}, "List": {"shape": "StrList"},
      "Map": {"shape": "StrMap"}, "Nested": {"shape": "Nested"}, "Doc": {"shape": "Doc"}
    }},
    "Nested": {"type": "structure", "members": {"Inner": {"shape": "Nested"}, "Str": {"shape": "Str"}}},
    "Str": {"type": "string"}, "Int": {"type": "integer"}, "Long": {"type": "long"},
    "Flt": {"type": "float"}, "Dbl": {"type": "double"}, "Bool": {"type": "boolean"},
    "Time": {"type": "timestamp"}, "Data": {"type": "blob"},
    "StrList": {"type": "list", "member": {"shape": "Str"}},
    "StrMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}},
    "Doc": {"type": "structure", "members": {}, "document": true}
  }
}`

func typesService(t testing.TB) *model.Service {
	t.Helper()
	svc, err := model.Load("types", []byte(typesModel))
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func request(path string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, path, nil)
	r.Header.Set("Smithy-Protocol", "rpc-v2-cbor")
	r.Header.Set("Content-Type", "application/cbor")
	return r
}

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	em, err := cbor.EncOptions{Time: cbor.TimeUnixDynamic, TimeTag: cbor.EncTagRequired}.EncMode()
	if err != nil {
		t.Fatal(err)
	}
	b, err := em.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantCode(t *testing.T, err error, code string, status int) *awserr.Error {
	t.Helper()
	ae, ok := awserr.As(err)
	if !ok {
		t.Fatalf("error = %v (%T), want *awserr.Error %s", err, err, code)
	}
	if ae.Code != code || ae.HTTPStatus() != status {
		t.Fatalf("error = %s %d %q, want %s %d", ae.Code, ae.HTTPStatus(), ae.Message, code, status)
	}
	return ae
}

func TestOperation(t *testing.T) {
	cw := codectest.LoadService(t, "cloudwatch")
	c := rpcv2cbor.New()
	for _, p := range []string{
		"/service/GraniteServiceVersion20100801/operation/PutMetricData",
		"/some/prefix/service/GraniteServiceVersion20100801/operation/PutMetricData",
	} {
		t.Run("the path "+p+" names the operation", func(t *testing.T) {
			op, err := c.Operation(cw, request(p), nil)
			if err != nil || op.Name != "PutMetricData" {
				t.Fatalf("Operation() = %v, %v", op, err)
			}
		})
	}
	notFound := []struct {
		name string
		r    *http.Request
	}{
		{"an unknown operation", request("/service/GraniteServiceVersion20100801/operation/Nope")},
		{"another service's name", request("/service/Other/operation/PutMetricData")},
		{"a short path", request("/operation/PutMetricData")},
		{"a GET", httptest.NewRequest(http.MethodGet, "/service/GraniteServiceVersion20100801/operation/ListMetrics", nil)},
	}
	for _, tt := range notFound {
		t.Run(tt.name+" is not found", func(t *testing.T) {
			_, err := c.Operation(cw, tt.r, nil)
			wantCode(t, err, "UnknownOperationException", 404)
		})
	}
	t.Run("another protocol's header is rejected", func(t *testing.T) {
		r := request("/service/GraniteServiceVersion20100801/operation/ListMetrics")
		r.Header.Set("Smithy-Protocol", "rpc-v2-json")
		_, err := c.Operation(cw, r, nil)
		wantCode(t, err, "UnknownOperationException", 400)
	})
	t.Run("a JSON content type is rejected", func(t *testing.T) {
		r := request("/service/GraniteServiceVersion20100801/operation/ListMetrics")
		r.Header.Set("Content-Type", "application/json")
		_, err := c.Operation(cw, r, nil)
		wantCode(t, err, "UnknownOperationException", 400)
	})
}

func TestDecodeRequestReadsEveryType(t *testing.T) {
	svc := typesService(t)
	c := rpcv2cbor.New()
	ts := time.Date(2024, 1, 2, 3, 4, 5, 500e6, time.UTC)
	body := mustMarshal(t, map[string]any{
		"Str": "s", "Int": -7, "Long": uint64(9007199254740993), "Flt": float32(1.5), "Dbl": math.Inf(1),
		"Bool": true, "Time": ts, "Data": []byte{0, 255}, "List": []any{"a", nil, "b"},
		"Map": map[string]any{"k": "v"}, "Nested": map[string]any{"Inner": map[string]any{"Str": "deep"}},
		"Doc": map[string]any{"n": 1, "s": []any{"x"}}, "Unknown": 1,
	})
	got, err := c.DecodeRequest(svc, svc.Operations["Put"], request("/service/TypesService/operation/Put"), body)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Str": "s", "Int": int64(-7), "Long": int64(9007199254740993), "Flt": 1.5, "Dbl": math.Inf(1),
		"Bool": true, "Time": ts, "Data": []byte{0, 255}, "List": []any{"a", "b"},
		"Map": map[string]any{"k": "v"}, "Nested": map[string]any{"Inner": map[string]any{"Str": "deep"}},
		"Doc": map[string]any{"n": 1.0, "s": []any{"x"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeRequest() =\n%#v\nwant\n%#v", got, want)
	}
	t.Run("an untagged number is read as epoch seconds", func(t *testing.T) {
		got, err := c.DecodeRequest(svc, svc.Operations["Put"], request("/service/TypesService/operation/Put"), mustMarshal(t, map[string]any{"Time": 1704164645.5}))
		if err != nil || !got["Time"].(time.Time).Equal(ts) {
			t.Fatalf("DecodeRequest() = %v, %v", got, err)
		}
	})
	t.Run("an empty body is an empty input", func(t *testing.T) {
		got, err := c.DecodeRequest(svc, svc.Operations["Put"], request("/service/TypesService/operation/Put"), nil)
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("DecodeRequest() = %v, %v", got, err)
		}
	})
}

func TestDecodeRequestRejectsHostileInput(t *testing.T) {
	svc := typesService(t)
	c := rpcv2cbor.New()
	deep := map[string]any{}
	for i := 0; i < 120; i++ {
		deep = map[string]any{"Inner": deep}
	}
	tests := []struct {
		name string
		body []byte
	}{
		{"truncated CBOR", []byte{0xa1, 0x63, 'S', 't'}},
		{"trailing data", []byte{0xa0, 0xa0}},
		{"a top-level array", []byte{0x80}},
		{"nesting deeper than 100 levels", mustMarshal(t, map[string]any{"Nested": deep})},
		{"invalid UTF-8 text", []byte{0xa1, 0x63, 'S', 't', 'r', 0x62, 0xff, 0xfe}},
		{"a non-text map key", []byte{0xa1, 0x01, 0x02}},
		{"text where an integer belongs", mustMarshal(t, map[string]any{"Int": "7"})},
		{"an integer over 32 bits", mustMarshal(t, map[string]any{"Int": int64(1) << 40})},
		{"an integer over 64 bits", mustMarshal(t, map[string]any{"Long": uint64(math.MaxUint64)})},
		{"a negative integer under 64 bits", []byte{0xa1, 0x64, 'L', 'o', 'n', 'g', 0x3b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
		{"text where bytes belong", mustMarshal(t, map[string]any{"Data": "AA=="})},
		{"an unknown tag where a timestamp belongs", []byte{0xa1, 0x64, 'T', 'i', 'm', 'e', 0xd8, 0x64, 0x01}},
		{"a timestamp out of range", mustMarshal(t, map[string]any{"Time": 1e300})},
		{"a huge declared length", []byte{0xa1, 0x63, 'S', 't', 'r', 0x7b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}},
	}
	for _, tt := range tests {
		t.Run("it rejects "+tt.name, func(t *testing.T) {
			_, err := c.DecodeRequest(svc, svc.Operations["Put"], request("/service/TypesService/operation/Put"), tt.body)
			wantCode(t, err, "SerializationException", 400)
		})
	}
}

func TestDecodeRequestValidatesLikeCloudWatch(t *testing.T) {
	cw := codectest.LoadService(t, "cloudwatch")
	c := rpcv2cbor.New()
	r := request("/service/GraniteServiceVersion20100801/operation/PutMetricData")
	t.Run("a missing member is MissingParameter", func(t *testing.T) {
		_, err := c.DecodeRequest(cw, cw.Operations["PutMetricData"], r, mustMarshal(t, map[string]any{}))
		ae := wantCode(t, err, "MissingParameter", 400)
		if ae.Message != "The parameter Namespace is required." {
			t.Fatalf("message %q", ae.Message)
		}
	})
	t.Run("a constraint violation is ValidationError", func(t *testing.T) {
		_, err := c.DecodeRequest(cw, cw.Operations["PutMetricData"], r, mustMarshal(t, map[string]any{"Namespace": ""}))
		ae := wantCode(t, err, "ValidationError", 400)
		want := "2 validation errors detected: Value '' at 'namespace' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
			"Value '' at 'namespace' failed to satisfy constraint: Member must satisfy regular expression pattern: [^:].*"
		if ae.Message != want {
			t.Fatalf("message %q, want %q", ae.Message, want)
		}
	})
}

func TestWriteResponse(t *testing.T) {
	svc := typesService(t)
	c := rpcv2cbor.New()
	out := map[string]any{
		"Str": "a", "Int": int64(-2), "Long": int64(300), "Flt": 1.5, "Dbl": 0.25, "Bool": true,
		"Time": time.Unix(1704164645, 0), "Data": []byte{1}, "List": []any{"x"},
		"Map": map[string]any{"b": "2", "a": "1"}, "Doc": map[string]any{"n": 1.0},
	}
	rec := httptest.NewRecorder()
	if err := c.WriteResponse(rec, svc, svc.Operations["Put"], out, "rid"); err != nil {
		t.Fatal(err)
	}
	want := "ab" + // map(11)
		"63537472" + "6161" + // Str: "a"
		"63496e74" + "21" + // Int: -2
		"644c6f6e67" + "19012c" + // Long: 300
		"63466c74" + "fa3fc00000" + // Flt: float32 1.5
		"6344626c" + "fb3fd0000000000000" + // Dbl: 0.25
		"64426f6f6c" + "f5" + // Bool: true
		"6454696d65" + "c11a65937d25" + // Time: 1(1704164645)
		"6444617461" + "4101" + // Data: h'01'
		"644c697374" + "816178" + // List: ["x"]
		"634d6170" + "a2" + "6161" + "6131" + "6162" + "6132" + // Map: {"a":"1","b":"2"}
		"63446f63" + "a1" + "616e" + "fb3ff0000000000000" // Doc: {"n": 1.0}
	if got := hex.EncodeToString(rec.Body.Bytes()); got != want {
		t.Fatalf("body\n%s\nwant\n%s", got, want)
	}
	h := rec.Header()
	if h.Get("Content-Type") != "application/cbor" || h.Get("Smithy-Protocol") != "rpc-v2-cbor" || h.Get("X-Amzn-RequestId") != "rid" {
		t.Fatalf("headers %v", h)
	}
	t.Run("milliseconds make the timestamp a double", func(t *testing.T) {
		rec := httptest.NewRecorder()
		if err := c.WriteResponse(rec, svc, svc.Operations["Put"], map[string]any{"Time": time.UnixMilli(1704164645500)}, "r"); err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(rec.Body.Bytes()); got != "a16454696d65c1fb41d964df49600000" {
			t.Fatalf("body %s", got)
		}
	})
	t.Run("an operation without output writes no body", func(t *testing.T) {
		rec := httptest.NewRecorder()
		if err := c.WriteResponse(rec, svc, svc.Operations["Ping"], nil, "r"); err != nil || rec.Body.Len() != 0 || rec.Code != 200 {
			t.Fatalf("got %d %x %v", rec.Code, rec.Body.Bytes(), err)
		}
	})
	t.Run("a value of the wrong type is an error", func(t *testing.T) {
		if err := c.WriteResponse(httptest.NewRecorder(), svc, svc.Operations["Put"], map[string]any{"Data": "x"}, "r"); err == nil {
			t.Fatal("WriteResponse() = nil, want an error")
		}
	})
}

func TestWriteError(t *testing.T) {
	cw := codectest.LoadService(t, "cloudwatch")
	c := rpcv2cbor.New()
	tests := []struct {
		name     string
		err      *awserr.Error
		status   int
		body     map[string]any
		rawHex   string
		queryErr string
	}{
		{"a query code finds its modeled exception", awserr.New("InvalidParameterValue", 400, "The value x is invalid."), 400,
			map[string]any{"__type": "InvalidParameterValueException", "message": "The value x is invalid."},
			"a2" + "665f5f74797065" + "781e" + hex.EncodeToString([]byte("InvalidParameterValueException")) +
				"676d657373616765" + "77" + hex.EncodeToString([]byte("The value x is invalid.")),
			"InvalidParameterValue;Sender"},
		{"a shape name finds its exception too", awserr.New("ResourceNotFound", 404, "no dashboard"), 404,
			map[string]any{"__type": "ResourceNotFound", "message": "no dashboard"}, "", "ResourceNotFound;Sender"},
		{"an exception spelling Message keeps that key", &awserr.Error{Code: "InternalServiceError", Message: "oops", Server: true}, 500,
			map[string]any{"__type": "InternalServiceFault", "Message": "oops"}, "", "InternalServiceError;Receiver"},
		{"an unmodeled error keeps its code and fields", &awserr.Error{Code: "Throttling", Message: "Rate exceeded", Fields: map[string]any{"retry": int64(2)}}, 400,
			map[string]any{"__type": "Throttling", "message": "Rate exceeded", "retry": uint64(2)}, "", "Throttling;Sender"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c.WriteError(rec, cw, nil, tt.err, "rid")
			if rec.Code != tt.status {
				t.Fatalf("status %d, want %d", rec.Code, tt.status)
			}
			if tt.rawHex != "" && hex.EncodeToString(rec.Body.Bytes()) != tt.rawHex {
				t.Fatalf("body %x\nwant %s", rec.Body.Bytes(), tt.rawHex)
			}
			var got map[string]any
			if err := cbor.Unmarshal(rec.Body.Bytes(), &got); err != nil || !reflect.DeepEqual(got, tt.body) {
				t.Fatalf("body %#v (%v), want %#v", got, err, tt.body)
			}
			if q := rec.Header().Get("X-Amzn-Query-Error"); q != tt.queryErr {
				t.Errorf("x-amzn-query-error = %q, want %q", q, tt.queryErr)
			}
			if rec.Header().Get("Smithy-Protocol") != "rpc-v2-cbor" || rec.Header().Get("Content-Type") != "application/cbor" {
				t.Errorf("headers %v", rec.Header())
			}
		})
	}
}

func FuzzCBORDecode(f *testing.F) {
	svc := typesService(f)
	cw := codectest.LoadService(f, "cloudwatch")
	services := []*model.Service{svc, cw}
	ts := time.Unix(1704164645, 0)
	seeds := []struct {
		svc int
		op  string
		v   any
	}{
		{0, "Put", map[string]any{"Str": "s", "Int": 1, "Time": ts, "Data": []byte{1}, "Doc": map[string]any{"a": []any{1}}}},
		{1, "PutMetricData", map[string]any{"Namespace": "ns", "MetricData": []any{map[string]any{"MetricName": "m", "Value": 1.5, "Timestamp": ts,
			"Dimensions": []any{map[string]any{"Name": "d", "Value": "v"}}, "Unit": "Seconds"}}}},
		{1, "GetMetricData", map[string]any{"StartTime": ts, "EndTime": ts, "MetricDataQueries": []any{map[string]any{"Id": "q", "Expression": "SUM(x)"}}}},
		{1, "ListMetrics", map[string]any{"Namespace": "AWS/EC2", "RecentlyActive": "PT3H"}},
	}
	for _, s := range seeds {
		f.Add(s.svc, s.op, mustMarshal(f, s.v))
	}
	f.Add(0, "Put", []byte{0xbf, 0x63, 'S', 't', 'r', 0x7f, 0x61, 'a', 0xff, 0xff})
	c := rpcv2cbor.New()
	f.Fuzz(func(t *testing.T, which int, opName string, body []byte) {
		svc := services[(which%len(services)+len(services))%len(services)]
		op := svc.Operations[opName]
		if op == nil {
			return
		}
		in, err := c.DecodeRequest(svc, op, request("/"), body)
		if err != nil {
			var ae *awserr.Error
			if !errors.As(err, &ae) || ae.HTTPStatus() != 400 {
				t.Fatalf("error %v is not a 400 *awserr.Error", err)
			}
			return
		}
		// Whatever decodes must encode again with the same shape.
		if op.Input != nil {
			rec := httptest.NewRecorder()
			rec.Body = new(bytes.Buffer)
			if err := c.WriteResponse(rec, svc, &model.Operation{Output: op.Input}, in, "r"); err != nil {
				t.Fatalf("re-encode decoded input: %v", err)
			}
		}
	})
}
