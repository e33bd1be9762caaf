package awsproto_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/query"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/restjson"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/rpcv2cbor"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/kmsshapes"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/sigv4"
)

const (
	testKey    = "AKIDEXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

// keyAuth accepts the one test key, checking the signature for real.
type keyAuth struct{}

func (keyAuth) Authenticate(ctx context.Context, r *http.Request, body []byte, signingName string) (*identity.Principal, error) {
	_, err := sigv4.Verify(r, body, sigv4.VerifyOptions{
		Service: signingName,
		Lookup: func(id string) (sigv4.Credential, error) {
			if id != testKey {
				return sigv4.Credential{}, sigv4.ErrUnknownAccessKey
			}
			return sigv4.Credential{SecretAccessKey: testSecret}, nil
		},
	})
	if err != nil {
		return nil, err
	}
	return &identity.Principal{Kind: identity.KindUser, Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/t"}, nil
}

// listAuthz allows exactly the action/resource pairs it holds and records every question.
type listAuthz struct {
	allow map[string]bool
	asked []string
}

func (a *listAuthz) Authorize(ctx context.Context, req *awsproto.AuthzRequest) error {
	k := req.Action + " " + req.Resource
	a.asked = append(a.asked, k)
	if a.allow[k] {
		return nil
	}
	return awserr.New("AccessDenied", http.StatusForbidden, "User: %s is not authorized to perform: %s on resource: %s", req.Principal.ARN, req.Action, req.Resource)
}

func codecs() map[string]codec.Codec {
	return map[string]codec.Codec{
		model.JSON: jsonrpc.New(), model.RestJSON: restjson.New(), model.CBOR: rpcv2cbor.New(),
		model.Query: query.New(), model.EC2: query.NewEC2(),
	}
}

func newRouter(t *testing.T, authz *listAuthz) *awsproto.Router {
	t.Helper()
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: keyAuth{}, Authorizer: authz, Codecs: codecs(),
		Logger: slog.New(slog.DiscardHandler),
	})
	iamModel, err := iamshapes.Service()
	if err != nil {
		t.Fatal(err)
	}
	kmsModel, err := kmsshapes.Service()
	if err != nil {
		t.Fatal(err)
	}
	err = rt.Register(&awsproto.Service{
		Model: iamModel, ActionPrefix: "iam", AccessDeniedCode: "AccessDenied", MaxBodyBytes: 4096,
		Ops: map[string]awsproto.Op{
			"GetUser": {
				Resources: func(c *awsproto.Call, in any) ([]string, error) {
					name, _ := in.(map[string]any)["UserName"].(string)
					return []string{"arn:aws:iam::123456789012:user/" + name}, nil
				},
				Run: func(c *awsproto.Call, in any) (map[string]any, error) {
					name := in.(map[string]any)["UserName"].(string)
					return map[string]any{"User": map[string]any{
						"Path": "/", "UserName": name, "UserId": "AIDAEXAMPLE000000000", "Arn": "arn:aws:iam::123456789012:user/" + name,
						"CreateDate": time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
					}}, nil
				},
			},
			"ListUsers": {Run: func(c *awsproto.Call, in any) (map[string]any, error) { panic("boom") }},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := rt.Register(&awsproto.Service{Model: kmsModel, ActionPrefix: "kms", AccessDeniedCode: "AccessDeniedException", Ops: map[string]awsproto.Op{
		"ListKeys": {Run: func(c *awsproto.Call, in any) (map[string]any, error) { return map[string]any{}, nil }},
	}}); err != nil {
		t.Fatal(err)
	}
	return rt
}

func signed(t *testing.T, method, target, contentType, service string, body []byte, hdr map[string]string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, "http://127.0.0.1:4566/", bytes.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	if target != "" {
		r.Header.Set("X-Amz-Target", target)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	if err := sigv4.Sign(r, body, sigv4.Credential{AccessKeyID: testKey, SecretAccessKey: testSecret}, "us-east-1", service, time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

func queryReq(t *testing.T, form string) *http.Request {
	return signed(t, "POST", "", "application/x-www-form-urlencoded; charset=utf-8", "iam", []byte(form), nil)
}

type xmlError struct {
	Code    string `xml:"Error>Code"`
	Message string `xml:"Error>Message"`
}

func serve(rt http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	rt.ServeHTTP(w, r)
	return w
}

func TestRouter(t *testing.T) {
	t.Run("an allowed call runs and is encoded by the service's codec", func(t *testing.T) {
		authz := &listAuthz{allow: map[string]bool{"iam:GetUser arn:aws:iam::123456789012:user/bob": true}}
		w := serve(newRouter(t, authz), queryReq(t, "Action=GetUser&Version=2010-05-08&UserName=bob"))
		if w.Code != 200 || !strings.Contains(w.Body.String(), "<UserName>bob</UserName>") {
			t.Fatalf("status %d body %s", w.Code, w.Body)
		}
		if w.Header().Get("x-amzn-RequestId") == "" {
			t.Fatal("no request id header")
		}
	})
	t.Run("a denied call does not run and answers the service's AccessDenied", func(t *testing.T) {
		authz := &listAuthz{allow: map[string]bool{"iam:GetUser arn:aws:iam::123456789012:user/bob": true}}
		w := serve(newRouter(t, authz), queryReq(t, "Action=GetUser&Version=2010-05-08&UserName=alice"))
		var e xmlError
		xml.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 403 || e.Code != "AccessDenied" || !strings.Contains(e.Message, "user/alice") {
			t.Fatalf("status %d body %s", w.Code, w.Body)
		}
	})
	t.Run("json services spell AccessDenied their own way", func(t *testing.T) {
		w := serve(newRouter(t, &listAuthz{}), signed(t, "POST", "TrentService.ListKeys", "application/x-amz-json-1.1", "kms", []byte(`{}`), nil))
		if w.Code != 403 || w.Header().Get("X-Amzn-Errortype") != "AccessDeniedException" {
			t.Fatalf("status %d headers %v body %s", w.Code, w.Header(), w.Body)
		}
	})
	t.Run("an operation without a handler answers 501 NotImplemented naming it", func(t *testing.T) {
		w := serve(newRouter(t, &listAuthz{}), queryReq(t, "Action=ListRoles&Version=2010-05-08"))
		var e xmlError
		xml.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 501 || e.Code != "NotImplemented" || !strings.Contains(e.Message, "ListRoles") {
			t.Fatalf("status %d body %s", w.Code, w.Body)
		}
	})
	t.Run("a json operation without a handler answers 501 in json", func(t *testing.T) {
		w := serve(newRouter(t, &listAuthz{}), signed(t, "POST", "TrentService.ListAliases", "application/x-amz-json-1.1", "kms", []byte(`{}`), nil))
		var e map[string]any
		json.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 501 || e["__type"] != "NotImplemented" {
			t.Fatalf("status %d body %s", w.Code, w.Body)
		}
	})
	t.Run("a panicking handler answers InternalFailure and the router survives", func(t *testing.T) {
		authz := &listAuthz{allow: map[string]bool{"iam:ListUsers *": true, "iam:GetUser arn:aws:iam::123456789012:user/bob": true}}
		rt := newRouter(t, authz)
		w := serve(rt, queryReq(t, "Action=ListUsers&Version=2010-05-08"))
		var e xmlError
		xml.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 500 || e.Code != "InternalFailure" || strings.Contains(w.Body.String(), "boom") {
			t.Fatalf("status %d body %s", w.Code, w.Body)
		}
		if w := serve(rt, queryReq(t, "Action=GetUser&Version=2010-05-08&UserName=bob")); w.Code != 200 {
			t.Fatalf("after a panic: status %d", w.Code)
		}
	})
	t.Run("a body over the service's limit answers 413 and runs nothing", func(t *testing.T) {
		authz := &listAuthz{}
		w := serve(newRouter(t, authz), queryReq(t, "Action=GetUser&Version=2010-05-08&UserName="+strings.Repeat("a", 5000)))
		if w.Code != 413 || len(authz.asked) != 0 {
			t.Fatalf("status %d asked %v", w.Code, authz.asked)
		}
	})
	t.Run("a gzip body is inflated after the signature is checked", func(t *testing.T) {
		var zb bytes.Buffer
		zw := gzip.NewWriter(&zb)
		io.WriteString(zw, `{}`)
		zw.Close()
		w := serve(newRouter(t, &listAuthz{allow: map[string]bool{"kms:ListKeys *": true}}),
			signed(t, "POST", "TrentService.ListKeys", "application/x-amz-json-1.1", "kms", zb.Bytes(), map[string]string{"Content-Encoding": "gzip"}))
		if w.Code != 200 {
			t.Fatalf("status %d body %s", w.Code, w.Body)
		}
	})
	t.Run("an unsigned request answers MissingAuthenticationToken", func(t *testing.T) {
		r := httptest.NewRequest("POST", "/", strings.NewReader("Action=ListUsers&Version=2010-05-08"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := serve(newRouter(t, &listAuthz{}), r)
		var e xmlError
		xml.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 403 || e.Code != "MissingAuthenticationToken" {
			t.Fatalf("status %d body %s", w.Code, w.Body)
		}
	})
	t.Run("malformed input is a 4xx in the protocol's format", func(t *testing.T) {
		rt := newRouter(t, &listAuthz{allow: map[string]bool{"kms:ListKeys *": true}})
		for _, body := range []string{`{`, `{"Limit":"x"}`, "\xff\xfe", `[]`} {
			w := serve(rt, signed(t, "POST", "TrentService.ListKeys", "application/x-amz-json-1.1", "kms", []byte(body), nil))
			if w.Code < 400 || w.Code > 499 || w.Header().Get("X-Amzn-Errortype") == "" {
				t.Errorf("body %q: status %d headers %v", body, w.Code, w.Header())
			}
		}
	})
}
