// Package jsonrpc implements the AWS json protocol (versions 1.0 and 1.1): every
// call is POST / with the operation named by X-Amz-Target "<TargetPrefix>.<Op>"
// and the input as a JSON object; responses and errors are JSON documents with
// content type application/x-amz-json-<version>.
//
// Errors carry the type in __type and the x-amzn-ErrorType header, and for
// query-compatible services (SQS, CloudWatch) the query code and fault in
// x-amzn-query-error, which botocore and the Go SDK read to report the code those
// services had under the query protocol.
//
// It is not for routing between services or authentication; the router does that
// before Operation is called.
package jsonrpc

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/errordoc"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonshape"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/awsproto/validate"
)

// Codec is the json protocol. It is safe for concurrent use.
type Codec struct {
	validator *validate.Validator
}

var _ codec.Codec = (*Codec)(nil)

// New returns a json protocol codec.
func New() *Codec {
	return &Codec{validator: validate.New()}
}

func contentType(svc *model.Service) string {
	v := ""
	if svc != nil {
		v = svc.JSONVersion
	}
	if v == "" {
		v = "1.0"
	}
	return "application/x-amz-json-" + v
}

// unknownOperation is what AWS answers a target it does not know.
func unknownOperation(format string, args ...any) *awserr.Error {
	return awserr.New("UnknownOperationException", http.StatusBadRequest, format, args...)
}

// Operation returns the operation X-Amz-Target names. It answers
// UnknownOperationException (400) for a missing or unknown target, a method other
// than POST, or a content type that is not JSON.
func (c *Codec) Operation(svc *model.Service, r *http.Request, body []byte) (*model.Operation, error) {
	if r.Method != http.MethodPost {
		return nil, unknownOperation("The json protocol only accepts POST requests, not %s.", r.Method)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		switch {
		case err != nil:
			return nil, unknownOperation("The Content-Type header %q cannot be parsed.", ct)
		case mt != "application/x-amz-json-1.0" && mt != "application/x-amz-json-1.1" && mt != "application/json":
			return nil, unknownOperation("The Content-Type %s is not supported; use %s.", mt, contentType(svc))
		}
	}
	target := r.Header.Get("X-Amz-Target")
	if target == "" {
		return nil, unknownOperation("The request names no operation: the X-Amz-Target header is missing.")
	}
	// Prefixes may hold dots themselves (com.amazonaws.cloudtrail.v20131101...);
	// clients may also send only their last segment (the Go SDK v2 sends
	// CloudTrail_20131101.LookupEvents), which AWS accepts.
	name, ok := strings.CutPrefix(target, svc.TargetPrefix+".")
	if short := shortPrefix(svc.TargetPrefix); !ok && short != svc.TargetPrefix {
		name, ok = strings.CutPrefix(target, short+".")
	}
	if !ok || svc.TargetPrefix == "" {
		return nil, unknownOperation("The target %s is not an operation of this service.", target)
	}
	op := svc.Operations[name]
	if op == nil {
		return nil, unknownOperation("The operation %s is not an operation of this service.", name)
	}
	return op, nil
}

// shortPrefix is the last dot-separated segment of a target prefix.
func shortPrefix(p string) string {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[i+1:]
	}
	return p
}

// Decode decodes the JSON body of a call of op without validating it against the
// model's constraints (DecodeRequest does both).
func (c *Codec) Decode(svc *model.Service, op *model.Operation, r *http.Request, body []byte) (map[string]any, error) {
	if op.Input == nil {
		return map[string]any{}, nil
	}
	return jsonshape.Decode(op.Input, body, jsonshape.AllMembers)
}

// DecodeRequest decodes and validates the input of op. Malformed JSON and values
// of the wrong type are SerializationException; constraint violations are
// ValidationException (MissingParameter or ValidationError for query-compatible
// services).
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

// WriteResponse writes out as the JSON body of a 200 response.
func (c *Codec) WriteResponse(w http.ResponseWriter, svc *model.Service, op *model.Operation, out map[string]any, requestID string) error {
	body, err := jsonshape.Encode(op.Output, out, jsonshape.AllMembers)
	if err != nil {
		return err
	}
	write(w, http.StatusOK, contentType(svc), requestID, body)
	return nil
}

// WriteError writes err as {"__type": ..., "message": ..., fields...} with the
// x-amzn-ErrorType header (and x-amzn-query-error for query-compatible services).
func (c *Codec) WriteError(w http.ResponseWriter, svc *model.Service, op *model.Operation, err *awserr.Error, requestID string) {
	d := errordoc.For(svc, op, err)
	h := w.Header()
	h.Set("X-Amzn-ErrorType", d.Type)
	if d.QueryError != "" {
		h.Set(errordoc.QueryErrorHeader, d.QueryError)
	}
	for k, v := range err.Headers {
		h.Set(k, v)
	}
	write(w, err.HTTPStatus(), contentType(svc), requestID, d.JSON(true))
}

func write(w http.ResponseWriter, status int, ct, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("X-Amzn-RequestId", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
