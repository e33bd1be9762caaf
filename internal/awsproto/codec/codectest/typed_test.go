package codectest

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

func TestFromTypedReadsTheScriptsEncoding(t *testing.T) {
	svc, err := model.Load("t", []byte(`{"metadata":{},"operations":{},"shapes":{
		"S":{"type":"structure","members":{"T":{"shape":"T"},"B":{"shape":"B"},"N":{"shape":"N"},"F":{"shape":"F"},"L":{"shape":"L"},"D":{"shape":"D"}}},
		"T":{"type":"timestamp"},"B":{"type":"blob"},"N":{"type":"long"},"F":{"type":"double"},
		"L":{"type":"list","member":{"shape":"F"}},"D":{"type":"structure","members":{},"document":true}}}`))
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(`{"T":{"__ts":1704164645.5},"B":{"__b64":"AAE="},"N":9007199254740993,"F":"NaN","L":[1.5,"-Infinity"],"D":{"n":1}}`))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		t.Fatal(err)
	}
	got, err := FromTyped(svc.Shapes["S"], raw)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"T": time.UnixMilli(1704164645500), "B": []byte{0, 1}, "N": int64(9007199254740993),
		"F": math.NaN(), "L": []any{1.5, math.Inf(-1)}, "D": map[string]any{"n": 1.0}}
	if d := Diff(want, got); d != "" {
		t.Fatal(d)
	}
}

func TestDiffNamesTheFirstDifference(t *testing.T) {
	tests := []struct {
		name      string
		want, got any
		diff      string
	}{
		{"equal values have no difference", map[string]any{"a": []any{1.0}}, map[string]any{"a": []any{1.0}}, ""},
		{"instants compare across zones", time.Unix(5, 0).UTC(), time.Unix(5, 0).In(time.FixedZone("x", 60)), ""},
		{"a missing key is named", map[string]any{"a": "x"}, map[string]any{}, "./a: missing"},
		{"an extra key is named", map[string]any{}, map[string]any{"b": "x"}, "./b: unexpected"},
		{"a list element is named", []any{"a", "b"}, []any{"a", "c"}, ".[1]"},
		{"bytes compare by content", []byte("a"), []byte("b"), "."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Diff(tt.want, tt.got)
			if tt.diff == "" && d != "" || tt.diff != "" && !strings.HasPrefix(d, tt.diff) {
				t.Fatalf("Diff() = %q, want prefix %q", d, tt.diff)
			}
		})
	}
}

func TestSampleOutputIsDeterministic(t *testing.T) {
	svc := LoadService(t, "lambda")
	op := svc.Operations["Invoke"]
	a, _ := json.Marshal(SampleOutput(op))
	b, _ := json.Marshal(SampleOutput(op))
	if !bytes.Equal(a, b) || SampleOutput(op)["StatusCode"] != int64(200) {
		t.Fatalf("SampleOutput() = %s then %s", a, b)
	}
}
