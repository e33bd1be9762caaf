package rpcv2cbor

import (
	"math"
	"reflect"
	"time"

	"github.com/fxamacker/cbor/v2"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/awstime"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// MaxDepth is the deepest nesting of arrays and maps a request may have.
const MaxDepth = 100

// newDecMode returns the decoder settings for hostile input: bounded nesting,
// text keys only, valid UTF-8 only, no trailing data.
func newDecMode() cbor.DecMode {
	dm, err := cbor.DecOptions{
		MaxNestedLevels: MaxDepth,
		DefaultMapType:  reflect.TypeOf(map[string]any(nil)),
		IndefLength:     cbor.IndefLengthAllowed,
		DupMapKey:       cbor.DupMapKeyQuiet,
		UTF8:            cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		// The options are constants; an error here is a programming mistake.
		panic("rpcv2cbor: decoder options: " + err.Error())
	}
	return dm
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a map"
	case []any:
		return "an array"
	case string:
		return "a text string"
	case []byte:
		return "a byte string"
	case uint64, int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case time.Time:
		return "a timestamp"
	case nil:
		return "null"
	}
	return "an unsupported value"
}

func mismatch(v any, want string) error {
	return awserr.Serialization("Expected %s but found %s.", want, kind(v))
}

func decodeStruct(s *model.Shape, obj map[string]any) (map[string]any, error) {
	out := make(map[string]any, len(obj))
	for _, m := range s.Members {
		raw, ok := obj[m.Name]
		if !ok && m.LocationName != "" {
			raw, ok = obj[m.LocationName]
		}
		if !ok || raw == nil {
			continue
		}
		v, err := decodeValue(m, raw)
		if err != nil {
			return nil, err
		}
		out[m.Name] = v
	}
	return out, nil
}

func decodeValue(m *model.Member, raw any) (any, error) {
	s := m.Shape
	if s.Document {
		return document(raw)
	}
	switch s.Type {
	case model.Structure:
		obj, ok := raw.(map[string]any)
		if !ok {
			return nil, mismatch(raw, "a map")
		}
		return decodeStruct(s, obj)
	case model.List:
		arr, ok := raw.([]any)
		if !ok || s.Member == nil {
			return nil, mismatch(raw, "an array")
		}
		out := make([]any, 0, len(arr))
		for _, e := range arr {
			if e == nil {
				continue
			}
			v, err := decodeValue(s.Member, e)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case model.Map:
		obj, ok := raw.(map[string]any)
		if !ok || s.Value == nil {
			return nil, mismatch(raw, "a map")
		}
		out := make(map[string]any, len(obj))
		for k, e := range obj {
			if e == nil {
				continue
			}
			v, err := decodeValue(s.Value, e)
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		return out, nil
	case model.String:
		str, ok := raw.(string)
		if !ok {
			return nil, mismatch(raw, "a text string")
		}
		return str, nil
	case model.Blob:
		b, ok := raw.([]byte)
		if !ok {
			return nil, mismatch(raw, "a byte string")
		}
		return b, nil
	case model.Boolean:
		b, ok := raw.(bool)
		if !ok {
			return nil, mismatch(raw, "a boolean")
		}
		return b, nil
	case model.Integer, model.Long:
		n, ok := integer(raw)
		if !ok {
			return nil, mismatch(raw, "an integer in range")
		}
		if s.Type == model.Integer && (n < math.MinInt32 || n > math.MaxInt32) {
			return nil, awserr.Serialization("Integer %d is out of range.", n)
		}
		return n, nil
	case model.Float, model.Double:
		switch n := raw.(type) {
		case float64:
			return n, nil
		case uint64:
			return float64(n), nil
		case int64:
			return float64(n), nil
		}
		return nil, mismatch(raw, "a float")
	case model.Timestamp:
		switch t := raw.(type) {
		case time.Time, float64, uint64, int64:
			f := 0.0
			switch n := t.(type) {
			case time.Time:
				f = float64(n.UnixMilli()) / 1e3
			case float64:
				f = n
			case uint64:
				f = float64(n)
			case int64:
				f = float64(n)
			}
			ts, err := awstime.FromEpoch(f)
			if err != nil {
				return nil, awserr.Serialization("Timestamp is out of range.")
			}
			return ts, nil
		}
		return nil, mismatch(raw, "a timestamp")
	}
	return nil, awserr.Serialization("Shape type %q is not supported.", s.Type)
}

// integer returns raw as an int64 if it is a CBOR integer in range or an integral
// float.
func integer(raw any) (int64, bool) {
	switch n := raw.(type) {
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	case int64:
		return n, true
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt64 && n < math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}

// document converts a decoded CBOR value into the generic document form (numbers
// as float64).
func document(raw any) (any, error) {
	switch v := raw.(type) {
	case uint64:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case float64, string, bool, nil, []byte:
		return v, nil
	case time.Time:
		return v.UTC(), nil
	case []any:
		for i, e := range v {
			d, err := document(e)
			if err != nil {
				return nil, err
			}
			v[i] = d
		}
		return v, nil
	case map[string]any:
		for k, e := range v {
			d, err := document(e)
			if err != nil {
				return nil, err
			}
			v[k] = d
		}
		return v, nil
	}
	return nil, awserr.Serialization("Document holds %s.", kind(raw))
}
