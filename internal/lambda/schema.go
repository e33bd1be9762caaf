package lambda

import "github.com/stratus-cloud/stratus/internal/store"

// migrations are the "lambda" owner's schema. A version's configuration is a
// JSON document (config) besides the columns queries need; its environment is
// sealed apart (env).
var migrations = []store.Migration{{Version: 1, SQL: `
CREATE TABLE lambda_functions (
	account      TEXT    NOT NULL,
	name         TEXT    NOT NULL,
	created      TEXT    NOT NULL,
	tags         TEXT    NOT NULL,
	reserved     BIGINT,
	next_version BIGINT  NOT NULL,
	PRIMARY KEY (account, name)
);
CREATE TABLE lambda_versions (
	account     TEXT   NOT NULL,
	name        TEXT   NOT NULL,
	version_num BIGINT NOT NULL,
	config      TEXT   NOT NULL,
	env         BLOB,
	code_digest TEXT   NOT NULL,
	code_size   BIGINT NOT NULL,
	PRIMARY KEY (account, name, version_num),
	FOREIGN KEY (account, name) REFERENCES lambda_functions (account, name) ON DELETE CASCADE
);
CREATE TABLE lambda_aliases (
	account     TEXT   NOT NULL,
	name        TEXT   NOT NULL,
	alias       TEXT   NOT NULL,
	version_num BIGINT NOT NULL,
	description TEXT   NOT NULL,
	weights     TEXT   NOT NULL,
	revision_id TEXT   NOT NULL,
	PRIMARY KEY (account, name, alias),
	FOREIGN KEY (account, name) REFERENCES lambda_functions (account, name) ON DELETE CASCADE
);
CREATE TABLE lambda_layer_names (
	account      TEXT   NOT NULL,
	name         TEXT   NOT NULL,
	next_version BIGINT NOT NULL,
	PRIMARY KEY (account, name)
);
CREATE TABLE lambda_layer_versions (
	account     TEXT   NOT NULL,
	name        TEXT   NOT NULL,
	version     BIGINT NOT NULL,
	config      TEXT   NOT NULL,
	code_digest TEXT   NOT NULL,
	code_size   BIGINT NOT NULL,
	unzipped    BIGINT NOT NULL,
	PRIMARY KEY (account, name, version),
	FOREIGN KEY (account, name) REFERENCES lambda_layer_names (account, name)
);
`}, {Version: 2, SQL: eventConfigMigration}, {Version: 3, SQL: esmMigration}, {Version: 4, SQL: codeSigningMigration}}
