package lambda

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Event source mapping states, as AWS spells them. A mapping at rest is
// Enabled or Disabled; the others are what Create, Update and Delete answer.
const (
	ESMCreating  = "Creating"
	ESMEnabling  = "Enabling"
	ESMEnabled   = "Enabled"
	ESMDisabling = "Disabling"
	ESMDisabled  = "Disabled"
	ESMUpdating  = "Updating"
	ESMDeleting  = "Deleting"

	// ESMUserInitiated is the StateTransitionReason of every state Stratus
	// reports: only users change a mapping's state.
	ESMUserInitiated = "USER_INITIATED"
	// ESMNoRecords is LastProcessingResult until a batch was processed.
	ESMNoRecords = "No records processed"
	// ReportBatchItemFailures is the one FunctionResponseType SQS takes.
	ReportBatchItemFailures = "ReportBatchItemFailures"
)

// Bounds of an SQS event source mapping, as AWS documents them.
const (
	DefaultESMBatchSize       = 10
	maxESMBatchSize           = 10000
	maxESMBatchSizeNoWindow   = 10 // more needs a batching window of 1 s or more
	maxFIFOBatchSize          = 10
	maxESMBatchingWindow      = 300
	minESMMaximumConcurrency  = 2
	maxESMMaximumConcurrency  = 1000
	maxESMListItems           = 100
	esmNotFoundMessage        = "The resource you requested does not exist."
	defaultESMListMaxItems    = 100
	esmUnsupportedSourceError = "Stratus supports only Amazon SQS queues as event sources; %s is not one."
)

// SourceAccess checks that an execution role may read an event source: it
// returns nil when roleARN (of account) is allowed sqs:ReceiveMessage,
// sqs:DeleteMessage and sqs:GetQueueAttributes on queueARN, an
// *awserr.Error answered to the caller as is when it is not (see
// [SourceAccessDenied]), and any other error when it could not decide. The
// server implements it with IAM's policy simulation.
type SourceAccess func(ctx context.Context, account, roleARN, queueARN string) error

// SourceAccessDenied is AWS's answer to a mapping whose function's execution
// role may not call action ("ReceiveMessage", "DeleteMessage" or
// "GetQueueAttributes") on the queue.
func SourceAccessDenied(action string) *awserr.Error {
	return invalidParameter("The provided execution role does not have permissions to call %s on SQS", action)
}

// esmState is the Service's part for event source mappings.
type esmState struct {
	access SourceAccess // nil: no check
	// changed has capacity 1 and is signalled, without blocking, after every
	// write to the mappings.
	changed chan struct{}
}

func newESMState(access SourceAccess) esmState {
	return esmState{access: access, changed: make(chan struct{}, 1)}
}

// EventSourceMapping polls an SQS queue and invokes a function with batches
// of its messages.
type EventSourceMapping struct {
	UUID string `json:"-"`
	// ARN is arn:aws:lambda:REGION:ACCOUNT:event-source-mapping:UUID.
	ARN            string `json:"-"`
	Account        string `json:"-"`
	EventSourceARN string `json:"-"`
	// FunctionARN is the function's ARN, qualified when the mapping names a
	// version or alias.
	FunctionARN string `json:"-"`
	// FunctionName and Qualifier ("" for none) are what the poller invokes.
	FunctionName string
	Qualifier    string `json:",omitempty"`

	BatchSize                      int64
	MaximumBatchingWindowInSeconds int64
	FunctionResponseTypes          []string `json:",omitempty"`
	// MaximumConcurrency is ScalingConfig.MaximumConcurrency, 0 when unset.
	MaximumConcurrency int64 `json:",omitempty"`
	Enabled            bool

	// State is Enabled or Disabled at rest, and what the last call answered
	// in that call's response.
	State                 string `json:"-"`
	StateTransitionReason string `json:"-"`
	LastModified          time.Time
	LastProcessingResult  string
}

// ReportsBatchItemFailures says whether the function answers which messages
// of a batch failed.
func (m *EventSourceMapping) ReportsBatchItemFailures() bool {
	return slices.Contains(m.FunctionResponseTypes, ReportBatchItemFailures)
}

// BatchingWindow is MaximumBatchingWindowInSeconds as a duration.
func (m *EventSourceMapping) BatchingWindow() time.Duration {
	return time.Duration(m.MaximumBatchingWindowInSeconds) * time.Second
}

// ScalingConfig bounds the concurrent invocations of a mapping.
type ScalingConfig struct {
	// MaximumConcurrency (2-1000); nil removes the bound.
	MaximumConcurrency *int64
}

// EventSourceMappingInput creates or updates a mapping. For updates, nil
// fields keep their value.
type EventSourceMappingInput struct {
	// EventSourceARN is the queue; Create only.
	EventSourceARN string
	// FunctionName is a name, partial or full ARN, with an optional
	// qualifier; required by Create.
	FunctionName                   *string
	Enabled                        *bool
	BatchSize                      *int64
	MaximumBatchingWindowInSeconds *int64
	// FunctionResponseTypes replaces the response types when non-nil.
	FunctionResponseTypes []string
	// ScalingConfig replaces the scaling configuration when non-nil.
	ScalingConfig *ScalingConfig
	// Unsupported names the parameters the request set that SQS event
	// sources do not take (stream, Kafka, MQ and DocumentDB options, and
	// what Stratus does not implement: filters, tags, metrics, logging).
	Unsupported []string
}

var sqsARN = regexp.MustCompile(`^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80}(\.fifo)?)$`)

// esmMigration adds the event source mappings. They outlive their function,
// as on AWS: DeleteFunction does not delete them.
const esmMigration = `
CREATE TABLE lambda_event_source_mappings (
	uuid         TEXT NOT NULL PRIMARY KEY,
	account      TEXT NOT NULL,
	event_source TEXT NOT NULL,
	function_arn TEXT NOT NULL,
	config       TEXT NOT NULL,
	UNIQUE (event_source, function_arn)
);
CREATE INDEX lambda_event_source_mappings_by_account ON lambda_event_source_mappings (account, uuid);`

func (s *Service) esmARN(account, uuid string) string {
	return fmt.Sprintf("arn:aws:lambda:%s:%s:event-source-mapping:%s", s.region, account, uuid)
}

// EventSourceMappingARN returns the ARN calls on the mapping uuid are
// authorized against.
func (s *Service) EventSourceMappingARN(account, uuid string) string { return s.esmARN(account, uuid) }

// MappingsChanged is signalled after every write to the event source
// mappings. Its buffer holds one signal: a reader that was busy sees one
// signal for many writes. It is meant for one reader, the pollers' manager.
func (s *Service) MappingsChanged() <-chan struct{} { return s.esm.changed }

// updateMappings is update followed by a MappingsChanged signal.
func (s *Service) updateMappings(ctx context.Context, fn func(*store.Tx) error) error {
	err := s.update(ctx, fn)
	select {
	case s.esm.changed <- struct{}{}:
	default:
	}
	return err
}

// CreateEventSourceMapping maps an SQS queue to a function. Returns
// InvalidParameterValueException for a source that is not an SQS queue of
// this region, bad settings or an execution role that may not read the queue,
// ResourceNotFoundException if the function, version or alias does not exist,
// and ResourceConflictException if the queue is already mapped to it. The
// mapping answered is Creating; it is Enabled (or Disabled) at rest.
func (s *Service) CreateEventSourceMapping(ctx context.Context, account string, in EventSourceMappingInput) (*EventSourceMapping, error) {
	if err := checkUnsupported(in.Unsupported); err != nil {
		return nil, err
	}
	if in.FunctionName == nil || *in.FunctionName == "" {
		return nil, invalidParameter("FunctionName is required.")
	}
	if err := s.checkQueueARN(in.EventSourceARN); err != nil {
		return nil, err
	}
	ref, err := s.resolveRef(account, *in.FunctionName, "")
	if err != nil {
		return nil, err
	}
	uuid, err := s.revisionID()
	if err != nil {
		return nil, err
	}
	m := &EventSourceMapping{
		UUID: uuid, ARN: s.esmARN(account, uuid), Account: account, EventSourceARN: in.EventSourceARN,
		FunctionARN: refARN(s, ref), FunctionName: ref.Name, Qualifier: ref.Qualifier,
		BatchSize: DefaultESMBatchSize, Enabled: true, LastProcessingResult: ESMNoRecords,
	}
	applyESMInput(m, in)
	if err := checkMapping(m); err != nil {
		return nil, err
	}
	if err := s.checkSourceAccess(ctx, ref, m.EventSourceARN); err != nil {
		return nil, err
	}
	m.LastModified = s.now().UTC()
	err = s.updateMappings(ctx, func(tx *store.Tx) error {
		if err := s.qualifierExists(ctx, tx, ref); err != nil {
			return err
		}
		return s.putMapping(ctx, tx, m, true)
	})
	if err != nil {
		return nil, fmt.Errorf("create event source mapping: %w", err)
	}
	m.State, m.StateTransitionReason = ESMCreating, ESMUserInitiated
	return m, nil
}

// refARN is ref's function ARN, qualified when ref has a qualifier.
func refARN(s *Service, ref FunctionRef) string {
	a := s.functionARN(ref.Account, ref.Name)
	if ref.Qualifier != "" {
		a += ":" + ref.Qualifier
	}
	return a
}

func checkUnsupported(names []string) error {
	if len(names) == 0 {
		return nil
	}
	return invalidParameter("Unsupported %s parameter for given event source.", names[0])
}

// checkQueueARN accepts an SQS queue ARN of this region.
func (s *Service) checkQueueARN(arn string) error {
	if arn == "" {
		return invalidParameter("EventSourceArn is required.")
	}
	parts := sqsARN.FindStringSubmatch(arn)
	if parts == nil {
		return invalidParameter(esmUnsupportedSourceError, arn)
	}
	if parts[1] != s.region {
		return invalidParameter("The event source %s is not in this region ('%s'); Lambda reads queues of its own region only.", arn, s.region)
	}
	return nil
}

func isFIFOQueue(arn string) bool { return strings.HasSuffix(arn, ".fifo") }

// applyESMInput sets the fields in gives on m.
func applyESMInput(m *EventSourceMapping, in EventSourceMappingInput) {
	if in.Enabled != nil {
		m.Enabled = *in.Enabled
	}
	setInt(&m.BatchSize, in.BatchSize)
	setInt(&m.MaximumBatchingWindowInSeconds, in.MaximumBatchingWindowInSeconds)
	if in.FunctionResponseTypes != nil {
		m.FunctionResponseTypes = slices.Clone(in.FunctionResponseTypes)
	}
	if in.ScalingConfig != nil {
		m.MaximumConcurrency = 0
		setInt(&m.MaximumConcurrency, in.ScalingConfig.MaximumConcurrency)
	}
}

// checkMapping validates m's settings against AWS's rules for SQS.
func checkMapping(m *EventSourceMapping) error {
	fifo := isFIFOQueue(m.EventSourceARN)
	switch {
	case m.BatchSize < 1 || m.BatchSize > maxESMBatchSize:
		return invalidParameter("1 validation error detected: Value '%d' at 'batchSize' failed to satisfy constraint: Member must have value between 1 and %d", m.BatchSize, maxESMBatchSize)
	case m.MaximumBatchingWindowInSeconds < 0 || m.MaximumBatchingWindowInSeconds > maxESMBatchingWindow:
		return invalidParameter("1 validation error detected: Value '%d' at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: Member must have value between 0 and %d", m.MaximumBatchingWindowInSeconds, maxESMBatchingWindow)
	case fifo && m.BatchSize > maxFIFOBatchSize:
		return invalidParameter("BatchSize must be between 1 and %d for FIFO queues.", maxFIFOBatchSize)
	case fifo && m.MaximumBatchingWindowInSeconds > 0:
		return invalidParameter("Batching window is not supported for FIFO queues.")
	case m.BatchSize > maxESMBatchSizeNoWindow && m.MaximumBatchingWindowInSeconds < 1:
		return invalidParameter("Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than %d", maxESMBatchSizeNoWindow)
	case len(m.FunctionResponseTypes) > 1:
		return invalidParameter("1 validation error detected: Value '%v' at 'functionResponseTypes' failed to satisfy constraint: Member must have length less than or equal to 1", m.FunctionResponseTypes)
	case len(m.FunctionResponseTypes) == 1 && m.FunctionResponseTypes[0] != ReportBatchItemFailures:
		return invalidParameter("1 validation error detected: Value '[%s]' at 'functionResponseTypes' failed to satisfy constraint: Member must satisfy enum value set: [%s]", m.FunctionResponseTypes[0], ReportBatchItemFailures)
	case m.MaximumConcurrency != 0 && (m.MaximumConcurrency < minESMMaximumConcurrency || m.MaximumConcurrency > maxESMMaximumConcurrency):
		return invalidParameter("1 validation error detected: Value '%d' at 'scalingConfig.maximumConcurrency' failed to satisfy constraint: Member must have value between %d and %d", m.MaximumConcurrency, minESMMaximumConcurrency, maxESMMaximumConcurrency)
	}
	return nil
}

// checkSourceAccess asks SourceAccess whether the execution role of the
// version ref names may read queueARN.
func (s *Service) checkSourceAccess(ctx context.Context, ref FunctionRef, queueARN string) error {
	var v *Version
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		v, err = s.loadVersion(ctx, tx, ref)
		return err
	})
	if err != nil {
		return err
	}
	if s.esm.access == nil {
		return nil
	}
	err = s.esm.access(ctx, ref.Account, v.Role, queueARN)
	if _, ok := awserr.As(err); ok || err == nil {
		return err
	}
	return fmt.Errorf("check the execution role's access to %s: %w", queueARN, err)
}

// putMapping inserts or replaces m's row; a second mapping of the same queue
// and function is ResourceConflictException.
func (s *Service) putMapping(ctx context.Context, tx *store.Tx, m *EventSourceMapping, insert bool) error {
	cfg, err := json.Marshal(m)
	if err != nil {
		return err
	}
	if insert {
		_, err = tx.Exec(ctx, `INSERT INTO lambda_event_source_mappings (uuid, account, event_source, function_arn, config) VALUES (?, ?, ?, ?, ?)`,
			m.UUID, m.Account, m.EventSourceARN, m.FunctionARN, string(cfg))
	} else {
		_, err = tx.Exec(ctx, `UPDATE lambda_event_source_mappings SET function_arn = ?, config = ? WHERE uuid = ?`, m.FunctionARN, string(cfg), m.UUID)
	}
	if store.IsUniqueViolation(err) {
		var other string
		_ = tx.QueryRow(ctx, `SELECT uuid FROM lambda_event_source_mappings WHERE event_source = ? AND function_arn = ?`,
			m.EventSourceARN, m.FunctionARN).Scan(&other)
		return conflict("The event source arn (\" %s \") and function (\" %s \") provided mapping already exists. Please update or delete the existing mapping with UUID %s",
			m.EventSourceARN, m.FunctionName, other)
	}
	return err
}

const esmColumns = `uuid, account, event_source, function_arn, config`

func (s *Service) scanMapping(row interface{ Scan(...any) error }) (*EventSourceMapping, error) {
	m := &EventSourceMapping{}
	var cfg string
	if err := row.Scan(&m.UUID, &m.Account, &m.EventSourceARN, &m.FunctionARN, &cfg); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(cfg), m); err != nil {
		return nil, fmt.Errorf("decode event source mapping %s: %w", m.UUID, err)
	}
	m.ARN = s.esmARN(m.Account, m.UUID)
	m.State = ESMDisabled
	if m.Enabled {
		m.State = ESMEnabled
	}
	m.StateTransitionReason = ESMUserInitiated
	return m, nil
}

// readMapping reads the account's mapping uuid, or ResourceNotFoundException.
func (s *Service) readMapping(ctx context.Context, tx *store.Tx, account, uuid string) (*EventSourceMapping, error) {
	m, err := s.scanMapping(tx.QueryRow(ctx, `SELECT `+esmColumns+` FROM lambda_event_source_mappings WHERE uuid = ? AND account = ?`, uuid, account))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound(esmNotFoundMessage)
	}
	return m, err
}

// GetEventSourceMapping returns the account's mapping uuid, or
// ResourceNotFoundException.
func (s *Service) GetEventSourceMapping(ctx context.Context, account, uuid string) (*EventSourceMapping, error) {
	var m *EventSourceMapping
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		m, err = s.readMapping(ctx, tx, account, uuid)
		return err
	})
	return m, err
}

// UpdateEventSourceMapping changes the fields in sets (the function too). It
// answers the mapping Enabling or Disabling when Enabled changes it, Updating
// otherwise. Returns the errors of CreateEventSourceMapping, and
// ResourceNotFoundException for an unknown uuid.
func (s *Service) UpdateEventSourceMapping(ctx context.Context, account, uuid string, in EventSourceMappingInput) (*EventSourceMapping, error) {
	if err := checkUnsupported(in.Unsupported); err != nil {
		return nil, err
	}
	cur, err := s.GetEventSourceMapping(ctx, account, uuid)
	if err != nil {
		return nil, err
	}
	var ref *FunctionRef
	if in.FunctionName != nil {
		r, err := s.resolveRef(account, *in.FunctionName, "")
		if err != nil {
			return nil, err
		}
		if refARN(s, r) != cur.FunctionARN {
			if err := s.checkSourceAccess(ctx, r, cur.EventSourceARN); err != nil {
				return nil, err
			}
		}
		ref = &r
	}
	var out *EventSourceMapping
	err = s.updateMappings(ctx, func(tx *store.Tx) error {
		m, err := s.readMapping(ctx, tx, account, uuid)
		if err != nil {
			return err
		}
		wasEnabled := m.Enabled
		if ref != nil {
			if err := s.qualifierExists(ctx, tx, *ref); err != nil {
				return err
			}
			m.FunctionARN, m.FunctionName, m.Qualifier = refARN(s, *ref), ref.Name, ref.Qualifier
		}
		applyESMInput(m, in)
		if err := checkMapping(m); err != nil {
			return err
		}
		m.LastModified = s.now().UTC()
		if err := s.putMapping(ctx, tx, m, false); err != nil {
			return err
		}
		switch {
		case m.Enabled && !wasEnabled:
			m.State = ESMEnabling
		case !m.Enabled && wasEnabled:
			m.State = ESMDisabling
		default:
			m.State = ESMUpdating
		}
		out = m
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("update event source mapping: %w", err)
	}
	return out, nil
}

// DeleteEventSourceMapping deletes the mapping and answers it Deleting.
// Returns ResourceNotFoundException for an unknown uuid.
func (s *Service) DeleteEventSourceMapping(ctx context.Context, account, uuid string) (*EventSourceMapping, error) {
	var m *EventSourceMapping
	err := s.updateMappings(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = s.readMapping(ctx, tx, account, uuid); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM lambda_event_source_mappings WHERE uuid = ?`, uuid)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete event source mapping: %w", err)
	}
	m.State = ESMDeleting
	return m, nil
}

// ListEventSourceMappings lists the account's mappings, of one queue and of
// one function when eventSourceARN or functionName are set. A function name
// with a qualifier lists the mappings of that version or alias; without, the
// mappings of the unqualified function. At most 100 per page, as on AWS.
func (s *Service) ListEventSourceMappings(ctx context.Context, account, eventSourceARN, functionName string, p Page) ([]*EventSourceMapping, string, error) {
	functionARN := ""
	if functionName != "" {
		ref, err := s.ParseFunctionName(account, functionName)
		if err != nil {
			return nil, "", err
		}
		functionARN = refARN(s, ref)
	}
	after := ""
	if p.Marker != "" {
		var err error
		if after, err = decodeMarker(p.Marker); err != nil {
			return nil, "", err
		}
	}
	limit := int64(defaultESMListMaxItems)
	if p.MaxItems > 0 {
		limit = min(p.MaxItems, maxESMListItems)
	}
	out, err := s.queryMappings(ctx, `SELECT `+esmColumns+` FROM lambda_event_source_mappings
			WHERE account = ? AND uuid > ? AND (? = '' OR event_source = ?) AND (? = '' OR function_arn = ?)
			ORDER BY uuid LIMIT ?`, account, after, eventSourceARN, eventSourceARN, functionARN, functionARN, limit+1)
	if err != nil {
		return nil, "", fmt.Errorf("list event source mappings: %w", err)
	}
	if int64(len(out)) <= limit {
		return out, "", nil
	}
	out = out[:limit]
	return out, encodeMarker(out[len(out)-1].UUID), nil
}

// queryMappings reads the mappings a query selects with esmColumns.
func (s *Service) queryMappings(ctx context.Context, query string, args ...any) ([]*EventSourceMapping, error) {
	var out []*EventSourceMapping
	err := s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := s.scanMapping(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	return out, err
}

// AllEventSourceMappings returns every mapping of every account, for the
// pollers' manager.
func (s *Service) AllEventSourceMappings(ctx context.Context) ([]*EventSourceMapping, error) {
	out, err := s.queryMappings(ctx, `SELECT `+esmColumns+` FROM lambda_event_source_mappings ORDER BY uuid`)
	if err != nil {
		return nil, fmt.Errorf("all event source mappings: %w", err)
	}
	return out, nil
}

// RecordProcessingResult sets the LastProcessingResult of mapping uuid. It
// writes only when the result changes, so a poller may call it after every
// batch; a mapping deleted meanwhile is not an error.
func (s *Service) RecordProcessingResult(ctx context.Context, uuid, result string) error {
	var same bool
	err := s.st.View(ctx, func(tx *store.Tx) error {
		m, err := s.scanMapping(tx.QueryRow(ctx, `SELECT `+esmColumns+` FROM lambda_event_source_mappings WHERE uuid = ?`, uuid))
		if errors.Is(err, sql.ErrNoRows) {
			same = true
			return nil
		}
		if err == nil {
			same = m.LastProcessingResult == result
		}
		return err
	})
	if err != nil || same {
		return err
	}
	err = s.updateMappings(ctx, func(tx *store.Tx) error {
		m, err := s.scanMapping(tx.QueryRow(ctx, `SELECT `+esmColumns+` FROM lambda_event_source_mappings WHERE uuid = ?`, uuid))
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		m.LastProcessingResult = result
		return s.putMapping(ctx, tx, m, false)
	})
	if err != nil {
		return fmt.Errorf("record processing result: %w", err)
	}
	return nil
}
