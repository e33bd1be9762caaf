package codectest

import (
	"fmt"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// sampleTime is the timestamp samples start from (whole seconds, so every
// timestamp format can carry it exactly).
func sampleTime() time.Time { return time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC) }

// maxSampleDepth bounds recursion through recursive shapes: deeper structures
// get only their required members, and past twice the depth nothing.
const maxSampleDepth = 5

// SampleOutput returns a deterministic generic value for op's output with every
// member populated (unions with their first member only). Strings are
// "<member>-<n>" or the first enum values, timestamps whole seconds, a statusCode
// member the operation's success code. It returns nil for an operation without
// output.
func SampleOutput(op *model.Operation) map[string]any {
	if op.Output == nil {
		return nil
	}
	out := sampleStruct(op.Output, 0)
	for _, m := range op.Output.Members {
		switch {
		case m.Location == "statusCode":
			code := op.SuccessCode
			if code == 0 {
				code = 200
			}
			out[m.Name] = int64(code)
		case m.Shape.EventStream:
			delete(out, m.Name)
		}
	}
	return out
}

// SampleValue returns a deterministic generic value for shape s.
func SampleValue(s *model.Shape) any {
	return sampleValue(&model.Member{Name: s.Name, Shape: s}, 0, 0)
}

func sampleStruct(s *model.Shape, depth int) map[string]any {
	out := map[string]any{}
	for i, m := range s.Members {
		if s.Union && i > 0 {
			break
		}
		if m.Shape.EventStream || depth >= 2*maxSampleDepth || depth >= maxSampleDepth && !s.IsRequired(m.Name) {
			continue
		}
		out[m.Name] = sampleValue(m, depth+1, 0)
	}
	return out
}

func sampleValue(m *model.Member, depth, variant int) any {
	s := m.Shape
	if s.Document {
		return map[string]any{"k": "v", "n": 1.5, "l": []any{true, "x"}}
	}
	switch s.Type {
	case model.Structure:
		return sampleStruct(s, depth)
	case model.List:
		n := sampleCount(s)
		items := make([]any, n)
		for i := range items {
			items[i] = sampleValue(s.Member, depth+1, i)
		}
		return items
	case model.Map:
		n := sampleCount(s)
		out := map[string]any{}
		for i := 0; i < n; i++ {
			k, _ := sampleValue(s.Key, depth+1, i).(string)
			if m.Location == "headers" {
				k = strings.ToLower(k)
			}
			out[k] = sampleValue(s.Value, depth+1, i)
		}
		return out
	case model.String:
		if m.JSONValue {
			return map[string]any{"k": "v", "l": []any{1.5, true}}
		}
		if len(s.Enum) > 0 {
			return s.Enum[variant%len(s.Enum)]
		}
		return fmt.Sprintf("%s-%d", strings.ToLower(m.Name), variant)
	case model.Integer:
		return int64(clamp(s, 7+variant))
	case model.Long:
		return int64(clamp(s, 1234567890123+variant))
	case model.Float, model.Double:
		return float64(clamp(s, 2+variant)) + 0.5
	case model.Boolean:
		return variant%2 == 0
	case model.Timestamp:
		return sampleTime().Add(time.Duration(variant) * time.Second)
	case model.Blob:
		return []byte(fmt.Sprintf("blob\x00\x01-%d", variant))
	}
	return nil
}

func sampleCount(s *model.Shape) int {
	n := 2
	if s.Max != nil && float64(n) > *s.Max {
		n = int(*s.Max)
	}
	if s.Min != nil && float64(n) < *s.Min {
		n = int(*s.Min)
	}
	return n
}

func clamp(s *model.Shape, v int) int {
	if s.Max != nil && float64(v) > *s.Max {
		v = int(*s.Max)
	}
	if s.Min != nil && float64(v) < *s.Min {
		v = int(*s.Min)
	}
	return v
}
