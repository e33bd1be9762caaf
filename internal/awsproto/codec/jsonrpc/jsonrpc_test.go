package jsonrpc_test

import (
	"bytes"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/codectest"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// typesModel has one member of every shape type.
const typesModel = `{
  "metadata": {"protocol": "json", "jsonVersion": "1.1", "targetPrefix": "Types_2020", "apiVersion": "2020-01-01", "endpointPrefix": "types"},
  "operations": {
    "Put": {"name": "Put", "http": {"method": "POST", "requestUri": "/"}, "input": {"shape": "All"}, "output": {"shape": "All"}},
    "Ping": {"name": "Ping", "http": {"method": "POST", "requestUri": "/"}}
  },
  "shapes": {
    "All": {"type": "structure", "members": {
      "Str": {"shape": "Str"}, "Int": {"shape": "Int"}, "Long": {"shape": "Long"},
      "Flt": {"shape": "Flt"}, "Dbl": {"shape": "Dbl"}, "Bool": {"shape": "Bool"},
      "Time": {"shape": "Time"}, "IsoTime": {"shape": "Time", "timestampFormat": "iso8601"},
      "Data": {"shape": "Data"}, "List": {"shape": "StrList"}, "Map": {"shape": "StrMap"},
      "Nested": {"shape": "Nested"}, "Doc": {"shape": "Doc"}
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

func request(target, contentType, body string) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if target != "" {
		r.Header.Set("X-Amz-Target", target)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
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
	kms := codectest.LoadService(t, "kms")
	c := jsonrpc.New()
	t.Run("the target names the operation", func(t *testing.T) {
		op, err := c.Operation(kms, request("TrentService.CreateKey", "application/x-amz-json-1.1", "{}"), nil)
		if err != nil || op.Name != "CreateKey" {
			t.Fatalf("Operation() = %v, %v", op, err)
		}
	})
	t.Run("json 1.0 and a missing content type are accepted too", func(t *testing.T) {
		for _, ct := range []string{"application/x-amz-json-1.0", "application/json; charset=utf-8", ""} {
			if _, err := c.Operation(kms, request("TrentService.ListKeys", ct, "{}"), nil); err != nil {
				t.Fatalf("content type %q: %v", ct, err)
			}
		}
	})
	t.Run("a dotted prefix may be sent as its last segment, as the Go SDK does", func(t *testing.T) {
		ct := codectest.LoadService(t, "cloudtrail")
		for _, target := range []string{"com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents", "CloudTrail_20131101.LookupEvents"} {
			op, err := c.Operation(ct, request(target, "application/x-amz-json-1.1", "{}"), nil)
			if err != nil || op.Name != "LookupEvents" {
				t.Fatalf("Operation(%s) = %v, %v", target, op, err)
			}
		}
	})
	bad := []struct {
		name string
		r    *http.Request
	}{
		{"an unknown operation is rejected", request("TrentService.Nope", "application/x-amz-json-1.1", "{}")},
		{"another service's prefix is rejected", request("AmazonSQS.ListQueues", "application/x-amz-json-1.1", "{}")},
		{"a target without a dot is rejected", request("ListKeys", "application/x-amz-json-1.1", "{}")},
		{"a missing target is rejected", request("", "application/x-amz-json-1.1", "{}")},
		{"a form content type is rejected", request("TrentService.ListKeys", "application/x-www-form-urlencoded", "{}")},
		{"an unparsable content type is rejected", request("TrentService.ListKeys", "a/b; =", "{}")},
		{"a GET is rejected", httptest.NewRequest(http.MethodGet, "/", nil)},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Operation(kms, tt.r, nil)
			wantCode(t, err, "UnknownOperationException", 400)
		})
	}
}

func TestDecodeRequestReadsEveryType(t *testing.T) {
	svc := typesService(t)
	c := jsonrpc.New()
	body := `{"Str":"s","Int":-7,"Long":9007199254740993,"Flt":1.5,"Dbl":"-Infinity","Bool":true,
		"Time":1704164645.5,"IsoTime":"2024-01-02T03:04:05Z","Data":"AAEC/w==","List":["a","b"],
		"Map":{"k":"v"},"Nested":{"Inner":{"Str":"deep"}},"Doc":{"n":1,"l":[true,null]},"Unknown":{"x":1}}`
	got, err := c.DecodeRequest(svc, svc.Operations["Put"], request("Types_2020.Put", "", body), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"Str": "s", "Int": int64(-7), "Long": int64(9007199254740993), "Flt": 1.5, "Dbl": math.Inf(-1), "Bool": true,
		"Time": time.UnixMilli(1704164645500).UTC(), "IsoTime": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"Data": []byte{0, 1, 2, 255}, "List": []any{"a", "b"}, "Map": map[string]any{"k": "v"},
		"Nested": map[string]any{"Inner": map[string]any{"Str": "deep"}},
		"Doc":    map[string]any{"n": 1.0, "l": []any{true, nil}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeRequest() =\n%#v\nwant\n%#v", got, want)
	}
}

func TestDecodeRequestRejectsHostileInput(t *testing.T) {
	svc := typesService(t)
	c := jsonrpc.New()
	tests := []struct {
		name string
		body string
	}{
		{"malformed JSON", `{"Str":`},
		{"a top-level array", `["Str"]`},
		{"trailing data", `{} {}`},
		{"invalid UTF-8", "{\"Str\":\"\xff\xfe\"}"},
		{"nesting deeper than 100 levels", `{"Doc":` + strings.Repeat("[", 101) + strings.Repeat("]", 101) + `}`},
		{"a string where an integer belongs", `{"Int":"7"}`},
		{"a fraction where an integer belongs", `{"Int":1.5}`},
		{"an integer over 32 bits", `{"Int":2147483648}`},
		{"a long over 64 bits", `{"Long":9223372036854775808}`},
		{"a float overflowing a double", `{"Dbl":1e400}`},
		{"a number where a string belongs", `{"Str":5}`},
		{"an object where a list belongs", `{"List":{}}`},
		{"a list where a map belongs", `{"Map":[]}`},
		{"a string where a boolean belongs", `{"Bool":"true"}`},
		{"invalid base64", `{"Data":"!!!"}`},
		{"an unreadable timestamp", `{"Time":"soon"}`},
		{"a timestamp out of range", `{"Time":1e20}`},
	}
	for _, tt := range tests {
		t.Run("it rejects "+tt.name, func(t *testing.T) {
			_, err := c.DecodeRequest(svc, svc.Operations["Put"], request("Types_2020.Put", "", tt.body), []byte(tt.body))
			wantCode(t, err, "SerializationException", 400)
		})
	}
	t.Run("it keeps the last of duplicate keys", func(t *testing.T) {
		body := `{"Str":"a","Str":"b"}`
		got, err := c.DecodeRequest(svc, svc.Operations["Put"], request("Types_2020.Put", "", body), []byte(body))
		if err != nil || got["Str"] != "b" {
			t.Fatalf("DecodeRequest() = %v, %v", got, err)
		}
	})
	t.Run("an empty body is an empty input", func(t *testing.T) {
		got, err := c.DecodeRequest(svc, svc.Operations["Put"], request("Types_2020.Put", "", ""), nil)
		if err != nil || len(got) != 0 {
			t.Fatalf("DecodeRequest() = %v, %v", got, err)
		}
	})
	t.Run("an operation without input ignores the body", func(t *testing.T) {
		got, err := c.DecodeRequest(svc, svc.Operations["Ping"], request("Types_2020.Ping", "", "{"), []byte("{"))
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("DecodeRequest() = %v, %v", got, err)
		}
	})
}

func TestDecodeRequestValidates(t *testing.T) {
	c := jsonrpc.New()
	t.Run("a json service answers ValidationException", func(t *testing.T) {
		kms := codectest.LoadService(t, "kms")
		body := `{"KeyId":"","Plaintext":"AA=="}`
		_, err := c.DecodeRequest(kms, kms.Operations["Encrypt"], request("TrentService.Encrypt", "", body), []byte(body))
		ae := wantCode(t, err, "ValidationException", 400)
		want := "1 validation error detected: Value '' at 'keyId' failed to satisfy constraint: Member must have length greater than or equal to 1"
		if ae.Message != want {
			t.Fatalf("message = %q, want %q", ae.Message, want)
		}
	})
	t.Run("a query-compatible service answers MissingParameter for a missing member", func(t *testing.T) {
		sqs := codectest.LoadService(t, "sqs")
		_, err := c.DecodeRequest(sqs, sqs.Operations["DeleteQueue"], request("AmazonSQS.DeleteQueue", "", "{}"), []byte("{}"))
		ae := wantCode(t, err, "MissingParameter", 400)
		if ae.Message != "The parameter QueueUrl is required." {
			t.Fatalf("message = %q", ae.Message)
		}
	})
}

func TestWriteResponse(t *testing.T) {
	svc := typesService(t)
	c := jsonrpc.New()
	out := map[string]any{
		"Str": "a\"b\n<", "Int": int64(3), "Long": int64(-9007199254740993), "Flt": float64(float32(0.1)), "Dbl": math.NaN(),
		"Bool": false, "Time": time.UnixMilli(1704164645120), "IsoTime": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"Data": []byte("hi"), "List": []any{"x"}, "Map": map[string]any{"b": "2", "a": "1"},
		"Nested": map[string]any{"Str": "n", "Ignored": "x"}, "Doc": map[string]any{"z": 1.0, "a": []any{"s"}},
	}
	rec := httptest.NewRecorder()
	if err := c.WriteResponse(rec, svc, svc.Operations["Put"], out, "req-1"); err != nil {
		t.Fatal(err)
	}
	want := `{"Str":"a\"b\n<","Int":3,"Long":-9007199254740993,"Flt":0.1,"Dbl":"NaN","Bool":false,` +
		`"Time":1704164645.12,"IsoTime":"2024-01-02T03:04:05Z","Data":"aGk=","List":["x"],"Map":{"a":"1","b":"2"},` +
		`"Nested":{"Str":"n"},"Doc":{"a":["s"],"z":1}}`
	if rec.Code != 200 || rec.Body.String() != want {
		t.Fatalf("response %d\n%s\nwant\n%s", rec.Code, rec.Body, want)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type = %q", ct)
	}
	if id := rec.Header().Get("X-Amzn-RequestId"); id != "req-1" {
		t.Errorf("X-Amzn-RequestId = %q", id)
	}
	t.Run("an operation without output answers an empty object", func(t *testing.T) {
		rec := httptest.NewRecorder()
		if err := c.WriteResponse(rec, svc, svc.Operations["Ping"], nil, "r"); err != nil || rec.Body.String() != "{}" {
			t.Fatalf("body %q, err %v", rec.Body, err)
		}
	})
	t.Run("a value of the wrong type is an error", func(t *testing.T) {
		err := c.WriteResponse(httptest.NewRecorder(), svc, svc.Operations["Put"], map[string]any{"Int": "3"}, "r")
		if err == nil {
			t.Fatal("WriteResponse() = nil, want an error")
		}
	})
}

func TestWriteError(t *testing.T) {
	kms := codectest.LoadService(t, "kms")
	sqs := codectest.LoadService(t, "sqs")
	c := jsonrpc.New()
	tests := []struct {
		name       string
		svc        *model.Service
		err        *awserr.Error
		status     int
		body       string
		headers    map[string]string
		noQueryErr bool
	}{
		{"a modeled error carries its type and message", kms,
			&awserr.Error{Code: "NotFoundException", Message: "Key 'x' does not exist"}, 400,
			`{"__type":"NotFoundException","message":"Key 'x' does not exist"}`,
			map[string]string{"X-Amzn-ErrorType": "NotFoundException", "Content-Type": "application/x-amz-json-1.1"}, true},
		{"extra fields follow the message", kms,
			&awserr.Error{Code: "ThrottlingException", Message: "slow down", Status: 429, Fields: map[string]any{"retryAfterSeconds": int64(3), "message": "dropped"}}, 429,
			`{"__type":"ThrottlingException","message":"slow down","retryAfterSeconds":3}`,
			map[string]string{"X-Amzn-ErrorType": "ThrottlingException"}, true},
		{"a query-compatible service names the query code and fault", sqs,
			&awserr.Error{Code: "QueueDoesNotExist", Message: "The specified queue does not exist."}, 400,
			`{"__type":"QueueDoesNotExist","message":"The specified queue does not exist."}`,
			map[string]string{"X-Amzn-Query-Error": "QueueDoesNotExist;Sender", "Content-Type": "application/x-amz-json-1.0"}, false},
		{"a server fault is a Receiver fault", sqs,
			awserr.Internal(), 500,
			`{"__type":"InternalFailure","message":"The request processing has failed because of an unknown error, exception or failure."}`,
			map[string]string{"X-Amzn-Query-Error": "InternalFailure;Receiver"}, false},
		{"the error's own headers come last", sqs,
			&awserr.Error{Code: "QueueDoesNotExist", Message: "gone", Headers: map[string]string{"x-amzn-query-error": "AWS.SimpleQueueService.NonExistentQueue;Sender", "Retry-After": "1"}}, 400,
			`{"__type":"QueueDoesNotExist","message":"gone"}`,
			map[string]string{"X-Amzn-Query-Error": "AWS.SimpleQueueService.NonExistentQueue;Sender", "Retry-After": "1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c.WriteError(rec, tt.svc, nil, tt.err, "req-9")
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Fatalf("got %d %s\nwant %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
			for k, v := range tt.headers {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got := rec.Header().Get("X-Amzn-RequestId"); got != "req-9" {
				t.Errorf("X-Amzn-RequestId = %q", got)
			}
			if tt.noQueryErr && rec.Header().Get("X-Amzn-Query-Error") != "" {
				t.Errorf("unexpected x-amzn-query-error on a service that is not query-compatible")
			}
		})
	}
}

func FuzzJSONDecode(f *testing.F) {
	svc := typesService(f)
	kms := codectest.LoadService(f, "kms")
	sqs := codectest.LoadService(f, "sqs")
	services := []*model.Service{svc, kms, sqs}
	seeds := []struct {
		svc          int
		target, body string
	}{
		{0, "Types_2020.Put", `{"Str":"s","Int":1,"Time":1.5,"Data":"AA==","Doc":{"a":[1]}}`},
		{1, "TrentService.Encrypt", `{"KeyId":"alias/x","Plaintext":"aGVsbG8=","EncryptionContext":{"a":"b"}}`},
		{1, "TrentService.CreateKey", `{"Tags":[{"TagKey":"k","TagValue":"v"}],"KeyUsage":"ENCRYPT_DECRYPT"}`},
		{2, "AmazonSQS.SendMessage", `{"QueueUrl":"http://q","MessageBody":"hi","MessageAttributes":{"a":{"DataType":"String","StringValue":"v"}}}`},
		{2, "AmazonSQS.ReceiveMessage", `{"QueueUrl":"http://q","MaxNumberOfMessages":10,"WaitTimeSeconds":20}`},
		{0, "Types_2020.Put", `{"Nested":` + strings.Repeat(`{"Inner":`, 99) + `{}` + strings.Repeat(`}`, 100)},
	}
	for _, s := range seeds {
		f.Add(s.svc, s.target, []byte(s.body))
	}
	c := jsonrpc.New()
	f.Fuzz(func(t *testing.T, which int, target string, body []byte) {
		svc := services[(which%len(services)+len(services))%len(services)]
		r := request(target, "application/x-amz-json-1.1", "")
		r.Body = http.NoBody
		op, err := c.Operation(svc, r, body)
		if err != nil {
			checkClientError(t, err)
			return
		}
		in, err := c.DecodeRequest(svc, op, r, body)
		if err != nil {
			checkClientError(t, err)
			return
		}
		if in == nil {
			t.Fatal("DecodeRequest() = nil map without an error")
		}
		// Whatever decodes must encode again with the same shape.
		if op.Input != nil {
			var buf bytes.Buffer
			rec := httptest.NewRecorder()
			rec.Body = &buf
			if err := c.WriteResponse(rec, svc, &model.Operation{Output: op.Input}, in, "r"); err != nil {
				t.Fatalf("re-encode decoded input: %v", err)
			}
		}
	})
}

func checkClientError(t *testing.T, err error) {
	t.Helper()
	var ae *awserr.Error
	if !errors.As(err, &ae) || ae.HTTPStatus() < 400 || ae.HTTPStatus() >= 500 {
		t.Fatalf("error %v is not a client *awserr.Error", err)
	}
}
