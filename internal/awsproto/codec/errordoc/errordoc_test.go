package errordoc_test

import (
	"testing"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/codectest"
	"github.com/stratus-cloud/stratus/internal/awsproto/codec/errordoc"
	"github.com/stratus-cloud/stratus/internal/awsproto/validate"
)

func TestFor(t *testing.T) {
	cw := codectest.LoadService(t, "cloudwatch")
	kms := codectest.LoadService(t, "kms")
	lambda := codectest.LoadService(t, "lambda")
	tests := []struct {
		name                        string
		doc                         errordoc.Doc
		typ, messageKey, queryError string
	}{
		{"a shape name finds the exception", errordoc.For(kms, nil, awserr.New("NotFoundException", 400, "m")),
			"NotFoundException", "message", ""},
		{"a query code finds the exception of a query-compatible service", errordoc.For(cw, nil, awserr.New("InvalidParameterValue", 400, "m")),
			"InvalidParameterValueException", "message", "InvalidParameterValue;Sender"},
		{"a shape name of a query-compatible service gives its query code", errordoc.For(cw, nil, awserr.New("DashboardNotFoundError", 404, "m")),
			"DashboardNotFoundError", "message", "ResourceNotFound;Sender"},
		{"an exception spelling Message is written so", errordoc.For(lambda, nil, awserr.New("ResourceNotFoundException", 404, "m")),
			"ResourceNotFoundException", "Message", ""},
		{"a server fault is a Receiver fault", errordoc.For(cw, nil, awserr.Internal()),
			"InternalFailure", "message", "InternalFailure;Receiver"},
		{"an unknown code stays as it is", errordoc.For(kms, nil, awserr.New("Nope", 400, "m")),
			"Nope", "message", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.doc.Type != tt.typ || tt.doc.MessageKey != tt.messageKey || tt.doc.QueryError != tt.queryError {
				t.Fatalf("Doc = %q %q %q, want %q %q %q", tt.doc.Type, tt.doc.MessageKey, tt.doc.QueryError, tt.typ, tt.messageKey, tt.queryError)
			}
		})
	}
}

func TestJSONDropsFieldsThatRepeatTheMessage(t *testing.T) {
	kms := codectest.LoadService(t, "kms")
	d := errordoc.For(kms, nil, &awserr.Error{Code: "X", Message: "m", Fields: map[string]any{"message": "dup", "__type": "dup", "b": true, "a": []any{"x"}}})
	want := `{"__type":"X","message":"m","a":["x"],"b":true}`
	if got := string(d.JSON(true)); got != want {
		t.Fatalf("JSON() = %s, want %s", got, want)
	}
	if got := string(d.JSON(false)); got != `{"message":"m","a":["x"],"b":true}` {
		t.Fatalf("JSON(false) = %s", got)
	}
}

func TestFromViolations(t *testing.T) {
	kms := codectest.LoadService(t, "kms")
	cw := codectest.LoadService(t, "cloudwatch")
	missing := validate.Violations{{Path: "namespace", Member: "Namespace", Kind: validate.Required, Value: "null", Constraint: "Member must not be null"}}
	tooLong := validate.Violations{{Path: "keyId", Member: "KeyId", Kind: validate.Length, Value: "'x'", Constraint: "Member must have length less than or equal to 0"}}
	tests := []struct {
		name      string
		err       *awserr.Error
		code, msg string
	}{
		{"json services answer ValidationException", errordoc.FromViolations(kms, tooLong), "ValidationException",
			"1 validation error detected: Value 'x' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 0"},
		{"json services answer ValidationException for missing members too", errordoc.FromViolations(kms, missing), "ValidationException",
			"1 validation error detected: Value null at 'namespace' failed to satisfy constraint: Member must not be null"},
		{"query-compatible services answer MissingParameter", errordoc.FromViolations(cw, missing), "MissingParameter",
			"The parameter Namespace is required."},
		{"query-compatible services answer ValidationError otherwise", errordoc.FromViolations(cw, tooLong), "ValidationError",
			"1 validation error detected: Value 'x' at 'keyId' failed to satisfy constraint: Member must have length less than or equal to 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err.Code != tt.code || tt.err.Message != tt.msg || tt.err.HTTPStatus() != 400 {
				t.Fatalf("error = %s %d %q, want %s 400 %q", tt.err.Code, tt.err.HTTPStatus(), tt.err.Message, tt.code, tt.msg)
			}
		})
	}
}
