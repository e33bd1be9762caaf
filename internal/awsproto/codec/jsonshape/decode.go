// Package jsonshape converts between JSON documents and Stratus's generic values
// (see internal/awsproto/model), guided by a model shape: timestamps as epoch
// seconds unless a timestampFormat trait says otherwise, blobs as base64, floats'
// special values as the strings "NaN", "Infinity" and "-Infinity", structure
// members in model order. The json and rest-json codecs share it for their bodies.
//
// Decoding treats its input as hostile: it rejects invalid UTF-8, nesting deeper
// than MaxDepth, values of the wrong JSON type, numbers outside their shape's range
// and invalid base64, always with a SerializationException, and it never panics.
// Unknown members are ignored and duplicate keys keep the last value, as AWS does.
//
// It is not for HTTP: headers, URIs, status codes and error documents are the
// codecs' business, and so is validation against the model's constraints.
package jsonshape

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/awstime"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// MaxDepth is the deepest nesting of arrays and objects a document may have.
const MaxDepth = 100

// Members selects which members of a top-level structure live in the JSON body.
type Members int

const (
	// AllMembers: every member is in the body (the json protocol).
	AllMembers Members = iota
	// BodyMembers: only members without an HTTP location (rest-json).
	BodyMembers
)

func (ms Members) includes(m *model.Member) bool {
	return ms == AllMembers || m.Location == ""
}

// Decode parses body, a JSON object, into the generic value of structure shape.
// An empty body is an empty structure.
func Decode(shape *model.Shape, body []byte, ms Members) (map[string]any, error) {
	raw, err := parse(body)
	if err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]any{}, nil
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, mismatch(raw, "a structure")
	}
	return decodeStruct(shape, obj, ms)
}

// DecodeMember parses body into the generic value of m's shape (a rest-json
// payload member, or the JSON of a jsonvalue header). An empty body yields nil.
func DecodeMember(m *model.Member, body []byte) (any, error) {
	raw, err := parse(body)
	if err != nil || raw == nil {
		return nil, err
	}
	return decodeValue(m, raw)
}

// DecodeDocument parses body as a free-form JSON document (numbers as float64).
func DecodeDocument(body []byte) (any, error) {
	raw, err := parse(body)
	if err != nil {
		return nil, err
	}
	return document(raw)
}

// parse reads one JSON value with numbers kept as json.Number. Whitespace only is
// nil, nil.
func parse(body []byte) (any, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil
	}
	if !utf8.Valid(body) {
		return nil, awserr.Serialization("Request body is not valid UTF-8.")
	}
	if err := checkDepth(body); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, awserr.Serialization("Request body is not valid JSON: %s", errText(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, awserr.Serialization("Request body has data after the JSON value.")
	}
	return v, nil
}

func errText(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Error() + " at offset " + strconv.FormatInt(se.Offset, 10)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

// checkDepth rejects documents nested deeper than MaxDepth before they are parsed.
func checkDepth(b []byte) error {
	depth := 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if depth > MaxDepth {
				return awserr.Serialization("Request body is nested deeper than %d levels.", MaxDepth)
			}
		case '}', ']':
			depth--
		}
	}
	return nil
}

// jsonKind names a parsed JSON value as the AWS front ends do in their messages.
func jsonKind(v any) string {
	switch v := v.(type) {
	case map[string]any:
		return "START_OBJECT"
	case []any:
		return "START_ARRAY"
	case string:
		return "STRING_VALUE"
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "NUMBER_VALUE"
		}
		return "DECIMAL_VALUE"
	case bool:
		return "BOOLEAN_VALUE"
	}
	return "NULL_VALUE"
}

func mismatch(v any, want string) error {
	return awserr.Serialization("%s can not be converted to %s", jsonKind(v), want)
}

// wireName returns the JSON key of structure member m.
func wireName(m *model.Member) string {
	if m.LocationName != "" && m.Location == "" {
		return m.LocationName
	}
	return m.Name
}

func decodeStruct(s *model.Shape, obj map[string]any, ms Members) (map[string]any, error) {
	out := make(map[string]any, len(obj))
	for _, m := range s.Members {
		if !ms.includes(m) {
			continue
		}
		raw, ok := obj[wireName(m)]
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
			return nil, mismatch(raw, "a structure")
		}
		return decodeStruct(s, obj, AllMembers)
	case model.List:
		arr, ok := raw.([]any)
		if !ok || s.Member == nil {
			return nil, mismatch(raw, "a list")
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
		if m.JSONValue {
			return document(raw)
		}
		str, ok := raw.(string)
		if !ok {
			return nil, mismatch(raw, "a String")
		}
		return str, nil
	case model.Boolean:
		b, ok := raw.(bool)
		if !ok {
			return nil, mismatch(raw, "a Boolean")
		}
		return b, nil
	case model.Integer, model.Long:
		return decodeInt(s.Type, raw)
	case model.Float, model.Double:
		return decodeFloat(raw)
	case model.Timestamp:
		switch v := raw.(type) {
		case json.Number:
			f, err := v.Float64()
			if err != nil {
				return nil, awserr.Serialization("Timestamp %s is out of range.", v)
			}
			t, err := awstime.FromEpoch(f)
			if err != nil {
				return nil, awserr.Serialization("Timestamp %s is out of range.", v)
			}
			return t, nil
		case string:
			t, err := awstime.Parse(v)
			if err != nil {
				return nil, awserr.Serialization("Timestamp '%s' is not a valid timestamp.", v)
			}
			return t, nil
		}
		return nil, mismatch(raw, "a Timestamp")
	case model.Blob:
		str, ok := raw.(string)
		if !ok {
			return nil, mismatch(raw, "a Blob")
		}
		b, err := DecodeBase64(str)
		if err != nil {
			return nil, awserr.Serialization("Base64 encoded value is not valid.")
		}
		return b, nil
	}
	return nil, awserr.Serialization("Shape type %q is not supported.", s.Type)
}

// DecodeBase64 reads standard base64, padded or not.
func DecodeBase64(s string) ([]byte, error) {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

func decodeInt(typ string, raw any) (int64, error) {
	num, ok := raw.(json.Number)
	if !ok {
		if typ == model.Integer {
			return 0, mismatch(raw, "an Integer")
		}
		return 0, mismatch(raw, "a Long")
	}
	n, err := num.Int64()
	if err != nil {
		// 1.0 or 1e3: accept integral values in range.
		f, ferr := num.Float64()
		if ferr != nil || f != math.Trunc(f) || f < math.MinInt64 || f >= math.MaxInt64 {
			return 0, awserr.Serialization("Number %s is out of range or not an integer.", num)
		}
		n = int64(f)
	}
	if typ == model.Integer && (n < math.MinInt32 || n > math.MaxInt32) {
		return 0, awserr.Serialization("Number %s is out of range for an Integer.", num)
	}
	return n, nil
}

func decodeFloat(raw any) (float64, error) {
	switch v := raw.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return 0, awserr.Serialization("Number %s is out of range.", v)
		}
		return f, nil
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
	return 0, mismatch(raw, "a Double")
}

// document converts a parsed JSON value into the generic document form.
func document(raw any) (any, error) {
	switch v := raw.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return nil, awserr.Serialization("Number %s is out of range.", v)
		}
		return f, nil
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
	return raw, nil
}
