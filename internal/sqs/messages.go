package sqs

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// Message attribute data types (a custom label may follow: "Number.float").
const (
	dataTypeString = "String"
	dataTypeNumber = "Number"
	dataTypeBinary = "Binary"
)

// System attributes of messages, as the API spells them.
const (
	SysSenderID                         = "SenderId"
	SysSentTimestamp                    = "SentTimestamp"
	SysApproximateReceiveCount          = "ApproximateReceiveCount"
	SysApproximateFirstReceiveTimestamp = "ApproximateFirstReceiveTimestamp"
	SysSequenceNumber                   = "SequenceNumber"
	SysMessageDeduplicationID           = "MessageDeduplicationId"
	SysMessageGroupID                   = "MessageGroupId"
	SysAWSTraceHeader                   = "AWSTraceHeader"
	SysDeadLetterQueueSourceArn         = "DeadLetterQueueSourceArn"
)

// Limits of messages and batches, as AWS documents them.
const (
	MaxMessageAttributes = 10
	MaxBatchEntries      = 10
	// MaxBatchBytes bounds the summed size of a SendMessageBatch's messages.
	MaxBatchBytes       = 1048576
	maxAttributeNameLen = 256
	maxIDLen            = 128 // MessageGroupId and MessageDeduplicationId
	maxBatchIDLen       = 80
	dedupWindow         = 5 * time.Minute
)

// MessageAttribute is a message attribute: a data type (String, Number or
// Binary, optionally followed by a custom label as in "Number.int") and the
// value, in StringValue for String and Number types and in BinaryValue for
// Binary ones.
type MessageAttribute struct {
	DataType    string `json:"t"`
	StringValue string `json:"s,omitempty"`
	BinaryValue []byte `json:"b,omitempty"`
}

// SendInput is one message to send.
type SendInput struct {
	Body string
	// DelaySeconds overrides the queue's DelaySeconds (0 to 900; standard
	// queues only); nil keeps the queue's.
	DelaySeconds *int
	Attributes   map[string]MessageAttribute
	// SystemAttributes may hold AWSTraceHeader, the only one SQS takes.
	SystemAttributes map[string]MessageAttribute
	// DeduplicationID and GroupID are MessageDeduplicationId and
	// MessageGroupId: a FIFO queue requires a group and, unless it has
	// content-based deduplication, a deduplication id; a standard queue takes
	// a group (fair queues) but no deduplication id.
	DeduplicationID string
	GroupID         string
	// HasListValues marks a request whose attributes carried StringListValues
	// or BinaryListValues, which SQS refuses.
	HasListValues bool
	// SenderID is reported as the SenderId attribute (the sender's user or
	// role id); "" reports the queue's account.
	SenderID string
}

// SendResult is what SendMessage reports for a message it accepted.
type SendResult struct {
	MessageID             string
	MD5OfBody             string
	MD5OfAttributes       string // "" without attributes
	MD5OfSystemAttributes string // "" without system attributes
	// SequenceNumber is set for FIFO queues.
	SequenceNumber string
}

// outgoing is a message checked against its queue, ready to insert.
type outgoing struct {
	id       string
	body     string
	md5Body  string
	attrs    string // encodeAttributes of the message attributes
	trace    string
	sender   string
	group    string
	dedupID  string
	dedupKey string // FIFO: the key deduplication looks up
	delay    int    // seconds
	size     int    // what counts against MaximumMessageSize
	result   SendResult
}

// prepare checks in against q's rules and computes what the message will be.
// Returns InvalidParameterValue, MissingParameter or InvalidMessageContents
// as AWS does.
func prepare(q *queue, in *SendInput) (*outgoing, error) {
	if in.Body == "" {
		return nil, missingParameter("MessageBody")
	}
	if err := checkContents(in.Body); err != nil {
		return nil, err
	}
	if in.HasListValues {
		return nil, invalidParameter("Message attribute list values in SendMessage operation are not supported.")
	}
	attrSize, err := checkAttributes(in.Attributes)
	if err != nil {
		return nil, err
	}
	o := &outgoing{body: in.Body, md5Body: MD5OfBody(in.Body), sender: in.SenderID, size: len(in.Body) + attrSize, delay: q.cfg.delay}
	if o.sender == "" {
		o.sender = q.ref.Account
	}
	if o.size > q.cfg.maxSize {
		return nil, invalidParameter("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", q.cfg.maxSize)
	}
	for name, a := range in.SystemAttributes {
		if name != SysAWSTraceHeader {
			return nil, invalidParameter("Message system attribute name '%s' is invalid.", truncate(name, 256))
		}
		if a.DataType != dataTypeString || a.StringValue == "" {
			return nil, invalidParameter("Message system attribute '%s' must contain a non-empty value of type 'String'.", name)
		}
		o.trace = a.StringValue
	}
	if in.DelaySeconds != nil {
		d := *in.DelaySeconds
		if q.fifo && d != 0 {
			return nil, wrongQueueType("DelaySeconds", d)
		}
		if d < 0 || d > MaxDelaySeconds {
			return nil, invalidValue("DelaySeconds", d, "DelaySeconds must be >= 0 and <= 900.")
		}
		o.delay = d
	}
	if in.GroupID != "" && !validMessageID(in.GroupID) {
		return nil, invalidValue("MessageGroupId", in.GroupID, "MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.")
	}
	if in.DeduplicationID != "" && !validMessageID(in.DeduplicationID) {
		return nil, invalidValue("MessageDeduplicationId", in.DeduplicationID, "MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.")
	}
	o.group, o.dedupID = in.GroupID, in.DeduplicationID
	if q.fifo {
		if o.group == "" {
			return nil, missingParameter("MessageGroupId")
		}
		if o.dedupID == "" {
			if !q.cfg.contentDedup {
				return nil, invalidParameter("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
			}
			sum := sha256.Sum256([]byte(in.Body))
			o.dedupID = hex.EncodeToString(sum[:])
		}
		o.dedupKey = o.dedupID
		if q.cfg.dedupByGroup {
			o.dedupKey = o.group + "\x00" + o.dedupID
		}
	} else if o.dedupID != "" {
		return nil, wrongQueueType("MessageDeduplicationId", o.dedupID)
	}
	o.attrs = encodeAttributes(valuesOnly(in.Attributes))
	o.result = SendResult{
		MD5OfBody: o.md5Body, MD5OfAttributes: MD5OfAttributes(in.Attributes),
		MD5OfSystemAttributes: MD5OfAttributes(in.SystemAttributes),
	}
	return o, nil
}

// checkContents returns InvalidMessageContents if s holds a character
// outside the set SQS allows: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to
// #xFFFD | #x10000 to #x10FFFF (invalid UTF-8 included).
func checkContents(s string) error {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !allowedRune(r) || r == utf8.RuneError && n == 1 {
			return awserr.New(CodeInvalidMessageContents, statusBadRequest,
				"Invalid binary character '#x%X' was found in the message body, the set of allowed characters is #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF", r)
		}
		i += n
	}
	return nil
}

func allowedRune(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// checkAttributes checks message attributes and returns the bytes they count
// against the message size: every name, data type and value.
func checkAttributes(attrs map[string]MessageAttribute) (int, error) {
	if len(attrs) > MaxMessageAttributes {
		return 0, invalidParameter("Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), MaxMessageAttributes)
	}
	size := 0
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		if !validAttributeName(name) {
			return 0, invalidParameter("Message (user) attribute name '%s' is invalid. The name can contain alphanumeric characters and the underscore (_), hyphen (-), and period (.), must not start or end with a period or have successive periods, must not start with AWS. or Amazon., and can be up to 256 characters long.", truncate(name, 256))
		}
		base, _, _ := strings.Cut(a.DataType, ".")
		if base != dataTypeString && base != dataTypeNumber && base != dataTypeBinary || len(a.DataType) > maxAttributeNameLen ||
			strings.HasSuffix(a.DataType, ".") || checkContents(a.DataType) != nil {
			return 0, invalidParameter("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
		switch base {
		case dataTypeBinary:
			if len(a.BinaryValue) == 0 {
				return 0, invalidParameter("Message (user) attribute '%s' must contain a non-empty value of type 'Binary'.", name)
			}
			size += len(a.BinaryValue)
		default:
			if a.StringValue == "" {
				return 0, invalidParameter("Message (user) attribute '%s' must contain a non-empty value of type '%s'.", name, base)
			}
			if base == dataTypeNumber && !validNumber(a.StringValue) {
				return 0, invalidParameter("Can't cast the value of message (user) attribute '%s' to a number.", name)
			}
			if err := checkContents(a.StringValue); err != nil {
				return 0, invalidParameter("Message (user) attribute '%s' contains characters outside the allowed set.", name)
			}
			size += len(a.StringValue)
		}
		size += len(name) + len(a.DataType)
	}
	return size, nil
}

// validAttributeName applies AWS's rules for message attribute names.
func validAttributeName(name string) bool {
	if name == "" || len(name) > maxAttributeNameLen || name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..") {
		return false
	}
	lower := strings.ToLower(name)
	if strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// validNumber reports whether s is a decimal number (optional sign, digits,
// optional fraction and exponent) of at most 38 significant digits.
func validNumber(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	mant, exp, hasExp := strings.Cut(strings.ToLower(s), "e")
	if hasExp {
		exp = strings.TrimPrefix(strings.TrimPrefix(exp, "-"), "+")
		if !allDigits(exp) || exp == "" {
			return false
		}
	}
	whole, frac, _ := strings.Cut(mant, ".")
	if whole == "" && frac == "" || !allDigits(whole) || !allDigits(frac) {
		return false
	}
	digits := strings.TrimLeft(whole+frac, "0")
	return len(digits) <= 38
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// validMessageID reports whether s may be a MessageGroupId or
// MessageDeduplicationId: 1 to 128 letters, digits and punctuation.
func validMessageID(s string) bool {
	if s == "" || len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// CheckBatchIDs checks the entry ids of a batch request whose entries are
// called entry (e.g. "SendMessageBatchRequestEntry"). Returns
// EmptyBatchRequest, TooManyEntriesInBatchRequest, InvalidBatchEntryId or
// BatchEntryIdsNotDistinct.
func CheckBatchIDs(entry string, ids []string) error {
	if len(ids) == 0 {
		return awserr.New(CodeEmptyBatchRequest, statusBadRequest, "There should be at least one %s in the request.", entry)
	}
	if len(ids) > MaxBatchEntries {
		return awserr.New(CodeTooManyEntriesInBatchRequest, statusBadRequest, "Maximum number of entries per request are %d. You have sent %d.", MaxBatchEntries, len(ids))
	}
	seen := make(map[string]bool, len(ids))
	for _, id := range ids {
		if !validBatchID(id) {
			return awserr.New(CodeInvalidBatchEntryID, statusBadRequest, "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most %d letters long.", maxBatchIDLen)
		}
		if seen[id] {
			return awserr.New(CodeBatchEntryIdsNotDistinct, statusBadRequest, "Id %s repeated.", id)
		}
		seen[id] = true
	}
	return nil
}

func validBatchID(id string) bool {
	if id == "" || len(id) > maxBatchIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// valuesOnly returns attrs with only the value their data type uses
// (BinaryValue for Binary types, StringValue for the others).
func valuesOnly(attrs map[string]MessageAttribute) map[string]MessageAttribute {
	if len(attrs) == 0 {
		return nil
	}
	out := make(map[string]MessageAttribute, len(attrs))
	for n, a := range attrs {
		if isBinaryType(a.DataType) {
			a.StringValue = ""
		} else {
			a.BinaryValue = nil
		}
		out[n] = a
	}
	return out
}

// encodeAttributes is the stored form of message attributes: a JSON object
// by name ("" for none).
func encodeAttributes(attrs map[string]MessageAttribute) string {
	if len(attrs) == 0 {
		return ""
	}
	b, _ := json.Marshal(attrs)
	return string(b)
}

func decodeAttributes(s string) map[string]MessageAttribute {
	if s == "" {
		return nil
	}
	var m map[string]MessageAttribute
	if json.Unmarshal([]byte(s), &m) != nil {
		return nil
	}
	return m
}

// newMessageID returns a random UUID (version 4), the form of SQS message ids.
func newMessageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// sequenceNumber formats seq as FIFO queues report it.
func sequenceNumber(seq int64) string { return fmt.Sprintf("%020d", seq) }

// Send sends a message to ref. The message is committed (synced) when Send
// returns. A FIFO queue that saw in.DeduplicationID (or, with content-based
// deduplication, the same body) in the last five minutes accepts the message
// without enqueuing it again and reports the first one's id and sequence
// number.
//
// Returns QueueDoesNotExist, InvalidParameterValue, MissingParameter or
// InvalidMessageContents.
func (s *Service) Send(ctx context.Context, ref QueueRef, in SendInput) (SendResult, error) {
	q, err := s.queue(ctx, ref)
	if err != nil {
		return SendResult{}, err
	}
	o, err := prepare(q, &in)
	if err != nil {
		return SendResult{}, err
	}
	if err := s.insertAll(ctx, q, []*outgoing{o}); err != nil {
		return SendResult{}, err
	}
	return o.result, nil
}

// SendBatch sends up to ten messages to ref in one commit and returns, for
// each entry, its result or the error that kept it out. The call as a whole
// fails with BatchRequestTooLong when the messages sum to more than 1 MiB,
// and with QueueDoesNotExist.
func (s *Service) SendBatch(ctx context.Context, ref QueueRef, entries []SendInput) ([]SendResult, []error, error) {
	q, err := s.queue(ctx, ref)
	if err != nil {
		return nil, nil, err
	}
	total := 0
	for i := range entries {
		n, _ := checkAttributes(entries[i].Attributes)
		total += len(entries[i].Body) + n
	}
	if total > MaxBatchBytes {
		return nil, nil, awserr.New(CodeBatchRequestTooLong, statusBadRequest, "Batch requests cannot be longer than %d bytes. You have sent %d bytes.", MaxBatchBytes, total)
	}
	results := make([]SendResult, len(entries))
	errs := make([]error, len(entries))
	var ok []*outgoing
	var idx []int
	for i := range entries {
		o, err := prepare(q, &entries[i])
		if err != nil {
			errs[i] = err
			continue
		}
		ok, idx = append(ok, o), append(idx, i)
	}
	if len(ok) > 0 {
		if err := s.insertAll(ctx, q, ok); err != nil {
			return nil, nil, err
		}
	}
	for j, o := range ok {
		results[idx[j]] = o.result
	}
	return results, errs, nil
}

// insertAll enqueues messages in one Update and fills in their ids (and
// sequence numbers). It wakes a long poll per message enqueued.
func (s *Service) insertAll(ctx context.Context, q *queue, msgs []*outgoing) error {
	added := 0
	err := s.st.Update(ctx, func(tx *store.Tx) error {
		added = 0
		now := millis(s.now())
		for _, o := range msgs {
			ok, err := s.insert(ctx, tx, q, o, now)
			if err != nil {
				return err
			}
			if ok {
				added++
			}
		}
		return nil
	})
	if store.IsForeignKeyViolation(err) {
		s.forget(q.ref)
		return queueNotFound()
	}
	if err != nil {
		return fmt.Errorf("send to %s: %w", q.ref.Name, err)
	}
	s.wake(q.id, added)
	return nil
}

// insert enqueues o in tx, or for a FIFO duplicate, reports the original. It
// returns whether it enqueued.
func (s *Service) insert(ctx context.Context, tx *store.Tx, q *queue, o *outgoing, now int64) (bool, error) {
	if q.fifo {
		var id string
		var seq, expires int64
		err := tx.QueryRow(ctx, `SELECT message_id, seq, expires_ms FROM sqs_dedup WHERE queue_id = ? AND dedup_key = ?`, q.id, o.dedupKey).
			Scan(&id, &seq, &expires)
		switch {
		case err == nil && expires > now:
			o.result.MessageID, o.result.SequenceNumber = id, sequenceNumber(seq)
			return false, nil
		case err != nil && !store.IsNotFound(err):
			return false, err
		}
	}
	seq, err := s.nextSeq(ctx, tx, q.id)
	if err != nil {
		return false, err
	}
	o.id = newMessageID()
	_, err = tx.Exec(ctx, `INSERT INTO sqs_messages (queue_id, seq, id, body, md5_body, attributes, trace, sender, group_id, dedup_id,
		source_arn, sent_ms, visible_ms, receive_count, first_receive_ms, received_ms, receipt)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, 0, 0, 0, NULL)`,
		q.id, seq, o.id, o.body, o.md5Body, o.attrs, o.trace, o.sender, o.group, o.dedupID, now, now+int64(o.delay)*1000)
	if err != nil {
		return false, err
	}
	o.result.MessageID = o.id
	if q.fifo {
		o.result.SequenceNumber = sequenceNumber(seq)
		_, err = tx.Exec(ctx, `INSERT INTO sqs_dedup (queue_id, dedup_key, message_id, seq, expires_ms) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (queue_id, dedup_key) DO UPDATE SET message_id = excluded.message_id, seq = excluded.seq, expires_ms = excluded.expires_ms`,
			q.id, o.dedupKey, o.id, seq, now+dedupWindow.Milliseconds())
		if err != nil {
			return false, err
		}
	}
	return true, nil
}
