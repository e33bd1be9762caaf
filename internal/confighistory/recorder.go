package confighistory

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Config holds what a Recorder needs.
type Config struct {
	Store *store.Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Recorder records configuration items and answers queries about them. Its
// methods are safe for concurrent use; all state lives in the store.
type Recorder struct {
	st  *store.Store
	now func() time.Time
}

// New migrates the "confighistory" tables and returns a Recorder.
func New(ctx context.Context, cfg Config) (*Recorder, error) {
	if cfg.Store == nil {
		return nil, errors.New("confighistory: store is required")
	}
	r := &Recorder{st: cfg.Store, now: cfg.Now}
	if r.now == nil {
		r.now = time.Now
	}
	if err := r.st.Migrate(ctx, "confighistory", migrations()); err != nil {
		return nil, fmt.Errorf("migrate confighistory: %w", err)
	}
	return r, nil
}

// Record records it in a transaction of its own; see RecordTx.
func (r *Recorder) Record(ctx context.Context, it Item) error {
	return r.st.Update(ctx, func(tx *store.Tx) error { return r.RecordTx(ctx, tx, it) })
}

// RecordTx appends it to its resource's history inside tx, the caller's
// store transaction (an Update's), so that the item commits or rolls back
// with the change it describes.
//
// The item is skipped, and RecordTx returns nil, when its Configuration,
// SupplementaryConfiguration and Tags equal those of the resource's latest
// item and its Status is the same or empty: a no-op change makes no history.
// Otherwise it gets the next configurationStateId of the resource: its
// capture time in milliseconds, or one more than the previous id if that is
// not larger.
//
// It returns an error, not an *awserr.Error, when it lacks an account,
// region, resource type or id, names an unknown Status or has a
// Configuration that is not JSON: those are bugs of the caller.
func (r *Recorder) RecordTx(ctx context.Context, tx *store.Tx, it Item) error {
	if it.Account == "" || it.Region == "" || it.ResourceType == "" || it.ResourceID == "" {
		return errors.New("record configuration item: account, region, resource type and id are required")
	}
	if it.Status != "" && !validStatus(it.Status) {
		return fmt.Errorf("record configuration item %s %s: unknown status %q", it.ResourceType, it.ResourceID, it.Status)
	}
	conf, err := canonicalJSON(it.Configuration)
	if err != nil {
		return fmt.Errorf("record configuration item %s %s: configuration: %w", it.ResourceType, it.ResourceID, err)
	}
	supp, tags, events := mapJSON(it.SupplementaryConfiguration), mapJSON(it.Tags), listJSON(it.RelatedEvents)

	var prev struct {
		stateID            int64
		status, conf, supp string
		tags               string
		found              bool
	}
	err = tx.QueryRow(ctx, `SELECT state_id, status, configuration, supplementary, tags FROM confighistory_items
		WHERE account = ? AND region = ? AND resource_type = ? AND resource_id = ?
		ORDER BY state_id DESC LIMIT 1`,
		it.Account, it.Region, it.ResourceType, it.ResourceID).Scan(&prev.stateID, &prev.status, &prev.conf, &prev.supp, &prev.tags)
	switch {
	case err == nil:
		prev.found = true
	case !store.IsNotFound(err):
		return fmt.Errorf("record configuration item %s %s: read previous: %w", it.ResourceType, it.ResourceID, err)
	}

	// An empty Status is ResourceDiscovered for a resource seen for the
	// first time (or again after its deletion) and OK otherwise; only a
	// given one can make an unchanged item a change of status.
	status, statusChanged := it.Status, it.Status != prev.status
	if status == "" {
		status, statusChanged = StatusOK, false
		if !prev.found || deleted(prev.status) {
			status, statusChanged = StatusDiscovered, true
		}
	}
	if prev.found && !statusChanged && prev.conf == conf && prev.supp == supp && prev.tags == tags {
		return nil
	}

	capture := it.CaptureTime
	if capture.IsZero() {
		capture = r.now()
	}
	captureMS := capture.UnixMilli()
	stateID := captureMS
	if prev.found && stateID <= prev.stateID {
		stateID = prev.stateID + 1
	}

	_, err = tx.Exec(ctx, `INSERT INTO confighistory_items (account, region, resource_type, resource_id, state_id,
		capture_ms, status, resource_name, arn, configuration, supplementary, tags, related_events, creation_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.Account, it.Region, it.ResourceType, it.ResourceID, stateID,
		captureMS, status, it.ResourceName, it.ARN, conf, supp, tags, events, millis(it.ResourceCreationTime))
	if err != nil {
		return fmt.Errorf("record configuration item %s %s: %w", it.ResourceType, it.ResourceID, err)
	}
	var deletedMS int64
	if deleted(status) {
		deletedMS = captureMS
	}
	_, err = tx.Exec(ctx, `INSERT INTO confighistory_resources (account, region, resource_type, resource_id,
		resource_name, status, last_state_id, deleted_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (account, region, resource_type, resource_id) DO UPDATE SET
		resource_name = excluded.resource_name, status = excluded.status,
		last_state_id = excluded.last_state_id, deleted_ms = excluded.deleted_ms`,
		it.Account, it.Region, it.ResourceType, it.ResourceID, it.ResourceName, status, stateID, deletedMS)
	if err != nil {
		return fmt.Errorf("record configuration item %s %s: update resource: %w", it.ResourceType, it.ResourceID, err)
	}
	return nil
}

// canonicalJSON returns s compact with object keys sorted, so that equal
// configurations compare equal as text; "" stays "".
func canonicalJSON(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if !json.Valid([]byte(s)) {
		return "", errors.New("not JSON")
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber() // keep numbers exactly as written
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("decode: %w", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", fmt.Errorf("encode: %w", err)
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}

// mapJSON encodes m as a JSON object with sorted keys; nil is "{}".
func mapJSON(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, _ := json.Marshal(m) // a map of strings always encodes
	return string(b)
}

// listJSON encodes l as a JSON array; nil is "[]".
func listJSON(l []string) string {
	if l == nil {
		return "[]"
	}
	b, _ := json.Marshal(l) // a list of strings always encodes
	return string(b)
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMillis(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}
