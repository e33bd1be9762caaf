package iam

import "github.com/stratus-cloud/stratus/internal/store"

// migrations are the "iam" owner's schema versions. Names of users, groups, roles
// and managed policies are unique within an account regardless of case, so each
// such table keys rows by name_key, the lower-cased name, and keeps the name as
// given for display. Times are TEXT in timeFormat (UTC, fixed width, so they sort
// as text). Secrets (access key secrets, session secrets and tokens) are stored
// only sealed with the root key (BLOB columns named sealed_*).
func migrations() []store.Migration {
	return []store.Migration{{Version: 1, SQL: schemaV1}}
}

const schemaV1 = `
CREATE TABLE iam_organizations (
	id                 TEXT PRIMARY KEY,
	management_account TEXT NOT NULL,
	root_id            TEXT NOT NULL,
	feature_set        TEXT NOT NULL,
	created_at         TEXT NOT NULL
);

CREATE TABLE iam_accounts (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL,
	name          TEXT NOT NULL,
	email         TEXT NOT NULL,
	status        TEXT NOT NULL,
	joined_method TEXT NOT NULL,
	created_at    TEXT NOT NULL
);
CREATE UNIQUE INDEX iam_accounts_email ON iam_accounts (email);

CREATE TABLE iam_create_account_status (
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL,
	account_id   TEXT NOT NULL,
	account_name TEXT NOT NULL,
	state        TEXT NOT NULL,
	failure_reason TEXT NOT NULL,
	requested_at TEXT NOT NULL,
	completed_at TEXT NOT NULL
);

CREATE TABLE iam_users (
	account    TEXT NOT NULL,
	name_key   TEXT NOT NULL,
	name       TEXT NOT NULL,
	path       TEXT NOT NULL,
	id         TEXT NOT NULL UNIQUE,
	boundary   TEXT NOT NULL,
	tags       TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (account, name_key)
);

CREATE TABLE iam_groups (
	account    TEXT NOT NULL,
	name_key   TEXT NOT NULL,
	name       TEXT NOT NULL,
	path       TEXT NOT NULL,
	id         TEXT NOT NULL UNIQUE,
	created_at TEXT NOT NULL,
	PRIMARY KEY (account, name_key)
);

CREATE TABLE iam_group_members (
	account   TEXT NOT NULL,
	group_key TEXT NOT NULL,
	user_key  TEXT NOT NULL,
	added_at  TEXT NOT NULL,
	PRIMARY KEY (account, group_key, user_key)
);
CREATE INDEX iam_group_members_user ON iam_group_members (account, user_key);

CREATE TABLE iam_roles (
	account        TEXT NOT NULL,
	name_key       TEXT NOT NULL,
	name           TEXT NOT NULL,
	path           TEXT NOT NULL,
	id             TEXT NOT NULL UNIQUE,
	trust_policy   TEXT NOT NULL,
	description    TEXT NOT NULL,
	max_session    INTEGER NOT NULL,
	boundary       TEXT NOT NULL,
	tags           TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	last_used_at   TEXT NOT NULL,
	last_used_region TEXT NOT NULL,
	PRIMARY KEY (account, name_key)
);

CREATE TABLE iam_inline_policies (
	account    TEXT NOT NULL,
	owner_kind TEXT NOT NULL,
	owner_key  TEXT NOT NULL,
	name       TEXT NOT NULL,
	document   TEXT NOT NULL,
	PRIMARY KEY (account, owner_kind, owner_key, name)
);

CREATE TABLE iam_policies (
	arn             TEXT PRIMARY KEY,
	account         TEXT NOT NULL,
	name_key        TEXT NOT NULL,
	name            TEXT NOT NULL,
	path            TEXT NOT NULL,
	id              TEXT NOT NULL UNIQUE,
	description     TEXT NOT NULL,
	default_version INTEGER NOT NULL,
	next_version    INTEGER NOT NULL,
	tags            TEXT NOT NULL,
	created_at      TEXT NOT NULL,
	updated_at      TEXT NOT NULL
);
CREATE UNIQUE INDEX iam_policies_name ON iam_policies (account, name_key);

CREATE TABLE iam_policy_versions (
	policy_arn TEXT NOT NULL REFERENCES iam_policies (arn) ON DELETE CASCADE,
	version    INTEGER NOT NULL,
	document   TEXT NOT NULL,
	created_at TEXT NOT NULL,
	PRIMARY KEY (policy_arn, version)
);

CREATE TABLE iam_attachments (
	account    TEXT NOT NULL,
	owner_kind TEXT NOT NULL,
	owner_key  TEXT NOT NULL,
	policy_arn TEXT NOT NULL REFERENCES iam_policies (arn),
	PRIMARY KEY (account, owner_kind, owner_key, policy_arn)
);
CREATE INDEX iam_attachments_policy ON iam_attachments (policy_arn, account);

CREATE TABLE iam_access_keys (
	id                TEXT PRIMARY KEY,
	account           TEXT NOT NULL,
	user_key          TEXT NOT NULL,
	status            TEXT NOT NULL,
	sealed_secret     BLOB NOT NULL,
	created_at        TEXT NOT NULL,
	last_used_at      TEXT NOT NULL,
	last_used_service TEXT NOT NULL,
	last_used_region  TEXT NOT NULL
);
CREATE INDEX iam_access_keys_user ON iam_access_keys (account, user_key);

CREATE TABLE iam_sessions (
	id            TEXT PRIMARY KEY,
	account       TEXT NOT NULL,
	kind          TEXT NOT NULL,
	entity_name   TEXT NOT NULL,
	entity_id     TEXT NOT NULL,
	entity_path   TEXT NOT NULL,
	session_name  TEXT NOT NULL,
	sealed_secret BLOB NOT NULL,
	sealed_token  BLOB NOT NULL,
	policies      TEXT NOT NULL,
	expires_at    TEXT NOT NULL,
	created_at    TEXT NOT NULL
);
CREATE INDEX iam_sessions_expiry ON iam_sessions (expires_at);
`
