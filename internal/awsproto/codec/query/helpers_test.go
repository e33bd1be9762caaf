package query

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/codec/awstime"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// repoRoot is the module root, found from this file's location.
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..")
}

// testModel is a model the tests use, with the path botocore loads it from.
type testModel struct {
	svc      *model.Service
	path     string // absolute path of the model file
	protocol string // protocol forced on the model, "" to keep its own
}

// pinnedModel loads models/<name>/<version>/service-2.json.gz.
func pinnedModel(t testing.TB, name, version string) testModel {
	t.Helper()
	path := filepath.Join(repoRoot(t), "models", name, version, "service-2.json.gz")
	return loadTestModel(t, name, path, "")
}

// loadTestModel loads a model file, optionally forcing its protocol the way the
// python script does.
func loadTestModel(t testing.TB, name, path, protocol string) testModel {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	}
	if protocol != "" {
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			t.Fatal(err)
		}
		md := doc["metadata"].(map[string]any)
		md["protocol"] = protocol
		md["protocols"] = []any{protocol}
		if _, ok := md["xmlNamespace"]; !ok {
			md["xmlNamespace"] = "https://example.com/doc/"
		}
		if raw, err = json.Marshal(doc); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := model.Load(name, raw)
	if err != nil {
		t.Fatal(err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return testModel{svc: svc, path: abs, protocol: protocol}
}

// wireModel is testdata/wire.json, a small query service using every trait the
// codec handles.
func wireModel(t testing.TB) testModel {
	t.Helper()
	return loadTestModel(t, "wire", filepath.Join("testdata", "wire.json"), "")
}

// runBotocore runs testdata/botocore_query.py in mode over lines and returns one
// result per line. Without python3 and botocore it skips the test, except under
// CI=true, where that is a failure.
func runBotocore(t *testing.T, mode string, lines []any) []map[string]any {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(python, "-c", "import botocore.parsers, botocore.serialize").Run()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3 with botocore is required under CI: %v", err)
		}
		t.Skipf("python3 with botocore is not available: %v", err)
	}
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(python, filepath.Join("testdata", "botocore_query.py"), mode)
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore_query.py %s: %v\n%s", mode, err, stderr.String())
	}
	var results []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.UseNumber()
		var r map[string]any
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("botocore output: %v", err)
		}
		results = append(results, r)
	}
	if len(results) != len(lines) {
		t.Fatalf("botocore_query.py %s answered %d lines for %d\n%s", mode, len(results), len(lines), stderr.String())
	}
	return results
}

// sampler builds deterministic sample values for shapes: every member
// populated, two elements per list and map near the top, enums and lengths
// respected, and strings that need escaping on the wire and in XML.
type sampler struct {
	seq int
	// ec2 leaves out empty lists, which the ec2 serializer cannot send.
	ec2 bool
}

const maxSampleDepth = 6

func (g *sampler) next() int { g.seq++; return g.seq }

func (g *sampler) structure(s *model.Shape, depth int) map[string]any {
	out := map[string]any{}
	if depth > maxSampleDepth {
		return out
	}
	for _, m := range s.Members {
		if m.Location != "" || m.Shape.EventStream || m.Shape.Streaming {
			continue
		}
		if v := g.value(m, depth+1); v != nil {
			out[m.Name] = v
		}
	}
	return out
}

func (g *sampler) value(m *model.Member, depth int) any {
	s := m.Shape
	n := g.next()
	switch s.Type {
	case model.Structure:
		if s.Document || depth > maxSampleDepth {
			return nil
		}
		v := g.structure(s, depth)
		if len(v) == 0 {
			return nil
		}
		if s.Union {
			for _, mm := range s.Members { // keep one member, in model order
				if x, ok := v[mm.Name]; ok {
					return map[string]any{mm.Name: x}
				}
			}
		}
		return v
	case model.List:
		if depth > maxSampleDepth {
			return nil
		}
		count := 2
		if depth > 3 {
			count = 1
		}
		if s.Max != nil && float64(count) > *s.Max {
			count = int(*s.Max)
		}
		out := []any{}
		for range count {
			if v := g.value(s.Member, depth+1); v != nil {
				out = append(out, v)
			}
		}
		if len(out) == 0 && g.ec2 {
			return nil
		}
		return out
	case model.Map:
		if depth > maxSampleDepth {
			return nil
		}
		out := map[string]any{}
		for i := range 2 {
			key := "k" + strconv.Itoa(n) + "-" + strconv.Itoa(i)
			if len(s.Key.Shape.Enum) > 0 {
				key = s.Key.Shape.Enum[(n+i)%len(s.Key.Shape.Enum)]
			}
			if v := g.value(s.Value, depth+1); v != nil {
				out[key] = v
			}
		}
		return out
	case model.String:
		if len(s.Enum) > 0 {
			return s.Enum[n%len(s.Enum)]
		}
		str := "v" + strconv.Itoa(n)
		if n%3 == 0 {
			str += ` a+b&c=d%e <x>"'é/`
		}
		if s.Min != nil {
			for len([]rune(str)) < int(*s.Min) {
				str += "x"
			}
		}
		if s.Max != nil && len([]rune(str)) > int(*s.Max) {
			str = string([]rune(str)[:int(*s.Max)])
		}
		return str
	case model.Integer, model.Long:
		v := int64(n)
		if s.Max != nil && float64(v) > *s.Max {
			v = int64(*s.Max)
		}
		if s.Min != nil && float64(v) < *s.Min {
			v = int64(*s.Min)
		}
		if s.Type == model.Long && s.Max == nil {
			v += 1 << 40
		}
		return v
	case model.Float, model.Double:
		return float64(n) + 0.25
	case model.Boolean:
		return n%2 == 0
	case model.Timestamp:
		t := time.Unix(1700000000+int64(n)*3607, 0).UTC()
		if f := awstime.FormatOf(m, awstime.ISO8601); strings.EqualFold(f, awstime.ISO8601) {
			t = t.Add(time.Duration(n%1000) * time.Millisecond)
		}
		return t
	case model.Blob:
		return []byte("blob\x00\xff" + strconv.Itoa(n))
	}
	return nil
}

// toTyped converts a generic value to the typed JSON botocore_query.py reads.
func toTyped(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = toTyped(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = toTyped(e)
		}
		return out
	case time.Time:
		return map[string]any{"__ts": float64(x.UnixMilli()) / 1000}
	case []byte:
		return map[string]any{"__b64": base64.StdEncoding.EncodeToString(x)}
	}
	return v
}

// fromTyped converts typed JSON from botocore_query.py into the generic value of
// member m's shape.
func fromTyped(t *testing.T, m *model.Member, v any) any {
	t.Helper()
	s := m.Shape
	switch s.Type {
	case model.Structure:
		x, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: botocore gave %T for a structure", s.Name, v)
		}
		return fromTypedStruct(t, s, x)
	case model.List:
		x, ok := v.([]any)
		if !ok {
			t.Fatalf("%s: botocore gave %T for a list", s.Name, v)
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromTyped(t, s.Member, e)
		}
		return out
	case model.Map:
		x, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%s: botocore gave %T for a map", s.Name, v)
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = fromTyped(t, s.Value, e)
		}
		return out
	case model.Integer, model.Long:
		i, err := v.(json.Number).Int64()
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		return i
	case model.Float, model.Double:
		f, err := v.(json.Number).Float64()
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		return f
	case model.Timestamp:
		f, err := v.(map[string]any)["__ts"].(json.Number).Float64()
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		return time.UnixMilli(int64(math.Round(f * 1000))).UTC()
	case model.Blob:
		b, err := base64.StdEncoding.DecodeString(v.(map[string]any)["__b64"].(string))
		if err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		return b
	}
	return v
}

func fromTypedStruct(t *testing.T, s *model.Shape, x map[string]any) map[string]any {
	t.Helper()
	out := make(map[string]any, len(x))
	for k, e := range x {
		m := s.MemberNamed(k)
		if m == nil {
			t.Fatalf("%s: botocore gave unknown member %q", s.Name, k)
		}
		out[k] = fromTyped(t, m, e)
	}
	return out
}

// diff describes the first difference between two generic values, or "".
func diff(want, got any, path string) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want a map, got %T", path, got)
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !wok:
				return fmt.Sprintf("%s.%s: unexpected %#v", path, k, gv)
			case !gok:
				return fmt.Sprintf("%s.%s: missing, want %#v", path, k, wv)
			}
			if d := diff(wv, gv, path+"."+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok {
			return fmt.Sprintf("%s: want a list, got %T", path, got)
		}
		if len(w) != len(g) {
			return fmt.Sprintf("%s: want %d elements, got %d", path, len(w), len(g))
		}
		for i := range w {
			if d := diff(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case time.Time:
		g, ok := got.(time.Time)
		if !ok || !w.Equal(g) {
			return fmt.Sprintf("%s: want %v, got %#v", path, w, got)
		}
		return ""
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Sprintf("%s: want %#v (%T), got %#v (%T)", path, want, want, got, got)
	}
	return ""
}

// sortedOps returns svc's operation names in order, for stable test output.
func sortedOps(svc *model.Service) []string {
	names := make([]string, 0, len(svc.Operations))
	for n := range svc.Operations {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
