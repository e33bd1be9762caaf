// Package errordoc decides what the error documents of the json, rest-json and
// rpc-v2-cbor protocols carry for an *awserr.Error: the error type name clients
// look up their modeled exceptions by, the message under the key the model uses,
// the x-amzn-query-error code and fault of query-compatible services, and the extra
// fields. It also turns validation Violations into the error those protocols
// answer with.
//
// Modeled exceptions are found by shape name first, then by their error code, so a
// domain package may raise either spelling: for CloudWatch, "InvalidParameterValue"
// and "InvalidParameterValueException" both reach clients as the
// InvalidParameterValueException shape with query code InvalidParameterValue.
// A service whose legacy query code is not in its model (SQS) sets the
// x-amzn-query-error header through awserr.Error.Headers, which codecs write last.
//
// It is not for bytes on the wire: each codec encodes the Doc in its own format.
package errordoc

import (
	"errors"
	"net/http"
	"sort"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonshape"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/awsproto/validate"
)

// QueryErrorHeader is the header query-compatible services name their query
// error code and fault in ("Code;Sender" or "Code;Receiver").
const QueryErrorHeader = "x-amzn-query-error"

// Doc is what an error document says.
type Doc struct {
	// Type is the error type: the modeled exception's shape name, else the code.
	// It goes in __type and x-amzn-ErrorType.
	Type string
	// MessageKey is "Message" when the modeled exception spells it that way,
	// else "message".
	MessageKey string
	Message    string
	// QueryError is "Code;Sender" or "Code;Receiver" for query-compatible
	// services, else "".
	QueryError string
	// Shape is the modeled exception, or nil.
	Shape *model.Shape
	// Fields are the extra members (err.Fields) without any that would repeat
	// __type or the message.
	Fields map[string]any
}

// For returns the document of err for a call of svc (op may be nil).
func For(svc *model.Service, op *model.Operation, err *awserr.Error) Doc {
	d := Doc{Type: err.Code, MessageKey: "message", Message: err.Message}
	d.Shape = lookup(svc, op, err.Code)
	queryCode := err.Code
	if d.Shape != nil {
		d.Type = d.Shape.Name
		queryCode = d.Shape.ErrorCode
		if d.Shape.MemberNamed("Message") != nil && d.Shape.MemberNamed("message") == nil {
			d.MessageKey = "Message"
		}
	}
	if svc != nil && svc.QueryCompatible {
		fault := "Sender"
		if err.Server || err.HTTPStatus() >= http.StatusInternalServerError {
			fault = "Receiver"
		}
		d.QueryError = queryCode + ";" + fault
	}
	for k, v := range err.Fields {
		if k == "__type" || k == "message" || k == "Message" {
			continue
		}
		if d.Fields == nil {
			d.Fields = map[string]any{}
		}
		d.Fields[k] = v
	}
	return d
}

// lookup finds the exception shape code names: by shape name, else by error code,
// preferring the operation's declared errors.
func lookup(svc *model.Service, op *model.Operation, code string) *model.Shape {
	if svc == nil || code == "" {
		return nil
	}
	if s := svc.Shapes[code]; s != nil && s.Exception {
		return s
	}
	if op != nil {
		for _, s := range op.Errors {
			if s.ErrorCode == code {
				return s
			}
		}
	}
	var found *model.Shape
	for _, s := range svc.Shapes {
		if s.Exception && s.ErrorCode == code && (found == nil || s.Name < found.Name) {
			found = s
		}
	}
	return found
}

// FieldNames returns the keys of d.Fields sorted.
func (d Doc) FieldNames() []string {
	names := make([]string, 0, len(d.Fields))
	for k := range d.Fields {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// JSON returns the JSON error document: {"__type": Type (when withType),
// MessageKey: Message, fields...}. Fields the exception models are encoded by
// their shape, others as free-form JSON; a field that cannot be encoded is left
// out.
func (d Doc) JSON(withType bool) []byte {
	b := make([]byte, 0, 128)
	b = append(b, '{')
	if withType {
		b = append(b, `"__type":`...)
		b = jsonshape.AppendString(b, d.Type)
		b = append(b, ',')
	}
	b = jsonshape.AppendString(b, d.MessageKey)
	b = append(b, ':')
	b = jsonshape.AppendString(b, d.Message)
	for _, k := range d.FieldNames() {
		var (
			enc []byte
			err error
		)
		if m := d.Member(k); m != nil {
			enc, err = jsonshape.EncodeMember(m, d.Fields[k])
		} else {
			enc, err = jsonshape.EncodeDocument(d.Fields[k])
		}
		if err != nil {
			continue
		}
		b = append(b, ',')
		b = jsonshape.AppendString(b, k)
		b = append(b, ':')
		b = append(b, enc...)
	}
	return append(b, '}')
}

// Member returns the modeled exception's member named name, or nil.
func (d Doc) Member(name string) *model.Member {
	if d.Shape == nil {
		return nil
	}
	return d.Shape.MemberNamed(name)
}

// FromViolations returns the error a json-family protocol answers a request
// failing validation with. Services that are not query-compatible answer
// ValidationException with AWS's "N validation errors detected" message.
// Query-compatible services answer as their query protocol did: MissingParameter
// ("The parameter X is required.") when members are only missing, else
// ValidationError with the same message as ValidationException.
func FromViolations(svc *model.Service, vs validate.Violations) *awserr.Error {
	if svc != nil && svc.QueryCompatible {
		if vs.OnlyRequired() {
			return awserr.New("MissingParameter", http.StatusBadRequest, "The parameter %s is required.", vs[0].Member)
		}
		return awserr.New("ValidationError", http.StatusBadRequest, "%s", vs.Error())
	}
	return awserr.Validation("%s", vs.Error())
}

// Validate checks in, the decoded input of a call, against shape with v and
// returns nil or the error FromViolations gives for svc.
func Validate(v *validate.Validator, svc *model.Service, shape *model.Shape, in map[string]any) error {
	err := v.Validate(shape, in)
	var vs validate.Violations
	if errors.As(err, &vs) {
		return FromViolations(svc, vs)
	}
	return err
}
