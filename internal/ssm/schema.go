package ssm

import "github.com/stratus-cloud/stratus/internal/store"

// migrations are the "ssm" owner's schema versions.
//
// Parameters are regional; arn is unique. A parameter row holds what
// describes it now (its latest version's attributes) and its tags (a JSON
// object); each version row holds that version's attributes, its labels (a
// JSON array) and its value: the text as given for String and StringList,
// the sealed envelope (never the plaintext) for SecureString. Times are
// BIGINT milliseconds since the epoch.
func migrations() []store.Migration {
	return []store.Migration{{Version: 1, SQL: schemaV1}}
}

const schemaV1 = `
CREATE TABLE ssm_parameters (
	account TEXT   NOT NULL,
	region  TEXT   NOT NULL,
	name    TEXT   NOT NULL,
	arn     TEXT   NOT NULL UNIQUE,
	version BIGINT NOT NULL,
	tags    TEXT   NOT NULL,
	PRIMARY KEY (account, region, name)
);

CREATE TABLE ssm_parameter_versions (
	arn             TEXT   NOT NULL,
	version         BIGINT NOT NULL,
	type            TEXT   NOT NULL,
	key_id          TEXT   NOT NULL,
	description     TEXT   NOT NULL,
	allowed_pattern TEXT   NOT NULL,
	tier            TEXT   NOT NULL,
	data_type       TEXT   NOT NULL,
	modified_ms     BIGINT NOT NULL,
	modified_user   TEXT   NOT NULL,
	labels          TEXT   NOT NULL,
	value           BLOB   NOT NULL,
	PRIMARY KEY (arn, version),
	FOREIGN KEY (arn) REFERENCES ssm_parameters (arn) ON DELETE CASCADE
);
`
