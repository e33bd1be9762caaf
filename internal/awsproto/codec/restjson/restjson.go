// Package restjson implements the AWS rest-json protocol (Lambda, Signer): an
// operation is found by HTTP method and the requestUri template of the model, and
// its input members are read from where the model binds them — path labels, query
// parameters, headers, header prefixes, the JSON body or a payload member that is
// the whole body. Responses are written the same way, with the operation's success
// status.
//
// Errors carry their type in the x-amzn-ErrorType header and a JSON body with the
// message and any extra fields; modeled exceptions with a Type member (Lambda's)
// get "User" or "Service" there unless the error sets it, and members the
// exception binds to headers (Retry-After) are written as headers.
//
// It is not for event streams (InvokeWithResponseStream's stream is not encoded)
// or for rest-xml.
package restjson

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/awstime"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/errordoc"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonshape"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/awsproto/validate"
)

// Codec is the rest-json protocol. It is safe for concurrent use.
type Codec struct {
	validator *validate.Validator

	mu sync.Mutex
	// routes caches each service's compiled routes. Guarded by mu.
	routes map[*model.Service]*routes
}

var _ codec.Codec = (*Codec)(nil)

// New returns a rest-json codec.
func New() *Codec {
	return &Codec{validator: validate.New(), routes: map[*model.Service]*routes{}}
}

func (c *Codec) routesFor(svc *model.Service) *routes {
	c.mu.Lock()
	defer c.mu.Unlock()
	rs, ok := c.routes[svc]
	if !ok {
		rs = compileRoutes(svc)
		c.routes[svc] = rs
	}
	return rs
}

func unknownOperation(r *http.Request) *awserr.Error {
	return awserr.New("UnknownOperationException", http.StatusNotFound, "No operation matches %s %s.", r.Method, r.URL.EscapedPath())
}

// Operation returns the most specific operation whose method and requestUri fit r,
// or UnknownOperationException (404).
func (c *Codec) Operation(svc *model.Service, r *http.Request, body []byte) (*model.Operation, error) {
	rt := c.routesFor(svc).find(r.Method, splitPath(r.URL.EscapedPath()), r.URL.Query())
	if rt == nil {
		return nil, unknownOperation(r)
	}
	return rt.op, nil
}

// Decode reads the input of op from r and body without validating it against the
// model's constraints (DecodeRequest does both).
func (c *Codec) Decode(svc *model.Service, op *model.Operation, r *http.Request, body []byte) (map[string]any, error) {
	in := map[string]any{}
	s := op.Input
	if s == nil {
		return in, nil
	}
	rt := c.routesFor(svc).byOp[op]
	if rt == nil {
		return nil, unknownOperation(r)
	}
	q := r.URL.Query()
	labels, ok := rt.match(splitPath(r.URL.EscapedPath()), q)
	if !ok {
		return nil, unknownOperation(r)
	}
	claimed := map[string]bool{}
	for _, ql := range rt.query {
		claimed[ql.key] = true
	}
	for _, m := range s.Members {
		if m.Location == "querystring" && m.Shape.Type != model.Map {
			claimed[wireName(m)] = true
		}
	}
	hasBody := false
	for _, m := range s.Members {
		name := wireName(m)
		var (
			v   any
			err error
		)
		switch m.Location {
		case "uri":
			raw, ok := labels[name]
			if !ok {
				continue
			}
			v, err = fromString(m, raw)
		case "querystring":
			v, err = fromQuery(m, name, q, claimed)
		case "header":
			v, err = fromHeader(m, r.Header.Values(name))
		case "headers":
			v = fromHeaderPrefix(name, r.Header)
		case "statusCode":
			continue
		default:
			hasBody = true
			continue
		}
		if err != nil {
			return nil, awserr.Serialization("Value for %s is not valid: %v", name, err)
		}
		if v != nil {
			in[m.Name] = v
		}
	}
	if s.Payload != "" {
		pm := s.MemberNamed(s.Payload)
		if pm == nil || len(body) == 0 {
			return in, nil
		}
		v, err := payloadValue(pm, body)
		if err != nil {
			return nil, err
		}
		if v != nil {
			in[pm.Name] = v
		}
		return in, nil
	}
	if hasBody {
		fromBody, err := jsonshape.Decode(s, body, jsonshape.BodyMembers)
		if err != nil {
			return nil, err
		}
		for k, v := range fromBody {
			in[k] = v
		}
	}
	return in, nil
}

// DecodeRequest decodes and validates the input of op. Malformed bodies and
// values are SerializationException; constraint violations are
// ValidationException.
func (c *Codec) DecodeRequest(svc *model.Service, op *model.Operation, r *http.Request, body []byte) (map[string]any, error) {
	in, err := c.Decode(svc, op, r, body)
	if err != nil {
		return nil, err
	}
	if err := errordoc.Validate(c.validator, svc, op.Input, in); err != nil {
		return nil, err
	}
	return in, nil
}

func wireName(m *model.Member) string {
	if m.LocationName != "" {
		return m.LocationName
	}
	return m.Name
}

func payloadValue(pm *model.Member, body []byte) (any, error) {
	switch {
	case pm.Shape.Type == model.Blob:
		return append([]byte(nil), body...), nil
	case pm.Shape.Type == model.String:
		if !utf8.Valid(body) {
			return nil, awserr.Serialization("Request body is not valid UTF-8.")
		}
		return string(body), nil
	}
	return jsonshape.DecodeMember(pm, body)
}

func fromQuery(m *model.Member, name string, q url.Values, claimed map[string]bool) (any, error) {
	s := m.Shape
	switch s.Type {
	case model.List:
		vals, ok := q[name]
		if !ok || s.Member == nil {
			return nil, nil
		}
		out := make([]any, 0, len(vals))
		for _, raw := range vals {
			v, err := fromString(s.Member, raw)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case model.Map:
		if s.Value == nil {
			return nil, nil
		}
		out := map[string]any{}
		for k, vals := range q {
			if claimed[k] || len(vals) == 0 {
				continue
			}
			if s.Value.Shape.Type == model.List && s.Value.Shape.Member != nil {
				l := make([]any, 0, len(vals))
				for _, raw := range vals {
					v, err := fromString(s.Value.Shape.Member, raw)
					if err != nil {
						return nil, err
					}
					l = append(l, v)
				}
				out[k] = l
				continue
			}
			v, err := fromString(s.Value, vals[0])
			if err != nil {
				return nil, err
			}
			out[k] = v
		}
		if len(out) == 0 {
			return nil, nil
		}
		return out, nil
	}
	vals, ok := q[name]
	if !ok || len(vals) == 0 {
		return nil, nil
	}
	return fromString(m, vals[0])
}

func fromHeader(m *model.Member, vals []string) (any, error) {
	if len(vals) == 0 {
		return nil, nil
	}
	s := m.Shape
	if s.Type == model.List {
		if s.Member == nil {
			return nil, nil
		}
		var out []any
		for _, hv := range vals {
			for _, item := range splitHeaderList(hv) {
				v, err := fromString(s.Member, item)
				if err != nil {
					return nil, err
				}
				out = append(out, v)
			}
		}
		return out, nil
	}
	raw := strings.Join(vals, ",")
	if m.JSONValue && s.Type == model.String {
		js, err := base64.StdEncoding.DecodeString(raw)
		if err != nil {
			return nil, errors.New("not base64")
		}
		return jsonshape.DecodeDocument(js)
	}
	return fromString(m, raw)
}

func fromHeaderPrefix(prefix string, h http.Header) any {
	out := map[string]any{}
	lp := strings.ToLower(prefix)
	for k, vals := range h {
		if len(vals) == 0 || len(k) < len(lp) || strings.ToLower(k[:len(lp)]) != lp {
			continue
		}
		out[strings.ToLower(k[len(lp):])] = strings.Join(vals, ",")
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// splitHeaderList splits a comma-separated header list; items may be quoted with
// backslash escapes inside (as botocore writes strings containing , or ").
func splitHeaderList(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, quoted := false, false
	flush := func() {
		item := cur.String()
		if !quoted {
			item = strings.TrimSpace(item)
		}
		out = append(out, item)
		cur.Reset()
		quoted = false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case inQuote && c == '"':
			inQuote = false
		case !inQuote && c == '"' && strings.TrimSpace(cur.String()) == "":
			cur.Reset()
			inQuote, quoted = true, true
		case !inQuote && c == ',':
			flush()
		case quoted && !inQuote:
			// Whitespace after a closing quote.
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return out
}

// fromString converts the text of a uri, query or header value to m's shape.
// Timestamps are read in any format.
func fromString(m *model.Member, raw string) (any, error) {
	if !utf8.ValidString(raw) {
		return nil, errors.New("not valid UTF-8")
	}
	switch m.Shape.Type {
	case model.String:
		return raw, nil
	case model.Integer, model.Long:
		n, err := strconv.ParseInt(strings.TrimSpace(raw), 10, 64)
		if err != nil {
			return nil, errors.New("not an integer")
		}
		if m.Shape.Type == model.Integer && (n < math.MinInt32 || n > math.MaxInt32) {
			return nil, errors.New("out of range for an integer")
		}
		return n, nil
	case model.Float, model.Double:
		switch raw {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(raw), 64)
		if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, errors.New("not a number")
		}
		return f, nil
	case model.Boolean:
		switch strings.ToLower(strings.TrimSpace(raw)) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, errors.New("not a boolean")
	case model.Timestamp:
		t, err := awstime.Parse(raw)
		if err != nil {
			return nil, err
		}
		return t, nil
	case model.Blob:
		b, err := jsonshape.DecodeBase64(raw)
		if err != nil {
			return nil, errors.New("not base64")
		}
		return b, nil
	}
	return nil, fmt.Errorf("a %s cannot be bound to a uri, query string or header", m.Shape.Type)
}

// toString formats a simple value for a header (tsDefault rfc822) or other text
// location.
func toString(m *model.Member, v any, tsDefault string) (string, error) {
	switch m.Shape.Type {
	case model.String:
		if m.JSONValue {
			js, err := jsonshape.EncodeDocument(v)
			if err != nil {
				return "", err
			}
			return base64.StdEncoding.EncodeToString(js), nil
		}
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("want string, got %T", v)
		}
		return s, nil
	case model.Integer, model.Long:
		n, ok := jsonshape.Int(v)
		if !ok {
			return "", fmt.Errorf("want int64, got %T", v)
		}
		return strconv.FormatInt(n, 10), nil
	case model.Float, model.Double:
		f, ok := jsonshape.Float(v)
		if !ok {
			return "", fmt.Errorf("want float64, got %T", v)
		}
		switch {
		case math.IsNaN(f):
			return "NaN", nil
		case math.IsInf(f, 1):
			return "Infinity", nil
		case math.IsInf(f, -1):
			return "-Infinity", nil
		}
		return strconv.FormatFloat(f, 'g', -1, 64), nil
	case model.Boolean:
		b, ok := v.(bool)
		if !ok {
			return "", fmt.Errorf("want bool, got %T", v)
		}
		return strconv.FormatBool(b), nil
	case model.Timestamp:
		t, ok := v.(time.Time)
		if !ok {
			return "", fmt.Errorf("want time.Time, got %T", v)
		}
		return awstime.Format(t, awstime.FormatOf(m, tsDefault)), nil
	case model.Blob:
		b, ok := v.([]byte)
		if !ok {
			return "", fmt.Errorf("want []byte, got %T", v)
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case model.List:
		items, ok := v.([]any)
		if !ok || m.Shape.Member == nil {
			return "", fmt.Errorf("want []any, got %T", v)
		}
		parts := make([]string, 0, len(items))
		for _, item := range items {
			if item == nil {
				continue
			}
			s, err := toString(m.Shape.Member, item, tsDefault)
			if err != nil {
				return "", err
			}
			if m.Shape.Member.Shape.Type == model.String && strings.ContainsAny(s, `,"`) {
				s = `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), nil
	}
	return "", fmt.Errorf("a %s cannot be written to a header", m.Shape.Type)
}

// WriteResponse writes out: header-bound members as headers, a statusCode member
// as the status, the payload member or the other members as the body, with the
// operation's success status (200 unless the model says otherwise).
func (c *Codec) WriteResponse(w http.ResponseWriter, svc *model.Service, op *model.Operation, out map[string]any, requestID string) error {
	status := op.SuccessCode
	if status == 0 {
		status = http.StatusOK
	}
	h := w.Header()
	s := op.Output
	var body []byte
	ct := ""
	if s != nil {
		hasBody := false
		for _, m := range s.Members {
			v, ok := out[m.Name]
			switch m.Location {
			case "header":
				if !ok || v == nil {
					continue
				}
				hv, err := toString(m, v, awstime.RFC822)
				if err != nil {
					return fmt.Errorf("encode %s: %w", m.Name, err)
				}
				h.Set(wireName(m), hv)
			case "headers":
				if !ok || v == nil {
					continue
				}
				entries, ok := v.(map[string]any)
				if !ok {
					return fmt.Errorf("encode %s: want map[string]any, got %T", m.Name, v)
				}
				for k, ev := range entries {
					str, ok := ev.(string)
					if !ok {
						return fmt.Errorf("encode %s[%s]: want string, got %T", m.Name, k, ev)
					}
					// Written as given: clients see the key's own case.
					h[wireName(m)+k] = []string{str}
				}
			case "statusCode":
				if n, ok := jsonshape.Int(v); ok && n >= 100 && n <= 599 {
					status = int(n)
				}
			case "uri", "querystring":
			default:
				hasBody = true
			}
		}
		var err error
		switch {
		case s.Payload != "":
			body, ct, err = payloadBody(s.MemberNamed(s.Payload), out[s.Payload])
		case hasBody:
			body, err = jsonshape.Encode(s, out, jsonshape.BodyMembers)
			ct = "application/json"
		}
		if err != nil {
			return err
		}
	}
	if status == http.StatusNoContent || status == http.StatusNotModified {
		body, ct = nil, ""
	}
	if ct != "" && h.Get("Content-Type") == "" {
		h.Set("Content-Type", ct)
	}
	h.Set("X-Amzn-RequestId", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}

// payloadBody encodes the payload member's value as the whole body.
func payloadBody(pm *model.Member, v any) ([]byte, string, error) {
	if pm == nil || v == nil {
		return nil, "", nil
	}
	switch pm.Shape.Type {
	case model.Blob:
		switch b := v.(type) {
		case []byte:
			return b, "application/octet-stream", nil
		case string:
			return []byte(b), "application/octet-stream", nil
		}
		return nil, "", fmt.Errorf("encode %s: want []byte, got %T", pm.Name, v)
	case model.String:
		str, ok := v.(string)
		if !ok {
			return nil, "", fmt.Errorf("encode %s: want string, got %T", pm.Name, v)
		}
		return []byte(str), "text/plain", nil
	}
	if pm.Shape.EventStream {
		return nil, "", fmt.Errorf("encode %s: event streams are not supported", pm.Name)
	}
	b, err := jsonshape.EncodeMember(pm, v)
	return b, "application/json", err
}

// WriteError writes err with the x-amzn-ErrorType header and a JSON body
// {"message": ..., fields...}.
func (c *Codec) WriteError(w http.ResponseWriter, svc *model.Service, op *model.Operation, err *awserr.Error, requestID string) {
	d := errordoc.For(svc, op, err)
	h := w.Header()
	if m := d.Member("Type"); m != nil && m.Shape.Type == model.String && m.Location == "" {
		if _, set := d.Fields["Type"]; !set {
			if d.Fields == nil {
				d.Fields = map[string]any{}
			}
			if err.Server || err.HTTPStatus() >= http.StatusInternalServerError {
				d.Fields["Type"] = "Service"
			} else {
				d.Fields["Type"] = "User"
			}
		}
	}
	for _, k := range d.FieldNames() {
		m := d.Member(k)
		if m == nil || m.Location != "header" {
			continue
		}
		if hv, err := toString(m, d.Fields[k], awstime.RFC822); err == nil {
			h.Set(wireName(m), hv)
		}
		delete(d.Fields, k)
	}
	h.Set("X-Amzn-ErrorType", d.Type)
	if d.QueryError != "" {
		h.Set(errordoc.QueryErrorHeader, d.QueryError)
	}
	for k, v := range err.Headers {
		h.Set(k, v)
	}
	body := d.JSON(false)
	h.Set("Content-Type", "application/json")
	h.Set("X-Amzn-RequestId", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(err.HTTPStatus())
	_, _ = w.Write(body)
}
