package query

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto/codec/awstime"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// encoder writes generic values as the XML elements botocore's QueryParser and
// EC2QueryParser read.
type encoder struct {
	ec2 bool
	buf bytes.Buffer
}

// start writes <name attrs...>. attrs alternate names and values.
func (e *encoder) start(name string, attrs ...string) {
	e.buf.WriteByte('<')
	e.buf.WriteString(name)
	for i := 0; i+1 < len(attrs); i += 2 {
		e.buf.WriteByte(' ')
		e.buf.WriteString(attrs[i])
		e.buf.WriteString(`="`)
		e.text(attrs[i+1])
		e.buf.WriteByte('"')
	}
	e.buf.WriteByte('>')
}

func (e *encoder) end(name string) {
	e.buf.WriteString("</")
	e.buf.WriteString(name)
	e.buf.WriteByte('>')
}

// text writes s escaped for XML character data and attribute values. Text
// that is not UTF-8, or characters XML cannot carry, become U+FFFD.
func (e *encoder) text(s string) {
	_ = xml.EscapeText(&e.buf, []byte(s))
}

func (e *encoder) element(name, text string) {
	e.start(name)
	e.text(text)
	e.end(name)
}

// members writes the members of structure s present in v, in model order.
// xmlAttribute members are skipped: the caller wrote them on the start tag.
func (e *encoder) members(s *model.Shape, v map[string]any, path string) error {
	for _, m := range s.Members {
		mv, ok := v[m.Name]
		if !ok || mv == nil || m.XMLAttribute {
			continue
		}
		if err := e.member(m, mv, join(path, m.Name)); err != nil {
			return err
		}
	}
	return nil
}

// member writes one structure member under its element name.
func (e *encoder) member(m *model.Member, v any, path string) error {
	name := e.elementName(m)
	if m.Shape.Type == model.List && isFlattened(m) {
		return e.flatList(name, m.Shape, v, path)
	}
	if m.Shape.Type == model.Map && isFlattened(m) {
		return e.mapEntries(name, m.Shape, v, path)
	}
	return e.value(name, m, v, path)
}

// elementName is the element a structure member is written as.
func (e *encoder) elementName(m *model.Member) string {
	if m.Shape.Type == model.List && isFlattened(m) {
		if n := locationName(m.Shape.Member); n != "" {
			return n
		}
	}
	if n := locationName(m); n != "" {
		return n
	}
	return m.Name
}

// value writes <name>v</name> for member m's shape.
func (e *encoder) value(name string, m *model.Member, v any, path string) error {
	s := m.Shape
	var attrs []string
	if ns := m.XMLNamespace; ns != "" {
		attrs = append(attrs, "xmlns", ns)
	}
	switch s.Type {
	case model.Structure:
		sv, ok := v.(map[string]any)
		if !ok {
			return typeError(path, s, v)
		}
		for _, am := range s.Members {
			if !am.XMLAttribute {
				continue
			}
			if av, ok := sv[am.Name]; ok && av != nil {
				t, err := e.scalarText(am, av, join(path, am.Name))
				if err != nil {
					return err
				}
				attrs = append(attrs, e.elementName(am), t)
			}
		}
		e.start(name, attrs...)
		if err := e.members(s, sv, path); err != nil {
			return err
		}
		e.end(name)
		return nil
	case model.List:
		e.start(name, attrs...)
		item := listMemberName(s)
		if e.ec2 && locationName(s.Member) == "" {
			item = "item"
		}
		if err := e.flatList(item, s, v, path); err != nil {
			return err
		}
		e.end(name)
		return nil
	case model.Map:
		e.start(name, attrs...)
		if err := e.mapEntries("entry", s, v, path); err != nil {
			return err
		}
		e.end(name)
		return nil
	}
	t, err := e.scalarText(m, v, path)
	if err != nil {
		return err
	}
	e.start(name, attrs...)
	e.text(t)
	e.end(name)
	return nil
}

// flatList writes each element of list v as <name>element</name>.
func (e *encoder) flatList(name string, list *model.Shape, v any, path string) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Slice || rv.Type().Elem().Kind() == reflect.Uint8 {
		return typeError(path, list, v)
	}
	for i := range rv.Len() {
		ev := rv.Index(i).Interface()
		ip := path + "[" + strconv.Itoa(i) + "]"
		if ev == nil {
			return fmt.Errorf("encode %s: nil list element", ip)
		}
		if err := e.value(name, list.Member, ev, ip); err != nil {
			return err
		}
	}
	return nil
}

// mapEntries writes each entry of map v, sorted by key, as
// <name><key>k</key><value>v</value></name>.
func (e *encoder) mapEntries(name string, ms *model.Shape, v any, path string) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map || rv.Type().Key().Kind() != reflect.String {
		return typeError(path, ms, v)
	}
	keys := make([]string, 0, rv.Len())
	for _, k := range rv.MapKeys() {
		keys = append(keys, k.String())
	}
	slices.Sort(keys)
	keyName := locationName(ms.Key)
	if keyName == "" {
		keyName = "key"
	}
	valueName := locationName(ms.Value)
	if valueName == "" {
		valueName = "value"
	}
	for _, k := range keys {
		ev := rv.MapIndex(reflect.ValueOf(k).Convert(rv.Type().Key())).Interface()
		kp := path + "[" + strconv.Quote(k) + "]"
		if ev == nil {
			return fmt.Errorf("encode %s: nil map value", kp)
		}
		e.start(name)
		e.element(keyName, k)
		if err := e.value(valueName, ms.Value, ev, kp); err != nil {
			return err
		}
		e.end(name)
	}
	return nil
}

// scalarText formats a scalar member value as element text.
func (e *encoder) scalarText(m *model.Member, v any, path string) (string, error) {
	s := m.Shape
	switch s.Type {
	case model.String:
		if t, ok := v.(string); ok {
			return t, nil
		}
	case model.Boolean:
		if b, ok := v.(bool); ok {
			return strconv.FormatBool(b), nil
		}
	case model.Integer, model.Long:
		if i, ok := toInt64(v); ok {
			return strconv.FormatInt(i, 10), nil
		}
	case model.Float, model.Double:
		if f, ok := toFloat64(v); ok {
			return formatFloat(f), nil
		}
	case model.Timestamp:
		if t, ok := v.(time.Time); ok {
			return e.formatTimestamp(t, m), nil
		}
	case model.Blob:
		switch b := v.(type) {
		case []byte:
			return base64.StdEncoding.EncodeToString(b), nil
		case string:
			return base64.StdEncoding.EncodeToString([]byte(b)), nil
		}
	default:
		return fmt.Sprint(v), nil
	}
	return "", typeError(path, s, v)
}

func toInt64(v any) (int64, bool) {
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
	case uint8:
		return int64(n), true
	case uint16:
		return int64(n), true
	case uint32:
		return int64(n), true
	case uint:
		if uint64(n) <= math.MaxInt64 {
			return int64(n), true
		}
	case uint64:
		if n <= math.MaxInt64 {
			return int64(n), true
		}
	case float64:
		if n == math.Trunc(n) && math.Abs(n) < 1<<63 {
			return int64(n), true
		}
	}
	return 0, false
}

func toFloat64(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case float32:
		return float64(n), true
	}
	if i, ok := toInt64(v); ok {
		return float64(i), true
	}
	return 0, false
}

// formatFloat writes what botocore's float() reads, including Infinity and NaN.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case math.IsNaN(f):
		return "NaN"
	}
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.FormatFloat(f, 'E', -1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// formatTimestamp writes t in member m's timestampFormat (ISO 8601 by default).
// EC2 writes ISO 8601 with milliseconds always, as EC2 does.
func (e *encoder) formatTimestamp(t time.Time, m *model.Member) string {
	format := awstime.FormatOf(m, awstime.ISO8601)
	if e.ec2 && strings.EqualFold(format, awstime.ISO8601) {
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return awstime.Format(t, format)
}

func typeError(path string, s *model.Shape, v any) error {
	return fmt.Errorf("encode %s: %T is not a valid %s value (shape %s)", path, v, s.Type, s.Name)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// validElementName reports whether s can be written as an XML element name as
// is (ASCII letters, digits, '_', '-' and '.', not starting with a digit, '-' or '.').
func validElementName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case (c >= '0' && c <= '9') || c == '-' || c == '.':
			if i == 0 {
				return false
			}
		default:
			return false
		}
	}
	return true
}
