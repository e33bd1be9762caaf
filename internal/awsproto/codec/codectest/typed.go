package codectest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/codec/awstime"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// FromTyped converts a value the harness script printed (JSON decoded with
// UseNumber; timestamps as {"__ts": epoch}, blobs as {"__b64": ...}) into the
// generic value of shape s.
func FromTyped(s *model.Shape, raw any) (any, error) {
	return fromTyped(&model.Member{Name: s.Name, Shape: s}, raw, s.Name)
}

func fromTyped(m *model.Member, raw any, path string) (any, error) {
	s := m.Shape
	if raw == nil {
		return nil, nil
	}
	if s.Document || s.Type == model.String && m.JSONValue {
		return typedDocument(raw), nil
	}
	switch s.Type {
	case model.Structure:
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: want an object, got %T", path, raw)
		}
		out := map[string]any{}
		for k, v := range obj {
			mm := s.MemberNamed(k)
			if mm == nil {
				return nil, fmt.Errorf("%s: unknown member %s", path, k)
			}
			cv, err := fromTyped(mm, v, path+"."+k)
			if err != nil {
				return nil, err
			}
			if cv != nil {
				out[k] = cv
			}
		}
		return out, nil
	case model.List:
		arr, ok := raw.([]any)
		if !ok {
			return nil, fmt.Errorf("%s: want an array, got %T", path, raw)
		}
		out := make([]any, 0, len(arr))
		for i, v := range arr {
			cv, err := fromTyped(s.Member, v, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out = append(out, cv)
		}
		return out, nil
	case model.Map:
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%s: want an object, got %T", path, raw)
		}
		out := map[string]any{}
		for k, v := range obj {
			cv, err := fromTyped(s.Value, v, path+"["+k+"]")
			if err != nil {
				return nil, err
			}
			out[k] = cv
		}
		return out, nil
	case model.String:
		if str, ok := raw.(string); ok {
			return str, nil
		}
	case model.Boolean:
		if b, ok := raw.(bool); ok {
			return b, nil
		}
	case model.Integer, model.Long:
		if n, ok := raw.(json.Number); ok {
			return n.Int64()
		}
	case model.Float, model.Double:
		switch v := raw.(type) {
		case json.Number:
			return strconv.ParseFloat(string(v), 64)
		case string:
			switch v {
			case "NaN":
				return math.NaN(), nil
			case "Infinity":
				return math.Inf(1), nil
			case "-Infinity":
				return math.Inf(-1), nil
			}
		}
	case model.Timestamp:
		if obj, ok := raw.(map[string]any); ok {
			if n, ok := obj["__ts"].(json.Number); ok {
				f, err := n.Float64()
				if err != nil {
					return nil, err
				}
				return awstime.FromEpoch(f)
			}
		}
	case model.Blob:
		switch v := raw.(type) {
		case map[string]any:
			if b, ok := v["__b64"].(string); ok {
				return base64.StdEncoding.DecodeString(b)
			}
		case string: // botocore hands non-streaming payload blobs back as text
			return []byte(v), nil
		}
	}
	return nil, fmt.Errorf("%s: a %s cannot be %T %v", path, s.Type, raw, raw)
}

func typedDocument(raw any) any {
	switch v := raw.(type) {
	case json.Number:
		f, _ := v.Float64()
		return f
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = typedDocument(e)
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = typedDocument(e)
		}
		return out
	}
	return raw
}

// Diff compares two generic values and describes the first difference, or
// returns "" when they are equal. Timestamps compare by instant, NaN equals NaN,
// integers and floats of the document form compare by value.
func Diff(want, got any) string {
	return diff(want, got, "")
}

func diff(want, got any, path string) string {
	if path == "" {
		path = "."
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: want a map, got %T %v", path, got, got)
		}
		keys := map[string]bool{}
		for k := range w {
			keys[k] = true
		}
		for k := range g {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			wv, wok := w[k]
			gv, gok := g[k]
			switch {
			case !wok:
				return fmt.Sprintf("%s/%s: unexpected %v", path, k, gv)
			case !gok:
				return fmt.Sprintf("%s/%s: missing, want %v", path, k, wv)
			}
			if d := diff(wv, gv, path+"/"+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: want %v, got %v", path, w, got)
		}
		for i := range w {
			if d := diff(w[i], g[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
		return ""
	case time.Time:
		if g, ok := got.(time.Time); !ok || !g.Equal(w) {
			return fmt.Sprintf("%s: want %v, got %v", path, w, got)
		}
		return ""
	case float64:
		if g, ok := got.(float64); ok && (g == w || math.IsNaN(g) && math.IsNaN(w)) {
			return ""
		}
		return fmt.Sprintf("%s: want %v, got %T %v", path, w, got, got)
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Sprintf("%s: want %T %v, got %T %v", path, want, want, got, got)
	}
	return ""
}
