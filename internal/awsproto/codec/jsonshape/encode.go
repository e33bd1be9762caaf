package jsonshape

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/awsproto/codec/awstime"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// Encode writes v, the generic value of structure shape, as a JSON object with
// members in model order. Absent and nil members are left out. A value of the
// wrong Go type for its shape is an error (a handler bug).
func Encode(shape *model.Shape, v map[string]any, ms Members) ([]byte, error) {
	e := encoder{buf: make([]byte, 0, 256)}
	if shape == nil {
		return []byte("{}"), nil
	}
	if err := e.structure(shape, v, ms, ""); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// EncodeMember writes v, the generic value of m's shape, as JSON (a rest-json
// payload member, or the JSON of a jsonvalue header).
func EncodeMember(m *model.Member, v any) ([]byte, error) {
	e := encoder{}
	if err := e.value(m, v, m.Name); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// EncodeDocument writes a free-form value (an error's extra fields, say) as JSON,
// map keys sorted.
func EncodeDocument(v any) ([]byte, error) {
	e := encoder{}
	if err := e.document(v, "document"); err != nil {
		return nil, err
	}
	return e.buf, nil
}

type encoder struct {
	buf []byte
}

func typeError(path string, want string, v any) error {
	return fmt.Errorf("encode %s: want %s, got %T", path, want, v)
}

func (e *encoder) structure(s *model.Shape, v map[string]any, ms Members, path string) error {
	e.buf = append(e.buf, '{')
	first := true
	for _, m := range s.Members {
		if !ms.includes(m) {
			continue
		}
		mv, ok := v[m.Name]
		if !ok || mv == nil {
			continue
		}
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		e.buf = AppendString(e.buf, wireName(m))
		e.buf = append(e.buf, ':')
		if err := e.value(m, mv, path+"."+m.Name); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func (e *encoder) value(m *model.Member, v any, path string) error {
	s := m.Shape
	if s.Document || (s.Type == model.String && m.JSONValue) {
		return e.document(v, path)
	}
	switch s.Type {
	case model.Structure:
		sv, ok := v.(map[string]any)
		if !ok {
			return typeError(path, "map[string]any", v)
		}
		return e.structure(s, sv, AllMembers, path)
	case model.List:
		if s.Member == nil {
			return fmt.Errorf("encode %s: list shape %s has no member", path, s.Name)
		}
		items, ok := listItems(v)
		if !ok {
			return typeError(path, "[]any", v)
		}
		e.buf = append(e.buf, '[')
		first := true
		for _, item := range items {
			if item == nil {
				continue
			}
			if !first {
				e.buf = append(e.buf, ',')
			}
			first = false
			if err := e.value(s.Member, item, path+"[]"); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
		return nil
	case model.Map:
		if s.Value == nil {
			return fmt.Errorf("encode %s: map shape %s has no value", path, s.Name)
		}
		entries, ok := mapEntries(v)
		if !ok {
			return typeError(path, "map[string]any", v)
		}
		keys := make([]string, 0, len(entries))
		for k, ev := range entries {
			if ev != nil {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		e.buf = append(e.buf, '{')
		for i, k := range keys {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = AppendString(e.buf, k)
			e.buf = append(e.buf, ':')
			if err := e.value(s.Value, entries[k], path+"["+k+"]"); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
		return nil
	case model.String:
		str, ok := v.(string)
		if !ok {
			return typeError(path, "string", v)
		}
		e.buf = AppendString(e.buf, str)
		return nil
	case model.Boolean:
		b, ok := v.(bool)
		if !ok {
			return typeError(path, "bool", v)
		}
		e.buf = strconv.AppendBool(e.buf, b)
		return nil
	case model.Integer, model.Long:
		n, ok := Int(v)
		if !ok {
			return typeError(path, "int64", v)
		}
		e.buf = strconv.AppendInt(e.buf, n, 10)
		return nil
	case model.Float, model.Double:
		f, ok := Float(v)
		if !ok {
			return typeError(path, "float64", v)
		}
		bits := 64
		if s.Type == model.Float {
			bits = 32
		}
		e.buf = AppendFloat(e.buf, f, bits)
		return nil
	case model.Timestamp:
		t, ok := v.(time.Time)
		if !ok {
			return typeError(path, "time.Time", v)
		}
		if f := awstime.FormatOf(m, awstime.UnixTimestamp); f == awstime.UnixTimestamp {
			e.buf = append(e.buf, awstime.EpochString(t)...)
		} else {
			e.buf = AppendString(e.buf, awstime.Format(t, f))
		}
		return nil
	case model.Blob:
		var b []byte
		switch bv := v.(type) {
		case []byte:
			b = bv
		case string:
			b = []byte(bv)
		default:
			return typeError(path, "[]byte", v)
		}
		e.buf = append(e.buf, '"')
		e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
		e.buf = append(e.buf, '"')
		return nil
	}
	return fmt.Errorf("encode %s: shape type %q is not supported", path, s.Type)
}

// document writes a free-form value with sorted map keys.
func (e *encoder) document(v any, path string) error {
	switch dv := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		e.buf = AppendString(e.buf, dv)
	case bool:
		e.buf = strconv.AppendBool(e.buf, dv)
	case []any:
		e.buf = append(e.buf, '[')
		for i, item := range dv {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			if err := e.document(item, path); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, ']')
	case map[string]any:
		keys := make([]string, 0, len(dv))
		for k := range dv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		e.buf = append(e.buf, '{')
		for i, k := range keys {
			if i > 0 {
				e.buf = append(e.buf, ',')
			}
			e.buf = AppendString(e.buf, k)
			e.buf = append(e.buf, ':')
			if err := e.document(dv[k], path); err != nil {
				return err
			}
		}
		e.buf = append(e.buf, '}')
	default:
		if n, ok := v.(int64); ok {
			e.buf = strconv.AppendInt(e.buf, n, 10)
			return nil
		}
		if f, ok := Float(v); ok {
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return fmt.Errorf("encode %s: %v is not a JSON number", path, f)
			}
			e.buf = AppendFloat(e.buf, f, 64)
			return nil
		}
		// Anything else (time.Time, []byte, typed structs) as encoding/json does.
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("encode %s: %w", path, err)
		}
		e.buf = append(e.buf, b...)
	}
	return nil
}

func listItems(v any) ([]any, bool) {
	switch l := v.(type) {
	case []any:
		return l, true
	case []string:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	case []map[string]any:
		out := make([]any, len(l))
		for i, s := range l {
			out[i] = s
		}
		return out, true
	}
	return nil, false
}

func mapEntries(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[string]string:
		out := make(map[string]any, len(m))
		for k, s := range m {
			out[k] = s
		}
		return out, true
	}
	return nil, false
}

// Int returns v as an int64 if it is an integer of any Go integer type or an
// integral float.
func Int(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int16:
		return int64(n), true
	case int8:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint8:
		return int64(n), true
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	case uint:
		if uint64(n) <= math.MaxInt64 {
			return int64(n), true
		}
	case float64:
		if n == math.Trunc(n) && n >= math.MinInt64 && n < math.MaxInt64 {
			return int64(n), true
		}
	}
	return 0, false
}

// Float returns v as a float64 if it is a number of any Go numeric type.
func Float(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	if i, ok := Int(v); ok {
		return float64(i), true
	}
	return 0, false
}

// AppendFloat appends f as a JSON number the way encoding/json writes it, or as
// the string "NaN", "Infinity" or "-Infinity". bits is 32 for float shapes.
func AppendFloat(b []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(b, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(b, `"-Infinity"`...)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21)) {
		format = 'e'
	}
	return strconv.AppendFloat(b, f, format, -1, bits)
}

// AppendString appends s as a JSON string. Invalid UTF-8 becomes U+FFFD.
func AppendString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
