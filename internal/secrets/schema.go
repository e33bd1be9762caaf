package secrets

import "github.com/stratus-cloud/stratus/internal/store"

// migrations are the "secretsmanager" owner's schema versions.
//
// Secrets are regional; arn is unique. Times are BIGINT milliseconds since
// the epoch; deleted_ms is 0 unless the secret is scheduled for deletion, and
// purge_ms is then the end of its recovery window. kms_key_id is the key the
// caller named ("" for the AWS managed key). Tags are a JSON object. A
// version's stages are a JSON array; its value is the ciphertext Keys
// returned, never the plaintext.
func migrations() []store.Migration {
	return []store.Migration{{Version: 1, SQL: schemaV1}}
}

const schemaV1 = `
CREATE TABLE secrets (
	account     TEXT   NOT NULL,
	region      TEXT   NOT NULL,
	name        TEXT   NOT NULL,
	arn         TEXT   NOT NULL UNIQUE,
	description TEXT   NOT NULL,
	kms_key_id  TEXT   NOT NULL,
	created_ms  BIGINT NOT NULL,
	changed_ms  BIGINT NOT NULL,
	deleted_ms  BIGINT NOT NULL,
	purge_ms    BIGINT NOT NULL,
	tags        TEXT   NOT NULL,
	policy      TEXT   NOT NULL,
	PRIMARY KEY (account, region, name)
);

CREATE TABLE secret_versions (
	secret_arn TEXT   NOT NULL,
	version_id TEXT   NOT NULL,
	created_ms BIGINT NOT NULL,
	stages     TEXT   NOT NULL,
	kms_key_id TEXT   NOT NULL,
	value      BLOB   NOT NULL,
	PRIMARY KEY (secret_arn, version_id),
	FOREIGN KEY (secret_arn) REFERENCES secrets (arn) ON DELETE CASCADE
);
`
