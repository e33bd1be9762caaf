package confighistory

import "github.com/stratus-cloud/stratus/internal/store"

// migrations are the "confighistory" owner's schema versions.
//
// confighistory_items holds every recorded item, keyed by its resource and
// its state id (which grows per resource, so it orders a resource's items).
// Times are BIGINT milliseconds since the epoch (0: unknown). Configuration
// is canonical JSON text ("" when there is none); supplementary and tags are
// JSON objects and related_events a JSON array.
//
// confighistory_resources has one row per resource ever recorded: its latest
// state id, name and status, and when it was deleted (0 unless its latest
// item says it is), for listing resources without scanning their history.
func migrations() []store.Migration {
	return []store.Migration{{Version: 1, SQL: schemaV1}}
}

const schemaV1 = `
CREATE TABLE confighistory_items (
	account        TEXT   NOT NULL,
	region         TEXT   NOT NULL,
	resource_type  TEXT   NOT NULL,
	resource_id    TEXT   NOT NULL,
	state_id       BIGINT NOT NULL,
	capture_ms     BIGINT NOT NULL,
	status         TEXT   NOT NULL,
	resource_name  TEXT   NOT NULL,
	arn            TEXT   NOT NULL,
	configuration  TEXT   NOT NULL,
	supplementary  TEXT   NOT NULL,
	tags           TEXT   NOT NULL,
	related_events TEXT   NOT NULL,
	creation_ms    BIGINT NOT NULL,
	PRIMARY KEY (account, region, resource_type, resource_id, state_id)
);

CREATE TABLE confighistory_resources (
	account       TEXT   NOT NULL,
	region        TEXT   NOT NULL,
	resource_type TEXT   NOT NULL,
	resource_id   TEXT   NOT NULL,
	resource_name TEXT   NOT NULL,
	status        TEXT   NOT NULL,
	last_state_id BIGINT NOT NULL,
	deleted_ms    BIGINT NOT NULL,
	PRIMARY KEY (account, region, resource_type, resource_id)
);
`
