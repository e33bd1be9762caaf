package kms

import "github.com/stratus-cloud/stratus/internal/store"

// migrations are the "kms" owner's schema versions.
//
// Keys are regional: every key starts with (account, region). Times are
// BIGINT milliseconds since the epoch; deletion_ms is 0 unless the key is
// pending deletion. A key's versions hold its material, sealed by the root
// key box with the key id and version as associated data; current_version
// is the one new encryptions use. Tags are a JSON object.
func migrations() []store.Migration {
	return []store.Migration{{Version: 1, SQL: schemaV1}, {Version: 2, SQL: schemaV2}}
}

// schemaV2 records who manages a key: AWS for the managed keys services make
// (alias/aws/<service>), the customer otherwise.
const schemaV2 = `
ALTER TABLE kms_keys ADD COLUMN manager TEXT NOT NULL DEFAULT 'CUSTOMER';
UPDATE kms_keys SET manager = 'AWS' WHERE EXISTS (SELECT 1 FROM kms_aliases a
	WHERE a.account = kms_keys.account AND a.region = kms_keys.region AND a.key_id = kms_keys.id AND a.name LIKE 'alias/aws/%');
`

const schemaV1 = `
CREATE TABLE kms_keys (
	account          TEXT    NOT NULL,
	region           TEXT    NOT NULL,
	id               TEXT    NOT NULL,
	created_ms       BIGINT  NOT NULL,
	description      TEXT    NOT NULL,
	key_usage        TEXT    NOT NULL,
	key_spec         TEXT    NOT NULL,
	state            TEXT    NOT NULL,
	deletion_ms      BIGINT  NOT NULL,
	pending_days     INTEGER NOT NULL,
	rotation_enabled INTEGER NOT NULL,
	rotation_days    INTEGER NOT NULL,
	rotated_ms       BIGINT  NOT NULL,
	policy           TEXT    NOT NULL,
	tags             TEXT    NOT NULL,
	current_version  INTEGER NOT NULL,
	PRIMARY KEY (account, region, id)
);

CREATE TABLE kms_key_versions (
	account    TEXT    NOT NULL,
	region     TEXT    NOT NULL,
	key_id     TEXT    NOT NULL,
	version    INTEGER NOT NULL,
	created_ms BIGINT  NOT NULL,
	material   BLOB    NOT NULL,
	PRIMARY KEY (account, region, key_id, version),
	FOREIGN KEY (account, region, key_id) REFERENCES kms_keys (account, region, id) ON DELETE CASCADE
);

CREATE TABLE kms_aliases (
	account    TEXT   NOT NULL,
	region     TEXT   NOT NULL,
	name       TEXT   NOT NULL,
	key_id     TEXT   NOT NULL,
	created_ms BIGINT NOT NULL,
	updated_ms BIGINT NOT NULL,
	PRIMARY KEY (account, region, name),
	FOREIGN KEY (account, region, key_id) REFERENCES kms_keys (account, region, id) ON DELETE CASCADE
);
CREATE INDEX kms_aliases_key ON kms_aliases (account, region, key_id);
`
