// Package awserr is Stratus's one error type for everything a client can be told.
//
// Domain code says what went wrong with a code AWS uses (ResourceNotFoundException,
// InvalidParameterValue, AccessDenied, ...), a message and the HTTP status AWS answers
// with. The protocol codecs in internal/awsproto/codec decide how each protocol writes
// it on the wire. Any error that is not an *Error reaches the client as InternalFailure
// (500) and its details go only to the server log.
//
// It is not for transport concerns: no package here writes HTTP.
package awserr

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an error a client sees: an AWS error code, a message and an HTTP status.
type Error struct {
	// Code is the AWS error code, exactly as AWS spells it for the service,
	// e.g. "NoSuchEntity", "AccessDeniedException".
	Code string
	// Message is the human-readable message. It must not contain secrets.
	Message string
	// Status is the HTTP status code. Zero means 400.
	Status int
	// Server marks errors that are the server's fault (the Fault element of query
	// errors says "Receiver" instead of "Sender").
	Server bool
	// Fields carries extra top-level members some AWS errors have (e.g. Lambda's
	// "Type", "retryAfterSeconds"). Encoders write them beside Code and Message where
	// the protocol allows. May be nil.
	Fields map[string]any
	// Headers are extra response headers (e.g. Retry-After). May be nil.
	Headers map[string]string
}

func (e *Error) Error() string {
	if e.Message == "" {
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// HTTPStatus returns the status to answer with, defaulting to 400.
func (e *Error) HTTPStatus() int {
	if e.Status == 0 {
		if e.Server {
			return http.StatusInternalServerError
		}
		return http.StatusBadRequest
	}
	return e.Status
}

// New returns an *Error with the given code, status and formatted message.
func New(code string, status int, format string, args ...any) *Error {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Error{Code: code, Message: msg, Status: status}
}

// As returns err as an *Error if it is one (possibly wrapped).
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Is reports whether err is an *Error with the given code.
func Is(err error, code string) bool {
	e, ok := As(err)
	return ok && e.Code == code
}

// Errors that every service shares. Service-specific codes are built with New
// where they are raised.

// Internal is what a client sees for any error that is not an *Error.
func Internal() *Error {
	return &Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: 500, Server: true}
}

// NotImplemented answers operations Stratus does not implement yet.
func NotImplemented(service, op string) *Error {
	return New("NotImplemented", http.StatusNotImplemented, "The operation %s of service %s is not implemented by Stratus yet.", op, service)
}

// Validation is the generic input-validation failure.
func Validation(format string, args ...any) *Error {
	return New("ValidationException", http.StatusBadRequest, format, args...)
}

// Serialization is a body that cannot be parsed at all.
func Serialization(format string, args ...any) *Error {
	return New("SerializationException", http.StatusBadRequest, format, args...)
}

// RequestTooLarge is a body over the server's limit.
func RequestTooLarge(limit int64) *Error {
	return New("RequestEntityTooLarge", http.StatusRequestEntityTooLarge, "Request body is larger than the limit of %d bytes.", limit)
}
