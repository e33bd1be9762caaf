package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// A JSON value as parsed by parseJSON: *object, []any, string, json.Number, bool or
// nil. Objects keep their keys in document order, because the order of a
// structure's members is meaningful (the XML encoders follow it).
type object struct {
	keys []string
	vals map[string]any
}

func (o *object) get(key string) any { return o.vals[key] }

func (o *object) obj(key string) *object {
	v, _ := o.vals[key].(*object)
	return v
}

func (o *object) str(key string) string {
	v, _ := o.vals[key].(string)
	return v
}

// set adds or replaces key, keeping the position of an existing key.
func (o *object) set(key string, v any) {
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = v
}

func newObject() *object { return &object{vals: map[string]any{}} }

func parseJSON(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := parseValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("trailing data after json value")
	}
	return v, nil
}

func parseValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, err
				}
				k := kt.(string) // the decoder only yields string keys inside objects
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				if _, dup := o.vals[k]; dup {
					return nil, fmt.Errorf("duplicate key %q", k)
				}
				o.set(k, v)
			}
			_, err := dec.Token()
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := parseValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

// writeJSON writes v compactly, objects in their key order.
func writeJSON(b *bytes.Buffer, v any) error {
	switch t := v.(type) {
	case *object:
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, k)
			b.WriteByte(':')
			if err := writeJSON(b, t.vals[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case string:
		writeString(b, t)
	case json.Number:
		b.WriteString(t.String())
	case bool:
		if t {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case nil:
		b.WriteString("null")
	default:
		return fmt.Errorf("unexpected json value %T", v)
	}
	return nil
}

func writeString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)       // encoding a string cannot fail
	b.Truncate(b.Len() - 1) // Encode appends a newline
}

// keptKeys returns the keys model.Load reads at one level of the document. Everything
// else (documentation, examples, endpoint rules, deprecation messages, ...) is
// dropped. The gen test checks that loading the minified model gives exactly what
// loading the original gives, so a field model.Load learns to read but missing here
// fails that test.
func keptKeys(level string) []string {
	switch level {
	case "top":
		return []string{"metadata", "operations", "shapes"}
	case "metadata":
		return []string{"apiVersion", "endpointPrefix", "signingName", "serviceId", "protocol", "protocols", "jsonVersion", "targetPrefix", "xmlNamespace", "awsQueryCompatible"}
	case "operation":
		return []string{"name", "http", "input", "output", "errors", "deprecated"}
	case "http":
		return []string{"method", "requestUri", "responseCode"}
	case "ref":
		return []string{"shape", "location", "locationName", "queryName", "flattened", "xmlAttribute", "xmlNamespace", "timestampFormat", "jsonvalue", "hostLabel", "idempotencyToken", "deprecated", "resultWrapper"}
	case "shape":
		return []string{"type", "members", "required", "payload", "member", "key", "value", "flattened", "locationName", "enum", "min", "max", "pattern", "timestampFormat", "document", "streaming", "sensitive", "union", "xmlNamespace", "exception", "fault", "eventstream", "error"}
	case "error":
		return []string{"code", "httpStatusCode", "senderFault"}
	}
	panic("gen: no kept keys for level " + level)
}

// pick returns a copy of o holding only the keys kept at level, in o's order.
func pick(o *object, level string) *object {
	keep := keptKeys(level)
	out := newObject()
	for _, k := range o.keys {
		if slices.Contains(keep, k) {
			out.set(k, o.vals[k])
		}
	}
	return out
}

// minify returns the service-2.json document doc reduced to what model.Load reads. With
// ops non-nil only those operations are kept, with the shapes they reach; otherwise
// every operation and shape is kept.
func minify(doc any, ops []string) ([]byte, error) {
	top, ok := doc.(*object)
	if !ok {
		return nil, errors.New("model is not a json object")
	}
	operations, shapes, metadata := top.obj("operations"), top.obj("shapes"), top.obj("metadata")
	if operations == nil || shapes == nil || metadata == nil {
		return nil, errors.New("model lacks metadata, operations or shapes")
	}
	keepOps := set(operations.keys)
	if ops != nil {
		for _, name := range ops {
			if operations.get(name) == nil {
				return nil, fmt.Errorf("served operation %s is not in the model", name)
			}
		}
		keepOps = set(ops)
	}

	outOps := newObject()
	for _, name := range operations.keys { // model order, whatever order ops lists
		if !keepOps[name] {
			continue
		}
		op, ok := operations.get(name).(*object)
		if !ok {
			return nil, fmt.Errorf("operation %s is not an object", name)
		}
		outOp, err := minifyOperation(op)
		if err != nil {
			return nil, fmt.Errorf("operation %s: %w", name, err)
		}
		outOps.set(name, outOp)
	}

	keepShapes := set(shapes.keys)
	if ops != nil {
		keepShapes = set(reachableShapes(outOps, shapes))
	}
	outShapes := newObject()
	for _, name := range shapes.keys {
		if !keepShapes[name] {
			continue
		}
		s, ok := shapes.get(name).(*object)
		if !ok {
			return nil, fmt.Errorf("shape %s is not an object", name)
		}
		outShape, err := minifyShape(s)
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
		outShapes.set(name, outShape)
	}

	out := newObject()
	for _, k := range keptKeys("top") {
		switch k {
		case "metadata":
			out.set(k, pick(metadata, "metadata"))
		case "operations":
			out.set(k, outOps)
		case "shapes":
			out.set(k, outShapes)
		}
	}
	var b bytes.Buffer
	if err := writeJSON(&b, out); err != nil {
		return nil, err
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}

func minifyOperation(op *object) (*object, error) {
	out := pick(op, "operation")
	if h := op.obj("http"); h != nil {
		out.set("http", pick(h, "http"))
	}
	for _, k := range []string{"input", "output"} {
		if out.get(k) == nil {
			continue
		}
		r, ok := out.get(k).(*object)
		if !ok {
			return nil, fmt.Errorf("%s is not an object", k)
		}
		out.set(k, pick(r, "ref"))
	}
	if errs, ok := out.get("errors").([]any); ok {
		outErrs := make([]any, 0, len(errs))
		for _, e := range errs {
			r, ok := e.(*object)
			if !ok {
				return nil, errors.New("errors entry is not an object")
			}
			outErrs = append(outErrs, pick(r, "ref"))
		}
		out.set("errors", outErrs)
	}
	return out, nil
}

func minifyShape(s *object) (*object, error) {
	out := pick(s, "shape")
	if m := s.obj("members"); m != nil {
		members := newObject()
		for _, name := range m.keys {
			r, ok := m.get(name).(*object)
			if !ok {
				return nil, fmt.Errorf("member %s is not an object", name)
			}
			members.set(name, pick(r, "ref"))
		}
		out.set("members", members)
	}
	for _, k := range []string{"member", "key", "value"} {
		if r := s.obj(k); r != nil {
			out.set(k, pick(r, "ref"))
		}
	}
	if e := s.obj("error"); e != nil {
		out.set("error", pick(e, "error"))
	}
	return out, nil
}

// reachableShapes returns the names of the shapes ops (already minified) refer to,
// directly or through other shapes.
func reachableShapes(ops *object, shapes *object) []string {
	seen := map[string]bool{}
	var order []string
	var visit func(name string)
	visit = func(name string) {
		if name == "" || seen[name] {
			return
		}
		seen[name] = true
		order = append(order, name)
		s := shapes.obj(name)
		if s == nil {
			return // model.Load reports the dangling reference
		}
		if m := s.obj("members"); m != nil {
			for _, mn := range m.keys {
				if r, ok := m.get(mn).(*object); ok {
					visit(r.str("shape"))
				}
			}
		}
		for _, k := range []string{"member", "key", "value"} {
			if r := s.obj(k); r != nil {
				visit(r.str("shape"))
			}
		}
	}
	for _, name := range ops.keys {
		op := ops.obj(name)
		for _, k := range []string{"input", "output"} {
			if r := op.obj(k); r != nil {
				visit(r.str("shape"))
			}
		}
		errs, _ := op.get("errors").([]any)
		for _, e := range errs {
			if r, ok := e.(*object); ok {
				visit(r.str("shape"))
			}
		}
	}
	return order
}

func set(names []string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}
