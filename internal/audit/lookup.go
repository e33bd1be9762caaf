package audit

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Error codes Lookup returns, as CloudTrail spells them.
const (
	CodeInvalidLookupAttributes = "InvalidLookupAttributesException"
	CodeInvalidTimeRange        = "InvalidTimeRangeException"
	CodeInvalidNextToken        = "InvalidNextTokenException"
	CodeInvalidMaxResults       = "InvalidMaxResultsException"
)

// Lookup attribute keys.
const (
	AttrEventID      = "EventId"
	AttrEventName    = "EventName"
	AttrReadOnly     = "ReadOnly"
	AttrUsername     = "Username"
	AttrResourceType = "ResourceType"
	AttrResourceName = "ResourceName"
	AttrEventSource  = "EventSource"
	AttrAccessKeyID  = "AccessKeyId"
)

// Lookup page sizes.
const (
	DefaultMaxResults = 50
	maxMaxResults     = 50
)

// Attribute is one LookupAttribute.
type Attribute struct {
	Key, Value string
}

// LookupInput selects management events of one account.
type LookupInput struct {
	// Account is the caller's account: only records whose
	// recipientAccountId it is are answered.
	Account string
	// Attributes holds at most one attribute.
	Attributes []Attribute
	// StartTime and EndTime bound eventTime, inclusive, when not zero.
	StartTime, EndTime time.Time
	// MaxResults is the page size, 1 to 50; nil means 50.
	MaxResults *int64
	// NextToken continues a previous Lookup with the same selection.
	NextToken string
}

// Event is one management event as LookupEvents answers it.
type Event struct {
	EventID, EventName, EventSource, Username, AccessKeyID string
	EventTime                                              time.Time
	ReadOnly                                               bool
	Resources                                              []Resource
	// Record is the CloudTrail record JSON (CloudTrailEvent).
	Record string
}

// LookupOutput is a page of events, newest first.
type LookupOutput struct {
	Events []Event
	// NextToken is set when there are more events.
	NextToken string
}

// attrColumns maps the attribute keys that match a records column.
var attrColumns = map[string]string{
	AttrEventID: "event_id", AttrEventName: "event_name", AttrUsername: "username",
	AttrEventSource: "event_source", AttrAccessKeyID: "access_key_id",
}

// Lookup answers the management events in.Account recorded, newest first.
// Returns InvalidLookupAttributesException for more than one attribute, an
// unknown key or an empty value; InvalidTimeRangeException when StartTime is
// after EndTime; InvalidMaxResultsException outside 1..50;
// InvalidNextTokenException for a token not made by the same selection.
func (t *Trail) Lookup(ctx context.Context, in LookupInput) (*LookupOutput, error) {
	limit := int64(DefaultMaxResults)
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > maxMaxResults {
			return nil, awserr.New(CodeInvalidMaxResults, 400, "MaxResults must be between 1 and %d.", maxMaxResults)
		}
		limit = *in.MaxResults
	}
	if !in.StartTime.IsZero() && !in.EndTime.IsZero() && in.StartTime.After(in.EndTime) {
		return nil, awserr.New(CodeInvalidTimeRange, 400, "Start time must be before end time.")
	}
	q := strings.Builder{}
	q.WriteString(`SELECT seq, record, event_id, event_name, event_source, username, access_key_id, event_time, read_only
		FROM audit_records WHERE account = ? AND management = ?`)
	args := []any{in.Account, true}
	if len(in.Attributes) > 1 {
		return nil, awserr.New(CodeInvalidLookupAttributes, 400, "You cannot specify more than one lookup attribute.")
	}
	for _, a := range in.Attributes {
		if a.Value == "" {
			return nil, awserr.New(CodeInvalidLookupAttributes, 400, "The lookup attribute value must not be empty.")
		}
		switch col, ok := attrColumns[a.Key]; {
		case ok:
			q.WriteString(` AND ` + col + ` = ?`)
			args = append(args, a.Value)
		case a.Key == AttrReadOnly:
			if a.Value != "true" && a.Value != "false" {
				return nil, awserr.New(CodeInvalidLookupAttributes, 400, "ReadOnly must be true or false.")
			}
			q.WriteString(` AND read_only = ?`)
			args = append(args, a.Value == "true")
		case a.Key == AttrResourceType:
			q.WriteString(` AND seq IN (SELECT seq FROM audit_resources WHERE resource_type = ?)`)
			args = append(args, a.Value)
		case a.Key == AttrResourceName:
			q.WriteString(` AND seq IN (SELECT seq FROM audit_resources WHERE resource_name = ?)`)
			args = append(args, a.Value)
		default:
			return nil, awserr.New(CodeInvalidLookupAttributes, 400, "Unknown lookup attribute key %q.", a.Key)
		}
	}
	if !in.StartTime.IsZero() {
		q.WriteString(` AND event_time >= ?`)
		args = append(args, in.StartTime.UTC().Truncate(time.Second).Format(time.RFC3339))
	}
	if !in.EndTime.IsZero() {
		q.WriteString(` AND event_time <= ?`)
		args = append(args, in.EndTime.UTC().Format(time.RFC3339))
	}
	fp := fingerprint(in)
	if in.NextToken != "" {
		before, err := parseToken(in.NextToken, fp)
		if err != nil {
			return nil, err
		}
		q.WriteString(` AND seq < ?`)
		args = append(args, before)
	}
	q.WriteString(` ORDER BY seq DESC LIMIT ?`)
	args = append(args, limit+1)

	out := &LookupOutput{}
	var lastSeq int64
	err := t.cfg.Store.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, q.String(), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if int64(len(out.Events)) == limit {
				out.NextToken = makeToken(lastSeq, fp)
				break
			}
			var ev Event
			var rec []byte
			var when string
			if err := rows.Scan(&lastSeq, &rec, &ev.EventID, &ev.EventName, &ev.EventSource, &ev.Username,
				&ev.AccessKeyID, &when, &ev.ReadOnly); err != nil {
				return err
			}
			ev.Record = string(rec)
			ev.EventTime, _ = time.Parse(time.RFC3339, when)
			var r struct {
				Resources []Resource `json:"resources"`
			}
			if json.Unmarshal(rec, &r) == nil {
				ev.Resources = r.Resources
			}
			out.Events = append(out.Events, ev)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("lookup audit events: %w", err)
	}
	return out, nil
}

// fingerprint identifies a selection, so that a token is only accepted for
// the selection it was made for.
func fingerprint(in LookupInput) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%v\x00%d\x00%d", in.Account, in.Attributes, in.StartTime.Unix(), in.EndTime.Unix())
	return hex.EncodeToString(h.Sum(nil)[:8])
}

type token struct {
	Before int64  `json:"b"`
	Sel    string `json:"s"`
}

func makeToken(before int64, fp string) string {
	b, _ := json.Marshal(token{Before: before, Sel: fp})
	return base64.RawURLEncoding.EncodeToString(b)
}

func parseToken(s, fp string) (int64, error) {
	bad := awserr.New(CodeInvalidNextToken, 400, "Invalid NextToken.")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, bad
	}
	var tok token
	if json.Unmarshal(b, &tok) != nil || tok.Sel != fp || tok.Before < 1 {
		return 0, bad
	}
	return tok.Before, nil
}
