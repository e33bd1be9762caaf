package rpcv2cbor

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonshape"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// CBOR major types.
const (
	majorUint   = 0
	majorNegInt = 1
	majorBytes  = 2
	majorText   = 3
	majorArray  = 4
	majorMap    = 5
	majorTag    = 6
	majorSimple = 7
)

// encoder writes definite-length CBOR, structure members in model order and map
// keys sorted, so equal values always encode to equal bytes.
type encoder struct {
	buf []byte
}

func (e *encoder) head(major byte, n uint64) {
	m := major << 5
	switch {
	case n < 24:
		e.buf = append(e.buf, m|byte(n))
	case n <= math.MaxUint8:
		e.buf = append(e.buf, m|24, byte(n))
	case n <= math.MaxUint16:
		e.buf = binary.BigEndian.AppendUint16(append(e.buf, m|25), uint16(n))
	case n <= math.MaxUint32:
		e.buf = binary.BigEndian.AppendUint32(append(e.buf, m|26), uint32(n))
	default:
		e.buf = binary.BigEndian.AppendUint64(append(e.buf, m|27), n)
	}
}

func (e *encoder) text(s string) {
	e.head(majorText, uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) int(n int64) {
	if n >= 0 {
		e.head(majorUint, uint64(n))
		return
	}
	e.head(majorNegInt, uint64(-(n + 1)))
}

func (e *encoder) float64(f float64) {
	e.buf = binary.BigEndian.AppendUint64(append(e.buf, majorSimple<<5|27), math.Float64bits(f))
}

func (e *encoder) float32(f float32) {
	e.buf = binary.BigEndian.AppendUint32(append(e.buf, majorSimple<<5|26), math.Float32bits(f))
}

func (e *encoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, majorSimple<<5|21)
		return
	}
	e.buf = append(e.buf, majorSimple<<5|20)
}

func (e *encoder) null() { e.buf = append(e.buf, majorSimple<<5|22) }

// timestamp writes tag 1 (epoch seconds): an integer for whole seconds, else a
// double with millisecond precision.
func (e *encoder) timestamp(t time.Time) {
	e.head(majorTag, 1)
	ms := t.UnixMilli()
	if ms%1000 == 0 {
		e.int(ms / 1000)
		return
	}
	e.float64(float64(ms) / 1e3)
}

func typeError(path, want string, v any) error {
	return fmt.Errorf("encode %s: want %s, got %T", path, want, v)
}

func (e *encoder) structure(s *model.Shape, v map[string]any, path string) error {
	n := 0
	for _, m := range s.Members {
		if mv, ok := v[m.Name]; ok && mv != nil {
			n++
		}
	}
	e.head(majorMap, uint64(n))
	for _, m := range s.Members {
		mv, ok := v[m.Name]
		if !ok || mv == nil {
			continue
		}
		e.text(m.Name)
		if err := e.value(m, mv, path+"."+m.Name); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) value(m *model.Member, v any, path string) error {
	s := m.Shape
	if s.Document {
		return e.document(v, path)
	}
	switch s.Type {
	case model.Structure:
		sv, ok := v.(map[string]any)
		if !ok {
			return typeError(path, "map[string]any", v)
		}
		return e.structure(s, sv, path)
	case model.List:
		items, ok := v.([]any)
		if !ok || s.Member == nil {
			if ss, isStrings := v.([]string); isStrings && s.Member != nil {
				items = make([]any, len(ss))
				for i, x := range ss {
					items[i] = x
				}
			} else {
				return typeError(path, "[]any", v)
			}
		}
		n := 0
		for _, item := range items {
			if item != nil {
				n++
			}
		}
		e.head(majorArray, uint64(n))
		for _, item := range items {
			if item == nil {
				continue
			}
			if err := e.value(s.Member, item, path+"[]"); err != nil {
				return err
			}
		}
		return nil
	case model.Map:
		entries, ok := v.(map[string]any)
		if !ok || s.Value == nil {
			return typeError(path, "map[string]any", v)
		}
		keys := make([]string, 0, len(entries))
		for k, ev := range entries {
			if ev != nil {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		e.head(majorMap, uint64(len(keys)))
		for _, k := range keys {
			e.text(k)
			if err := e.value(s.Value, entries[k], path+"["+k+"]"); err != nil {
				return err
			}
		}
		return nil
	case model.String:
		str, ok := v.(string)
		if !ok {
			return typeError(path, "string", v)
		}
		e.text(str)
	case model.Boolean:
		b, ok := v.(bool)
		if !ok {
			return typeError(path, "bool", v)
		}
		e.bool(b)
	case model.Integer, model.Long:
		n, ok := jsonshape.Int(v)
		if !ok {
			return typeError(path, "int64", v)
		}
		e.int(n)
	case model.Float:
		f, ok := jsonshape.Float(v)
		if !ok {
			return typeError(path, "float64", v)
		}
		e.float32(float32(f))
	case model.Double:
		f, ok := jsonshape.Float(v)
		if !ok {
			return typeError(path, "float64", v)
		}
		e.float64(f)
	case model.Timestamp:
		t, ok := v.(time.Time)
		if !ok {
			return typeError(path, "time.Time", v)
		}
		e.timestamp(t)
	case model.Blob:
		b, ok := v.([]byte)
		if !ok {
			return typeError(path, "[]byte", v)
		}
		e.head(majorBytes, uint64(len(b)))
		e.buf = append(e.buf, b...)
	default:
		return fmt.Errorf("encode %s: shape type %q is not supported", path, s.Type)
	}
	return nil
}

// document writes a free-form value: maps with sorted keys, numbers as integers
// when they are Go integers, else doubles.
func (e *encoder) document(v any, path string) error {
	switch dv := v.(type) {
	case nil:
		e.null()
	case string:
		e.text(dv)
	case bool:
		e.bool(dv)
	case []byte:
		e.head(majorBytes, uint64(len(dv)))
		e.buf = append(e.buf, dv...)
	case time.Time:
		e.timestamp(dv)
	case []any:
		e.head(majorArray, uint64(len(dv)))
		for _, item := range dv {
			if err := e.document(item, path); err != nil {
				return err
			}
		}
	case map[string]any:
		keys := make([]string, 0, len(dv))
		for k := range dv {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		e.head(majorMap, uint64(len(keys)))
		for _, k := range keys {
			e.text(k)
			if err := e.document(dv[k], path); err != nil {
				return err
			}
		}
	case float64:
		e.float64(dv)
	case float32:
		e.float64(float64(dv))
	default:
		n, ok := jsonshape.Int(v)
		if !ok {
			return fmt.Errorf("encode %s: %T cannot be written as a document", path, v)
		}
		e.int(n)
	}
	return nil
}
