package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stratus-cloud/stratus/internal/store"
)

// Digest is what a digest row signs: the records from FromSeq to ToSeq, the
// chain's hash at ToSeq, and the SHA-256 (hex) of the previous digest's
// signature ("" for the first digest). Seq is the digest's own position.
type Digest struct {
	Seq                         int64  `json:"seq"`
	FromSeq                     int64  `json:"fromSeq"`
	ToSeq                       int64  `json:"toSeq"`
	HeadHash                    string `json:"headHash"`
	PreviousDigestSignatureHash string `json:"previousDigestSignatureHash"`
	Time                        string `json:"time"`
}

// signatureHash is the hex SHA-256 of a digest signature.
func signatureHash(sig []byte) string {
	if len(sig) == 0 {
		return ""
	}
	sum := sha256.Sum256(sig)
	return hex.EncodeToString(sum[:])
}

// WriteDigest signs and stores a digest of the records no digest covers yet;
// it reports false, writing nothing, when there are none. The Trail calls it
// every DigestInterval and at Close.
func (t *Trail) WriteDigest(ctx context.Context) (bool, error) {
	wrote := false
	err := t.cfg.Store.Update(ctx, func(tx *store.Tx) error {
		wrote = false
		last, lastSig, err := lastDigest(ctx, tx)
		if err != nil {
			return err
		}
		seq, hash, err := head(ctx, tx)
		if err != nil {
			return err
		}
		if seq <= last.ToSeq {
			return nil
		}
		d := Digest{
			Seq: last.Seq + 1, FromSeq: last.ToSeq + 1, ToSeq: seq, HeadHash: hex.EncodeToString(hash),
			PreviousDigestSignatureHash: signatureHash(lastSig),
			Time:                        t.cfg.Now().UTC().Format(time.RFC3339),
		}
		b, err := json.Marshal(d)
		if err != nil {
			return fmt.Errorf("encode digest: %w", err)
		}
		sig := ed25519.Sign(t.key, b)
		if _, err := tx.Exec(ctx, `INSERT INTO audit_digests (seq, digest, signature) VALUES (?, ?, ?)`, d.Seq, b, sig); err != nil {
			return fmt.Errorf("store digest: %w", err)
		}
		wrote = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("write audit digest: %w", err)
	}
	if wrote {
		t.digests.Add(1)
	}
	return wrote, nil
}

// lastDigest returns the newest digest and its signature (a zero Digest when
// there is none).
func lastDigest(ctx context.Context, tx *store.Tx) (Digest, []byte, error) {
	var b, sig []byte
	err := tx.QueryRow(ctx, `SELECT digest, signature FROM audit_digests ORDER BY seq DESC LIMIT 1`).Scan(&b, &sig)
	if errors.Is(err, sql.ErrNoRows) {
		return Digest{}, nil, nil
	}
	if err != nil {
		return Digest{}, nil, fmt.Errorf("read last audit digest: %w", err)
	}
	var d Digest
	if err := json.Unmarshal(b, &d); err != nil {
		return Digest{}, nil, fmt.Errorf("read last audit digest: %w", err)
	}
	return d, sig, nil
}
