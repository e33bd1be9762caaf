package sns

import "github.com/stratus-cloud/stratus/internal/store"

// migrations are the "sns" owner's schema versions.
//
// Topics and subscriptions are keyed by their ARNs (which hold the account
// and region); the (account, region, ...) indexes serve the List calls.
// attrs columns hold the attributes a caller set, as a JSON object; the
// computed ones (Owner, counts, EffectiveDeliveryPolicy) are derived when
// read.
//
// A published message that matched at least one subscription is one
// sns_messages row (its content as JSON) and one sns_deliveries row per
// subscription; confirmation messages are delivery rows with their signed
// payload and no message. A delivery row is deleted when its endpoint
// accepted it, and the message with its last delivery. due_ms is when the
// next attempt may start. fifo_key (subscription ARN and message group) and
// seq order the deliveries of FIFO topics; it is "" for everything else.
// sns_dedup remembers the deduplication ids of FIFO topics for five minutes.
// sns_meta holds the signing key (sealed) and its certificate.
func migrations() []store.Migration {
	return []store.Migration{{Version: 1, SQL: schemaV1}}
}

const schemaV1 = `
CREATE TABLE sns_topics (
	arn          TEXT    NOT NULL PRIMARY KEY,
	account      TEXT    NOT NULL,
	region       TEXT    NOT NULL,
	name         TEXT    NOT NULL,
	fifo         BOOLEAN NOT NULL,
	attrs        TEXT    NOT NULL,
	tags         TEXT    NOT NULL,
	next_seq     BIGINT  NOT NULL,
	subs_deleted BIGINT  NOT NULL,
	created_ms   BIGINT  NOT NULL
);
CREATE UNIQUE INDEX sns_topics_name ON sns_topics (account, region, name);

CREATE TABLE sns_subscriptions (
	arn                TEXT    NOT NULL PRIMARY KEY,
	topic_arn          TEXT    NOT NULL REFERENCES sns_topics (arn) ON DELETE CASCADE,
	account            TEXT    NOT NULL,
	region             TEXT    NOT NULL,
	owner              TEXT    NOT NULL,
	protocol           TEXT    NOT NULL,
	endpoint           TEXT    NOT NULL,
	attrs              TEXT    NOT NULL,
	pending            BOOLEAN NOT NULL,
	token              TEXT    NOT NULL,
	token_expires_ms   BIGINT  NOT NULL,
	authenticated      BOOLEAN NOT NULL,
	auth_unsub         BOOLEAN NOT NULL,
	created_ms         BIGINT  NOT NULL
);
CREATE UNIQUE INDEX sns_subscriptions_endpoint ON sns_subscriptions (topic_arn, protocol, endpoint);
CREATE INDEX sns_subscriptions_account ON sns_subscriptions (account, region, arn);
CREATE INDEX sns_subscriptions_token ON sns_subscriptions (topic_arn, token);

CREATE TABLE sns_messages (
	id        TEXT NOT NULL PRIMARY KEY,
	topic_arn TEXT NOT NULL,
	body      TEXT NOT NULL
);

CREATE TABLE sns_deliveries (
	id         TEXT    NOT NULL PRIMARY KEY,
	message_id TEXT    NOT NULL,
	sub_arn    TEXT    NOT NULL,
	topic_arn  TEXT    NOT NULL,
	kind       TEXT    NOT NULL,
	protocol   TEXT    NOT NULL,
	endpoint   TEXT    NOT NULL,
	payload    TEXT    NOT NULL,
	fifo_key   TEXT    NOT NULL,
	seq        BIGINT  NOT NULL,
	attempts   INTEGER NOT NULL,
	due_ms     BIGINT  NOT NULL,
	last_error TEXT    NOT NULL
);
CREATE INDEX sns_deliveries_due ON sns_deliveries (due_ms, id);
CREATE INDEX sns_deliveries_fifo ON sns_deliveries (fifo_key, seq);
CREATE INDEX sns_deliveries_message ON sns_deliveries (message_id);

CREATE TABLE sns_dedup (
	topic_arn  TEXT   NOT NULL,
	dedup_id   TEXT   NOT NULL,
	message_id TEXT   NOT NULL,
	seq        TEXT   NOT NULL,
	expires_ms BIGINT NOT NULL,
	PRIMARY KEY (topic_arn, dedup_id)
);

CREATE TABLE sns_meta (
	name  TEXT NOT NULL PRIMARY KEY,
	value BLOB NOT NULL
);
`
