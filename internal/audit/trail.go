package audit

import (
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratus-cloud/stratus/internal/awsproto"
	"github.com/stratus-cloud/stratus/internal/rootkey"
	"github.com/stratus-cloud/stratus/internal/store"
)

// digestKeyInfo is the HKDF info the digest signing key is derived with.
const digestKeyInfo = "stratus audit digest v1"

// DigestKey derives the Ed25519 key digests are signed with from a key kept
// out of the store — the server passes its data key (internal/datakey) —
// with HKDF-SHA256, info "stratus audit digest v1".
func DigestKey(k *rootkey.Key) (ed25519.PrivateKey, error) {
	seed, err := hkdf.Key(sha256.New, k.Bytes(), nil, digestKeyInfo, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("derive audit digest key: %w", err)
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// Config configures a Trail.
type Config struct {
	Store *store.Store
	// DigestKey signs digests; when nil it is derived from RootKey.
	DigestKey ed25519.PrivateKey
	RootKey   *rootkey.Key
	// DigestInterval is how often a digest is written when there are new
	// records; default one minute.
	DigestInterval time.Duration
	// FlushInterval is how long a data event may wait in the queue; default
	// 100 ms. BatchSize events are written at once without waiting; default 512.
	FlushInterval time.Duration
	BatchSize     int
	// QueueSize bounds the data events waiting to be written; default 4096.
	QueueSize int
	Logger    *slog.Logger
	Now       func() time.Time
}

// Stats counts what a Trail has done since New.
type Stats struct {
	// ManagementEvents and DataEvents count records written.
	ManagementEvents, DataEvents uint64
	// Failures counts records that could not be built or written (each is
	// logged); Digests the digests written.
	Failures, Digests uint64
}

// Trail is the audit trail. Its methods are safe for concurrent use.
type Trail struct {
	cfg Config
	key ed25519.PrivateKey
	log *slog.Logger

	queue chan *row     // data events waiting for the writer goroutine
	stop  chan struct{} // closed by Close to stop the goroutine
	done  chan struct{} // closed when the goroutine has returned

	// mu guards closed. Audit holds it shared while handing a data event to
	// the queue, so that once Close has set closed no event can enter a
	// queue the goroutine no longer drains.
	mu     sync.RWMutex
	closed bool

	closeOnce sync.Once

	mgmt, data, failures, digests atomic.Uint64
}

var _ awsproto.Auditor = (*Trail)(nil)

// row is one record ready to append.
type row struct {
	rec       *Record
	bytes     []byte
	username  string
	resources []Resource
}

// New migrates the audit tables and starts the Trail's writer goroutine.
// Close stops it.
func New(ctx context.Context, cfg Config) (*Trail, error) {
	if cfg.Store == nil {
		return nil, errors.New("audit: no store")
	}
	key := cfg.DigestKey
	if key == nil {
		if cfg.RootKey == nil {
			return nil, errors.New("audit: no digest key or root key")
		}
		var err error
		if key, err = DigestKey(cfg.RootKey); err != nil {
			return nil, err
		}
	}
	if cfg.DigestInterval <= 0 {
		cfg.DigestInterval = time.Minute
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = 100 * time.Millisecond
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 512
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = 4096
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := cfg.Store.Migrate(ctx, "audit", migrations); err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	t := &Trail{
		cfg: cfg, key: key, log: cfg.Logger,
		queue: make(chan *row, cfg.QueueSize),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go t.run()
	return t, nil
}

// PublicKey is the key digests verify with.
func (t *Trail) PublicKey() ed25519.PublicKey { return t.key.Public().(ed25519.PublicKey) }

// Stats returns the Trail's counters.
func (t *Trail) Stats() Stats {
	return Stats{ManagementEvents: t.mgmt.Load(), DataEvents: t.data.Load(), Failures: t.failures.Load(), Digests: t.digests.Load()}
}

// Begin returns the context a call runs with: for a management event, one
// that defers the sync of the call's store writes (store.DeferSync) to the
// synced append of its record, which Audit makes before the call is
// answered — one fsync per call instead of two. Data events are written
// later in batches, so their calls keep their own syncs.
func (t *Trail) Begin(ctx context.Context, e *awsproto.AuditEntry) context.Context {
	if e == nil || e.Service == nil || e.Operation == nil || IsDataEvent(e.Service.Name, e.Operation.Name) {
		return ctx
	}
	return store.DeferSync(ctx)
}

// Audit records the call e. A management event is on disk when Audit
// returns; a data event is queued (Audit waits for room when the queue is
// full). Audit never fails: problems are logged and counted.
func (t *Trail) Audit(ctx context.Context, e *awsproto.AuditEntry) {
	_ = t.record(ctx, e)
}

// record is Audit reporting whether the record was written (management
// events) or queued (data events); the failure is already logged and counted.
func (t *Trail) record(ctx context.Context, e *awsproto.AuditEntry) error {
	if e == nil || e.Service == nil || e.Operation == nil {
		return errors.New("audit: entry without service or operation")
	}
	rec, data := newRecord(e)
	b, err := rec.marshal()
	if err != nil {
		t.failed(err, rec, 1)
		if !data {
			t.syncAfterFailure(ctx, rec)
		}
		return err
	}
	r := &row{rec: rec, bytes: b, username: username(e.Principal), resources: rec.Resources}
	ctx = context.WithoutCancel(ctx) // a client hanging up does not take its trail along
	if data {
		t.mu.RLock()
		if !t.closed {
			t.queue <- r
			t.mu.RUnlock()
			return nil
		}
		t.mu.RUnlock()
	}
	if err := t.write(ctx, []*row{r}); err != nil {
		t.syncAfterFailure(ctx, rec)
		return err
	}
	return nil
}

// syncAfterFailure makes the writes of a management call durable when its
// record could not be: they waited for the record's sync (Begin), and the
// call is about to be answered.
func (t *Trail) syncAfterFailure(ctx context.Context, rec *Record) {
	if err := t.cfg.Store.Sync(context.WithoutCancel(ctx)); err != nil {
		t.log.Error("audit: sync after a failed record", "err", err, "request_id", rec.RequestID)
	}
}

// failed logs and counts n records that were not written.
func (t *Trail) failed(err error, rec *Record, n int) {
	t.failures.Add(uint64(n))
	t.log.Error("audit record not written", "err", err, "event", rec.EventName, "request_id", rec.RequestID, "records", n)
}

// write appends rows in one store transaction and counts them.
func (t *Trail) write(ctx context.Context, rows []*row) error {
	if err := t.cfg.Store.Update(ctx, func(tx *store.Tx) error { return appendRows(ctx, tx, rows) }); err != nil {
		t.failed(err, rows[0].rec, len(rows))
		return err
	}
	for _, r := range rows {
		if r.rec.ManagementEvent {
			t.mgmt.Add(1)
		} else {
			t.data.Add(1)
		}
	}
	return nil
}

// appendRows chains rows onto the head of the trail, inside tx.
func appendRows(ctx context.Context, tx *store.Tx, rows []*row) error {
	seq, prev, err := head(ctx, tx)
	if err != nil {
		return err
	}
	for _, r := range rows {
		seq++
		hash := chainHash(prev, r.bytes)
		rec := r.rec
		_, err := tx.Exec(ctx, `INSERT INTO audit_records (seq, event_id, event_time, account, management, read_only,
			event_name, event_source, username, access_key_id, record, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			seq, rec.EventID, rec.EventTime, rec.RecipientAccountID, rec.ManagementEvent, rec.ReadOnly,
			rec.EventName, rec.EventSource, r.username, rec.UserIdentity.AccessKeyID, r.bytes, prev, hash)
		if err != nil {
			return fmt.Errorf("append audit record: %w", err)
		}
		for _, res := range r.resources {
			if _, err := tx.Exec(ctx, `INSERT INTO audit_resources (seq, resource_type, resource_name) VALUES (?, ?, ?)`,
				seq, res.Type, res.Name); err != nil {
				return fmt.Errorf("append audit resource: %w", err)
			}
		}
		prev = hash
	}
	return nil
}

// genesis returns the prev_hash of the first record: zeros.
func genesis() []byte { return make([]byte, sha256.Size) }

// chainHash is SHA-256(prev || record).
func chainHash(prev, record []byte) []byte {
	h := sha256.New()
	h.Write(prev)
	h.Write(record)
	return h.Sum(nil)
}

// head returns the last record's seq and hash (0 and genesis when empty).
func head(ctx context.Context, tx *store.Tx) (int64, []byte, error) {
	var seq int64
	var hash []byte
	err := tx.QueryRow(ctx, `SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1`).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, genesis(), nil
	}
	if err != nil {
		return 0, nil, fmt.Errorf("read audit chain head: %w", err)
	}
	return seq, hash, nil
}

// run is the writer goroutine: it batches data events and writes digests.
func (t *Trail) run() {
	defer close(t.done)
	ctx := context.Background()
	flush := time.NewTicker(t.cfg.FlushInterval)
	defer flush.Stop()
	digest := time.NewTicker(t.cfg.DigestInterval)
	defer digest.Stop()
	var batch []*row
	writeBatch := func() {
		if len(batch) > 0 {
			_ = t.write(ctx, batch) // logged and counted
			batch = nil
		}
	}
	for {
		select {
		case r := <-t.queue:
			batch = append(batch, r)
			if len(batch) >= t.cfg.BatchSize {
				writeBatch()
			}
		case <-flush.C:
			writeBatch()
		case <-digest.C:
			writeBatch()
			t.digest(ctx)
		case <-t.stop:
			// Close has set closed: nothing enters the queue any more.
			for drained := false; !drained; {
				select {
				case r := <-t.queue:
					batch = append(batch, r)
					if len(batch) >= t.cfg.BatchSize {
						writeBatch()
					}
				default:
					drained = true
				}
			}
			writeBatch()
			t.digest(ctx)
			return
		}
	}
}

// digest writes a digest if there are records no digest covers, logging a
// failure.
func (t *Trail) digest(ctx context.Context) {
	if _, err := t.WriteDigest(ctx); err != nil {
		t.failures.Add(1)
		t.log.Error("audit digest not written", "err", err)
	}
}

// Close writes the queued data events and a last digest, and stops the
// writer goroutine. Audit calls after Close write synchronously (and fail,
// logged, once the store is closed). Close the Trail before the store.
func (t *Trail) Close() error {
	t.closeOnce.Do(func() {
		t.mu.Lock()
		t.closed = true
		t.mu.Unlock()
		close(t.stop)
	})
	<-t.done
	return nil
}
