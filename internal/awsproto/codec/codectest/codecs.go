package codectest

import (
	"net/http"

	"github.com/stratus-cloud/stratus/internal/awsproto/codec"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/jsonrpc"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/query"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/restjson"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/rpcv2cbor"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
)

// Codecs returns a new codec for every protocol Stratus implements, keyed by the
// model's protocol name. Every harness test covers every protocol listed here:
// adding one is one line.
func Codecs() map[string]codec.Codec {
	return map[string]codec.Codec{
		model.JSON:     jsonrpc.New(),
		model.RestJSON: restjson.New(),
		model.CBOR:     rpcv2cbor.New(),
		model.Query:    query.New(),
		model.EC2:      query.NewEC2(),
	}
}

// Decoder is implemented by codecs that can decode a request without validating
// it; the harness uses it for samples whose patterns botocore's side could not
// satisfy.
type Decoder interface {
	Decode(svc *model.Service, op *model.Operation, r *http.Request, body []byte) (map[string]any, error)
}
