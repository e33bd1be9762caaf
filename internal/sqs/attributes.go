package sqs

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// Queue attribute names, as the API spells them.
const (
	AttrAll                                   = "All"
	AttrPolicy                                = "Policy"
	AttrVisibilityTimeout                     = "VisibilityTimeout"
	AttrMaximumMessageSize                    = "MaximumMessageSize"
	AttrMessageRetentionPeriod                = "MessageRetentionPeriod"
	AttrApproximateNumberOfMessages           = "ApproximateNumberOfMessages"
	AttrApproximateNumberOfMessagesNotVisible = "ApproximateNumberOfMessagesNotVisible"
	AttrApproximateNumberOfMessagesDelayed    = "ApproximateNumberOfMessagesDelayed"
	AttrCreatedTimestamp                      = "CreatedTimestamp"
	AttrLastModifiedTimestamp                 = "LastModifiedTimestamp"
	AttrQueueArn                              = "QueueArn"
	AttrDelaySeconds                          = "DelaySeconds"
	AttrReceiveMessageWaitTimeSeconds         = "ReceiveMessageWaitTimeSeconds"
	AttrRedrivePolicy                         = "RedrivePolicy"
	AttrRedriveAllowPolicy                    = "RedriveAllowPolicy"
	AttrFifoQueue                             = "FifoQueue"
	AttrContentBasedDeduplication             = "ContentBasedDeduplication"
	AttrKmsMasterKeyID                        = "KmsMasterKeyId"
	AttrKmsDataKeyReusePeriodSeconds          = "KmsDataKeyReusePeriodSeconds"
	AttrDeduplicationScope                    = "DeduplicationScope"
	AttrFifoThroughputLimit                   = "FifoThroughputLimit"
	AttrSqsManagedSseEnabled                  = "SqsManagedSseEnabled"
)

// Defaults and limits of the queue attributes, as AWS documents them.
const (
	DefaultVisibilityTimeout = 30
	DefaultRetentionPeriod   = 345600  // 4 days
	DefaultMaximumMessage    = 1048576 // 1 MiB
	MaxVisibilityTimeout     = 43200   // 12 hours
	MaxDelaySeconds          = 900
	MaxWaitTimeSeconds       = 20
	defaultKmsReusePeriod    = 300
	maxRedriveSources        = 10
	maxReceiveCountLimit     = 1000
)

// intRange is the valid range of an integer attribute.
type intRange struct{ min, max int }

// intAttributes are the settable integer attributes and their ranges.
func intAttributes() map[string]intRange {
	return map[string]intRange{
		AttrVisibilityTimeout:             {0, MaxVisibilityTimeout},
		AttrMaximumMessageSize:            {1024, DefaultMaximumMessage},
		AttrMessageRetentionPeriod:        {60, 1209600},
		AttrDelaySeconds:                  {0, MaxDelaySeconds},
		AttrReceiveMessageWaitTimeSeconds: {0, MaxWaitTimeSeconds},
		AttrKmsDataKeyReusePeriodSeconds:  {60, 86400},
	}
}

// fifoOnlyAttributes may be set only on FIFO queues.
func fifoOnlyAttributes() []string {
	return []string{AttrContentBasedDeduplication, AttrDeduplicationScope, AttrFifoThroughputLimit}
}

// config is a queue's attributes parsed for use, defaults filled in.
type config struct {
	visibility   int // seconds
	retention    int // seconds
	delay        int // seconds
	maxSize      int // bytes
	wait         int // seconds
	contentDedup bool
	dedupByGroup bool // DeduplicationScope messageGroup
	redrive      *redrivePolicy
	allow        redriveAllowPolicy
	policy       string
}

// redrivePolicy is a parsed RedrivePolicy.
type redrivePolicy struct {
	TargetARN  string `json:"deadLetterTargetArn"`
	MaxReceive int    `json:"maxReceiveCount"`
	target     QueueRef
}

// Redrive permissions of a RedriveAllowPolicy.
const (
	redriveAllowAll = "allowAll"
	redriveDenyAll  = "denyAll"
	redriveByQueue  = "byQueue"
)

// redriveAllowPolicy is a parsed RedriveAllowPolicy; the zero value allows
// every source, AWS's default.
type redriveAllowPolicy struct {
	Permission string   `json:"redrivePermission"`
	Sources    []string `json:"sourceQueueArns,omitempty"`
}

// allows reports whether a queue with ARN source may name the queue holding p
// as its dead-letter queue.
func (p redriveAllowPolicy) allows(source string) bool {
	switch p.Permission {
	case redriveDenyAll:
		return false
	case redriveByQueue:
		return slices.Contains(p.Sources, source)
	}
	return true
}

// parseConfig reads stored attributes (already validated) into a config.
func parseConfig(attrs map[string]string) config {
	c := config{
		visibility: DefaultVisibilityTimeout, retention: DefaultRetentionPeriod, maxSize: DefaultMaximumMessage,
		policy: attrs[AttrPolicy],
	}
	num := func(name string, dst *int) {
		if v, ok := attrs[name]; ok {
			if n, err := strconv.Atoi(v); err == nil {
				*dst = n
			}
		}
	}
	num(AttrVisibilityTimeout, &c.visibility)
	num(AttrMessageRetentionPeriod, &c.retention)
	num(AttrDelaySeconds, &c.delay)
	num(AttrMaximumMessageSize, &c.maxSize)
	num(AttrReceiveMessageWaitTimeSeconds, &c.wait)
	c.contentDedup = attrs[AttrContentBasedDeduplication] == "true"
	c.dedupByGroup = attrs[AttrDeduplicationScope] == "messageGroup"
	if v := attrs[AttrRedrivePolicy]; v != "" {
		if p, err := parseRedrivePolicy(v); err == nil {
			c.redrive = p
		}
	}
	if v := attrs[AttrRedriveAllowPolicy]; v != "" {
		if p, err := parseRedriveAllowPolicy(v); err == nil {
			c.allow = *p
		}
	}
	return c
}

// normalizeAttributes checks attrs, the attributes a CreateQueue (creating)
// or SetQueueAttributes call gives a queue of the given type, and returns them
// in the form they are stored and reported in. An empty RedrivePolicy,
// RedriveAllowPolicy, Policy or KmsMasterKeyId removes it. The dead-letter
// target of a RedrivePolicy is checked by the caller, which can read it.
//
// Returns InvalidAttributeName for unknown or read-only attributes and
// InvalidAttributeValue or InvalidParameterValue for values AWS refuses.
func normalizeAttributes(attrs map[string]string, fifo, creating bool) (map[string]string, error) {
	ints := intAttributes()
	out := make(map[string]string, len(attrs))
	for _, name := range sortedKeys(attrs) {
		v := attrs[name]
		if r, ok := ints[name]; ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil || n < r.min || n > r.max {
				return nil, invalidAttributeValue(name, "")
			}
			out[name] = strconv.Itoa(n)
			continue
		}
		switch name {
		case AttrFifoQueue:
			b, ok := parseBool(v)
			if !ok || !creating || b != fifo {
				if !creating {
					return nil, invalidAttributeValue(name, "Modifying queue type is not supported.")
				}
				return nil, invalidAttributeValue(name, "")
			}
			// Reported from the queue's type, not stored.
		case AttrContentBasedDeduplication, AttrSqsManagedSseEnabled:
			b, ok := parseBool(v)
			if !ok {
				return nil, invalidAttributeValue(name, "")
			}
			out[name] = strconv.FormatBool(b)
		case AttrDeduplicationScope:
			if v != "messageGroup" && v != "queue" {
				return nil, invalidAttributeValue(name, "")
			}
			out[name] = v
		case AttrFifoThroughputLimit:
			if v != "perQueue" && v != "perMessageGroupId" {
				return nil, invalidAttributeValue(name, "")
			}
			out[name] = v
		case AttrPolicy:
			if v != "" && !isJSONObject(v) {
				return nil, invalidAttributeValue(name, "Policy is not a valid JSON document.")
			}
			out[name] = v
		case AttrKmsMasterKeyID:
			out[name] = v
		case AttrRedrivePolicy:
			if v == "" {
				out[name] = ""
				continue
			}
			p, err := parseRedrivePolicy(v)
			if err != nil {
				return nil, err
			}
			b, _ := json.Marshal(p)
			out[name] = string(b)
		case AttrRedriveAllowPolicy:
			if v == "" {
				out[name] = ""
				continue
			}
			p, err := parseRedriveAllowPolicy(v)
			if err != nil {
				return nil, err
			}
			b, _ := json.Marshal(p)
			out[name] = string(b)
		default:
			return nil, invalidAttributeName(name)
		}
	}
	if !fifo {
		for _, name := range fifoOnlyAttributes() {
			if _, ok := out[name]; ok {
				return nil, invalidAttributeName(name)
			}
		}
	}
	if out[AttrSqsManagedSseEnabled] == "true" && out[AttrKmsMasterKeyID] != "" {
		return nil, invalidAttributeValue(AttrSqsManagedSseEnabled, "You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.")
	}
	return out, nil
}

// parseBool reads "true" or "false" in any case.
func parseBool(v string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

func isJSONObject(s string) bool {
	var m map[string]any
	return json.Unmarshal([]byte(s), &m) == nil
}

// parseRedrivePolicy reads a RedrivePolicy: deadLetterTargetArn and
// maxReceiveCount (a number or a string holding one) from 1 to 1000.
func parseRedrivePolicy(v string) (*redrivePolicy, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(v), &raw); err != nil {
		return nil, invalidValue(AttrRedrivePolicy, v, "Redrive policy is not a valid JSON map.")
	}
	var p redrivePolicy
	if err := json.Unmarshal(raw["deadLetterTargetArn"], &p.TargetARN); err != nil || p.TargetARN == "" {
		return nil, invalidValue(AttrRedrivePolicy, v, "Redrive policy does not contain mandatory attribute: deadLetterTargetArn.")
	}
	count, ok := raw["maxReceiveCount"]
	if !ok {
		return nil, invalidValue(AttrRedrivePolicy, v, "Redrive policy does not contain mandatory attribute: maxReceiveCount.")
	}
	var s string
	if json.Unmarshal(count, &s) == nil {
		count = json.RawMessage(s)
	}
	n, err := strconv.Atoi(string(count))
	if err != nil || n < 1 || n > maxReceiveCountLimit {
		return nil, invalidValue(AttrRedrivePolicy, v, "Invalid value for maxReceiveCount: "+string(count)+", valid values are from 1 to 1000 both inclusive.")
	}
	p.MaxReceive = n
	ref, err := ParseARN(p.TargetARN)
	if err != nil {
		return nil, invalidValue(AttrRedrivePolicy, v, "Invalid value for deadLetterTargetArn.")
	}
	p.target = ref
	return &p, nil
}

// parseRedriveAllowPolicy reads a RedriveAllowPolicy: redrivePermission
// allowAll, denyAll or byQueue, and with byQueue only, 1 to 10
// sourceQueueArns.
func parseRedriveAllowPolicy(v string) (*redriveAllowPolicy, error) {
	var p redriveAllowPolicy
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return nil, invalidValue(AttrRedriveAllowPolicy, v, "Amazon SQS can't create the redrive allow policy, as it's in an unsupported format.")
	}
	switch p.Permission {
	case redriveAllowAll, redriveDenyAll:
		if len(p.Sources) > 0 {
			return nil, invalidValue(AttrRedriveAllowPolicy, v, "Amazon SQS can't create the redrive allow policy. To specify one or more source queues, you must set redrivePermission to byQueue.")
		}
	case redriveByQueue:
		if len(p.Sources) == 0 || len(p.Sources) > maxRedriveSources {
			return nil, invalidValue(AttrRedriveAllowPolicy, v, "Amazon SQS can't create the redrive allow policy. When you specify the byQueue permission type, you must also specify one or more sourceQueueArns values (at most 10).")
		}
		for _, s := range p.Sources {
			if _, err := ParseARN(s); err != nil {
				return nil, invalidValue(AttrRedriveAllowPolicy, v, "Invalid value for sourceQueueArns: "+s+".")
			}
		}
	default:
		return nil, invalidValue(AttrRedriveAllowPolicy, v, "Invalid value for redrivePermission; valid values are allowAll, denyAll and byQueue.")
	}
	return &p, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
