package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// buildTrail records 8 management events with digests after 3, 6 and (at
// Close) 8 records, closes everything and returns the database path.
func buildTrail(t *testing.T) string {
	t.Helper()
	ms := models(t)
	env := newTrail(t, Config{})
	ctx := context.Background()
	for i := 1; i <= 8; i++ {
		env.trail.Audit(ctx, entry(t, ms["kms"], "CreateKey", fmt.Sprintf("req-%d", i), map[string]any{"Description": fmt.Sprint(i)}, nil))
		if i == 3 || i == 6 {
			if ok, err := env.trail.WriteDigest(ctx); !ok || err != nil {
				t.Fatalf("WriteDigest = %v, %v", ok, err)
			}
		}
	}
	env.close()
	return env.path
}

func exec(t *testing.T, db *sql.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.Exec(q, args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// rehash recomputes every hash from the first record, as an attacker who
// knows the scheme would after editing records.
func rehash(t *testing.T, db *sql.DB) {
	t.Helper()
	rows, err := db.Query(`SELECT seq, record FROM audit_records ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	type rec struct {
		seq int64
		b   []byte
	}
	var recs []rec
	for rows.Next() {
		var r rec
		if err := rows.Scan(&r.seq, &r.b); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	rows.Close()
	prev := genesis()
	for _, r := range recs {
		h := chainHash(prev, r.b)
		exec(t, db, `UPDATE audit_records SET prev_hash = ?, hash = ? WHERE seq = ?`, prev, h, r.seq)
		prev = h
	}
}

func recordOf(t *testing.T, db *sql.DB, seq int) []byte {
	t.Helper()
	var b []byte
	if err := db.QueryRow(`SELECT record FROM audit_records WHERE seq = ?`, seq).Scan(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVerifyFindsEveryKindOfTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *sql.DB)
		want   string // a problem must contain it
		not    string // no problem may contain it
	}{
		{
			name: "changing one byte of a record names the record",
			tamper: func(t *testing.T, db *sql.DB) {
				b := bytes.Replace(recordOf(t, db, 5), []byte("alice"), []byte("alicf"), 1)
				exec(t, db, `UPDATE audit_records SET record = ? WHERE seq = 5`, b)
			},
			want: "record 5 was changed",
		},
		{
			name:   "deleting a middle record names the gap",
			tamper: func(t *testing.T, db *sql.DB) { exec(t, db, `DELETE FROM audit_records WHERE seq = 5`) },
			want:   "record 5 is missing",
		},
		{
			name:   "deleting the tail a digest covers is caught by the digest",
			tamper: func(t *testing.T, db *sql.DB) { exec(t, db, `DELETE FROM audit_records WHERE seq >= 7`) },
			want:   "digest 3 covers records up to 8 but the trail ends at 6",
		},
		{
			name: "inserting a record names the record after it",
			tamper: func(t *testing.T, db *sql.DB) {
				exec(t, db, `UPDATE audit_records SET seq = seq + 100 WHERE seq >= 5`)
				exec(t, db, `UPDATE audit_records SET seq = seq - 99 WHERE seq >= 100`)
				var prev []byte
				if err := db.QueryRow(`SELECT hash FROM audit_records WHERE seq = 4`).Scan(&prev); err != nil {
					t.Fatal(err)
				}
				forged := bytes.Replace(recordOf(t, db, 4), []byte("req-4"), []byte("req-x"), 1)
				exec(t, db, `INSERT INTO audit_records (seq, event_id, event_time, account, management, read_only, event_name,
					event_source, username, access_key_id, record, prev_hash, hash)
					SELECT 5, 'x', event_time, account, management, read_only, event_name, event_source, username,
					access_key_id, ?, ?, ? FROM audit_records WHERE seq = 4`, forged, prev, chainHash(prev, forged))
			},
			want: "record 6: prev_hash does not match the hash of record 5",
		},
		{
			name: "rewriting the whole chain with fresh hashes is caught by the signed digest",
			tamper: func(t *testing.T, db *sql.DB) {
				b := bytes.Replace(recordOf(t, db, 2), []byte("alice"), []byte("mallo"), 1)
				exec(t, db, `UPDATE audit_records SET record = ? WHERE seq = 2`, b)
				rehash(t, db)
			},
			want: "digest 1: the chain at record 3 differs from the signed head",
			not:  "was changed",
		},
		{
			name: "re-signing rewritten digests without the root key is caught by the signatures",
			tamper: func(t *testing.T, db *sql.DB) {
				b := bytes.Replace(recordOf(t, db, 2), []byte("alice"), []byte("mallo"), 1)
				exec(t, db, `UPDATE audit_records SET record = ? WHERE seq = 2`, b)
				rehash(t, db)
				var head []byte
				if err := db.QueryRow(`SELECT hash FROM audit_records WHERE seq = 3`).Scan(&head); err != nil {
					t.Fatal(err)
				}
				var d Digest
				var raw []byte
				if err := db.QueryRow(`SELECT digest FROM audit_digests WHERE seq = 1`).Scan(&raw); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(raw, &d); err != nil {
					t.Fatal(err)
				}
				d.HeadHash = hex.EncodeToString(head)
				nb, _ := json.Marshal(d)
				other := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize))
				exec(t, db, `UPDATE audit_digests SET digest = ?, signature = ? WHERE seq = 1`, nb, ed25519.Sign(other, nb))
			},
			want: "digest 1: signature is not valid",
		},
		{
			name: "swapping two digest rows is caught",
			tamper: func(t *testing.T, db *sql.DB) {
				exec(t, db, `UPDATE audit_digests SET seq = 100 WHERE seq = 1`)
				exec(t, db, `UPDATE audit_digests SET seq = 1 WHERE seq = 2`)
				exec(t, db, `UPDATE audit_digests SET seq = 2 WHERE seq = 100`)
			},
			want: "digest row 1 holds digest 2",
		},
		{
			name: "moving a record to another account in the lookup columns alone is caught",
			tamper: func(t *testing.T, db *sql.DB) {
				exec(t, db, `UPDATE audit_records SET account = '999999999999' WHERE seq = 4`)
			},
			want: "record 4: its lookup copy account does not match its content",
		},
		{
			name: "renaming an event in the lookup columns alone is caught",
			tamper: func(t *testing.T, db *sql.DB) {
				exec(t, db, `UPDATE audit_records SET event_name = 'ListKeys' WHERE seq = 2`)
			},
			want: "record 2: its lookup copy event_name does not match its content",
		},
		{
			name: "a resource row the record does not name is caught",
			tamper: func(t *testing.T, db *sql.DB) {
				exec(t, db, `INSERT INTO audit_resources (seq, resource_type, resource_name) VALUES (3, 'AWS::KMS::Key', 'forged')`)
			},
			want: "record 3: its lookup copy audit_resources does not match its content",
		},
		{
			name:   "deleting a middle digest breaks the digests' chain",
			tamper: func(t *testing.T, db *sql.DB) { exec(t, db, `DELETE FROM audit_digests WHERE seq = 2`) },
			want:   "digest 3 does not refer to its predecessor",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := buildTrail(t)
			pub := testKey().Public().(ed25519.PublicKey)
			if rep := verify(t, path, pub); !rep.Intact() || rep.Records != 8 || rep.Digests != 3 || rep.Uncovered != 0 {
				t.Fatalf("before tampering: %+v", rep)
			}
			db := openRW(t, path)
			c.tamper(t, db)
			db.Close()
			rep := verify(t, path, pub)
			all := strings.Join(rep.Problems, "\n")
			if rep.Intact() || !strings.Contains(all, c.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", all, c.want)
			}
			if c.not != "" && strings.Contains(all, c.not) {
				t.Errorf("problems:\n%s\nwant none containing %q", all, c.not)
			}
		})
	}
}

func TestVerifyCountsRecordsAfterTheLastDigestAsUncovered(t *testing.T) {
	ms := models(t)
	env := newTrail(t, Config{})
	ctx := context.Background()
	for i := range 5 {
		env.trail.Audit(ctx, entry(t, ms["kms"], "CreateKey", fmt.Sprint("req-", i), nil, nil))
		if i == 2 {
			if _, err := env.trail.WriteDigest(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	pub := env.trail.PublicKey()
	rep := verify(t, env.path, pub)
	if !rep.Intact() || rep.Records != 5 || rep.Digests != 1 || rep.Uncovered != 2 {
		t.Errorf("while running: %+v, want intact, 5 records, 1 digest, 2 uncovered", rep)
	}
	if ok, _ := env.trail.WriteDigest(ctx); !ok {
		t.Error("WriteDigest wrote nothing though 2 records were uncovered")
	}
	if ok, _ := env.trail.WriteDigest(ctx); ok {
		t.Error("WriteDigest wrote a digest with no new records")
	}
	if rep := verify(t, env.path, pub); !rep.Intact() || rep.Uncovered != 0 || rep.Digests != 2 {
		t.Errorf("after a digest: %+v", rep)
	}
}

func TestDigestKeyIsDerivedFromTheRootKey(t *testing.T) {
	t.Run("the key a trail built from a root key signs with verifies its digests", func(t *testing.T) {
		// Covered by cmd/stratus's use: DigestKey(root) is what New uses
		// when Config.DigestKey is nil.
		ms := models(t)
		root := testRootKey(t)
		env := newTrail(t, Config{DigestKey: nil, RootKey: root})
		env.trail.Audit(context.Background(), entry(t, ms["kms"], "CreateKey", "r", nil, nil))
		env.close()
		k, err := DigestKey(root)
		if err != nil {
			t.Fatal(err)
		}
		if rep := verify(t, env.path, k.Public().(ed25519.PublicKey)); !rep.Intact() || rep.Digests != 1 {
			t.Errorf("%+v", rep)
		}
		if rep := verify(t, env.path, testKey().Public().(ed25519.PublicKey)); rep.Intact() {
			t.Error("digests verified with a key not derived from the root key")
		}
	})
}
