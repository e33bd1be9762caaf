package validate

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// Kind says which constraint a value violates.
type Kind int

// Kinds of violations.
const (
	// Required: a required member is absent or null.
	Required Kind = iota + 1
	// Length: a string, blob, list or map is shorter or longer than allowed.
	Length
	// Range: a number is smaller or larger than allowed.
	Range
	// Enum: a string is not one of the enum's values.
	Enum
	// Pattern: a string does not match the shape's pattern.
	Pattern
	// Type: a value has the wrong type for its shape (a decoder or binder bug,
	// or a hand-built value).
	Type
)

// Violation is one failed constraint.
type Violation struct {
	// Path locates the value as AWS spells it: lowerCamel member names joined by
	// dots, list elements as "N.member" with N counted from 1 (e.g.
	// "tags.1.member.key").
	Path string
	// Member is the model name of the innermost structure member (e.g.
	// "Namespace"), which query-style messages use.
	Member string
	Kind   Kind
	// Value is the offending value as AWS prints it: null, or the value in single
	// quotes; empty for sensitive members, whose values are never printed.
	Value string
	// Constraint is the constraint's wording, e.g. "Member must not be null".
	Constraint string
}

// String formats v as AWS does inside a validation message.
func (v Violation) String() string {
	if v.Value == "" {
		return fmt.Sprintf("Value at '%s' failed to satisfy constraint: %s", v.Path, v.Constraint)
	}
	return fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", v.Value, v.Path, v.Constraint)
}

// Violations is every failed constraint of one request, in model order. It is the
// error Validate returns.
type Violations []Violation

// Error returns AWS's message: "1 validation error detected: ..." or
// "N validation errors detected: ...; ...".
func (vs Violations) Error() string {
	var b strings.Builder
	if len(vs) == 1 {
		b.WriteString("1 validation error detected: ")
	} else {
		fmt.Fprintf(&b, "%d validation errors detected: ", len(vs))
	}
	for i, v := range vs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(v.String())
	}
	return b.String()
}

// OnlyRequired reports whether every violation is a missing required member
// (query-style services answer those with MissingParameter).
func (vs Violations) OnlyRequired() bool {
	for _, v := range vs {
		if v.Kind != Required {
			return false
		}
	}
	return len(vs) > 0
}

// Validator checks values against shapes. It caches compiled patterns; the zero
// value is not usable, call New. A Validator is safe for concurrent use.
type Validator struct {
	mu sync.Mutex
	// patterns maps a model pattern to its compiled matcher, or to nil when the
	// pattern cannot be expressed in Go's syntax (it is then not enforced).
	// Guarded by mu.
	patterns map[string]*matcher
}

// New returns a Validator with an empty pattern cache.
func New() *Validator {
	return &Validator{patterns: map[string]*matcher{}}
}

// Validate checks in, the generic value of structure shape, and returns nil or
// Violations. shape may be nil (an operation without input): then only an empty
// input is valid and nothing is checked.
func Validate(shape *model.Shape, in map[string]any) error {
	return New().Validate(shape, in)
}

// Validate checks in, the generic value of structure shape, and returns nil or
// Violations.
func (v *Validator) Validate(shape *model.Shape, in map[string]any) error {
	if shape == nil {
		return nil
	}
	w := walker{v: v}
	w.structure(shape, in, "")
	if len(w.out) == 0 {
		return nil
	}
	return w.out
}

// matcherFor returns the compiled matcher of pattern p, or nil if p cannot be
// enforced.
func (v *Validator) matcherFor(p string) *matcher {
	v.mu.Lock()
	defer v.mu.Unlock()
	if m, ok := v.patterns[p]; ok {
		return m
	}
	m := compilePattern(p)
	v.patterns[p] = m
	return m
}

type walker struct {
	v   *Validator
	out Violations
}

func (w *walker) add(path, member string, kind Kind, value, constraint string) {
	w.out = append(w.out, Violation{Path: path, Member: member, Kind: kind, Value: value, Constraint: constraint})
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// lowerCamel lowers the first letter of a member name, as AWS does in paths
// ("DBInstanceIdentifier" becomes "dBInstanceIdentifier").
func lowerCamel(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || !('A' <= r && r <= 'Z') {
		return s
	}
	return string(r+('a'-'A')) + s[n:]
}

func (w *walker) structure(s *model.Shape, in map[string]any, path string) {
	for _, m := range s.Members {
		p := join(path, lowerCamel(m.Name))
		val, ok := in[m.Name]
		if !ok || val == nil {
			if s.IsRequired(m.Name) {
				w.add(p, m.Name, Required, "null", "Member must not be null")
			}
			continue
		}
		w.value(m, val, p)
	}
}

// value checks one non-nil value of member m found at path.
func (w *walker) value(m *model.Member, val any, path string) {
	s := m.Shape
	switch s.Type {
	case model.Structure:
		if s.Document {
			return
		}
		sv, ok := val.(map[string]any)
		if !ok {
			w.typeMismatch(m, val, path)
			return
		}
		w.structure(s, sv, path)
	case model.List:
		lv, ok := val.([]any)
		if !ok {
			w.typeMismatch(m, val, path)
			return
		}
		w.list(m, lv, path)
	case model.Map:
		mv, ok := val.(map[string]any)
		if !ok {
			w.typeMismatch(m, val, path)
			return
		}
		w.mapValue(m, mv, path)
	default:
		if s.Document {
			return
		}
		for _, c := range w.scalar(m, val) {
			w.add(path, m.Name, c.kind, printValue(m, val), c.text)
		}
	}
}

func (w *walker) typeMismatch(m *model.Member, val any, path string) {
	w.add(path, m.Name, Type, printValue(m, val), "Member must be of type "+m.Shape.Type)
}

func (w *walker) list(m *model.Member, lv []any, path string) {
	s := m.Shape
	for _, c := range lengthConstraints(s, len(lv)) {
		w.add(path, m.Name, Length, printValue(m, lv), c)
	}
	el := s.Member
	if el == nil {
		return
	}
	if isAggregate(el.Shape) {
		for i, item := range lv {
			if item == nil {
				continue
			}
			w.value(el, item, fmt.Sprintf("%s.%d.member", path, i+1))
		}
		return
	}
	// Simple members: AWS reports one violation for the list naming the member
	// constraints that failed.
	if failed := w.collect(el, lv); len(failed) > 0 {
		w.add(path, m.Name, failed[0].kind, printValue(m, lv), "Member must satisfy constraint: ["+texts(failed)+"]")
	}
}

func (w *walker) mapValue(m *model.Member, mv map[string]any, path string) {
	s := m.Shape
	for _, c := range lengthConstraints(s, len(mv)) {
		w.add(path, m.Name, Length, printValue(m, mv), c)
	}
	keys := make([]string, 0, len(mv))
	for k := range mv {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if s.Key != nil {
		kv := make([]any, len(keys))
		for i, k := range keys {
			kv[i] = k
		}
		if failed := w.collect(s.Key, kv); len(failed) > 0 {
			w.add(path, m.Name, failed[0].kind, printValue(m, mv), "Map keys must satisfy constraint: ["+texts(failed)+"]")
		}
	}
	if s.Value == nil {
		return
	}
	if isAggregate(s.Value.Shape) {
		for _, k := range keys {
			if mv[k] != nil {
				w.value(s.Value, mv[k], path+"."+k+".member")
			}
		}
		return
	}
	vals := make([]any, 0, len(keys))
	for _, k := range keys {
		vals = append(vals, mv[k])
	}
	if failed := w.collect(s.Value, vals); len(failed) > 0 {
		w.add(path, m.Name, failed[0].kind, printValue(m, mv), "Map value must satisfy constraint: ["+texts(failed)+"]")
	}
}

// collect returns the distinct constraints that any of vals (values of simple
// member el) fails, in first-seen order.
func (w *walker) collect(el *model.Member, vals []any) []constraint {
	var out []constraint
	seen := map[string]bool{}
	for _, item := range vals {
		if item == nil {
			continue
		}
		for _, c := range w.scalar(el, item) {
			if !seen[c.text] {
				seen[c.text] = true
				out = append(out, c)
			}
		}
	}
	return out
}

func texts(cs []constraint) string {
	parts := make([]string, len(cs))
	for i, c := range cs {
		parts[i] = c.text
	}
	return strings.Join(parts, ", ")
}

type constraint struct {
	kind Kind
	text string
}

func isAggregate(s *model.Shape) bool {
	switch s.Type {
	case model.Structure:
		return !s.Document
	case model.List, model.Map:
		return true
	}
	return false
}

// scalar returns the constraints a simple value fails.
func (w *walker) scalar(m *model.Member, val any) []constraint {
	s := m.Shape
	var out []constraint
	typeErr := []constraint{{Type, "Member must be of type " + s.Type}}
	switch s.Type {
	case model.String:
		str, ok := val.(string)
		if !ok {
			if m.JSONValue {
				return nil // a jsonvalue member carries any JSON value
			}
			return typeErr
		}
		for _, c := range lengthConstraints(s, utf8.RuneCountInString(str)) {
			out = append(out, constraint{Length, c})
		}
		if s.Pattern != "" {
			if mt := w.v.matcherFor(s.Pattern); mt != nil && !mt.match(str) {
				out = append(out, constraint{Pattern, "Member must satisfy regular expression pattern: " + s.Pattern})
			}
		}
		if len(s.Enum) > 0 && !contains(s.Enum, str) {
			out = append(out, constraint{Enum, "Member must satisfy enum value set: [" + strings.Join(s.Enum, ", ") + "]"})
		}
	case model.Blob:
		b, ok := val.([]byte)
		if !ok {
			return typeErr
		}
		for _, c := range lengthConstraints(s, len(b)) {
			out = append(out, constraint{Length, c})
		}
	case model.Integer, model.Long, model.Float, model.Double:
		f, ok := number(s.Type, val)
		if !ok {
			return typeErr
		}
		if s.Min != nil && f < *s.Min {
			out = append(out, constraint{Range, "Member must have value greater than or equal to " + formatBound(*s.Min)})
		}
		if s.Max != nil && f > *s.Max {
			out = append(out, constraint{Range, "Member must have value less than or equal to " + formatBound(*s.Max)})
		}
	case model.Boolean:
		if _, ok := val.(bool); !ok {
			return typeErr
		}
	case model.Timestamp:
		if _, ok := val.(time.Time); !ok {
			return typeErr
		}
	}
	return out
}

// number returns val as a float64 for range checks, accepting the generic types
// of the shape type (int64 for integer and long, float64 for float and double).
func number(typ string, val any) (float64, bool) {
	switch n := val.(type) {
	case int64:
		return float64(n), typ == model.Integer || typ == model.Long
	case float64:
		if math.IsNaN(n) {
			// NaN is below and above nothing; AWS rejects it elsewhere if at all.
			return 0, typ == model.Float || typ == model.Double
		}
		return n, typ == model.Float || typ == model.Double
	}
	return 0, false
}

func lengthConstraints(s *model.Shape, n int) []string {
	var out []string
	if s.Min != nil && float64(n) < *s.Min {
		out = append(out, "Member must have length greater than or equal to "+formatBound(*s.Min))
	}
	if s.Max != nil && float64(n) > *s.Max {
		out = append(out, "Member must have length less than or equal to "+formatBound(*s.Max))
	}
	return out
}

func formatBound(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e18 {
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// printValue formats a value as AWS does in messages: quoted, with Java's
// toString for lists and maps; empty for sensitive shapes.
func printValue(m *model.Member, val any) string {
	if m.Shape.Sensitive {
		return ""
	}
	return "'" + javaString(val) + "'"
}

func javaString(val any) string {
	switch v := val.(type) {
	case nil:
		return "null"
	case string:
		return v
	case []byte:
		return fmt.Sprintf("java.nio.HeapByteBuffer[pos=0 lim=%d cap=%d]", len(v), len(v))
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339)
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = javaString(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + javaString(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(val)
}
