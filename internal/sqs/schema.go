package sqs

import "github.com/stratus-cloud/stratus/internal/store"

// migrations are the "sqs" owner's schema versions.
//
// Queues are keyed by (account, name) and carry an id, made in Go, that their
// messages reference. attributes holds the settable attributes the queue was
// given, as a JSON object in the form GetQueueAttributes reports them;
// defaults are filled in when reading. dlq names the queue's dead-letter
// queue (same account) for ListDeadLetterSourceQueues.
//
// A message's seq orders the messages of its queue in the order they were
// committed; sqs_messages_visible is what a standard receive reads: the
// messages visible at a time, oldest first. Times are BIGINT milliseconds
// since the epoch. receipt is the token of the latest receive (NULL before
// the first), which receipt handles carry; received_ms is when that receive
// happened, which bounds how far ChangeMessageVisibility may push the
// message's visibility. attributes holds the message attributes (see
// encodeAttributes), trace the AWSTraceHeader system attribute.
//
// sqs_dedup holds the deduplication ids FIFO queues saw in the last five
// minutes (dedup_key is the id, prefixed with the group when deduplication is
// per message group).
func migrations() []store.Migration {
	return []store.Migration{{Version: 1, SQL: schemaV1}}
}

const schemaV1 = `
CREATE TABLE sqs_queues (
	account     TEXT    NOT NULL,
	name        TEXT    NOT NULL,
	id          BIGINT  NOT NULL UNIQUE,
	fifo        BOOLEAN NOT NULL,
	attributes  TEXT    NOT NULL,
	tags        TEXT    NOT NULL,
	dlq         TEXT    NOT NULL,
	created_ms  BIGINT  NOT NULL,
	modified_ms BIGINT  NOT NULL,
	purged_ms   BIGINT  NOT NULL,
	PRIMARY KEY (account, name)
);
CREATE INDEX sqs_queues_dlq ON sqs_queues (account, dlq, name);

CREATE TABLE sqs_messages (
	queue_id         BIGINT  NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
	seq              BIGINT  NOT NULL,
	id               TEXT    NOT NULL,
	body             TEXT    NOT NULL,
	md5_body         TEXT    NOT NULL,
	attributes       TEXT    NOT NULL,
	trace            TEXT    NOT NULL,
	sender           TEXT    NOT NULL,
	group_id         TEXT    NOT NULL,
	dedup_id         TEXT    NOT NULL,
	source_arn       TEXT    NOT NULL,
	sent_ms          BIGINT  NOT NULL,
	visible_ms       BIGINT  NOT NULL,
	receive_count    INTEGER NOT NULL,
	first_receive_ms BIGINT  NOT NULL,
	received_ms      BIGINT  NOT NULL,
	receipt          BLOB,
	PRIMARY KEY (queue_id, seq)
);
CREATE INDEX sqs_messages_visible ON sqs_messages (queue_id, visible_ms, seq);

CREATE TABLE sqs_dedup (
	queue_id   BIGINT NOT NULL REFERENCES sqs_queues (id) ON DELETE CASCADE,
	dedup_key  TEXT   NOT NULL,
	message_id TEXT   NOT NULL,
	seq        BIGINT NOT NULL,
	expires_ms BIGINT NOT NULL,
	PRIMARY KEY (queue_id, dedup_key)
);
CREATE INDEX sqs_dedup_expiry ON sqs_dedup (expires_ms);
`
