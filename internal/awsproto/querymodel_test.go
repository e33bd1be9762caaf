package awsproto_test

import (
	"encoding/json"
	"encoding/xml"
	"log/slog"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// echoModel is a json service that was a query service before, like SQS:
// Echo takes a flattened map whose query wire names differ from its member
// names.
func echoModel(t *testing.T, protocol string) *model.Service {
	t.Helper()
	md := `"protocol":"json","jsonVersion":"1.0","targetPrefix":"Echo","awsQueryCompatible":{}`
	attrs := `"Attributes":{"shape":"Attrs"}`
	attrMap := `{"type":"map","key":{"shape":"S"},"value":{"shape":"S"},"flattened":true}`
	output := `{"shape":"EchoOut"}`
	if protocol == model.Query {
		md = `"protocol":"query","xmlNamespace":"http://example.com/doc/"`
		attrs = `"Attributes":{"shape":"Attrs","locationName":"Attribute"}`
		attrMap = `{"type":"map","key":{"shape":"S","locationName":"Name"},"value":{"shape":"S","locationName":"Value"},"flattened":true}`
		output = `{"shape":"EchoOut","resultWrapper":"EchoResult"}`
	}
	doc := `{"metadata":{"apiVersion":"2012-11-05","endpointPrefix":"echo","serviceId":"Echo",` + md + `},
		"operations":{"Echo":{"name":"Echo","http":{"method":"POST","requestUri":"/"},"input":{"shape":"EchoIn"},"output":` + output + `}},
		"shapes":{"S":{"type":"string"},"Attrs":` + attrMap + `,
			"EchoIn":{"type":"structure","members":{` + attrs + `}},
			"EchoOut":{"type":"structure","members":{` + attrs + `,"Host":{"shape":"S"}}}}}`
	m, err := model.Load("echo", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestFormEncodedRequestsUseTheQueryModel(t *testing.T) {
	rt := awsproto.NewRouter(awsproto.RouterConfig{
		Authenticator: keyAuth{}, Authorizer: &listAuthz{allow: map[string]bool{"echo:Echo *": true}}, Codecs: codecs(),
		Logger: slog.New(slog.DiscardHandler),
	})
	echo := func(c *awsproto.Call, in any) (map[string]any, error) {
		out := map[string]any{"Host": c.Host}
		if a, ok := in.(map[string]any)["Attributes"]; ok {
			out["Attributes"] = a
		}
		return out, nil
	}
	err := rt.Register(&awsproto.Service{
		Model: echoModel(t, model.JSON), QueryModel: echoModel(t, model.Query), ActionPrefix: "echo",
		Ops: map[string]awsproto.Op{"Echo": {Run: echo}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("a form-encoded request is decoded and answered with the query model", func(t *testing.T) {
		r := signed(t, "POST", "", "application/x-www-form-urlencoded; charset=utf-8", "echo",
			[]byte("Action=Echo&Version=2012-11-05&Attribute.1.Name=a&Attribute.1.Value=b"), nil)
		w := serve(rt, r)
		var out struct {
			Name  string `xml:"EchoResult>Attribute>Name"`
			Value string `xml:"EchoResult>Attribute>Value"`
			Host  string `xml:"EchoResult>Host"`
		}
		if err := xml.Unmarshal(w.Body.Bytes(), &out); err != nil || w.Code != 200 || out.Name != "a" || out.Value != "b" {
			t.Fatalf("status %d body %s (%v)", w.Code, w.Body, err)
		}
		if out.Host != "127.0.0.1:4566" {
			t.Errorf("Call.Host = %q, want the request's host", out.Host)
		}
	})
	t.Run("a json request to the same service keeps the json model", func(t *testing.T) {
		w := serve(rt, signed(t, "POST", "Echo.Echo", "application/x-amz-json-1.0", "echo", []byte(`{"Attributes":{"a":"b"}}`), nil))
		var out map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || w.Code != 200 {
			t.Fatalf("status %d body %s", w.Code, w.Body)
		}
		if a, _ := out["Attributes"].(map[string]any); a["a"] != "b" {
			t.Errorf("got %v", out)
		}
	})
	t.Run("a query error is written as query XML", func(t *testing.T) {
		w := serve(rt, signed(t, "POST", "", "application/x-www-form-urlencoded", "echo", []byte("Action=Nope&Version=2012-11-05"), nil))
		var e xmlError
		xml.Unmarshal(w.Body.Bytes(), &e)
		if w.Code != 400 || e.Code != "InvalidAction" || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/xml") {
			t.Fatalf("status %d body %s", w.Code, w.Body)
		}
	})
	t.Run("a query model with another protocol is refused at registration", func(t *testing.T) {
		err := rt.Register(&awsproto.Service{Model: echoModel(t, model.JSON), QueryModel: echoModel(t, model.JSON), ActionPrefix: "echo"})
		if err == nil {
			t.Fatal("registered")
		}
	})
}
