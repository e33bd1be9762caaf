// Package rpcv2cbor implements the Smithy RPC v2 CBOR protocol, which the AWS CLI
// and botocore use for CloudWatch: every call is POST
// /service/<ServiceName>/operation/<Operation> with the header
// smithy-protocol: rpc-v2-cbor, and inputs, outputs and errors are CBOR maps
// (application/cbor). ServiceName is the Smithy service shape's name, which the
// models carry as metadata.targetPrefix (GraniteServiceVersion20100801 for
// CloudWatch). Timestamps are tag 1 epoch seconds, blobs byte strings.
//
// Errors are maps {"__type": ..., "message": ..., fields...}; for query-compatible
// services the x-amzn-query-error header carries the query code and fault that
// botocore and the Go SDK report as the error code.
//
// It is not for event streams, and it knows no service: everything comes from
// the model.
package rpcv2cbor

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/fxamacker/cbor/v2"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/errordoc"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/awsproto/validate"
)

const (
	contentType    = "application/cbor"
	protocolHeader = "Smithy-Protocol"
	protocolName   = "rpc-v2-cbor"
)

// Codec is the rpc-v2-cbor protocol. It is safe for concurrent use.
type Codec struct {
	dec       cbor.DecMode
	validator *validate.Validator
}

var _ codec.Codec = (*Codec)(nil)

// New returns an rpc-v2-cbor codec.
func New() *Codec {
	return &Codec{dec: newDecMode(), validator: validate.New()}
}

// Operation returns the operation the path names. It answers
// UnknownOperationException (404) for other paths and methods, and 400 for a
// smithy-protocol header or content type of another protocol.
func (c *Codec) Operation(svc *model.Service, r *http.Request, body []byte) (*model.Operation, error) {
	if r.Method != http.MethodPost {
		return nil, awserr.New("UnknownOperationException", http.StatusNotFound, "The rpc-v2-cbor protocol only accepts POST requests, not %s.", r.Method)
	}
	if p := r.Header.Get(protocolHeader); p != "" && p != protocolName {
		return nil, awserr.New("UnknownOperationException", http.StatusBadRequest, "The smithy-protocol %q is not supported; use %s.", p, protocolName)
	}
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != contentType {
			return nil, awserr.New("UnknownOperationException", http.StatusBadRequest, "The Content-Type %q is not supported; use %s.", ct, contentType)
		}
	}
	segs := strings.Split(strings.TrimSuffix(r.URL.Path, "/"), "/")
	n := len(segs)
	if n < 5 || segs[n-4] != "service" || segs[n-2] != "operation" || segs[n-3] != svc.TargetPrefix {
		return nil, awserr.New("UnknownOperationException", http.StatusNotFound, "The path %s names no operation of this service.", r.URL.Path)
	}
	op := svc.Operations[segs[n-1]]
	if op == nil {
		return nil, awserr.New("UnknownOperationException", http.StatusNotFound, "The operation %s is not an operation of this service.", segs[n-1])
	}
	return op, nil
}

// Decode decodes the CBOR body of a call of op without validating it against the
// model's constraints (DecodeRequest does both).
func (c *Codec) Decode(svc *model.Service, op *model.Operation, r *http.Request, body []byte) (map[string]any, error) {
	if op.Input == nil || len(body) == 0 {
		return map[string]any{}, nil
	}
	var raw any
	if err := c.dec.Unmarshal(body, &raw); err != nil {
		return nil, awserr.Serialization("Request body is not valid CBOR: %s", strings.TrimPrefix(err.Error(), "cbor: "))
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, mismatch(raw, "a map")
	}
	return decodeStruct(op.Input, obj)
}

// DecodeRequest decodes and validates the input of op. Malformed CBOR and values
// of the wrong type are SerializationException; constraint violations are
// ValidationException, or MissingParameter and ValidationError for
// query-compatible services such as CloudWatch.
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

// WriteResponse writes out as a CBOR map with status 200; an operation without
// output answers an empty body.
func (c *Codec) WriteResponse(w http.ResponseWriter, svc *model.Service, op *model.Operation, out map[string]any, requestID string) error {
	var body []byte
	if op.Output != nil {
		e := encoder{buf: make([]byte, 0, 256)}
		if err := e.structure(op.Output, out, op.Output.Name); err != nil {
			return err
		}
		body = e.buf
	}
	write(w, http.StatusOK, requestID, body)
	return nil
}

// WriteError writes err as a CBOR map {"__type", message, fields...} with the
// x-amzn-query-error header for query-compatible services.
func (c *Codec) WriteError(w http.ResponseWriter, svc *model.Service, op *model.Operation, err *awserr.Error, requestID string) {
	d := errordoc.For(svc, op, err)
	var e encoder
	names := d.FieldNames()
	e.head(majorMap, uint64(2+len(names)))
	e.text("__type")
	e.text(d.Type)
	e.text(d.MessageKey)
	e.text(d.Message)
	for _, k := range names {
		e.text(k)
		mark := len(e.buf)
		var encErr error
		if m := d.Member(k); m != nil {
			encErr = e.value(m, d.Fields[k], k)
		} else {
			encErr = e.document(d.Fields[k], k)
		}
		if encErr != nil {
			// Keep the map well-formed: a field that cannot be encoded is null.
			e.buf = e.buf[:mark]
			e.null()
		}
	}
	h := w.Header()
	if d.QueryError != "" {
		h.Set(errordoc.QueryErrorHeader, d.QueryError)
	}
	for k, v := range err.Headers {
		h.Set(k, v)
	}
	write(w, err.HTTPStatus(), requestID, e.buf)
}

func write(w http.ResponseWriter, status int, requestID string, body []byte) {
	h := w.Header()
	h.Set(protocolHeader, protocolName)
	if len(body) > 0 {
		h.Set("Content-Type", contentType)
	}
	h.Set("X-Amzn-RequestId", requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}
