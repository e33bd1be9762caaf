package sns

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stratus-cloud/stratus/internal/store"
)

// PublishInput is one message to publish.
type PublishInput struct {
	TopicARN string
	Message  string
	Subject  string
	// Structure is "" or "json": Message is then a JSON object of
	// per-protocol messages with a "default".
	Structure  string
	Attributes map[string]MessageAttribute
	// GroupID and DedupID are MessageGroupId and MessageDeduplicationId.
	GroupID, DedupID string
}

// PublishResult is what Publish answers.
type PublishResult struct {
	MessageID string
	// SequenceNumber is set for FIFO topics.
	SequenceNumber string
}

// message is a published message as sns_messages keeps it.
type message struct {
	ID       string `json:"id"`
	TopicARN string `json:"topic"`
	Message  string `json:"message"`
	// Structured are the per-protocol messages of MessageStructure json.
	Structured     map[string]string           `json:"structured,omitempty"`
	Subject        string                      `json:"subject,omitempty"`
	Attributes     map[string]MessageAttribute `json:"attrs,omitempty"`
	Timestamp      string                      `json:"ts"`
	SequenceNumber string                      `json:"seq,omitempty"`
	GroupID        string                      `json:"group,omitempty"`
	DedupID        string                      `json:"dedup,omitempty"`
}

// forProtocol is the message a subscription of protocol gets.
func (m *message) forProtocol(protocol string) string {
	if m.Structured == nil {
		return m.Message
	}
	if v, ok := m.Structured[protocol]; ok {
		return v
	}
	return m.Structured["default"]
}

const (
	maxMessageBytes = 256 * 1024
	maxSubjectLen   = 100
	maxIDLen        = 128
	dedupWindow     = 5 * time.Minute
	maxBatchEntries = 10
)

var attrNameRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,256}$`)

// baseType is the type of a DataType without its custom label.
func baseType(dataType string) string {
	if dataType == "String.Array" || strings.HasPrefix(dataType, "String.Array.") {
		return "String.Array"
	}
	t, _, _ := strings.Cut(dataType, ".")
	return t
}

// checkAttributes validates message attributes and returns their size in
// bytes as AWS counts it (names, types and values).
func checkAttributes(attrs map[string]MessageAttribute) (int, error) {
	size := 0
	for _, name := range sortedKeys(attrs) {
		a := attrs[name]
		lower := strings.ToLower(name)
		if !attrNameRE.MatchString(name) || strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") ||
			strings.Contains(name, "..") || strings.HasPrefix(lower, "aws.") || strings.HasPrefix(lower, "amazon.") {
			return 0, invalidParameter("MessageAttributes: Invalid attribute name %q", name)
		}
		base := baseType(a.DataType)
		switch base {
		case "String", "Number", "String.Array":
			if a.StringValue == "" {
				return 0, invalidValue("The message attribute '%s' must contain non-empty message attribute value for message attribute type '%s'.", name, base)
			}
		case "Binary":
			if len(a.BinaryValue) == 0 {
				return 0, invalidValue("The message attribute '%s' must contain non-empty message attribute value for message attribute type 'Binary'.", name)
			}
		default:
			return 0, invalidValue("The message attribute '%s' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.", name)
		}
		switch base {
		case "Number":
			if _, err := strconv.ParseFloat(strings.TrimSpace(a.StringValue), 64); err != nil {
				return 0, invalidValue("Could not cast message attribute '%s' value to number.", name)
			}
		case "String.Array":
			var list []any
			if err := json.Unmarshal([]byte(a.StringValue), &list); err != nil {
				return 0, invalidValue("The message attribute '%s' with type 'String.Array' has an invalid value: the value must be a JSON array.", name)
			}
			for _, e := range list {
				switch e.(type) {
				case []any, map[string]any:
					return 0, invalidValue("The message attribute '%s' with type 'String.Array' may only hold strings, numbers, true, false and null.", name)
				}
			}
		}
		size += len(name) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
	}
	return size, nil
}

// checkMessage validates everything of in that does not depend on the topic
// and returns the message to store (without id, time and sequence).
func checkMessage(in *PublishInput) (*message, int, error) {
	if in.Message == "" {
		return nil, 0, invalidParameter("Empty message")
	}
	m := &message{TopicARN: in.TopicARN, Message: in.Message, Subject: in.Subject, Attributes: in.Attributes, GroupID: in.GroupID, DedupID: in.DedupID}
	switch in.Structure {
	case "":
	case "json":
		var per map[string]any
		if err := json.Unmarshal([]byte(in.Message), &per); err != nil || per == nil {
			return nil, 0, invalidParameter("Message Structure - JSON message body failed to parse")
		}
		m.Structured = map[string]string{}
		for k, v := range per {
			sv, ok := v.(string)
			if !ok {
				return nil, 0, invalidParameter("Message Structure - JSON message body failed to parse")
			}
			m.Structured[k] = sv
		}
		if _, ok := m.Structured["default"]; !ok {
			return nil, 0, invalidParameter("Message Structure - No default entry in JSON message body")
		}
	default:
		return nil, 0, invalidParameter("MessageStructure")
	}
	if in.Subject != "" && !validSubject(in.Subject) {
		return nil, 0, invalidParameter("Subject")
	}
	for _, id := range [][2]string{{"MessageGroupId", in.GroupID}, {"MessageDeduplicationId", in.DedupID}} {
		if id[1] != "" && !validID(id[1]) {
			return nil, 0, invalidParameter("%s Reason: %s can contain up to 128 alphanumeric characters and punctuation", id[0], id[0])
		}
	}
	attrSize, err := checkAttributes(in.Attributes)
	if err != nil {
		return nil, 0, err
	}
	size := len(in.Message) + attrSize
	if size > maxMessageBytes {
		return nil, 0, invalidParameter("Message too long")
	}
	return m, size, nil
}

func validSubject(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxSubjectLen || strings.TrimSpace(s) == "" {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			return false
		}
	}
	return true
}

func validID(s string) bool {
	if len(s) > maxIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// Publish publishes a message to a topic: it is stored with a delivery to
// each confirmed subscription whose filter policy it passes, all committed
// before Publish returns. A FIFO topic answers a message whose deduplication
// id it saw in the last five minutes with the first one's id and sequence
// number and delivers it once.
//
// Returns NotFound for a missing topic and InvalidParameter (or
// ParameterValueInvalid for attributes) for a message AWS would refuse:
// empty or over 256 KiB, a bad subject, structure or attribute, a missing
// MessageGroupId or deduplication id on a FIFO topic, a deduplication id on
// a standard topic.
func (s *Service) Publish(ctx context.Context, in PublishInput) (*PublishResult, error) {
	results, errs, err := s.publishMany(ctx, in.TopicARN, []PublishInput{in})
	if err != nil {
		return nil, err
	}
	if errs[0] != nil {
		return nil, errs[0]
	}
	return &results[0], nil
}

// PublishToTopic publishes message with attrs to topicARN on behalf of
// another service (Lambda's dead-letter queues and destinations) and returns
// the message id. Errors are Publish's.
func (s *Service) PublishToTopic(ctx context.Context, topicARN, message string, attrs map[string]MessageAttribute) (string, error) {
	r, err := s.Publish(ctx, PublishInput{TopicARN: topicARN, Message: message, Attributes: attrs})
	if err != nil {
		return "", err
	}
	return r.MessageID, nil
}

// BatchEntry is one entry of PublishBatch.
type BatchEntry struct {
	ID string
	PublishInput
}

// BatchResult is the outcome of one entry: Err is nil on success.
type BatchResult struct {
	ID string
	PublishResult
	Err error
}

var batchIDRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,80}$`)

// PublishBatch publishes up to ten messages to a topic in one commit and
// returns one result per entry, in order; an entry AWS would refuse fails
// alone. Returns EmptyBatchRequest, TooManyEntriesInBatchRequest,
// BatchEntryIdsNotDistinct, InvalidBatchEntryId or BatchRequestTooLong for
// the batch itself, and NotFound for a missing topic.
func (s *Service) PublishBatch(ctx context.Context, topicARN string, entries []BatchEntry) ([]BatchResult, error) {
	switch {
	case len(entries) == 0:
		return nil, newError(CodeEmptyBatch, statusBadRequest, "The batch request doesn't contain any entries.")
	case len(entries) > maxBatchEntries:
		return nil, newError(CodeTooManyEntries, statusBadRequest, "The batch request contains more entries than permissible.")
	}
	seen := map[string]bool{}
	total := 0
	ins := make([]PublishInput, len(entries))
	for i, e := range entries {
		if !batchIDRE.MatchString(e.ID) {
			return nil, newError(CodeInvalidBatchEntryID, statusBadRequest, "A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		if seen[e.ID] {
			return nil, newError(CodeBatchIDsNotDistinct, statusBadRequest, "Two or more batch entries in the request have the same Id.")
		}
		seen[e.ID] = true
		total += len(e.Message)
		for k, a := range e.Attributes {
			total += len(k) + len(a.DataType) + len(a.StringValue) + len(a.BinaryValue)
		}
		ins[i] = e.PublishInput
		ins[i].TopicARN = topicARN
	}
	if total > maxMessageBytes {
		return nil, newError(CodeBatchRequestTooLong, statusBadRequest, "The length of all the messages put together is more than the limit.")
	}
	results, errs, err := s.publishMany(ctx, topicARN, ins)
	if err != nil {
		return nil, err
	}
	out := make([]BatchResult, len(entries))
	for i, e := range entries {
		out[i] = BatchResult{ID: e.ID, PublishResult: results[i], Err: errs[i]}
	}
	return out, nil
}

// publishMany publishes messages to one topic in one Update. errs[i] is the
// error of message i; err is for all of them (missing topic, store).
func (s *Service) publishMany(ctx context.Context, topicARN string, ins []PublishInput) ([]PublishResult, []error, error) {
	results := make([]PublishResult, len(ins))
	errs := make([]error, len(ins))
	msgs := make([]*message, len(ins))
	for i := range ins {
		msgs[i], _, errs[i] = checkMessage(&ins[i])
	}
	// Read the topic and its confirmed subscriptions, and decide who gets
	// what outside the writer.
	var t *Topic
	var subs []Subscription
	err := s.st.View(ctx, func(tx *store.Tx) error {
		var err error
		if t, err = getTopic(ctx, tx, topicARN); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+subscriptionColumns+` FROM sns_subscriptions WHERE topic_arn = ? AND NOT pending ORDER BY arn`, topicARN)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			sub, err := scanSubscription(rows.Scan)
			if err != nil {
				return err
			}
			subs = append(subs, *sub)
		}
		return rows.Err()
	})
	if errors.Is(err, errNoTopic) {
		return nil, nil, topicNotFound()
	}
	if err != nil {
		return nil, nil, err
	}
	now := s.now()
	matched := make([][]*Subscription, len(ins))
	for i, m := range msgs {
		if errs[i] != nil {
			continue
		}
		if errs[i] = checkFIFO(t, m); errs[i] != nil {
			continue
		}
		m.ID, m.Timestamp = newID(), timestamp(now)
		for j := range subs {
			if s.passes(&subs[j], m) {
				matched[i] = append(matched[i], &subs[j])
			}
		}
	}
	var wrote bool
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		wrote = false
		var nextSeq int64
		if err := tx.QueryRow(ctx, `SELECT next_seq FROM sns_topics WHERE arn = ?`, topicARN).Scan(&nextSeq); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return topicNotFound()
			}
			return err
		}
		seq0 := nextSeq
		if t.FIFO {
			if _, err := tx.Exec(ctx, `DELETE FROM sns_dedup WHERE topic_arn = ? AND expires_ms < ?`, topicARN, millis(now)); err != nil {
				return err
			}
		}
		for i, m := range msgs {
			if errs[i] != nil {
				continue
			}
			results[i] = PublishResult{MessageID: m.ID}
			if t.FIFO {
				var id, seq string
				err := tx.QueryRow(ctx, `SELECT message_id, seq FROM sns_dedup WHERE topic_arn = ? AND dedup_id = ?`, topicARN, m.DedupID).Scan(&id, &seq)
				if err == nil {
					results[i] = PublishResult{MessageID: id, SequenceNumber: seq}
					continue
				}
				if !errors.Is(err, sql.ErrNoRows) {
					return err
				}
				m.SequenceNumber = fmt.Sprintf("1%019d", nextSeq)
				results[i].SequenceNumber = m.SequenceNumber
				if _, err := tx.Exec(ctx, `INSERT INTO sns_dedup (topic_arn, dedup_id, message_id, seq, expires_ms) VALUES (?, ?, ?, ?, ?)`,
					topicARN, m.DedupID, m.ID, m.SequenceNumber, millis(now.Add(dedupWindow))); err != nil {
					return err
				}
			}
			seq := nextSeq
			nextSeq++
			if len(matched[i]) == 0 {
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO sns_messages (id, topic_arn, body) VALUES (?, ?, ?)`, m.ID, topicARN, encodeJSON(m)); err != nil {
				return err
			}
			for _, sub := range matched[i] {
				d := &delivery{
					id: newID(), messageID: m.ID, subARN: sub.ARN, topicARN: topicARN, kind: kindNotification,
					protocol: sub.Protocol, endpoint: sub.Endpoint, dueMS: millis(now),
				}
				if t.FIFO {
					d.fifoKey, d.seq = sub.ARN+"|"+m.GroupID, seq
				}
				if err := insertDelivery(ctx, tx, d); err != nil {
					return err
				}
			}
			wrote = true
		}
		if nextSeq != seq0 {
			_, err := tx.Exec(ctx, `UPDATE sns_topics SET next_seq = ? WHERE arn = ?`, nextSeq, topicARN)
			return err
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if wrote {
		s.notify()
	}
	return results, errs, nil
}

// checkFIFO applies the rules of the topic's kind to m's group and
// deduplication ids, deriving the id of content-based deduplication.
func checkFIFO(t *Topic, m *message) error {
	if !t.FIFO {
		if m.DedupID != "" {
			return invalidParameter("MessageDeduplicationId Reason: The request includes MessageDeduplicationId parameter that is not valid for this topic type")
		}
		return nil
	}
	if m.GroupID == "" {
		return invalidParameter("The MessageGroupId parameter is required for FIFO topics")
	}
	if m.DedupID == "" {
		if !isTrue(t.Attributes[attrContentBasedDeduplication]) {
			return invalidParameter("The topic should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
		sum := sha256.Sum256([]byte(m.Message))
		m.DedupID = hex.EncodeToString(sum[:])
	}
	return nil
}

// passes reports whether m passes sub's filter policy.
func (s *Service) passes(sub *Subscription, m *message) bool {
	doc := sub.Attributes[attrFilterPolicy]
	if doc == "" {
		return true
	}
	p := s.filters.get(doc, sub.scope())
	if p == nil {
		return false
	}
	if p.scope == ScopeBody {
		return p.matchBody(m.forProtocol(sub.Protocol))
	}
	return p.matchAttributes(m.Attributes)
}
