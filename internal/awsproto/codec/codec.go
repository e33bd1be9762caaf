// Package codec defines what every AWS wire protocol implementation provides to the
// router: finding the operation a request calls, decoding its input into the generic
// value form described in internal/awsproto/model, and writing responses and errors
// exactly as the AWS SDKs expect them.
//
// Implementations live in subpackages, one per protocol family: jsonrpc (json 1.0 and
// 1.1), restjson, query (query and ec2) and rpcv2cbor. They are driven only by the
// service model; none knows about any particular service.
//
// It is not for authentication, authorization or routing between services.
package codec

import (
	"net/http"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// Codec reads requests and writes responses for one protocol. Implementations are
// safe for concurrent use.
type Codec interface {
	// Operation identifies the operation r calls (X-Amz-Target for json, Action for
	// query/ec2, the path for rest-json and rpc-v2-cbor). body is the whole request
	// body, already read and size-limited. It returns an *awserr.Error in the
	// protocol's terms (e.g. UnknownOperationException, InvalidAction) when r names no
	// operation of svc.
	Operation(svc *model.Service, r *http.Request, body []byte) (*model.Operation, error)

	// DecodeRequest decodes r into the generic value of op.Input and validates it
	// against the model (required members, enums, min/max, patterns, types). An
	// operation without input decodes to an empty map. Client mistakes are returned
	// as *awserr.Error with a 4xx status.
	DecodeRequest(svc *model.Service, op *model.Operation, r *http.Request, body []byte) (map[string]any, error)

	// WriteResponse writes a successful response carrying out, the generic value of
	// op.Output (nil or empty when there is none), with the x-amzn-RequestId header
	// (and the RequestId element where the protocol has one).
	WriteResponse(w http.ResponseWriter, svc *model.Service, op *model.Operation, out map[string]any, requestID string) error

	// WriteError writes err in the protocol's error format with err's HTTP status.
	// op may be nil when the operation could not be identified.
	WriteError(w http.ResponseWriter, svc *model.Service, op *model.Operation, err *awserr.Error, requestID string)
}
