package query

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/awsproto/validate"
)

// Codec speaks the query protocol or, when made by NewEC2, the ec2 protocol. It is
// safe for concurrent use.
type Codec struct {
	ec2       bool
	validator *validate.Validator
}

var _ codec.Codec = (*Codec)(nil)

// New returns the codec for protocol "query" (IAM, STS, SNS, RDS, legacy SQS).
func New() *Codec { return &Codec{validator: validate.New()} }

// NewEC2 returns the codec for protocol "ec2".
func NewEC2() *Codec { return &Codec{ec2: true, validator: validate.New()} }

// noVersion is what AWS prints for a query request without a Version.
const noVersion = "NO_VERSION_SPECIFIED"

// Operation returns the operation named by the Action parameter.
//
// Returns MissingAction if there is none and InvalidAction if svc has no such
// operation. A query request must name svc's API version; the ec2 protocol, like
// EC2, accepts any Version. Returns MalformedQueryString for parameters that cannot
// be parsed.
func (c *Codec) Operation(svc *model.Service, r *http.Request, body []byte) (*model.Operation, error) {
	p, err := readParams(r, body)
	if err != nil {
		return nil, err
	}
	action, ok := p["Action"]
	if !ok || action == "" {
		if c.ec2 {
			return nil, awserr.New("MissingAction", http.StatusBadRequest, "The request must contain the parameter Action")
		}
		return nil, awserr.New("MissingAction", http.StatusBadRequest, "Missing Action")
	}
	op := svc.Operations[action]
	if c.ec2 {
		if op == nil {
			return nil, awserr.New("InvalidAction", http.StatusBadRequest, "The action %s is not valid for this web service.", truncate(action))
		}
		return op, nil
	}
	version, ok := p["Version"]
	if !ok || version == "" {
		version = noVersion
	}
	if op == nil || version != svc.APIVersion {
		return nil, awserr.New("InvalidAction", http.StatusBadRequest, "Could not find operation %s for version %s", truncate(action), truncate(version))
	}
	return op, nil
}

// DecodeRequest decodes the parameters of r into the generic value of op.Input and
// validates it. Wire errors (list indexes, nesting) are ValidationError for query
// and InvalidParameterValue for ec2; values of the wrong type are
// InvalidParameterValue. Model violations are ValidationError with AWS's
// "N validation errors detected" message for query, and MissingParameter or
// InvalidParameterValue for ec2.
func (c *Codec) DecodeRequest(svc *model.Service, op *model.Operation, r *http.Request, body []byte) (map[string]any, error) {
	in, err := c.Decode(svc, op, r, body)
	if err != nil {
		return nil, err
	}
	if op.Input == nil {
		return in, nil
	}
	if err := c.validator.Validate(op.Input, in); err != nil {
		var vs validate.Violations
		if !errors.As(err, &vs) || len(vs) == 0 {
			return nil, fmt.Errorf("validate %s input: %w", op.Name, err)
		}
		return nil, c.violationError(op.Input, vs)
	}
	return in, nil
}

// Decode is DecodeRequest without the model validation.
func (c *Codec) Decode(svc *model.Service, op *model.Operation, r *http.Request, body []byte) (map[string]any, error) {
	p, err := readParams(r, body)
	if err != nil {
		return nil, err
	}
	if op.Input == nil {
		return map[string]any{}, nil
	}
	in, err := decoder{ec2: c.ec2}.structure(op.Input, p.tree(), "", 0)
	if err != nil {
		return nil, err
	}
	if in == nil {
		in = map[string]any{}
	}
	return in, nil
}

// violationError turns model violations into the error the protocol answers with.
func (c *Codec) violationError(input *model.Shape, vs validate.Violations) *awserr.Error {
	if !c.ec2 {
		return awserr.New("ValidationError", http.StatusBadRequest, "%s", vs.Error())
	}
	// EC2 reports one problem at a time, naming the parameter as it is sent.
	v := vs[0]
	name := ec2ParamName(input, v)
	if v.Kind == validate.Required {
		return awserr.New("MissingParameter", http.StatusBadRequest, "The request must contain the parameter %s", name)
	}
	value := strings.TrimSuffix(strings.TrimPrefix(v.Value, "'"), "'")
	if value == "" || value == "null" {
		return awserr.New("InvalidParameterValue", http.StatusBadRequest, "Invalid value for parameter %s: %s", name, v.Constraint)
	}
	return awserr.New("InvalidParameterValue", http.StatusBadRequest, "Value (%s) for parameter %s is invalid. %s", value, name, v.Constraint)
}

// ec2ParamName translates a violation path ("ipPermissions.1.member.fromPort", in
// lowerCamel model names) into the parameter name an ec2 client sent
// ("IpPermissions.1.FromPort"). Segments it cannot follow are kept as they are.
func ec2ParamName(input *model.Shape, v validate.Violation) string {
	d := decoder{ec2: true}
	segs := strings.Split(v.Path, ".")
	out := make([]string, 0, len(segs))
	s := input
	for i := 0; i < len(segs); i++ {
		seg := segs[i]
		if s == nil {
			out = append(out, seg)
			continue
		}
		switch s.Type {
		case model.Structure:
			m := memberByLowerCamel(s, seg)
			if m == nil {
				out, s = append(out, seg), nil
				continue
			}
			out, s = append(out, d.memberName(m)), m.Shape
		case model.List:
			if _, err := strconv.Atoi(seg); err != nil {
				out, s = append(out, seg), nil
				continue
			}
			out, s = append(out, seg), s.Member.Shape
			if i+1 < len(segs) && segs[i+1] == "member" {
				i++ // AWS's paths say N.member; ec2 parameters are just N
			}
		default:
			out, s = append(out, seg), nil
		}
	}
	return strings.Join(out, ".")
}

func memberByLowerCamel(s *model.Shape, name string) *model.Member {
	for _, m := range s.Members {
		if m.Name == name || (m.Name != "" && strings.ToLower(m.Name[:1])+m.Name[1:] == name) {
			return m
		}
	}
	return nil
}

// WriteResponse writes out as the XML document of op's response, with the
// x-amzn-RequestId header. It returns an error, having written nothing, if out
// does not fit op's output shape.
func (c *Codec) WriteResponse(w http.ResponseWriter, svc *model.Service, op *model.Operation, out map[string]any, requestID string) error {
	e := &encoder{ec2: c.ec2}
	root := op.Name + "Response"
	if c.ec2 {
		e.buf.WriteString(xmlHeader)
		e.start(root, "xmlns", svc.XMLNamespace)
		e.element("requestId", requestID)
		if op.Output != nil {
			if err := e.members(op.Output, out, ""); err != nil {
				return fmt.Errorf("%s response: %w", op.Name, err)
			}
		}
		e.end(root)
	} else {
		e.start(root, "xmlns", svc.XMLNamespace)
		if op.Output != nil {
			// botocore looks the result wrapper up unconditionally: always write it.
			wrapper := op.ResultWrapper
			if wrapper != "" {
				e.start(wrapper)
			}
			if err := e.members(op.Output, out, ""); err != nil {
				return fmt.Errorf("%s response: %w", op.Name, err)
			}
			if wrapper != "" {
				e.end(wrapper)
			}
		}
		e.start("ResponseMetadata")
		e.element("RequestId", requestID)
		e.end("ResponseMetadata")
		e.end(root)
	}
	writeXML(w, http.StatusOK, e, requestID)
	return nil
}

// xmlHeader starts ec2 documents, as EC2 writes them.
const xmlHeader = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"

// WriteError writes err as an <ErrorResponse> (query) or <Response><Errors>
// (ec2) document with err's status. err.Fields are written beside Code and
// Message, shaped by the model's error shape for the code when there is one.
func (c *Codec) WriteError(w http.ResponseWriter, svc *model.Service, op *model.Operation, err *awserr.Error, requestID string) {
	for k, v := range err.Headers {
		w.Header().Set(k, v)
	}
	e := &encoder{ec2: c.ec2}
	if c.ec2 {
		e.buf.WriteString(xmlHeader)
		e.start("Response")
		e.start("Errors")
		e.start("Error")
		e.element("Code", err.Code)
		e.element("Message", err.Message)
		c.errorFields(e, svc, op, err)
		e.end("Error")
		e.end("Errors")
		e.element("RequestID", requestID)
		e.end("Response")
	} else {
		if svc != nil && svc.XMLNamespace != "" {
			e.start("ErrorResponse", "xmlns", svc.XMLNamespace)
		} else {
			e.start("ErrorResponse")
		}
		e.start("Error")
		fault := "Sender"
		if err.Server || err.HTTPStatus() >= 500 {
			fault = "Receiver"
		}
		e.element("Type", fault)
		e.element("Code", err.Code)
		e.element("Message", err.Message)
		c.errorFields(e, svc, op, err)
		e.end("Error")
		e.element("RequestId", requestID)
		e.end("ErrorResponse")
	}
	writeXML(w, err.HTTPStatus(), e, requestID)
}

// errorFields writes err.Fields after Message. With a modeled error shape for
// err.Code the fields are encoded as its members; otherwise each field is a plain
// text element. Fields that do not encode are left out: an error must still go out.
func (c *Codec) errorFields(e *encoder, svc *model.Service, op *model.Operation, err *awserr.Error) {
	if len(err.Fields) == 0 {
		return
	}
	fields := make(map[string]any, len(err.Fields))
	for k, v := range err.Fields {
		switch k {
		case "Code", "Message", "message", "Type":
		default:
			fields[k] = v
		}
	}
	if s := errorShape(svc, op, err.Code); s != nil {
		mark := e.buf.Len()
		if e.members(s, fields, "") == nil {
			return
		}
		e.buf.Truncate(mark)
	}
	for _, k := range sortedKeys(fields) {
		if !validElementName(k) {
			continue
		}
		e.element(k, fmt.Sprint(fields[k]))
	}
}

// errorShape finds the modeled exception whose code is code: first among op's
// errors, then in the whole service.
func errorShape(svc *model.Service, op *model.Operation, code string) *model.Shape {
	if op != nil {
		for _, s := range op.Errors {
			if s.ErrorCode == code {
				return s
			}
		}
	}
	if svc == nil {
		return nil
	}
	if s := svc.Shapes[code]; s != nil && s.Exception && s.ErrorCode == code {
		return s
	}
	for _, s := range svc.Shapes {
		if s.Exception && s.ErrorCode == code {
			return s
		}
	}
	return nil
}

func writeXML(w http.ResponseWriter, status int, e *encoder, requestID string) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set("Content-Length", strconv.Itoa(e.buf.Len()))
	h.Set("x-amzn-RequestId", requestID)
	w.WriteHeader(status)
	_, _ = w.Write(e.buf.Bytes())
}
