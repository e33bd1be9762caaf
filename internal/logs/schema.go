package logs

import "github.com/stratus-cloud/stratus/internal/store"

// migrations are the "logs" owner's schema versions.
//
// Log groups are regional: every key starts with (account, region). Event
// timestamps and the times of groups and streams are BIGINT milliseconds
// since the epoch, the unit of the CloudWatch Logs API, so that time ranges
// are index range scans. seq numbers a group's events in the order they were
// written (groups.next_seq hands them out); (ts, seq) orders a group's events
// across its streams and is what pagination tokens hold. size is the bytes
// of the message, kept so stored_bytes can be maintained without scanning.
func migrations() []store.Migration {
	return []store.Migration{{Version: 1, SQL: schemaV1}}
}

const schemaV1 = `
CREATE TABLE logs_groups (
	account        TEXT    NOT NULL,
	region         TEXT    NOT NULL,
	name           TEXT    NOT NULL,
	created_ms     BIGINT  NOT NULL,
	retention_days INTEGER NOT NULL,
	tags           TEXT    NOT NULL,
	stored_bytes   BIGINT  NOT NULL,
	next_seq       BIGINT  NOT NULL,
	PRIMARY KEY (account, region, name)
);

CREATE TABLE logs_streams (
	account           TEXT   NOT NULL,
	region            TEXT   NOT NULL,
	group_name        TEXT   NOT NULL,
	name              TEXT   NOT NULL,
	created_ms        BIGINT NOT NULL,
	first_event_ms    BIGINT NOT NULL,
	last_event_ms     BIGINT NOT NULL,
	last_ingestion_ms BIGINT NOT NULL,
	stored_bytes      BIGINT NOT NULL,
	uploads           BIGINT NOT NULL,
	PRIMARY KEY (account, region, group_name, name),
	FOREIGN KEY (account, region, group_name) REFERENCES logs_groups (account, region, name) ON DELETE CASCADE
);
CREATE INDEX logs_streams_last_event ON logs_streams (account, region, group_name, last_event_ms, name);

CREATE TABLE logs_events (
	account      TEXT   NOT NULL,
	region       TEXT   NOT NULL,
	group_name   TEXT   NOT NULL,
	stream_name  TEXT   NOT NULL,
	ts           BIGINT NOT NULL,
	seq          BIGINT NOT NULL,
	ingestion_ms BIGINT NOT NULL,
	size         BIGINT NOT NULL,
	message      TEXT   NOT NULL,
	PRIMARY KEY (account, region, group_name, stream_name, ts, seq),
	FOREIGN KEY (account, region, group_name, stream_name) REFERENCES logs_streams (account, region, group_name, name) ON DELETE CASCADE
);
CREATE INDEX logs_events_group_time ON logs_events (account, region, group_name, ts, seq);
`
