package policy

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ValueType is the type of a context value, as IAM's Simulate APIs spell it in
// ContextKeyType.
type ValueType uint8

// The context value types. The List variants hold several values (multivalued
// keys such as aws:TagKeys); the others hold one.
const (
	TypeString ValueType = iota
	TypeStringList
	TypeNumeric
	TypeNumericList
	TypeBoolean
	TypeBooleanList
	TypeIP
	TypeIPList
	TypeBinary
	TypeBinaryList
	TypeDate
	TypeDateList
)

// String returns the name IAM uses for the type, e.g. "stringList".
func (t ValueType) String() string {
	switch t {
	case TypeString:
		return "string"
	case TypeStringList:
		return "stringList"
	case TypeNumeric:
		return "numeric"
	case TypeNumericList:
		return "numericList"
	case TypeBoolean:
		return "boolean"
	case TypeBooleanList:
		return "booleanList"
	case TypeIP:
		return "ip"
	case TypeIPList:
		return "ipList"
	case TypeBinary:
		return "binary"
	case TypeBinaryList:
		return "binaryList"
	case TypeDate:
		return "date"
	case TypeDateList:
		return "dateList"
	}
	return "ValueType(" + strconv.Itoa(int(t)) + ")"
}

// IsList reports whether values of this type may hold several values.
func (t ValueType) IsList() bool { return t%2 == 1 }

// ParseValueType returns the type IAM calls name ("string", "dateList", ...).
func ParseValueType(name string) (ValueType, error) {
	for t := TypeString; t <= TypeDateList; t++ {
		if t.String() == name {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown context key type %q", name)
}

// ContextValue is the value of one context key: its type and its values
// written as strings (numbers in decimal, dates in ISO 8601 or epoch seconds,
// booleans as "true"/"false", IPs in textual form, binary in standard base64).
type ContextValue struct {
	Type   ValueType
	Values []string
}

// StringValue is a single string value.
func StringValue(s string) ContextValue {
	return ContextValue{Type: TypeString, Values: []string{s}}
}

// StringListValue is a multivalued string value.
func StringListValue(ss ...string) ContextValue {
	return ContextValue{Type: TypeStringList, Values: ss}
}

// BoolValue is a single boolean value.
func BoolValue(b bool) ContextValue {
	return ContextValue{Type: TypeBoolean, Values: []string{strconv.FormatBool(b)}}
}

// NumberValue is a single numeric value.
func NumberValue(f float64) ContextValue {
	return ContextValue{Type: TypeNumeric, Values: []string{strconv.FormatFloat(f, 'f', -1, 64)}}
}

// DateValue is a single date value, written in RFC 3339 with nanoseconds.
func DateValue(t time.Time) ContextValue {
	return ContextValue{Type: TypeDate, Values: []string{t.UTC().Format(time.RFC3339Nano)}}
}

// IPValue is a single IP address value.
func IPValue(a netip.Addr) ContextValue {
	return ContextValue{Type: TypeIP, Values: []string{a.String()}}
}

// BinaryValue is a single binary value.
func BinaryValue(b []byte) ContextValue {
	return ContextValue{Type: TypeBinary, Values: []string{base64.StdEncoding.EncodeToString(b)}}
}

// Context holds the request's context keys. Key names are case-insensitive:
// Set stores them lowercased, which makes lookups a single map access; keys
// written into the map directly in another case are still found, by a slower
// scan.
type Context map[string]ContextValue

// Set stores v under key (case-insensitively).
func (c Context) Set(key string, v ContextValue) {
	c[strings.ToLower(key)] = v
}

// Get returns the value of key, looked up case-insensitively.
func (c Context) Get(key string) (ContextValue, bool) {
	return c.lookup(strings.ToLower(key))
}

// lookup finds lower (an already lowercased key) without allocating.
func (c Context) lookup(lower string) (ContextValue, bool) {
	if v, ok := c[lower]; ok {
		return v, true
	}
	for k, v := range c {
		if len(k) == len(lower) && strings.EqualFold(k, lower) {
			return v, true
		}
	}
	return ContextValue{}, false
}

// variable returns the value a policy variable ${key} resolves to: the key's
// single value. Multivalued keys cannot be used as variables.
func (c Context) variable(lower string) (string, bool) {
	v, ok := c.lookup(lower)
	if !ok || v.Type.IsList() || len(v.Values) != 1 {
		return "", false
	}
	return v.Values[0], true
}
