package signer

import "github.com/stratus-cloud/stratus/internal/store"

// migrations are the "signer" owner's schema versions.
//
// One row per signing profile version. The newest version of a name has
// current = 1; older ones (put again after cancelation or revocation) are
// kept so that what they signed can still be checked. Times are BIGINT
// milliseconds since the epoch, 0 when unset. Tags are a JSON object and
// belong to the profile, so only the current row's count.
func migrations() []store.Migration {
	return []store.Migration{{Version: 1, SQL: schemaV1}}
}

const schemaV1 = `
CREATE TABLE signer_profiles (
	account          TEXT    NOT NULL,
	region           TEXT    NOT NULL,
	name             TEXT    NOT NULL,
	version          TEXT    NOT NULL,
	current          INTEGER NOT NULL,
	platform         TEXT    NOT NULL,
	key_arn          TEXT    NOT NULL,
	validity_value   BIGINT  NOT NULL,
	validity_type    TEXT    NOT NULL,
	status           TEXT    NOT NULL,
	status_reason    TEXT    NOT NULL,
	created_ms       BIGINT  NOT NULL,
	revoked_from_ms  BIGINT  NOT NULL,
	revoked_ms       BIGINT  NOT NULL,
	revoked_by       TEXT    NOT NULL,
	tags             TEXT    NOT NULL,
	PRIMARY KEY (account, region, name, version)
);

CREATE INDEX signer_profiles_current ON signer_profiles (account, region, current, name);
`
