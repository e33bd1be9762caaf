package esm

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
)

// recordAttributes are the system attributes a record carries, when the
// message has them.
func recordAttributes() []string {
	return []string{
		"ApproximateReceiveCount", "SentTimestamp", "SenderId", "ApproximateFirstReceiveTimestamp",
		"MessageGroupId", "MessageDeduplicationId", "SequenceNumber", "AWSTraceHeader",
	}
}

// record is one message of AWS's SQS event.
type record struct {
	MessageID         string                     `json:"messageId"`
	ReceiptHandle     string                     `json:"receiptHandle"`
	Body              string                     `json:"body"`
	Attributes        map[string]string          `json:"attributes"`
	MessageAttributes map[string]recordAttribute `json:"messageAttributes"`
	MD5OfBody         string                     `json:"md5OfBody"`
	EventSource       string                     `json:"eventSource"`
	EventSourceARN    string                     `json:"eventSourceARN"`
	AWSRegion         string                     `json:"awsRegion"`
}

type recordAttribute struct {
	StringValue      *string  `json:"stringValue,omitempty"`
	BinaryValue      []byte   `json:"binaryValue,omitempty"` // base64, as encoding/json writes []byte
	StringListValues []string `json:"stringListValues"`
	BinaryListValues []string `json:"binaryListValues"`
	DataType         string   `json:"dataType"`
}

func newRecord(msg Message, queueARN, region string) record {
	r := record{
		MessageID: msg.ID, ReceiptHandle: msg.ReceiptHandle, Body: msg.Body, MD5OfBody: msg.MD5OfBody,
		Attributes: map[string]string{}, MessageAttributes: map[string]recordAttribute{},
		EventSource: "aws:sqs", EventSourceARN: queueARN, AWSRegion: region,
	}
	if r.MD5OfBody == "" {
		sum := md5.Sum([]byte(msg.Body))
		r.MD5OfBody = hex.EncodeToString(sum[:])
	}
	for _, name := range recordAttributes() {
		if v, ok := msg.Attributes[name]; ok {
			r.Attributes[name] = v
		}
	}
	for name, a := range msg.MessageAttributes {
		ra := recordAttribute{DataType: a.DataType, StringListValues: []string{}, BinaryListValues: []string{}}
		if a.BinaryValue != nil {
			ra.BinaryValue = a.BinaryValue
		} else {
			ra.StringValue = &a.StringValue
		}
		r.MessageAttributes[name] = ra
	}
	return r
}

// encode writes v as JSON without HTML escaping, as AWS writes events.
func encode(v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // records hold strings, maps and bytes only
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// recordSize estimates a message's share of an event's payload.
func recordSize(msg Message) int {
	n := len(msg.ID) + len(msg.ReceiptHandle) + 2*len(msg.Body) + 512
	for name, a := range msg.MessageAttributes {
		n += len(name) + len(a.DataType) + 2*len(a.StringValue) + 2*len(a.BinaryValue) + 96
	}
	return n
}

// batch is the payload of one invocation and its messages' ids and handles,
// in order.
type batch struct {
	payload      []byte
	ids, handles []string
}

// eventOverhead is {"Records":[]} and a margin.
const eventOverhead = 64

// split turns msgs into events of at most limit bytes each, in order. A
// message too large for an event alone gets one of its own, which the invoke
// refuses.
func split(msgs []Message, queueARN, region string, limit int) []batch {
	var (
		out  []batch
		cur  batch
		recs [][]byte
		size = eventOverhead
	)
	flush := func() {
		if len(recs) == 0 {
			return
		}
		cur.payload = append(append([]byte(`{"Records":[`), bytes.Join(recs, []byte(","))...), "]}"...)
		out = append(out, cur)
		cur, recs, size = batch{}, nil, eventOverhead
	}
	for _, msg := range msgs {
		rec := encode(newRecord(msg, queueARN, region))
		if len(recs) > 0 && size+len(rec)+1 > limit {
			flush()
		}
		recs = append(recs, rec)
		size += len(rec) + 1
		cur.ids = append(cur.ids, msg.ID)
		cur.handles = append(cur.handles, msg.ReceiptHandle)
	}
	flush()
	return out
}

// batchItemFailures reads a ReportBatchItemFailures response: the ids of
// the failed messages, and false when the batch failed as a whole — a
// payload that is not JSON, or an itemIdentifier that is missing, empty or
// not in the batch. An empty or null response, or no batchItemFailures,
// is a complete success.
func batchItemFailures(payload []byte, ids []string) (map[string]bool, bool) {
	failed := map[string]bool{}
	payload = bytes.TrimSpace(payload)
	if len(payload) == 0 || string(payload) == "null" {
		return failed, true
	}
	var resp struct {
		BatchItemFailures []map[string]json.RawMessage `json:"batchItemFailures"`
	}
	if err := json.Unmarshal(payload, &resp); err != nil {
		return nil, false
	}
	in := map[string]bool{}
	for _, id := range ids {
		in[id] = true
	}
	for _, f := range resp.BatchItemFailures {
		var id string
		if err := json.Unmarshal(f["itemIdentifier"], &id); err != nil || !in[id] {
			return nil, false
		}
		failed[id] = true
	}
	return failed, true
}
