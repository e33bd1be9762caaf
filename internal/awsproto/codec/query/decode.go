package query

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/awstime"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// MaxListLength is the largest list or map a request may carry. Indexes beyond it
// are rejected before anything is allocated for them.
const MaxListLength = 1000

// maxDepth bounds nesting, so recursive shapes cannot recurse without end.
const maxDepth = 64

// decoder turns a parameter tree into the generic value of a shape.
type decoder struct {
	ec2 bool
}

// structure decodes the members of s found under n. It returns nil when none is
// present.
func (d decoder) structure(s *model.Shape, n *node, path string, depth int) (map[string]any, error) {
	if depth > maxDepth {
		return nil, d.invalid("parameter %s is nested too deeply", path)
	}
	var out map[string]any
	for _, m := range s.Members {
		name := d.memberName(m)
		c := n.child(name)
		if c == nil && !d.ec2 && m.Shape.Type == model.List && isFlattened(m) && name != d.plainName(m) {
			// An empty flattened list is sent under the member's own name.
			c = n.child(d.plainName(m))
		}
		if c == nil {
			continue
		}
		v, err := d.value(m, c, join(path, name), depth+1)
		if err != nil {
			return nil, err
		}
		if v == nil {
			continue
		}
		if out == nil {
			out = map[string]any{}
		}
		out[m.Name] = v
	}
	return out, nil
}

// value decodes the parameter(s) at n for member m. A nil result means absent.
func (d decoder) value(m *model.Member, n *node, path string, depth int) (any, error) {
	s := m.Shape
	switch s.Type {
	case model.Structure:
		v, err := d.structure(s, n, path, depth)
		if v == nil || err != nil {
			return nil, err
		}
		return v, nil
	case model.List:
		return d.list(m, n, path, depth)
	case model.Map:
		return d.mapValue(m, n, path, depth)
	}
	if !n.hasValue {
		return nil, nil
	}
	return d.scalar(s, n.value, path)
}

func (d decoder) list(m *model.Member, n *node, path string, depth int) (any, error) {
	items, itemsPath := n, path
	if !d.ec2 && !isFlattened(m) {
		items = n.child(listMemberName(m.Shape))
		itemsPath = join(path, listMemberName(m.Shape))
	}
	idx, err := d.indexes(items, itemsPath)
	if err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		if n.hasValue && n.value == "" {
			return []any{}, nil // "Name=": the query serializers' empty list
		}
		if n.hasValue {
			return nil, d.invalid("parameter %s must be a list (%s.N)", path, itemsPath)
		}
		return nil, nil
	}
	out := make([]any, 0, len(idx))
	for i, c := range idx {
		ip := join(itemsPath, strconv.Itoa(i+1))
		v, err := d.element(m.Shape.Member, c, ip, depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (d decoder) mapValue(m *model.Member, n *node, path string, depth int) (any, error) {
	entries := n
	if !isFlattened(m) {
		entries = n.child("entry")
		path = join(path, "entry")
	}
	idx, err := d.indexes(entries, path)
	if err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		if n.hasValue && n.value == "" {
			return map[string]any{}, nil
		}
		return nil, nil
	}
	keyName := d.serializedName(m.Shape.Key, "key")
	valueName := d.serializedName(m.Shape.Value, "value")
	out := make(map[string]any, len(idx))
	for i, e := range idx {
		ep := join(path, strconv.Itoa(i+1))
		kn := e.child(keyName)
		if kn == nil || !kn.hasValue {
			return nil, d.invalid("map entry %s has no %s", ep, keyName)
		}
		v, err := d.element(m.Shape.Value, e.child(valueName), join(ep, valueName), depth+1)
		if err != nil {
			return nil, err
		}
		out[kn.value] = v
	}
	return out, nil
}

// element decodes a list element or map value, which unlike a structure member
// cannot be absent: a structure with no known member is empty, anything else
// without a value is an error.
func (d decoder) element(m *model.Member, n *node, path string, depth int) (any, error) {
	if n == nil {
		if m.Shape.Type == model.Structure {
			return map[string]any{}, nil
		}
		return nil, d.invalid("parameter %s is missing", path)
	}
	v, err := d.value(m, n, path, depth)
	if err != nil || v != nil {
		return v, err
	}
	switch m.Shape.Type {
	case model.Structure:
		return map[string]any{}, nil
	case model.List:
		return []any{}, nil
	case model.Map:
		return map[string]any{}, nil
	}
	return nil, d.invalid("parameter %s has no value", path)
}

// indexes returns the children of n named 1..N in order. Any other child name,
// a gap, or N above MaxListLength is an error.
func (d decoder) indexes(n *node, path string) ([]*node, error) {
	if n == nil || len(n.children) == 0 {
		return nil, nil
	}
	if len(n.children) > MaxListLength {
		return nil, d.invalid("parameter %s has more than %d elements", path, MaxListLength)
	}
	out := make([]*node, len(n.children))
	for name, c := range n.children {
		i, ok := listIndex(name)
		if !ok {
			return nil, d.invalid("parameter %s.%s: %q is not a list index (1, 2, ...)", path, truncate(name), truncate(name))
		}
		if i > len(n.children) {
			if i > MaxListLength {
				return nil, d.invalid("parameter %s.%d: index exceeds the limit of %d elements", path, i, MaxListLength)
			}
			return nil, d.invalid("parameter %s: indexes must run from 1 without gaps, %d is given but %d is missing", path, i, firstGap(n))
		}
		out[i-1] = c
	}
	return out, nil
}

// firstGap returns the smallest missing index of n's children.
func firstGap(n *node) int {
	for i := 1; ; i++ {
		if _, ok := n.children[strconv.Itoa(i)]; !ok {
			return i
		}
	}
}

// listIndex parses a canonical positive decimal index ("1", not "01" or "+1").
func listIndex(s string) (int, bool) {
	if s == "" || len(s) > 10 || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	i, err := strconv.Atoi(s)
	return i, err == nil
}

func (d decoder) scalar(s *model.Shape, v, path string) (any, error) {
	switch s.Type {
	case model.String:
		return v, nil
	case model.Boolean:
		switch strings.ToLower(v) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "":
			return nil, nil
		}
		return nil, d.badValue(v, path, "a boolean (true or false)")
	case model.Integer, model.Long:
		if v == "" {
			return nil, nil
		}
		i, err := strconv.ParseInt(v, 10, 64)
		if err != nil || (s.Type == model.Integer && (i < math.MinInt32 || i > math.MaxInt32)) {
			return nil, d.badValue(v, path, "an integer")
		}
		return i, nil
	case model.Float, model.Double:
		if v == "" {
			return nil, nil
		}
		f, err := parseFloat(v)
		if err != nil {
			return nil, d.badValue(v, path, "a number")
		}
		return f, nil
	case model.Timestamp:
		if v == "" {
			return nil, nil
		}
		t, err := awstime.Parse(v)
		if err != nil {
			return nil, d.badValue(v, path, "a timestamp (ISO 8601, e.g. 2026-11-27T20:24:02Z)")
		}
		return t, nil
	case model.Blob:
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			if b, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(v, "=")); err != nil {
				return nil, d.badValue(v, path, "base64-encoded data")
			}
		}
		return b, nil
	}
	// Documents and other types do not occur in query models; keep the text.
	return v, nil
}

func parseFloat(v string) (float64, error) {
	switch v {
	case "Infinity":
		return math.Inf(1), nil
	case "-Infinity":
		return math.Inf(-1), nil
	case "NaN":
		return math.NaN(), nil
	}
	return strconv.ParseFloat(v, 64)
}

// memberName is the name member m has on the wire inside its structure.
func (d decoder) memberName(m *model.Member) string {
	if d.ec2 {
		return d.serializedName(m, m.Name)
	}
	if m.Shape.Type == model.List && isFlattened(m) {
		// botocore replaces the member's own name with its list member's name.
		if n := locationName(m.Shape.Member); n != "" {
			return n
		}
	}
	return d.plainName(m)
}

// plainName is the member's serialized name before any list renaming.
func (d decoder) plainName(m *model.Member) string {
	return d.serializedName(m, m.Name)
}

// serializedName mirrors botocore's _get_serialized_name for each dialect.
func (d decoder) serializedName(m *model.Member, def string) string {
	if d.ec2 {
		if m.QueryName != "" {
			return m.QueryName
		}
		if n := locationName(m); n != "" {
			return strings.ToUpper(n[:1]) + n[1:]
		}
		return def
	}
	if n := locationName(m); n != "" {
		return n
	}
	return def
}

// locationName is the locationName of the reference, else of the shape it names.
func locationName(m *model.Member) string {
	if m.LocationName != "" {
		return m.LocationName
	}
	return m.Shape.LocationName
}

// listMemberName is the element name of a non-flattened list.
func listMemberName(list *model.Shape) string {
	if n := locationName(list.Member); n != "" {
		return n
	}
	return "member"
}

func isFlattened(m *model.Member) bool { return m.Flattened || m.Shape.Flattened }

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// invalid reports a parameter that breaks the wire rules (list indexes, nesting).
func (d decoder) invalid(format string, args ...any) *awserr.Error {
	if d.ec2 {
		return awserr.New("InvalidParameterValue", 400, format, args...)
	}
	return awserr.New("ValidationError", 400, format, args...)
}

// badValue reports a value that does not parse as its shape's type.
func (d decoder) badValue(v, path, want string) *awserr.Error {
	return awserr.New("InvalidParameterValue", 400, "Value (%s) for parameter %s is invalid. Expected %s.", truncate(v), path, want)
}
