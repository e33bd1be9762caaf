package codectest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// servicesByProtocol loads every pinned model whose protocol has a codec.
func servicesByProtocol(t *testing.T, codecs map[string]codec.Codec) []*model.Service {
	t.Helper()
	names, err := ServiceNames()
	if err != nil {
		t.Fatal(err)
	}
	var out []*model.Service
	for _, n := range names {
		svc := LoadService(t, n)
		if _, ok := codecs[svc.Protocol]; ok {
			out = append(out, svc)
		}
	}
	if len(out) == 0 {
		t.Fatal("no pinned model speaks a protocol with a codec")
	}
	return out
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// TestBotocoreRequestsDecode has botocore serialize a sample input for every
// operation of every service with a codec; the codec must find the operation and
// decode exactly the values botocore was given.
func TestBotocoreRequestsDecode(t *testing.T) {
	RequireBotocore(t)
	codecs := Codecs()
	services := servicesByProtocol(t, codecs)
	byName := map[string]*model.Service{}
	var names []string
	for _, s := range services {
		byName[s.Name] = s
		names = append(names, s.Name)
	}
	lines := RunHarness(t, nil, "requests", "--services", strings.Join(names, ","))
	if len(lines) == 0 {
		t.Fatal("the harness printed no requests")
	}
	for _, line := range lines {
		svc := byName[str(line["service"])]
		opName := str(line["operation"])
		t.Run(svc.Name+"/"+opName, func(t *testing.T) {
			if skip := str(line["skip"]); skip != "" {
				if strings.HasPrefix(skip, "event stream") {
					t.Skip(skip) // Stratus's codecs do not speak event streams.
				}
				t.Fatal(skip)
			}
			body, err := base64.StdEncoding.DecodeString(str(line["body"]))
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(str(line["method"]), str(line["url"]), bytes.NewReader(body))
			for k, v := range line["headers"].(map[string]any) {
				r.Header.Set(k, str(v))
			}
			cd := codecs[svc.Protocol]
			op, err := cd.Operation(svc, r, body)
			if err != nil {
				t.Fatalf("Operation(%s %s) = %v", r.Method, r.URL, err)
			}
			if op.Name != opName {
				t.Fatalf("Operation(%s %s) = %s, want %s", r.Method, r.URL, op.Name, opName)
			}
			var got map[string]any
			unsatisfied, _ := line["unsatisfied"].([]any)
			if d, ok := cd.(Decoder); ok && len(unsatisfied) > 0 {
				// The sample breaks a pattern on purpose of nobody: decode only.
				got, err = d.Decode(svc, op, r, body)
			} else {
				got, err = cd.DecodeRequest(svc, op, r, body)
			}
			if err != nil {
				t.Fatalf("DecodeRequest() = %v\nbody: %s", err, body)
			}
			want := map[string]any{}
			if op.Input != nil {
				w, err := FromTyped(op.Input, line["params"])
				if err != nil {
					t.Fatal(err)
				}
				want = w.(map[string]any)
			}
			if d := Diff(want, got); d != "" {
				t.Fatalf("decoded input differs from botocore's params: %s\nbody: %s", d, body)
			}
		})
	}
}

// responseLine is what the harness script's parse mode reads.
type responseLine struct {
	ID        int               `json:"id"`
	Service   string            `json:"service"`
	Operation string            `json:"operation"`
	Kind      string            `json:"kind"`
	Status    int               `json:"status"`
	Headers   map[string]string `json:"headers"`
	Body      string            `json:"body"`
}

func recorded(id int, svc *model.Service, op string, kind string, rec *httptest.ResponseRecorder) responseLine {
	h := map[string]string{}
	for k, v := range rec.Header() {
		h[k] = strings.Join(v, ",")
	}
	return responseLine{ID: id, Service: svc.Name, Operation: op, Kind: kind, Status: rec.Code, Headers: h,
		Body: base64.StdEncoding.EncodeToString(rec.Body.Bytes())}
}

func parseAll(t *testing.T, lines []responseLine) map[int]map[string]any {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			t.Fatal(err)
		}
	}
	out := map[int]map[string]any{}
	for _, r := range RunHarness(t, in.Bytes(), "parse") {
		id, err := r["id"].(json.Number).Int64()
		if err != nil {
			t.Fatal(err)
		}
		out[int(id)] = r
	}
	return out
}

func hasEventStream(s *model.Shape) bool {
	if s == nil {
		return false
	}
	for _, m := range s.Members {
		if m.Shape.EventStream {
			return true
		}
	}
	return false
}

// TestBotocoreParsesResponses writes a sample output of every operation with
// the codec and has botocore parse it: botocore must read back the same values
// and the request id.
func TestBotocoreParsesResponses(t *testing.T) {
	RequireBotocore(t)
	codecs := Codecs()
	type sent struct {
		svc    *model.Service
		op     *model.Operation
		sample map[string]any
	}
	var lines []responseLine
	var cases []sent
	for _, svc := range servicesByProtocol(t, codecs) {
		ops := make([]string, 0, len(svc.Operations))
		for n := range svc.Operations {
			ops = append(ops, n)
		}
		sort.Strings(ops)
		for _, n := range ops {
			op := svc.Operations[n]
			if hasEventStream(op.Output) {
				continue
			}
			sample := SampleOutput(op)
			rec := httptest.NewRecorder()
			id := len(cases)
			if err := codecs[svc.Protocol].WriteResponse(rec, svc, op, sample, fmt.Sprintf("req-%d", id)); err != nil {
				t.Errorf("%s/%s: WriteResponse() = %v", svc.Name, n, err)
				continue
			}
			lines = append(lines, recorded(id, svc, n, "response", rec))
			cases = append(cases, sent{svc, op, sample})
		}
	}
	parsed := parseAll(t, lines)
	for id, c := range cases {
		t.Run(c.svc.Name+"/"+c.op.Name, func(t *testing.T) {
			r := parsed[id]
			if r == nil {
				t.Fatal("botocore printed nothing for this response")
			}
			if e := str(r["error"]); e != "" {
				t.Fatalf("botocore could not parse the response: %s", e)
			}
			if c.op.Output == nil {
				return // botocore's rpc-v2 parser reads no metadata without an output shape
			}
			if rid := str(r["request_id"]); rid != fmt.Sprintf("req-%d", id) {
				t.Errorf("botocore read request id %q", rid)
			}
			got, err := FromTyped(c.op.Output, r["parsed"])
			if err != nil {
				t.Fatal(err)
			}
			if d := Diff(c.sample, got); d != "" {
				t.Fatalf("botocore read back other values: %s", d)
			}
		})
	}
}

// errorCase is an error a codec writes and what botocore must report.
type errorCase struct {
	svc           *model.Service
	err           *awserr.Error
	code, message string
}

// TestBotocoreParsesErrors writes, for every service with a codec, each of its
// modeled exceptions and a few unmodeled errors; botocore must report the code
// and message clients print (the query code for query-compatible services).
func TestBotocoreParsesErrors(t *testing.T) {
	RequireBotocore(t)
	codecs := Codecs()
	var cases []errorCase
	const msg = `It's "quoted" — ünïcode <&> \ /`
	for _, svc := range servicesByProtocol(t, codecs) {
		names := make([]string, 0, len(svc.Shapes))
		for n, s := range svc.Shapes {
			if s.Exception {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		for _, n := range names {
			s := svc.Shapes[n]
			want := s.Name
			if svc.QueryCompatible {
				want = s.ErrorCode
			}
			status := s.ErrorStatus
			if status == 0 {
				status = 400
			}
			cases = append(cases, errorCase{svc, &awserr.Error{Code: n, Message: msg + " " + n, Status: status}, want, msg + " " + n})
		}
		cases = append(cases,
			errorCase{svc, awserr.Validation("1 validation error detected: x"), "ValidationException", "1 validation error detected: x"},
			errorCase{svc, awserr.Internal(), "InternalFailure", awserr.Internal().Message},
			errorCase{svc, &awserr.Error{Code: "ThrottlingException", Message: "Rate exceeded", Status: 429,
				Fields: map[string]any{"retryAfterSeconds": int64(2)}, Headers: map[string]string{"Retry-After": "2"}}, "ThrottlingException", "Rate exceeded"},
			errorCase{svc, awserr.NotImplemented(svc.ServiceID, "X"), "NotImplemented", awserr.NotImplemented(svc.ServiceID, "X").Message},
		)
		if svc.QueryCompatible {
			cases = append(cases, errorCase{svc, &awserr.Error{Code: "QueueDoesNotExist", Message: "gone",
				Headers: map[string]string{"x-amzn-query-error": "AWS.Legacy.Code;Sender"}}, "AWS.Legacy.Code", "gone"})
		}
	}
	var lines []responseLine
	for id, c := range cases {
		op := firstOperation(c.svc)
		rec := httptest.NewRecorder()
		codecs[c.svc.Protocol].WriteError(rec, c.svc, op, c.err, fmt.Sprintf("req-%d", id))
		if rec.Code != c.err.HTTPStatus() {
			t.Errorf("%s %s: status %d, want %d", c.svc.Name, c.err.Code, rec.Code, c.err.HTTPStatus())
		}
		lines = append(lines, recorded(id, c.svc, op.Name, "error", rec))
	}
	parsed := parseAll(t, lines)
	for id, c := range cases {
		t.Run(c.svc.Name+"/"+c.err.Code, func(t *testing.T) {
			r := parsed[id]
			if e := str(r["error"]); e != "" {
				t.Fatalf("botocore could not parse the error: %s", e)
			}
			if str(r["code"]) != c.code || str(r["message"]) != c.message {
				t.Fatalf("botocore read %q %q, want %q %q", str(r["code"]), str(r["message"]), c.code, c.message)
			}
		})
	}
}

// firstOperation returns the service's operation with the smallest name, so an
// error response has an operation to be parsed against.
func firstOperation(svc *model.Service) *model.Operation {
	var best *model.Operation
	for _, op := range svc.Operations {
		if best == nil || op.Name < best.Name {
			best = op
		}
	}
	return best
}
