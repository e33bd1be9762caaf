package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ncruces/go-sqlite3/driver"

	"github.com/stratus-cloud/stratus/internal/store"
)

// OpenReadOnly opens the database at path (the data directory's stratus.db)
// read-only, for Verify and Events while a server may be writing it.
//
// key is the store's encryption key (store.Options.Key), nil for a store
// written in clear.
func OpenReadOnly(path string, key []byte) (*sql.DB, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	q := url.Values{}
	q.Set("mode", "ro")
	if len(key) > 0 {
		q.Set("vfs", store.EncryptingVFS)
		q.Set("hexkey", hex.EncodeToString(key))
	}
	q.Add("_pragma", "busy_timeout(5000)")
	dsn := (&url.URL{Scheme: "file", OmitHost: true, Path: abs, RawQuery: q.Encode()}).String()
	db, err := driver.Open(dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", abs, err)
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", abs, err)
	}
	return db, nil
}

// Report is what Verify found.
type Report struct {
	// Records and Digests count the rows read.
	Records, Digests int
	// Problems describes each sign of tampering, naming the seq concerned.
	Problems []string
	// Uncovered counts records after the last digest: the chain links them,
	// but no signature vouches for them yet. It is not a problem.
	Uncovered int
}

// Intact reports whether Verify found no problem.
func (r Report) Intact() bool { return len(r.Problems) == 0 }

func (r *Report) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// Verify checks the audit trail in db against the digest public key: it
// recomputes the hash chain, checks every digest's signature, its head hash
// against the recomputed chain, and that each digest follows its
// predecessor. It returns an error only when the trail cannot be read.
func Verify(ctx context.Context, db *sql.DB, pub ed25519.PublicKey) (Report, error) {
	var rep Report
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return rep, fmt.Errorf("verify audit trail: %w", err)
	}
	defer tx.Rollback()

	// The chain. stored follows the hashes as written (to localize a change);
	// computed is the chain recomputed from the first record, which digests
	// are checked against.
	computedAt := map[int64][]byte{}
	var lastSeq int64
	resources, err := indexedResources(ctx, tx)
	if err != nil {
		return rep, fmt.Errorf("verify audit trail: read resources: %w", err)
	}
	err = func() error {
		rows, err := tx.QueryContext(ctx, `SELECT seq, record, prev_hash, hash, event_id, event_time, account, management,
			read_only, event_name, event_source, username, access_key_id FROM audit_records ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		stored, computed := genesis(), genesis()
		for rows.Next() {
			var seq int64
			var rec, prev, hash []byte
			var ix lookupIndex
			if err := rows.Scan(&seq, &rec, &prev, &hash, &ix.eventID, &ix.eventTime, &ix.account, &ix.management,
				&ix.readOnly, &ix.eventName, &ix.eventSource, &ix.username, &ix.accessKeyID); err != nil {
				return err
			}
			ix.resources = resources[seq]
			if col := ix.mismatch(rec); col != "" {
				rep.problem("record %d: its lookup copy %s does not match its content (changed to hide or disguise it in LookupEvents)", seq, col)
			}
			rep.Records++
			switch {
			case seq == lastSeq+2:
				rep.problem("record %d is missing (gap in seq)", lastSeq+1)
			case seq > lastSeq+2:
				rep.problem("records %d to %d are missing (gap in seq)", lastSeq+1, seq-1)
			case !bytes.Equal(prev, stored):
				rep.problem("record %d: prev_hash does not match the hash of record %d (a record was inserted or replaced before it)", seq, lastSeq)
			}
			if !bytes.Equal(chainHash(prev, rec), hash) {
				rep.problem("record %d was changed: its hash does not match its content", seq)
			}
			computed = chainHash(computed, rec)
			computedAt[seq] = computed
			stored, lastSeq = hash, seq
		}
		return rows.Err()
	}()
	if err != nil {
		return rep, fmt.Errorf("verify audit trail: read records: %w", err)
	}

	// The digests.
	var covered int64
	err = func() error {
		rows, err := tx.QueryContext(ctx, `SELECT seq, digest, signature FROM audit_digests ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		var prevTo int64
		var prevSig []byte
		for rows.Next() {
			var seq int64
			var b, sig []byte
			if err := rows.Scan(&seq, &b, &sig); err != nil {
				return err
			}
			rep.Digests++
			var d Digest
			if !ed25519.Verify(pub, b, sig) || json.Unmarshal(b, &d) != nil {
				rep.problem("digest %d: signature is not valid (digest forged or changed)", seq)
				prevSig = sig
				continue
			}
			if d.Seq != seq {
				rep.problem("digest row %d holds digest %d (digests moved or swapped)", seq, d.Seq)
			}
			if d.PreviousDigestSignatureHash != signatureHash(prevSig) {
				rep.problem("digest %d does not refer to its predecessor (a digest was removed, inserted or swapped)", d.Seq)
			}
			if d.FromSeq != prevTo+1 {
				rep.problem("digest %d covers records from %d, want %d (ranges not contiguous)", d.Seq, d.FromSeq, prevTo+1)
			}
			switch h, ok := computedAt[d.ToSeq]; {
			case d.ToSeq > lastSeq:
				rep.problem("digest %d covers records up to %d but the trail ends at %d (records removed)", d.Seq, d.ToSeq, lastSeq)
			case !ok:
				rep.problem("record %d, the last covered by digest %d, is missing", d.ToSeq, d.Seq)
			case hex.EncodeToString(h) != d.HeadHash:
				rep.problem("digest %d: the chain at record %d differs from the signed head (records up to %d changed, removed or inserted)", d.Seq, d.ToSeq, d.ToSeq)
			}
			prevTo, prevSig = d.ToSeq, sig
			covered = max(covered, d.ToSeq)
		}
		return rows.Err()
	}()
	if err != nil {
		return rep, fmt.Errorf("verify audit trail: read digests: %w", err)
	}
	for seq := range computedAt {
		if seq > covered {
			rep.Uncovered++
		}
	}
	return rep, nil
}

// lookupIndex is what audit_records' lookup columns and audit_resources
// hold for one record. The chain does not cover them, so Verify checks them
// against the record they copy: otherwise an edit of a column alone could
// hide a record from LookupEvents (another account, another event name)
// while the chain stays intact.
type lookupIndex struct {
	eventID, eventTime, account, eventName, eventSource, username, accessKeyID string
	management, readOnly                                                       bool
	resources                                                                  []Resource
}

// mismatch names the first copy that differs from the record ("" when all
// agree, "record" when the record is not a record at all).
func (ix lookupIndex) mismatch(record []byte) string {
	var r Record
	if json.Unmarshal(record, &r) != nil {
		return "record"
	}
	var want []Resource
	for _, res := range r.Resources {
		want = append(want, Resource{Type: res.Type, Name: res.Name})
	}
	user, known := lookupUsername(r.UserIdentity)
	switch {
	case ix.eventID != r.EventID:
		return "event_id"
	case ix.eventTime != r.EventTime:
		return "event_time"
	case ix.account != r.RecipientAccountID:
		return "account"
	case ix.management != r.ManagementEvent:
		return "management"
	case ix.readOnly != r.ReadOnly:
		return "read_only"
	case ix.eventName != r.EventName:
		return "event_name"
	case ix.eventSource != r.EventSource:
		return "event_source"
	case known && ix.username != user:
		return "username"
	case ix.accessKeyID != r.UserIdentity.AccessKeyID:
		return "access_key_id"
	case !slices.Equal(ix.resources, want):
		return "audit_resources"
	}
	return ""
}

// lookupUsername is the Username the trail stores for a record's caller,
// as far as the record tells it (username derives it from the principal).
func lookupUsername(u UserIdentity) (string, bool) {
	switch u.Type {
	case "Root":
		return "root", true
	case "IAMUser":
		return u.UserName, true
	case "AssumedRole":
		return u.ARN[strings.LastIndex(u.ARN, "/")+1:], true
	}
	return "", false
}

// indexedResources reads audit_resources by seq, in insertion order.
func indexedResources(ctx context.Context, tx *sql.Tx) (map[int64][]Resource, error) {
	rows, err := tx.QueryContext(ctx, `SELECT seq, resource_type, resource_name FROM audit_resources ORDER BY seq, rowid`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]Resource{}
	for rows.Next() {
		var seq int64
		var res Resource
		if err := rows.Scan(&seq, &res.Type, &res.Name); err != nil {
			return nil, err
		}
		out[seq] = append(out[seq], res)
	}
	return out, rows.Err()
}

// EventsFilter selects records for Events.
type EventsFilter struct {
	// Data includes data events; management events are always included.
	Data bool
	// Since excludes records whose eventTime is before it, when not zero.
	Since time.Time
	// Limit stops after that many records, when positive.
	Limit int
}

// Events calls fn with the JSON of each record f selects, oldest first.
func Events(ctx context.Context, db *sql.DB, f EventsFilter, fn func(record json.RawMessage) error) error {
	q := `SELECT record FROM audit_records WHERE event_time >= ?`
	args := []any{""}
	if !f.Since.IsZero() {
		args[0] = f.Since.UTC().Truncate(time.Second).Format(time.RFC3339)
	}
	if !f.Data {
		q += ` AND management = ?`
		args = append(args, true)
	}
	q += ` ORDER BY seq`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read audit events: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return fmt.Errorf("read audit events: %w", err)
		}
		if err := fn(b); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read audit events: %w", err)
	}
	return nil
}
