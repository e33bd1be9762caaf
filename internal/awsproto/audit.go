package awsproto

import (
	"context"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/identity"
)

// Auditor records API calls in the audit trail. The router calls Audit for
// every authenticated call whose operation it identified, success or failure
// (AccessDenied included), after the operation ran and before the response is
// written: a call a client saw answered is one the Auditor has already been
// handed. Audit must not keep In or Out after it returns (they may be reused)
// and must not fail the call: recording problems are the Auditor's to report.
type Auditor interface {
	// Begin is called before the operation runs, with e's Operation and In
	// set; it returns the context the operation runs with (the trail defers
	// the store's sync of a management call's effect to its record's).
	Begin(ctx context.Context, e *AuditEntry) context.Context
	Audit(ctx context.Context, e *AuditEntry)
}

// AuditEntry is one call as the audit trail sees it.
type AuditEntry struct {
	Time      time.Time
	Service   *model.Service
	Operation *model.Operation
	Principal *identity.Principal
	Region    string
	SourceIP  string
	UserAgent string
	RequestID string
	// In is the decoded request in the generic value form, nil when the
	// request could not be decoded; Out the response's on success.
	In  map[string]any
	Out map[string]any
	// Err is the error answered, nil on success.
	Err *awserr.Error
	// Notes are what the handling noted for the record (identity.Note):
	// CloudTrail's additionalEventData.
	Notes *identity.Notes
}
