// Package bind converts between the generic value form the codecs produce and consume
// (described in internal/awsproto/model: map[string]any for structures, []any for
// lists, int64, float64, string, bool, time.Time, []byte...) and the Go structs
// generated under internal/awsproto/shapes, by reflection on their `aws:"MemberName"`
// struct tags.
//
// A Binder caches what it learns about each struct type; make one at startup and
// share it, it is safe for concurrent use. Decode and Encode, the package functions,
// use a fresh Binder per call and are meant for tests and tools.
//
// Neither direction copies []byte or document values: the result shares them with the
// input.
//
// It is not for validation against the model (codecs validate while decoding) and not
// for any wire format.
package bind

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"sync"
	"time"
)

// Binder converts generic values to and from generated structs. The zero value is not
// ready; use New.
type Binder struct {
	mu sync.RWMutex
	// plans holds the finished plan of every struct type seen so far. Guarded by mu.
	plans map[reflect.Type]*structPlan
}

// New returns a Binder with an empty cache.
func New() *Binder {
	return &Binder{plans: map[reflect.Type]*structPlan{}}
}

// Decode fills the struct dst points to from v, the generic value of a structure, with
// a fresh Binder.
func Decode(v map[string]any, dst any) error { return New().Decode(v, dst) }

// Encode returns the generic value of the struct src points to, with a fresh Binder.
func Encode(src any) (map[string]any, error) { return New().Encode(src) }

// Decode sets *dst, a generated struct, to the structure v: every field whose member
// is present in v is set, every other field is left zero (nil). A nil v gives the
// zero struct. It returns an error naming the member's path if v holds a member the
// struct lacks or a value of the wrong type for its field, and leaves *dst in an
// unspecified state then.
func (b *Binder) Decode(v map[string]any, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("decode: destination is %T, want a non-nil pointer to a struct", dst)
	}
	t := rv.Elem().Type()
	plan, err := b.plan(t)
	if err != nil {
		return fmt.Errorf("decode into %s: %w", t, err)
	}
	out := rv.Elem()
	out.SetZero()
	if v == nil {
		return nil
	}
	if err := plan.decodeMap(v, out); err != nil {
		return fmt.Errorf("decode into %s: %w", t, err)
	}
	return nil
}

// Encode returns the structure value of src, a pointer to a generated struct (a struct
// value works too). Nil fields are left out; empty but non-nil slices and maps are
// kept, as empty []any and map[string]any. A nil src gives nil.
func (b *Binder) Encode(src any) (map[string]any, error) {
	if src == nil {
		return nil, nil
	}
	rv := reflect.ValueOf(src)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil, nil
		}
		rv = rv.Elem()
	}
	if rv.Kind() != reflect.Struct {
		return nil, fmt.Errorf("encode: source is %T, want a pointer to a struct", src)
	}
	plan, err := b.plan(rv.Type())
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", rv.Type(), err)
	}
	return plan.encodeMap(rv), nil
}

// plan returns the cached plan for struct type t, building it (and the plans of the
// structs it contains) on first use.
func (b *Binder) plan(t reflect.Type) (*structPlan, error) {
	b.mu.RLock()
	p := b.plans[t]
	b.mu.RUnlock()
	if p != nil {
		return p, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if p := b.plans[t]; p != nil {
		return p, nil
	}
	// Build into a scratch map so that a type that cannot be bound leaves no
	// half-built plans behind; plans refer to each other, so recursive types work.
	bl := &builder{done: b.plans, building: map[reflect.Type]*structPlan{}}
	p, err := bl.structPlan(t)
	if err != nil {
		return nil, err
	}
	for bt, bp := range bl.building {
		b.plans[bt] = bp
	}
	return p, nil
}

// structPlan is how one struct type converts: its tagged fields.
type structPlan struct {
	fields []fieldPlan
	byName map[string]int // member name -> index into fields
}

type fieldPlan struct {
	member string // the aws tag
	index  int    // the struct field index
	conv   *conv
}

// conv converts values of one Go type. decode sets out (settable, zero) from in, a
// non-nil generic value; encode returns the generic value of v and whether it is
// present (nil pointers, slices, maps and interfaces are not).
type conv struct {
	decode func(in any, out reflect.Value) error
	encode func(v reflect.Value) (any, bool)
}

func (p *structPlan) decodeMap(in map[string]any, out reflect.Value) error {
	for name, val := range in {
		i, ok := p.byName[name]
		if !ok {
			return &pathError{path: name, msg: "no such member"}
		}
		if val == nil {
			continue
		}
		f := &p.fields[i]
		if err := f.conv.decode(val, out.Field(f.index)); err != nil {
			return atPath(err, name)
		}
	}
	return nil
}

func (p *structPlan) encodeMap(v reflect.Value) map[string]any {
	out := make(map[string]any, len(p.fields))
	for i := range p.fields {
		f := &p.fields[i]
		if ev, ok := f.conv.encode(v.Field(f.index)); ok {
			out[f.member] = ev
		}
	}
	return out
}

// builder builds the plans of the struct types a new type reaches. It runs with the
// Binder's mu held.
type builder struct {
	done     map[reflect.Type]*structPlan // the Binder's finished plans, read only
	building map[reflect.Type]*structPlan
}

func (bl *builder) structPlan(t reflect.Type) (*structPlan, error) {
	if p := bl.done[t]; p != nil {
		return p, nil
	}
	if p := bl.building[t]; p != nil {
		return p, nil // under construction further up: recursive type
	}
	p := &structPlan{byName: map[string]int{}}
	bl.building[t] = p
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		member, ok := sf.Tag.Lookup("aws")
		if !ok || member == "-" || !sf.IsExported() {
			continue
		}
		if _, dup := p.byName[member]; dup {
			return nil, fmt.Errorf("%s: member %s is tagged on two fields", t, member)
		}
		c, err := bl.conv(sf.Type)
		if err != nil {
			return nil, fmt.Errorf("%s.%s: %w", t, sf.Name, err)
		}
		p.byName[member] = len(p.fields)
		p.fields = append(p.fields, fieldPlan{member: member, index: i, conv: c})
	}
	return p, nil
}

func (bl *builder) conv(t reflect.Type) (*conv, error) {
	switch {
	case t == reflect.TypeFor[time.Time]():
		return timeConv(), nil
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return bytesConv(t), nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem, err := bl.conv(t.Elem())
		if err != nil {
			return nil, err
		}
		return pointerConv(t, elem), nil
	case reflect.Struct:
		p, err := bl.structPlan(t)
		if err != nil {
			return nil, err
		}
		return structConv(p), nil
	case reflect.Slice:
		elem, err := bl.conv(t.Elem())
		if err != nil {
			return nil, err
		}
		return sliceConv(t, elem), nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("map keys are %s, want string", t.Key())
		}
		elem, err := bl.conv(t.Elem())
		if err != nil {
			return nil, err
		}
		return mapConv(t, elem), nil
	case reflect.Interface:
		if t.NumMethod() != 0 {
			return nil, fmt.Errorf("interface %s has methods, want any", t)
		}
		return documentConv(), nil
	case reflect.String:
		return stringConv(), nil
	case reflect.Bool:
		return boolConv(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return intConv(), nil
	case reflect.Float32, reflect.Float64:
		return floatConv(), nil
	}
	return nil, fmt.Errorf("cannot bind values of type %s", t)
}

func pointerConv(t reflect.Type, elem *conv) *conv {
	et := t.Elem()
	return &conv{
		decode: func(in any, out reflect.Value) error {
			p := reflect.New(et)
			if err := elem.decode(in, p.Elem()); err != nil {
				return err
			}
			out.Set(p)
			return nil
		},
		encode: func(v reflect.Value) (any, bool) {
			if v.IsNil() {
				return nil, false
			}
			return elem.encode(v.Elem())
		},
	}
}

func structConv(p *structPlan) *conv {
	return &conv{
		decode: func(in any, out reflect.Value) error {
			m, ok := in.(map[string]any)
			if !ok {
				return mismatch("structure (map[string]any)", in)
			}
			return p.decodeMap(m, out)
		},
		encode: func(v reflect.Value) (any, bool) { return p.encodeMap(v), true },
	}
}

func sliceConv(t reflect.Type, elem *conv) *conv {
	return &conv{
		decode: func(in any, out reflect.Value) error {
			if l, ok := in.([]any); ok {
				s := reflect.MakeSlice(t, len(l), len(l))
				for i, e := range l {
					if e == nil {
						continue
					}
					if err := elem.decode(e, s.Index(i)); err != nil {
						return atPath(err, "["+strconv.Itoa(i)+"]")
					}
				}
				out.Set(s)
				return nil
			}
			// A typed slice ([]string, []map[string]any...) is a list too.
			rl := reflect.ValueOf(in)
			if rl.Kind() != reflect.Slice || rl.Type() == reflect.TypeFor[[]byte]() {
				return mismatch("list ([]any)", in)
			}
			s := reflect.MakeSlice(t, rl.Len(), rl.Len())
			for i := range rl.Len() {
				e := rl.Index(i).Interface()
				if e == nil {
					continue
				}
				if err := elem.decode(e, s.Index(i)); err != nil {
					return atPath(err, "["+strconv.Itoa(i)+"]")
				}
			}
			out.Set(s)
			return nil
		},
		encode: func(v reflect.Value) (any, bool) {
			if v.IsNil() {
				return nil, false
			}
			l := make([]any, v.Len())
			for i := range l {
				l[i], _ = elem.encode(v.Index(i)) // an absent element stays nil
			}
			return l, true
		},
	}
}

func mapConv(t reflect.Type, elem *conv) *conv {
	et := t.Elem()
	return &conv{
		decode: func(in any, out reflect.Value) error {
			m, ok := in.(map[string]any)
			if !ok {
				return mismatch("map (map[string]any)", in)
			}
			res := reflect.MakeMapWithSize(t, len(m))
			for k, e := range m {
				ev := reflect.New(et).Elem()
				if e != nil {
					if err := elem.decode(e, ev); err != nil {
						return atPath(err, "["+strconv.Quote(k)+"]")
					}
				}
				res.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), ev)
			}
			out.Set(res)
			return nil
		},
		encode: func(v reflect.Value) (any, bool) {
			if v.IsNil() {
				return nil, false
			}
			m := make(map[string]any, v.Len())
			for it := v.MapRange(); it.Next(); {
				m[it.Key().String()], _ = elem.encode(it.Value())
			}
			return m, true
		},
	}
}

func documentConv() *conv {
	return &conv{
		decode: func(in any, out reflect.Value) error {
			out.Set(reflect.ValueOf(in))
			return nil
		},
		encode: func(v reflect.Value) (any, bool) {
			if v.IsNil() {
				return nil, false
			}
			return v.Elem().Interface(), true
		},
	}
}

func timeConv() *conv {
	return &conv{
		decode: func(in any, out reflect.Value) error {
			switch x := in.(type) {
			case time.Time:
				out.Set(reflect.ValueOf(x))
			case *time.Time:
				if x == nil {
					return nil
				}
				out.Set(reflect.ValueOf(*x))
			default:
				return mismatch("timestamp (time.Time)", in)
			}
			return nil
		},
		encode: func(v reflect.Value) (any, bool) { return v.Interface(), true },
	}
}

func bytesConv(t reflect.Type) *conv {
	return &conv{
		decode: func(in any, out reflect.Value) error {
			b, ok := in.([]byte)
			if !ok {
				return mismatch("blob ([]byte)", in)
			}
			out.Set(reflect.ValueOf(b).Convert(t))
			return nil
		},
		encode: func(v reflect.Value) (any, bool) {
			if v.IsNil() {
				return nil, false
			}
			return v.Bytes(), true
		},
	}
}

func stringConv() *conv {
	return &conv{
		decode: func(in any, out reflect.Value) error {
			if s, ok := in.(string); ok {
				out.SetString(s)
				return nil
			}
			if rv := reflect.ValueOf(in); rv.Kind() == reflect.String {
				out.SetString(rv.String()) // a named string type
				return nil
			}
			return mismatch("string", in)
		},
		encode: func(v reflect.Value) (any, bool) { return v.String(), true },
	}
}

func boolConv() *conv {
	return &conv{
		decode: func(in any, out reflect.Value) error {
			b, ok := in.(bool)
			if !ok {
				return mismatch("boolean (bool)", in)
			}
			out.SetBool(b)
			return nil
		},
		encode: func(v reflect.Value) (any, bool) { return v.Bool(), true },
	}
}

// intConv takes int64, any other Go integer, or a float64 holding an integer, so
// that numbers decoded without a model (JSON documents, CBOR) still bind.
func intConv() *conv {
	return &conv{
		decode: func(in any, out reflect.Value) error {
			var n int64
			switch x := in.(type) {
			case int64:
				n = x
			case int:
				n = int64(x)
			case int32:
				n = int64(x)
			case int16:
				n = int64(x)
			case int8:
				n = int64(x)
			case uint64:
				if x > math.MaxInt64 {
					return outOfRange(in)
				}
				n = int64(x)
			case uint:
				if uint64(x) > math.MaxInt64 {
					return outOfRange(in)
				}
				n = int64(x)
			case uint32:
				n = int64(x)
			case uint16:
				n = int64(x)
			case uint8:
				n = int64(x)
			case float64:
				if x != math.Trunc(x) || x < math.MinInt64 || x >= math.MaxInt64 {
					return mismatch("integer (int64)", in)
				}
				n = int64(x)
			default:
				return mismatch("integer (int64)", in)
			}
			if out.OverflowInt(n) {
				return outOfRange(in)
			}
			out.SetInt(n)
			return nil
		},
		encode: func(v reflect.Value) (any, bool) { return v.Int(), true },
	}
}

func floatConv() *conv {
	return &conv{
		decode: func(in any, out reflect.Value) error {
			var f float64
			switch x := in.(type) {
			case float64:
				f = x
			case float32:
				f = float64(x)
			case int64:
				f = float64(x)
			case int:
				f = float64(x)
			case int32:
				f = float64(x)
			case uint64:
				f = float64(x)
			default:
				return mismatch("floating point number (float64)", in)
			}
			out.SetFloat(f)
			return nil
		},
		encode: func(v reflect.Value) (any, bool) { return v.Float(), true },
	}
}

// pathError is a decode error at a member path such as Code.ZipFile or Tags[0].Key.
type pathError struct {
	path string
	msg  string
}

func (e *pathError) Error() string {
	if e.path == "" {
		return e.msg
	}
	return e.path + ": " + e.msg
}

func mismatch(want string, got any) error {
	return &pathError{msg: fmt.Sprintf("want %s, got %T", want, got)}
}

func outOfRange(got any) error {
	return &pathError{msg: fmt.Sprintf("%v is out of range", got)}
}

// atPath puts seg (a member name, or [i] / ["key"]) in front of err's path.
func atPath(err error, seg string) error {
	var pe *pathError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.path == "":
		pe.path = seg
	case pe.path[0] == '[':
		pe.path = seg + pe.path
	default:
		pe.path = seg + "." + pe.path
	}
	return pe
}
