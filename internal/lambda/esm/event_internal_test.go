package esm

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
)

func TestSplitKeepsEventsUnderThePayloadLimit(t *testing.T) {
	var msgs []Message
	for i := range 12 {
		// Quotes double in JSON: each record is about 1,500 bytes.
		msgs = append(msgs, Message{ID: strconv.Itoa(i), ReceiptHandle: "h" + strconv.Itoa(i), Body: strings.Repeat(`"`, 600)})
	}
	const limit = 6000
	parts := split(msgs, "arn:aws:sqs:us-east-1:111122223333:q", "us-east-1", limit)
	var ids []string
	for _, p := range parts {
		if len(p.payload) > limit || !json.Valid(p.payload) {
			t.Fatalf("an event of %d bytes", len(p.payload))
		}
		var ev struct{ Records []struct{ MessageID string } }
		if err := json.Unmarshal(p.payload, &ev); err != nil || len(ev.Records) != len(p.ids) {
			t.Fatalf("event with %d records for %d ids: %v", len(ev.Records), len(p.ids), err)
		}
		ids = append(ids, p.ids...)
	}
	if len(parts) < 3 || strings.Join(ids, ",") != "0,1,2,3,4,5,6,7,8,9,10,11" {
		t.Fatalf("%d events with ids %v", len(parts), ids)
	}
}
