package restjson_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/codectest"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/restjson"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// bindModel exercises bindings Lambda's model does not have.
const bindModel = `{
  "metadata": {"protocol": "rest-json", "apiVersion": "2020-01-01", "endpointPrefix": "bind"},
  "operations": {
    "GetObject": {"name": "GetObject", "http": {"method": "GET", "requestUri": "/objects/{Bucket}/{Key+}"}, "input": {"shape": "ObjectInput"}, "output": {"shape": "ObjectOutput"}},
    "GetObjectAcl": {"name": "GetObjectAcl", "http": {"method": "GET", "requestUri": "/objects/{Bucket}/{Key+}/acl"}, "input": {"shape": "ObjectInput"}},
    "GetVersion": {"name": "GetVersion", "http": {"method": "GET", "requestUri": "/v{Version}/info"}, "input": {"shape": "VersionInput"}},
    "PutDoc": {"name": "PutDoc", "http": {"method": "PUT", "requestUri": "/docs/{Id}", "responseCode": 201}, "input": {"shape": "DocInput"}, "output": {"shape": "DocOutput"}}
  },
  "shapes": {
    "ObjectInput": {"type": "structure", "required": ["Bucket", "Key"], "members": {
      "Bucket": {"shape": "Str", "location": "uri", "locationName": "Bucket"},
      "Key": {"shape": "Str", "location": "uri", "locationName": "Key"},
      "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-amz-meta-"},
      "Ctx": {"shape": "Str", "location": "header", "locationName": "X-Ctx", "jsonvalue": true},
      "Names": {"shape": "StrList", "location": "header", "locationName": "X-Names"},
      "Since": {"shape": "Time", "location": "header", "locationName": "If-Modified-Since"},
      "Params": {"shape": "StrMap", "location": "querystring"},
      "Limit": {"shape": "Int", "location": "querystring", "locationName": "limit"},
      "Ratio": {"shape": "Dbl", "location": "querystring", "locationName": "ratio"},
      "On": {"shape": "Bool", "location": "querystring", "locationName": "on"},
      "At": {"shape": "Time", "location": "querystring", "locationName": "at"}
    }},
    "ObjectOutput": {"type": "structure", "payload": "Body", "members": {
      "Body": {"shape": "Text"},
      "Meta": {"shape": "StrMap", "location": "headers", "locationName": "x-amz-meta-"},
      "Ctx": {"shape": "Str", "location": "header", "locationName": "X-Ctx", "jsonvalue": true},
      "Names": {"shape": "StrList", "location": "header", "locationName": "X-Names"},
      "Modified": {"shape": "Time", "location": "header", "locationName": "Last-Modified"},
      "Count": {"shape": "Int", "location": "header", "locationName": "X-Count"}
    }},
    "VersionInput": {"type": "structure", "required": ["Version"], "members": {"Version": {"shape": "Int", "location": "uri", "locationName": "Version"}}},
    "DocInput": {"type": "structure", "required": ["Id"], "payload": "Doc", "members": {
      "Id": {"shape": "Str", "location": "uri", "locationName": "Id"},
      "Doc": {"shape": "Doc"}
    }},
    "DocOutput": {"type": "structure", "members": {"Id": {"shape": "Str"}, "When": {"shape": "Time"}, "Code": {"shape": "Int", "location": "statusCode"}}},
    "Doc": {"type": "structure", "members": {"Title": {"shape": "Str"}, "Tags": {"shape": "StrList"}}},
    "Str": {"type": "string"}, "Text": {"type": "string"}, "Int": {"type": "integer"}, "Dbl": {"type": "double"},
    "Bool": {"type": "boolean"}, "Time": {"type": "timestamp"},
    "StrList": {"type": "list", "member": {"shape": "Str"}},
    "StrMap": {"type": "map", "key": {"shape": "Str"}, "value": {"shape": "Str"}}
  }
}`

func bindService(t testing.TB) *model.Service {
	t.Helper()
	svc, err := model.Load("bind", []byte(bindModel))
	if err != nil {
		t.Fatal(err)
	}
	return svc
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

func TestOperationRoutesLambda(t *testing.T) {
	lambda := codectest.LoadService(t, "lambda")
	c := restjson.New()
	tests := []struct {
		method, target, want string
	}{
		{"GET", "/2015-03-31/functions/my-fn", "GetFunction"},
		{"GET", "/2015-03-31/functions/my-fn/configuration", "GetFunctionConfiguration"},
		{"GET", "/2015-03-31/functions/", "ListFunctions"},
		{"GET", "/2015-03-31/functions", "ListFunctions"},
		{"POST", "/2015-03-31/functions", "CreateFunction"},
		{"GET", "/2018-10-31/layers?find=LayerVersion&Arn=arn", "GetLayerVersionByArn"},
		{"GET", "/2018-10-31/layers?CompatibleRuntime=python3.12", "ListLayers"},
		{"GET", "/2019-09-30/functions/f/provisioned-concurrency?List=ALL", "ListProvisionedConcurrencyConfigs"},
		{"GET", "/2019-09-30/functions/f/provisioned-concurrency?Qualifier=1", "GetProvisionedConcurrencyConfig"},
		{"POST", "/2015-03-31/functions/f/policy", "AddPermission"},
		{"GET", "/2015-03-31/functions/f/policy", "GetPolicy"},
		{"DELETE", "/2015-03-31/functions/f/policy/sid-1", "RemovePermission"},
		{"GET", "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af", "GetFunction"},
		{"GET", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af%2Fx", "ListTags"},
		{"POST", "/2015-03-31/functions/f/invocations", "Invoke"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target+" is "+tt.want, func(t *testing.T) {
			op, err := c.Operation(lambda, httptest.NewRequest(tt.method, tt.target, nil), nil)
			if err != nil || op.Name != tt.want {
				t.Fatalf("Operation() = %v, %v", op, err)
			}
		})
	}
	for _, bad := range []struct{ method, target string }{
		{"GET", "/2015-03-31/nothing"},
		{"PATCH", "/2015-03-31/functions/f"},
		{"GET", "/2015-03-31/functions/f/configuration/extra"},
		{"GET", "/2015-03-31/functions//configuration"},
	} {
		t.Run(bad.method+" "+bad.target+" is unknown", func(t *testing.T) {
			_, err := c.Operation(lambda, httptest.NewRequest(bad.method, bad.target, nil), nil)
			wantCode(t, err, "UnknownOperationException", 404)
		})
	}
}

func TestOperationGreedyAndPartialLabels(t *testing.T) {
	svc := bindService(t)
	c := restjson.New()
	tests := []struct{ target, want string }{
		{"/objects/b/a/b/c", "GetObject"},
		{"/objects/b/a/b/c/acl", "GetObjectAcl"},
		{"/objects/b/acl", "GetObject"},
		{"/v2/info", "GetVersion"},
	}
	for _, tt := range tests {
		t.Run(tt.target+" is "+tt.want, func(t *testing.T) {
			op, err := c.Operation(svc, httptest.NewRequest("GET", tt.target, nil), nil)
			if err != nil || op.Name != tt.want {
				t.Fatalf("Operation() = %v, %v", op, err)
			}
		})
	}
	t.Run("a greedy label must not be empty", func(t *testing.T) {
		_, err := c.Operation(svc, httptest.NewRequest("GET", "/objects/b", nil), nil)
		wantCode(t, err, "UnknownOperationException", 404)
	})
}

func decode(t *testing.T, c *restjson.Codec, svc *model.Service, r *http.Request) (map[string]any, error) {
	t.Helper()
	body, _ := io.ReadAll(r.Body)
	op, err := c.Operation(svc, r, body)
	if err != nil {
		t.Fatalf("Operation() = %v", err)
	}
	return c.DecodeRequest(svc, op, r, body)
}

func TestDecodeRequestReadsEveryLocation(t *testing.T) {
	svc := bindService(t)
	c := restjson.New()
	r := httptest.NewRequest("GET", "/objects/my%20bucket/dir/a%2Fb/file.txt?limit=5&ratio=1.5&on=true&at=2024-01-02T03:04:05Z&x=1&y=2&y=3", nil)
	r.Header.Set("X-Amz-Meta-Color", "blue")
	r.Header.Set("X-Ctx", "eyJhIjpbMSwiYiJdfQ==") // {"a":[1,"b"]}
	r.Header.Set("X-Names", `a, "b,c", "d\"e"`)
	r.Header.Set("If-Modified-Since", "Tue, 02 Jan 2024 03:04:05 GMT")
	got, err := decode(t, c, svc, r)
	if err != nil {
		t.Fatal(err)
	}
	ts := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	want := map[string]any{
		"Bucket": "my bucket", "Key": "dir/a/b/file.txt",
		"Meta": map[string]any{"color": "blue"}, "Ctx": map[string]any{"a": []any{1.0, "b"}},
		"Names": []any{"a", "b,c", `d"e`}, "Since": ts,
		"Params": map[string]any{"x": "1", "y": "2"},
		"Limit":  int64(5), "Ratio": 1.5, "On": true, "At": ts,
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("DecodeRequest() =\n%#v\nwant\n%#v", got, want)
	}
}

func TestDecodeRequestReadsLambdaCalls(t *testing.T) {
	lambda := codectest.LoadService(t, "lambda")
	c := restjson.New()
	t.Run("Invoke reads headers, the qualifier and the raw payload", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/2015-03-31/functions/my-fn/invocations?Qualifier=prod", strings.NewReader(`{"k":1}`))
		r.Header.Set("X-Amz-Invocation-Type", "Event")
		r.Header.Set("X-Amz-Log-Type", "Tail")
		got, err := decode(t, c, lambda, r)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"FunctionName": "my-fn", "Qualifier": "prod", "InvocationType": "Event", "LogType": "Tail", "Payload": []byte(`{"k":1}`)}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v\nwant %#v", got, want)
		}
	})
	t.Run("UntagResource reads a repeated query parameter as a list", func(t *testing.T) {
		r := httptest.NewRequest("DELETE", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af?tagKeys=a&tagKeys=b", nil)
		got, err := decode(t, c, lambda, r)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"Resource": "arn:aws:lambda:us-east-1:123456789012:function:f", "TagKeys": []any{"a", "b"}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v\nwant %#v", got, want)
		}
	})
	t.Run("CreateAlias reads the JSON body beside the uri label", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/2015-03-31/functions/f/aliases", strings.NewReader(`{"Name":"live","FunctionVersion":"1","RoutingConfig":{"AdditionalVersionWeights":{"2":0.5}}}`))
		got, err := decode(t, c, lambda, r)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"FunctionName": "f", "Name": "live", "FunctionVersion": "1",
			"RoutingConfig": map[string]any{"AdditionalVersionWeights": map[string]any{"2": 0.5}}}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("got %#v\nwant %#v", got, want)
		}
	})
	t.Run("a constraint violation is a ValidationException", func(t *testing.T) {
		r := httptest.NewRequest("GET", "/2015-03-31/functions?MaxItems=0", nil)
		_, err := decode(t, c, lambda, r)
		ae := wantCode(t, err, "ValidationException", 400)
		want := "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"
		if ae.Message != want {
			t.Fatalf("message %q, want %q", ae.Message, want)
		}
	})
}

func TestDecodeRequestRejectsHostileInput(t *testing.T) {
	svc := bindService(t)
	c := restjson.New()
	tests := []struct {
		name string
		r    func() *http.Request
	}{
		{"a word where an integer belongs", func() *http.Request { return httptest.NewRequest("GET", "/objects/b/k?limit=ten", nil) }},
		{"an integer over 32 bits", func() *http.Request { return httptest.NewRequest("GET", "/objects/b/k?limit=4294967296", nil) }},
		{"an unreadable boolean", func() *http.Request { return httptest.NewRequest("GET", "/objects/b/k?on=yes", nil) }},
		{"an unreadable timestamp header", func() *http.Request {
			r := httptest.NewRequest("GET", "/objects/b/k", nil)
			r.Header.Set("If-Modified-Since", "later")
			return r
		}},
		{"a jsonvalue header that is not base64", func() *http.Request {
			r := httptest.NewRequest("GET", "/objects/b/k", nil)
			r.Header.Set("X-Ctx", "{}")
			return r
		}},
		{"a non-numeric uri label for an integer", func() *http.Request { return httptest.NewRequest("GET", "/vx/info", nil) }},
		{"a malformed JSON payload", func() *http.Request { return httptest.NewRequest("PUT", "/docs/1", strings.NewReader(`{"Title":`)) }},
		{"a payload of the wrong type", func() *http.Request { return httptest.NewRequest("PUT", "/docs/1", strings.NewReader(`{"Tags":"a"}`)) }},
		{"a deeply nested payload", func() *http.Request {
			return httptest.NewRequest("PUT", "/docs/1", strings.NewReader(strings.Repeat("[", 200)+strings.Repeat("]", 200)))
		}},
	}
	for _, tt := range tests {
		t.Run("it rejects "+tt.name, func(t *testing.T) {
			_, err := decode(t, c, svc, tt.r())
			wantCode(t, err, "SerializationException", 400)
		})
	}
}

func TestWriteResponse(t *testing.T) {
	svc := bindService(t)
	lambda := codectest.LoadService(t, "lambda")
	c := restjson.New()
	t.Run("header members, header maps and a string payload", func(t *testing.T) {
		rec := httptest.NewRecorder()
		out := map[string]any{
			"Body": "hello", "Meta": map[string]any{"Color": "blue"}, "Ctx": map[string]any{"a": 1.0},
			"Names": []any{"a", "b,c"}, "Modified": time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), "Count": int64(3),
		}
		if err := c.WriteResponse(rec, svc, svc.Operations["GetObject"], out, "rid"); err != nil {
			t.Fatal(err)
		}
		want := http.Header{
			"x-amz-meta-Color": {"blue"}, "X-Ctx": {"eyJhIjoxfQ=="}, "X-Names": {`a,"b,c"`},
			"Last-Modified": {"Tue, 02 Jan 2024 03:04:05 GMT"}, "X-Count": {"3"},
			"Content-Type": {"text/plain"}, "X-Amzn-Requestid": {"rid"}, "Content-Length": {"5"},
		}
		if rec.Code != 200 || rec.Body.String() != "hello" || !reflect.DeepEqual(rec.Header(), want) {
			t.Fatalf("got %d %q %v", rec.Code, rec.Body, rec.Header())
		}
	})
	t.Run("the success code and a statusCode member set the status", func(t *testing.T) {
		rec := httptest.NewRecorder()
		out := map[string]any{"Id": "d1", "When": time.UnixMilli(1704164645500)}
		if err := c.WriteResponse(rec, svc, svc.Operations["PutDoc"], out, "rid"); err != nil {
			t.Fatal(err)
		}
		if rec.Code != 201 || rec.Body.String() != `{"Id":"d1","When":1704164645.5}` || rec.Header().Get("Content-Type") != "application/json" {
			t.Fatalf("got %d %q %v", rec.Code, rec.Body, rec.Header())
		}
		rec = httptest.NewRecorder()
		out["Code"] = int64(202)
		if err := c.WriteResponse(rec, svc, svc.Operations["PutDoc"], out, "rid"); err != nil || rec.Code != 202 {
			t.Fatalf("got %d, %v", rec.Code, err)
		}
	})
	t.Run("Invoke writes the payload raw and the function error as a header", func(t *testing.T) {
		rec := httptest.NewRecorder()
		out := map[string]any{"StatusCode": int64(200), "FunctionError": "Unhandled", "ExecutedVersion": "$LATEST", "Payload": []byte(`{"errorMessage":"x"}`)}
		if err := c.WriteResponse(rec, lambda, lambda.Operations["Invoke"], out, "rid"); err != nil {
			t.Fatal(err)
		}
		if rec.Code != 200 || rec.Body.String() != `{"errorMessage":"x"}` || rec.Header().Get("X-Amz-Function-Error") != "Unhandled" || rec.Header().Get("X-Amz-Executed-Version") != "$LATEST" {
			t.Fatalf("got %d %q %v", rec.Code, rec.Body, rec.Header())
		}
	})
	t.Run("a 204 operation writes no body", func(t *testing.T) {
		rec := httptest.NewRecorder()
		if err := c.WriteResponse(rec, lambda, lambda.Operations["DeleteAlias"], nil, "rid"); err != nil {
			t.Fatal(err)
		}
		if rec.Code != 204 || rec.Body.Len() != 0 {
			t.Fatalf("got %d %q", rec.Code, rec.Body)
		}
	})
	t.Run("a body member of the wrong type is an error", func(t *testing.T) {
		err := c.WriteResponse(httptest.NewRecorder(), svc, svc.Operations["PutDoc"], map[string]any{"When": "now"}, "rid")
		if err == nil {
			t.Fatal("WriteResponse() = nil, want an error")
		}
	})
}

func TestWriteError(t *testing.T) {
	lambda := codectest.LoadService(t, "lambda")
	c := restjson.New()
	tests := []struct {
		name    string
		err     *awserr.Error
		status  int
		body    string
		headers map[string]string
	}{
		{"a Lambda client error is Type User", awserr.New("ResourceNotFoundException", 404, "Function not found: arn:aws:lambda:us-east-1:123456789012:function:f"), 404,
			`{"Message":"Function not found: arn:aws:lambda:us-east-1:123456789012:function:f","Type":"User"}`,
			map[string]string{"X-Amzn-ErrorType": "ResourceNotFoundException", "Content-Type": "application/json"}},
		{"a Lambda server error is Type Service", &awserr.Error{Code: "ServiceException", Message: "boom", Status: 500, Server: true}, 500,
			`{"Message":"boom","Type":"Service"}`, map[string]string{"X-Amzn-ErrorType": "ServiceException"}},
		{"header members of the exception go to headers", &awserr.Error{Code: "TooManyRequestsException", Message: "Rate exceeded", Status: 429, Fields: map[string]any{"retryAfterSeconds": "2", "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"}}, 429,
			`{"message":"Rate exceeded","Reason":"ReservedFunctionConcurrentInvocationLimitExceeded","Type":"User"}`,
			map[string]string{"Retry-After": "2", "X-Amzn-ErrorType": "TooManyRequestsException"}},
		{"an unmodeled error has only the message", awserr.Validation("bad"), 400,
			`{"message":"bad"}`, map[string]string{"X-Amzn-ErrorType": "ValidationException"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			c.WriteError(rec, lambda, nil, tt.err, "rid")
			if rec.Code != tt.status || rec.Body.String() != tt.body {
				t.Fatalf("got %d %s\nwant %d %s", rec.Code, rec.Body, tt.status, tt.body)
			}
			for k, v := range tt.headers {
				if got := rec.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func FuzzRestJSONDecode(f *testing.F) {
	lambda := codectest.LoadService(f, "lambda")
	bind := bindService(f)
	services := []*model.Service{lambda, bind}
	seeds := []struct {
		svc                  int
		method, target, body string
		header               string
	}{
		{0, "POST", "/2015-03-31/functions", `{"FunctionName":"f","Role":"arn:aws:iam::123456789012:role/r","Code":{"ZipFile":"UEsDBA=="},"Runtime":"python3.12","Handler":"a.b","Timeout":3}`, ""},
		{0, "POST", "/2015-03-31/functions/f/invocations?Qualifier=1", `{"any":"json"}`, "Event"},
		{0, "GET", "/2015-03-31/functions/?MaxItems=10&Marker=x", "", ""},
		{0, "DELETE", "/2017-03-31/tags/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af?tagKeys=a&tagKeys=b", "", ""},
		{0, "GET", "/2018-10-31/layers?find=LayerVersion&Arn=arn%3Ax", "", ""},
		{1, "GET", "/objects/b/k/x?limit=1&at=2024-01-02T03:04:05Z&p=q", "", "YQ=="},
		{1, "PUT", "/docs/1", `{"Title":"t","Tags":["a"]}`, ""},
	}
	for _, s := range seeds {
		f.Add(s.svc, s.method, s.target, []byte(s.body), s.header)
	}
	c := restjson.New()
	f.Fuzz(func(t *testing.T, which int, method, target string, body []byte, header string) {
		svc := services[(which%len(services)+len(services))%len(services)]
		r, err := http.NewRequest(method, "http://h"+target, nil)
		if err != nil || r.URL.Path == "" || r.URL.Path[0] != '/' {
			return
		}
		r.Header.Set("X-Amz-Invocation-Type", header)
		r.Header.Set("X-Ctx", header)
		r.Header.Set("X-Names", header)
		r.Header.Set("If-Modified-Since", header)
		r.Header.Set("X-Amz-Meta-A", header)
		op, err := c.Operation(svc, r, body)
		if err != nil {
			checkClientError(t, err)
			return
		}
		if _, err := c.DecodeRequest(svc, op, r, body); err != nil {
			checkClientError(t, err)
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
