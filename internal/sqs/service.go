package sqs

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/stratus-cloud/stratus/internal/periodic"
	"github.com/stratus-cloud/stratus/internal/store"
)

// DefaultSweepEvery is how often the sweeper runs when Config.SweepEvery is
// zero.
const DefaultSweepEvery = time.Minute

// deletedRecentlyFor is how long a deleted queue's name stays taken.
const deletedRecentlyFor = 60 * time.Second

// Config holds what a Service needs.
type Config struct {
	Store *store.Store
	// Region is the region in the ARNs of queues (arn:aws:sqs:REGION:...).
	Region string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// SweepEvery is the period of the sweeper; zero means DefaultSweepEvery.
	SweepEvery time.Duration
	// Logger receives the sweeper's errors; nil discards them.
	Logger *slog.Logger
	// CheckPolicy checks a queue's Policy attribute before it is stored; the
	// server passes the IAM policy parser that will evaluate it, so that a
	// policy the authorizer cannot read is refused (InvalidAttributeValue)
	// instead of failing every later call on the queue. nil checks only that
	// the policy is a JSON object.
	CheckPolicy func(doc string) error
}

// Service is the SQS domain. Its methods are safe for concurrent use. Queues
// and messages live in the store; the Service keeps in memory only what it
// can rebuild from there: parsed queue configurations, the last sequence
// number of each queue, the long polls waiting on each queue and the names
// of recently deleted queues. Start runs the sweeper, Stop stops it and ends
// every long poll.
//
// The in-memory state assumes this Service is the only writer of the "sqs"
// tables, which holds while Stratus runs as one server.
//
// No method holds two of its mutexes at once, and no Update fn takes
// cacheMu (queue loads, which hold it, wait on store Views only).
type Service struct {
	st         *store.Store
	region     string
	now        func() time.Time
	sweepEvery time.Duration
	log        *slog.Logger
	checkDoc   func(doc string) error // Config.CheckPolicy, may be nil

	// cacheMu guards queues. A miss is loaded with cacheMu held for writing,
	// and every change to a queue's row drops the entry after its commit with
	// cacheMu held, so an entry is never older than the last committed change.
	cacheMu sync.RWMutex
	queues  map[QueueRef]*queue

	seqMu sync.Mutex      // guards seqs
	seqs  map[int64]int64 // last sequence number handed out, by queue id

	waitMu  sync.Mutex // guards waiting
	waiting map[int64][]*waiter

	deletedMu sync.Mutex // guards deleted
	deleted   map[QueueRef]time.Time

	quitOnce sync.Once
	quit     chan struct{} // closed by Stop: long polls return

	sweeper *periodic.Runner
}

// New migrates the "sqs" tables and returns a Service whose sweeper is not
// running yet.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Region == "" {
		return nil, errors.New("sqs: store and region are required")
	}
	s := &Service{
		st: cfg.Store, region: cfg.Region, now: cfg.Now, sweepEvery: cfg.SweepEvery, log: cfg.Logger, checkDoc: cfg.CheckPolicy,
		queues: map[QueueRef]*queue{}, seqs: map[int64]int64{}, waiting: map[int64][]*waiter{},
		deleted: map[QueueRef]time.Time{}, quit: make(chan struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sweepEvery <= 0 {
		s.sweepEvery = DefaultSweepEvery
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.sweeper = periodic.New("sqs sweeper", s.sweepEvery, s.sweep)
	if err := s.st.Migrate(ctx, "sqs", migrations()); err != nil {
		return nil, fmt.Errorf("migrate sqs: %w", err)
	}
	return s, nil
}

// Region returns the region in the Service's queue ARNs.
func (s *Service) Region() string { return s.region }

// Start starts the sweeper, which deletes messages past their queue's
// retention period and expired FIFO deduplication ids every SweepEvery.
// Starting a running Service does nothing.
func (s *Service) Start() { s.sweeper.Start() }

// Stop ends every long poll (they return no messages), stops the sweeper and
// waits for it (a sweep in progress finishes its current queue) or for ctx.
// Long polls of a stopped Service return at once.
func (s *Service) Stop(ctx context.Context) error {
	s.quitOnce.Do(func() { close(s.quit) })
	return s.sweeper.Stop(ctx)
}

func (s *Service) sweep(ctx context.Context) {
	if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
		s.log.Error("sqs sweep", "error", err)
	}
}

// sweepChunk bounds the messages one sweeping Update deletes, so that the
// store's writer is never held long.
const sweepChunk = 1000

// Sweep deletes, queue by queue, the messages older than their queue's
// retention period, then the expired FIFO deduplication ids, and returns how
// many messages it deleted. Messages are swept from the head of each queue
// (oldest sequence first); receives skip and delete any expired message a
// sweep has not reached yet.
func (s *Service) Sweep(ctx context.Context) (int64, error) {
	type row struct {
		id        int64
		retention int
	}
	var queues []row
	err := s.st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, attributes FROM sqs_queues`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var r row
			var attrs string
			if err := rows.Scan(&r.id, &attrs); err != nil {
				return err
			}
			r.retention = parseConfig(decodeMap(attrs)).retention
			queues = append(queues, r)
		}
		return rows.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("list queues to sweep: %w", err)
	}
	var deleted int64
	for _, q := range queues {
		for {
			if err := ctx.Err(); err != nil {
				return deleted, err
			}
			cutoff := s.now().Add(-time.Duration(q.retention) * time.Second).UnixMilli()
			var n int64
			err := s.st.Update(ctx, func(tx *store.Tx) error {
				res, err := tx.Exec(ctx, `DELETE FROM sqs_messages WHERE queue_id = ? AND sent_ms < ? AND seq IN
					(SELECT seq FROM sqs_messages WHERE queue_id = ? ORDER BY seq LIMIT ?)`, q.id, cutoff, q.id, sweepChunk)
				if err != nil {
					return err
				}
				n, err = res.RowsAffected()
				return err
			})
			if err != nil {
				return deleted, fmt.Errorf("sweep queue %d: %w", q.id, err)
			}
			deleted += n
			if n < sweepChunk {
				break
			}
		}
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM sqs_dedup WHERE expires_ms <= ?`, s.now().UnixMilli())
		return err
	})
	if err != nil {
		return deleted, fmt.Errorf("sweep deduplication ids: %w", err)
	}
	s.deletedMu.Lock()
	for ref, at := range s.deleted {
		if s.now().Sub(at) >= deletedRecentlyFor {
			delete(s.deleted, ref)
		}
	}
	s.deletedMu.Unlock()
	return deleted, nil
}

// queue is a queue's row, parsed. Values are never modified once cached: a
// change makes a new one.
type queue struct {
	id       int64
	ref      QueueRef
	fifo     bool
	attrs    map[string]string // the settable attributes it was given
	tags     map[string]string
	created  int64 // ms
	modified int64 // ms
	cfg      config
}

// queue returns the queue ref names, from the cache when it is there.
// Returns QueueDoesNotExist if there is none.
func (s *Service) queue(ctx context.Context, ref QueueRef) (*queue, error) {
	s.cacheMu.RLock()
	q := s.queues[ref]
	s.cacheMu.RUnlock()
	if q != nil {
		return q, nil
	}
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if q := s.queues[ref]; q != nil {
		return q, nil
	}
	var err error
	err = s.st.View(ctx, func(tx *store.Tx) error {
		q, err = readQueue(ctx, tx, ref)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.queues[ref] = q
	return q, nil
}

// forget drops ref's cached queue; call it after committing any change to
// the queue's row.
func (s *Service) forget(ref QueueRef) {
	s.cacheMu.Lock()
	delete(s.queues, ref)
	s.cacheMu.Unlock()
}

const queueColumns = `id, fifo, attributes, tags, created_ms, modified_ms`

// readQueue reads ref's row in tx. Returns QueueDoesNotExist if there is none.
func readQueue(ctx context.Context, tx *store.Tx, ref QueueRef) (*queue, error) {
	q := &queue{ref: ref}
	var attrs, tags string
	err := tx.QueryRow(ctx, `SELECT `+queueColumns+` FROM sqs_queues WHERE account = ? AND name = ?`, ref.Account, ref.Name).
		Scan(&q.id, &q.fifo, &attrs, &tags, &q.created, &q.modified)
	if store.IsNotFound(err) {
		return nil, queueNotFound()
	}
	if err != nil {
		return nil, fmt.Errorf("read queue %s: %w", ref.Name, err)
	}
	q.attrs, q.tags = decodeMap(attrs), decodeMap(tags)
	q.cfg = parseConfig(q.attrs)
	return q, nil
}

// nextSeq hands out the next sequence number of queue id. It runs only in
// Update fns, so numbers are handed out in commit order. A queue's first
// number after a restart is above both its last message's and the current
// time in microseconds, so numbers keep increasing across restarts without a
// counter row being written with every message (as long as no queue takes
// more than a million messages a second).
func (s *Service) nextSeq(ctx context.Context, tx *store.Tx, id int64) (int64, error) {
	s.seqMu.Lock()
	defer s.seqMu.Unlock()
	last, ok := s.seqs[id]
	if !ok {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM sqs_messages WHERE queue_id = ?`, id).Scan(&last); err != nil {
			return 0, fmt.Errorf("read last sequence number: %w", err)
		}
		last = max(last, s.now().UnixMicro())
	}
	last++
	s.seqs[id] = last
	return last, nil
}

// dropSeq forgets a deleted queue's sequence counter.
func (s *Service) dropSeq(id int64) {
	s.seqMu.Lock()
	delete(s.seqs, id)
	s.seqMu.Unlock()
}

// waiter is one long poll waiting on a queue. ch (buffered) receives one
// signal when it is woken; it is then no longer in the queue's list.
type waiter struct {
	ch chan struct{}
}

// subscribe adds a waiter to queue id's list.
func (s *Service) subscribe(id int64) *waiter {
	w := &waiter{ch: make(chan struct{}, 1)}
	s.waitMu.Lock()
	s.waiting[id] = append(s.waiting[id], w)
	s.waitMu.Unlock()
	return w
}

// unsubscribe takes w off queue id's list. If w had been woken and the
// caller returns without having looked for messages since, the wake-up is
// passed on to another waiter so it is not lost.
func (s *Service) unsubscribe(id int64, w *waiter, passOn bool) {
	s.waitMu.Lock()
	list := s.waiting[id]
	found := false
	for i, x := range list {
		if x == w {
			list = append(list[:i], list[i+1:]...)
			found = true
			break
		}
	}
	if len(list) == 0 {
		delete(s.waiting, id)
	} else {
		s.waiting[id] = list
	}
	s.waitMu.Unlock()
	if !found && passOn {
		s.wake(id, 1)
	}
}

// wake wakes up to n of queue id's waiters, oldest first; n < 0 wakes all.
func (s *Service) wake(id int64, n int) {
	if n == 0 {
		return
	}
	s.waitMu.Lock()
	list := s.waiting[id]
	if n < 0 || n > len(list) {
		n = len(list)
	}
	woken := list[:n]
	if n == len(list) {
		delete(s.waiting, id)
	} else {
		s.waiting[id] = append([]*waiter(nil), list[n:]...)
	}
	s.waitMu.Unlock()
	for _, w := range woken {
		w.ch <- struct{}{}
	}
}

// newQueueID returns a random positive id.
func newQueueID() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.BigEndian.Uint64(b[:]) >> 1)
}

func encodeMap(m map[string]string) string {
	if len(m) == 0 {
		return "{}"
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func decodeMap(s string) map[string]string {
	m := map[string]string{}
	_ = json.Unmarshal([]byte(s), &m)
	return m
}

func millis(t time.Time) int64 { return t.UnixMilli() }
