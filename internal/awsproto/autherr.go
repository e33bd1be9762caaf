package awsproto

import (
	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/sigv4"
)

// authErrorForProtocol returns e with its code spelled as services of protocol
// spell it: internal/sigv4 returns query-style codes (what IAM, STS and the other
// query services answer), json and rest-json services answer
// UnrecognizedClientException and friends.
func authErrorForProtocol(e *awserr.Error, protocol string) *awserr.Error {
	if protocol != model.JSON && protocol != model.RestJSON {
		return e
	}
	c, ok := sigv4.JSONCode(e.Code)
	if !ok {
		return e
	}
	cp := *e
	cp.Code = c
	return &cp
}
