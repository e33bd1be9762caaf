package query

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
)

// roundTripModels are the services whose every operation goes through botocore
// both ways: the pinned query services, EC2, SQS's model spoken as query (its
// flattened lists and maps), and testdata/wire.json (every naming trait).
func roundTripModels(t *testing.T) []testModel {
	t.Helper()
	sqs := pinnedModel(t, "sqs", "2012-11-05")
	return []testModel{
		pinnedModel(t, "iam", "2010-05-08"),
		pinnedModel(t, "sts", "2011-06-15"),
		pinnedModel(t, "sns", "2010-03-31"),
		pinnedModel(t, "rds", "2014-10-31"),
		pinnedModel(t, "ec2", "2016-11-15"),
		loadTestModel(t, "sqs", sqs.path, "query"),
		wireModel(t),
	}
}

func codecFor(m testModel) *Codec {
	if m.svc.Protocol == "ec2" {
		return NewEC2()
	}
	return New()
}

// TestBotocoreRequestsDecode serializes a sample input of every operation with
// botocore's QuerySerializer or EC2Serializer and checks that the codec finds
// the operation and decodes exactly the sample.
func TestBotocoreRequestsDecode(t *testing.T) {
	type item struct {
		m    testModel
		op   string
		want map[string]any
	}
	var items []item
	var lines []any
	for _, m := range roundTripModels(t) {
		g := &sampler{ec2: m.svc.Protocol == "ec2"}
		for _, name := range sortedOps(m.svc) {
			op := m.svc.Operations[name]
			want := map[string]any{}
			if op.Input != nil {
				want = g.structure(op.Input, 0)
			}
			items = append(items, item{m, name, want})
			lines = append(lines, map[string]any{
				"model": m.path, "protocol": m.protocol, "operation": name, "params": toTyped(want),
			})
		}
	}
	results := runBotocore(t, "serialize", lines)
	for i, it := range items {
		res := results[i]
		t.Run(it.m.svc.Name+"/"+it.op+" decodes what botocore sends", func(t *testing.T) {
			if e, ok := res["error"]; ok {
				t.Fatalf("botocore: %v", e)
			}
			body := res["body"].(string)
			r := httptest.NewRequest(res["method"].(string), res["url"].(string), strings.NewReader(body))
			for k, v := range res["headers"].(map[string]any) {
				r.Header.Set(k, v.(string))
			}
			c := codecFor(it.m)
			op, err := c.Operation(it.m.svc, r, []byte(body))
			if err != nil {
				t.Fatalf("Operation: %v\nbody: %s", err, body)
			}
			if op.Name != it.op {
				t.Fatalf("Operation = %s, want %s", op.Name, it.op)
			}
			got, err := c.Decode(nil, op, r, []byte(body))
			if err != nil {
				t.Fatalf("decode: %v\nbody: %s", err, body)
			}
			if d := diff(it.want, got, "input"); d != "" {
				t.Fatalf("%s\nbody: %s", d, body)
			}
		})
	}
}

// TestBotocoreParsesResponses writes a sample output of every operation and
// checks that botocore's QueryParser or EC2QueryParser reads back exactly the
// sample and the request id.
func TestBotocoreParsesResponses(t *testing.T) {
	type item struct {
		m    testModel
		op   string
		want map[string]any
	}
	var items []item
	var lines []any
	for _, m := range roundTripModels(t) {
		g := &sampler{ec2: m.svc.Protocol == "ec2"}
		c := codecFor(m)
		for _, name := range sortedOps(m.svc) {
			op := m.svc.Operations[name]
			want := map[string]any{}
			if op.Output != nil {
				want = g.structure(op.Output, 0)
			}
			w := httptest.NewRecorder()
			if err := c.WriteResponse(w, m.svc, op, want, "req-"+name); err != nil {
				t.Fatalf("%s/%s: WriteResponse: %v", m.svc.Name, name, err)
			}
			items = append(items, item{m, name, want})
			lines = append(lines, map[string]any{
				"model": m.path, "protocol": m.protocol, "operation": name, "status": w.Code,
				"body": base64.StdEncoding.EncodeToString(w.Body.Bytes()),
			})
		}
	}
	results := runBotocore(t, "parse", lines)
	for i, it := range items {
		res := results[i]
		t.Run(it.m.svc.Name+"/"+it.op+" response parses in botocore", func(t *testing.T) {
			if e, ok := res["error"]; ok {
				t.Fatalf("botocore: %v", e)
			}
			parsed := res["parsed"].(map[string]any)
			if id := parsed["__RequestId"]; id != "req-"+it.op {
				t.Errorf("RequestId = %v, want req-%s", id, it.op)
			}
			delete(parsed, "__RequestId")
			op := it.m.svc.Operations[it.op]
			got := map[string]any{}
			if op.Output != nil {
				got = fromTypedStruct(t, op.Output, parsed)
			}
			if d := diff(it.want, got, "output"); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// TestBotocoreParsesErrors checks that botocore reads the code, message and
// modeled fields of errors exactly as written.
func TestBotocoreParsesErrors(t *testing.T) {
	wire := wireModel(t)
	ec2 := pinnedModel(t, "ec2", "2016-11-15")
	iam := pinnedModel(t, "iam", "2010-05-08")
	tests := []struct {
		name      string
		m         testModel
		op        string
		err       *awserr.Error
		wantExtra map[string]any // modeled members botocore must parse
	}{
		{"a query client error keeps its code and message", iam, "GetUser",
			awserr.New("NoSuchEntity", 404, "The user with name bob cannot be found."), nil},
		{"a query message needing escapes survives", iam, "CreateUser",
			awserr.New("ValidationError", 400, `1 validation error detected: Value 'a<b>&"c"' at 'userName' failed`), nil},
		{"a query server error is written as a Receiver fault", iam, "ListUsers",
			awserr.Internal(), nil},
		{"a query error without a known operation still parses", iam, "",
			awserr.New("InvalidAction", 400, "Could not find operation Nope for version 2010-05-08"), nil},
		{"modeled error fields are written as the error shape's members", wire, "Echo",
			&awserr.Error{Code: "Throttling", Message: "slow down", Status: 400, Fields: map[string]any{"RetryAfterSeconds": int64(7)}},
			map[string]any{"RetryAfterSeconds": "7"}},
		{"an ec2 error keeps its code and message", ec2, "DescribeVpcs",
			awserr.New("InvalidVpcID.NotFound", 400, "The vpc ID 'vpc-1' does not exist"), nil},
		{"an ec2 server error keeps its code", ec2, "CreateTags",
			awserr.Internal(), nil},
	}
	var lines []any
	for _, tt := range tests {
		c := codecFor(tt.m)
		w := httptest.NewRecorder()
		op := tt.m.svc.Operations[tt.op]
		c.WriteError(w, tt.m.svc, op, tt.err, "req-err")
		if w.Code != tt.err.HTTPStatus() {
			t.Fatalf("%s: status %d, want %d", tt.name, w.Code, tt.err.HTTPStatus())
		}
		opName := tt.op
		if opName == "" {
			opName = "ListUsers" // botocore needs some operation to parse against
		}
		lines = append(lines, map[string]any{
			"model": tt.m.path, "protocol": tt.m.protocol, "operation": opName, "status": w.Code,
			"body": base64.StdEncoding.EncodeToString(w.Body.Bytes()),
		})
	}
	results := runBotocore(t, "parse", lines)
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := results[i]
			if e, ok := res["error"]; ok {
				t.Fatalf("botocore: %v", e)
			}
			parsed := res["parsed"].(map[string]any)
			e, _ := parsed["Error"].(map[string]any)
			if e["Code"] != tt.err.Code || e["Message"] != tt.err.Message {
				t.Errorf("botocore read Code %q Message %q, want %q %q", e["Code"], e["Message"], tt.err.Code, tt.err.Message)
			}
			if id := parsed["__RequestId"]; id != "req-err" {
				t.Errorf("RequestId = %v, want req-err", id)
			}
			for k, want := range tt.wantExtra {
				if got := parsed[k]; got == nil || got.(interface{ String() string }).String() != want {
					t.Errorf("modeled field %s = %v, want %v", k, got, want)
				}
			}
		})
	}
}
