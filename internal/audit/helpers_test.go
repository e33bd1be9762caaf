package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/awsproto/model"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/iamshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/kmsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/lambdashapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/secretsmanagershapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/sqsshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/ssmshapes"
	"github.com/stratus-cloud/stratus/internal/awsproto/shapes/stsshapes"
	"github.com/stratus-cloud/stratus/internal/identity"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/store"
)

const account = "123456789012"

// testKey is the digest key of the tests.
func testKey() ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
}

func testRootKey(t testing.TB) *rootkey.Key {
	t.Helper()
	k, err := rootkey.FromEnv(base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{3}, rootkey.Size)))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// models loads the service models the tests record calls of.
func models(t testing.TB) map[string]*model.Service {
	t.Helper()
	out := map[string]*model.Service{}
	for name, load := range map[string]func() (*model.Service, error){
		"lambda": lambdashapes.Service, "secretsmanager": secretsmanagershapes.Service, "kms": kmsshapes.Service,
		"iam": iamshapes.Service, "sts": stsshapes.Service, "ssm": ssmshapes.Service, "sqs": sqsshapes.Service,
	} {
		m, err := load()
		if err != nil {
			t.Fatal(err)
		}
		out[name] = m
	}
	return out
}

func user(name string) *identity.Principal {
	return &identity.Principal{Kind: identity.KindUser, Account: account, ARN: "arn:aws:iam::" + account + ":user/" + name,
		UserID: "AIDA" + name, Name: name, IdentityARN: "arn:aws:iam::" + account + ":user/" + name, AccessKeyID: "AKIA" + name,
		SourceIP: "127.0.0.1"}
}

// entry is a call of op of svc by alice.
func entry(t testing.TB, svc *model.Service, op, reqID string, in, out map[string]any) *awsproto.AuditEntry {
	t.Helper()
	o := svc.Operations[op]
	if o == nil {
		t.Fatalf("%s has no operation %s", svc.Name, op)
	}
	return &awsproto.AuditEntry{
		Time: time.Date(2026, 11, 28, 1, 2, 3, 400, time.UTC), Service: svc, Operation: o, Principal: user("alice"),
		Region: "us-east-1", SourceIP: "127.0.0.1", UserAgent: "test", RequestID: reqID, In: in, Out: out,
	}
}

func failed(e *awsproto.AuditEntry, code string) *awsproto.AuditEntry {
	e.Err = awserr.New(code, 400, "no")
	e.Out = nil
	return e
}

// decoded is the record of e as JSON decodes it.
func decoded(t testing.TB, e *awsproto.AuditEntry) map[string]any {
	t.Helper()
	rec, _ := newRecord(e)
	b, err := rec.marshal()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// at follows path through nested JSON objects; ok is false when a step is missing.
func at(v any, path ...string) (any, bool) {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	return v, true
}

type trailEnv struct {
	path  string
	store *store.Store
	trail *Trail
}

// newTrail opens a store in a temporary directory and a Trail on it; both
// are closed when t ends (the trail first).
func newTrail(t testing.TB, cfg Config) *trailEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "stratus.db")
	st, err := store.Open(context.Background(), store.Options{Path: path, NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Store = st
	if cfg.DigestKey == nil && cfg.RootKey == nil {
		cfg.DigestKey = testKey()
	}
	tr, err := New(context.Background(), cfg)
	if err != nil {
		st.Close()
		t.Fatal(err)
	}
	e := &trailEnv{path: path, store: st, trail: tr}
	t.Cleanup(e.close)
	return e
}

func (e *trailEnv) close() {
	e.trail.Close()
	e.store.Close()
}

// count returns the number of records, of management events only if mgmt.
func (e *trailEnv) count(t testing.TB, mgmt bool) int {
	t.Helper()
	ctx := context.Background()
	var n int
	q := `SELECT COUNT(*) FROM audit_records`
	if mgmt {
		q += ` WHERE management = TRUE`
	}
	err := e.store.View(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, q).Scan(&n) })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// verify runs Verify on the database file.
func verify(t testing.TB, path string, pub ed25519.PublicKey) Report {
	t.Helper()
	db, err := OpenReadOnly(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rep, err := Verify(context.Background(), db, pub)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// openRW opens the database file for a test that plays the attacker.
func openRW(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
