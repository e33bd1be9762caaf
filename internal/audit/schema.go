package audit

import "github.com/stratus-cloud/stratus/internal/store"

// migrations are the audit trail's tables. audit_records is the chain:
// seq is the position, record the canonical JSON, hash =
// SHA-256(prev_hash || record). The other columns are copies of record
// fields for LookupEvents; they are not covered by the chain (Verify checks
// them, and audit_resources, against record) and Lookup answers
// CloudTrailEvent from record. audit_digests holds the signed
// digests: digest is the signed JSON, signature its Ed25519 signature.
var migrations = []store.Migration{{Version: 1, SQL: `
CREATE TABLE audit_records (
	seq           BIGINT  NOT NULL PRIMARY KEY,
	event_id      TEXT    NOT NULL,
	event_time    TEXT    NOT NULL,
	account       TEXT    NOT NULL,
	management    BOOLEAN NOT NULL,
	read_only     BOOLEAN NOT NULL,
	event_name    TEXT    NOT NULL,
	event_source  TEXT    NOT NULL,
	username      TEXT    NOT NULL,
	access_key_id TEXT    NOT NULL,
	record        BLOB    NOT NULL,
	prev_hash     BLOB    NOT NULL,
	hash          BLOB    NOT NULL
);
CREATE INDEX audit_records_lookup ON audit_records (account, management, seq);
CREATE TABLE audit_resources (
	seq           BIGINT NOT NULL,
	resource_type TEXT   NOT NULL,
	resource_name TEXT   NOT NULL
);
CREATE INDEX audit_resources_seq ON audit_resources (seq);
CREATE TABLE audit_digests (
	seq       BIGINT NOT NULL PRIMARY KEY,
	digest    BLOB   NOT NULL,
	signature BLOB   NOT NULL
);
`}}
