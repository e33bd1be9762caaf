package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/identity"
)

// Record is one CloudTrail event record (eventVersion 1.08) as Stratus
// writes it. Its JSON encoding is the record's canonical bytes.
type Record struct {
	EventVersion       string       `json:"eventVersion"`
	UserIdentity       UserIdentity `json:"userIdentity"`
	EventTime          string       `json:"eventTime"`
	EventSource        string       `json:"eventSource"`
	EventName          string       `json:"eventName"`
	AWSRegion          string       `json:"awsRegion"`
	SourceIPAddress    string       `json:"sourceIPAddress"`
	UserAgent          string       `json:"userAgent"`
	ErrorCode          string       `json:"errorCode,omitempty"`
	ErrorMessage       string       `json:"errorMessage,omitempty"`
	RequestParameters  any          `json:"requestParameters"`
	ResponseElements   any          `json:"responseElements"`
	RequestID          string       `json:"requestID"`
	EventID            string       `json:"eventID"`
	ReadOnly           bool         `json:"readOnly"`
	Resources          []Resource   `json:"resources,omitempty"`
	EventType          string       `json:"eventType"`
	ManagementEvent    bool         `json:"managementEvent"`
	RecipientAccountID string       `json:"recipientAccountId"`
	EventCategory      string       `json:"eventCategory"`
	TLSDetails         *TLSDetails  `json:"tlsDetails,omitempty"`
	// AdditionalEventData holds what the call's handling noted (e.g. a code
	// signature warning under a Warn policy).
	AdditionalEventData map[string]string `json:"additionalEventData,omitempty"`
}

// UserIdentity is the record's userIdentity element.
type UserIdentity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId,omitempty"`
	ARN            string          `json:"arn,omitempty"`
	AccountID      string          `json:"accountId,omitempty"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *SessionContext `json:"sessionContext,omitempty"`
}

// SessionContext describes an assumed-role session.
type SessionContext struct {
	SessionIssuer SessionIssuer     `json:"sessionIssuer"`
	Attributes    SessionAttributes `json:"attributes"`
}

// SessionIssuer is the role a session was issued for.
type SessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

// SessionAttributes are the session's attributes. CreationDate is empty when
// the principal does not say when its session began.
type SessionAttributes struct {
	CreationDate     string `json:"creationDate,omitempty"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

// Resource is a resource a record names, as LookupEvents reports it.
type Resource struct {
	Type string `json:"type"`
	ARN  string `json:"ARN,omitempty"`
	Name string `json:"name,omitempty"`
}

// TLSDetails says the call came over TLS.
type TLSDetails struct {
	TLSVersion string `json:"tlsVersion"`
}

// maxElementBytes is CloudTrail's limit on requestParameters and
// responseElements: larger content is omitted (recorded as null).
const maxElementBytes = 100 << 10

// EventID returns the eventID of the record of the call with requestID: a
// UUID-formatted value derived from the request id alone, so that other
// services can name the event a call produced.
func EventID(requestID string) string {
	sum := sha256.Sum256([]byte("stratus audit event id\x00" + requestID))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50 // version 5 (name-based, SHA)
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// isReadOnly reports whether an operation only reads, by CloudTrail's naming.
func isReadOnly(op string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Lookup", "Head"} {
		if strings.HasPrefix(op, p) {
			return true
		}
	}
	return false
}

// dataEvents are the operations CloudTrail records as data events, by
// model name. CloudWatch Logs event reads and PutLogEvents are data-plane
// calls CloudTrail does not log as management events; Stratus keeps them as
// data events so that reads of log data are still on the trail.
var dataEvents = map[string]map[string]bool{
	"lambda": {"Invoke": true, "InvokeAsync": true, "InvokeWithResponseStream": true},
	"sqs": {"SendMessage": true, "SendMessageBatch": true, "ReceiveMessage": true, "DeleteMessage": true,
		"DeleteMessageBatch": true, "ChangeMessageVisibility": true, "ChangeMessageVisibilityBatch": true},
	"sns":  {"Publish": true, "PublishBatch": true},
	"logs": {"GetLogEvents": true, "FilterLogEvents": true, "PutLogEvents": true},
}

// IsDataEvent reports whether an operation of a service (by model name) is
// recorded as a data event.
func IsDataEvent(service, op string) bool { return dataEvents[service][op] }

// eventSource is "<endpoint prefix>.amazonaws.com".
func eventSource(e *awsproto.AuditEntry) string {
	prefix := e.Service.EndpointPrefix
	if prefix == "" {
		prefix = e.Service.SigningName
	}
	if prefix == "" {
		prefix = e.Service.Name
	}
	return prefix + ".amazonaws.com"
}

// userIdentity describes p as CloudTrail does.
func userIdentity(p *identity.Principal) UserIdentity {
	if p == nil {
		return UserIdentity{Type: "Unknown"}
	}
	u := UserIdentity{Type: string(p.Kind), PrincipalID: p.UserID, ARN: p.ARN, AccountID: p.Account, AccessKeyID: p.AccessKeyID}
	switch p.Kind {
	case identity.KindUser:
		u.UserName = p.Name
	case identity.KindSessionUser:
		u.Type, u.UserName = string(identity.KindUser), p.Name
	case identity.KindAssumedRole:
		roleID, _, _ := strings.Cut(p.UserID, ":")
		u.SessionContext = &SessionContext{
			SessionIssuer: SessionIssuer{Type: "Role", PrincipalID: roleID, ARN: p.IdentityARN, AccountID: p.Account, UserName: p.Name},
			Attributes:    SessionAttributes{MFAAuthenticated: "false"},
		}
	}
	return u
}

// username is what LookupEvents reports as Username.
func username(p *identity.Principal) string {
	if p == nil {
		return ""
	}
	switch p.Kind {
	case identity.KindRoot:
		return "root"
	case identity.KindAssumedRole:
		return p.SessionName
	}
	return p.Name
}

// newRecord builds the record of e. It copies what it needs: e may be
// reused once Audit returns.
func newRecord(e *awsproto.AuditEntry) (*Record, bool) {
	svcName, opName := e.Service.Name, e.Operation.Name
	data := IsDataEvent(svcName, opName)
	r := &Record{
		EventVersion:    "1.08",
		UserIdentity:    userIdentity(e.Principal),
		EventTime:       e.Time.UTC().Truncate(time.Second).Format(time.RFC3339),
		EventSource:     eventSource(e),
		EventName:       opName,
		AWSRegion:       e.Region,
		SourceIPAddress: e.SourceIP,
		UserAgent:       e.UserAgent,
		RequestID:       e.RequestID,
		EventID:         EventID(e.RequestID),
		ReadOnly:        isReadOnly(opName),
		EventType:       "AwsApiCall",
		ManagementEvent: !data,
		EventCategory:   "Management",
	}
	if data {
		r.EventCategory = "Data"
	}
	if e.Principal != nil {
		r.RecipientAccountID = e.Principal.Account
		if e.Principal.SecureTransport {
			r.TLSDetails = &TLSDetails{TLSVersion: "TLSv1.2"}
		}
	}
	if e.Err != nil {
		r.ErrorCode, r.ErrorMessage = e.Err.Code, e.Err.Message
	}
	r.AdditionalEventData = e.Notes.All()
	if e.In != nil {
		r.RequestParameters = bounded(Redact(svcName, opName, e.Operation.Input, e.In))
	}
	r.Resources = resources(svcName, e.In)
	if e.Out != nil && !r.ReadOnly && e.Err == nil {
		r.ResponseElements = bounded(Redact(svcName, opName, e.Operation.Output, e.Out))
	}
	return r, data
}

// bounded returns v encoded, or nil when its encoding is over CloudTrail's
// 100 KB limit for requestParameters and responseElements (CloudTrail omits
// the content then).
func bounded(v any) any {
	b, err := json.Marshal(v)
	if err != nil || len(b) > maxElementBytes {
		return nil
	}
	return json.RawMessage(b)
}

// resourceMembers names, per service, the top-level request members that
// name a resource, and its CloudTrail resource type.
var resourceMembers = map[string]map[string]string{
	"lambda":         {"FunctionName": "AWS::Lambda::Function", "LayerName": "AWS::Lambda::LayerVersion"},
	"sqs":            {"QueueUrl": "AWS::SQS::Queue", "QueueName": "AWS::SQS::Queue"},
	"sns":            {"TopicArn": "AWS::SNS::Topic", "Name": "AWS::SNS::Topic"},
	"kms":            {"KeyId": "AWS::KMS::Key", "AliasName": "AWS::KMS::Alias"},
	"secretsmanager": {"SecretId": "AWS::SecretsManager::Secret", "Name": "AWS::SecretsManager::Secret"},
	"ssm":            {"Name": "AWS::SSM::Parameter"},
	"iam":            {"UserName": "AWS::IAM::User", "RoleName": "AWS::IAM::Role", "PolicyArn": "AWS::IAM::Policy", "GroupName": "AWS::IAM::Group"},
	"sts":            {"RoleArn": "AWS::IAM::Role"},
	"logs":           {"logGroupName": "AWS::Logs::LogGroup"},
	"signer":         {"profileName": "AWS::Signer::SigningProfile"},
}

// resources derives the resources a request names from its top-level
// members, sorted by member name.
func resources(svc string, in map[string]any) []Resource {
	members := resourceMembers[svc]
	if len(members) == 0 || in == nil {
		return nil
	}
	var out []Resource
	for _, name := range sortedKeys(in) {
		typ, ok := members[name]
		if !ok {
			continue
		}
		s, ok := in[name].(string)
		if !ok || s == "" {
			continue
		}
		r := Resource{Type: typ, Name: s}
		if strings.HasPrefix(s, "arn:") {
			r.ARN = s
		}
		out = append(out, r)
	}
	return out
}

// marshal returns the canonical bytes of r.
func (r *Record) marshal() ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode record: %w", err)
	}
	return b, nil
}
