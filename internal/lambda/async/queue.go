package async

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/stratus-cloud/stratus/internal/awserr"
	"github.com/stratus-cloud/stratus/internal/store"
)

// MaxPayloadBytes is AWS's limit on an asynchronous invocation's payload.
const MaxPayloadBytes = 1 << 20

// Sealer encrypts payloads at rest; *secret.Box implements it.
type Sealer interface {
	Seal(plaintext, associatedData []byte) []byte
	Open(sealed, associatedData []byte) ([]byte, error)
}

// Event is one accepted asynchronous invocation.
type Event struct {
	ID        int64
	Account   string
	Function  string // name
	Qualifier string // as invoked: "" ($LATEST), a version or an alias
	// FunctionARN is the ARN as invoked, for the invocation records.
	FunctionARN string
	RequestID   string
	Payload     []byte
	Enqueued    time.Time
	// Attempts counts the invocations that ran; Throttles those refused.
	Attempts, Throttles int
	// Outcome is the invocation record once the function's outcome is known
	// and only its routing to destinations is left.
	Outcome []byte
}

var migrations = []store.Migration{{Version: 1, SQL: `
CREATE TABLE lambda_async_events (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	account      TEXT    NOT NULL,
	function     TEXT    NOT NULL,
	qualifier    TEXT    NOT NULL,
	function_arn TEXT    NOT NULL,
	request_id   TEXT    NOT NULL,
	payload      BLOB    NOT NULL,
	enqueued_ms  INTEGER NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	throttles    INTEGER NOT NULL DEFAULT 0,
	next_ms      INTEGER NOT NULL,
	outcome      BLOB
);`}}

func payloadAD(requestID string) []byte { return []byte("lambda/async/" + requestID) }

// due is an event's place in the dispatcher's schedule.
type due struct {
	id   int64
	next time.Time
}

// schedule is a min-heap of events by next attempt, and the set of events in
// it or being delivered.
type schedule []due

func (s schedule) Len() int           { return len(s) }
func (s schedule) Less(i, j int) bool { return s[i].next.Before(s[j].next) }
func (s schedule) Swap(i, j int)      { s[i], s[j] = s[j], s[i] }
func (s *schedule) Push(x any)        { *s = append(*s, x.(due)) }
func (s *schedule) Pop() any          { old := *s; x := old[len(old)-1]; *s = old[:len(old)-1]; return x }

func (s schedule) peek() (due, bool) {
	if len(s) == 0 {
		return due{}, false
	}
	return s[0], true
}

// queue is the durable event table with the in-memory schedule over it.
type queue struct {
	st   *store.Store
	seal Sealer
	now  func() time.Time

	mu    sync.Mutex // guards sched
	sched schedule
	wake  chan struct{} // capacity 1: something became due sooner
}

func newQueue(ctx context.Context, st *store.Store, seal Sealer, now func() time.Time) (*queue, error) {
	if err := st.Migrate(ctx, "lambda-async", migrations); err != nil {
		return nil, fmt.Errorf("lambda async queue: %w", err)
	}
	q := &queue{st: st, seal: seal, now: now, wake: make(chan struct{}, 1)}
	// Everything a previous run accepted and did not finish is due again.
	err := st.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, next_ms FROM lambda_async_events`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d due
			var ms int64
			if err := rows.Scan(&d.id, &ms); err != nil {
				return err
			}
			d.next = time.UnixMilli(ms)
			q.sched = append(q.sched, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("lambda async queue: %w", err)
	}
	heap.Init(&q.sched)
	return q, nil
}

// enqueue commits ev and schedules it now.
func (q *queue) enqueue(ctx context.Context, ev Event) error {
	if len(ev.Payload) > MaxPayloadBytes {
		return awserr.New("RequestTooLargeException", 413,
			"Request must be smaller than %d bytes for the InvokeFunction operation", MaxPayloadBytes)
	}
	now := q.now()
	var id int64
	err := q.st.Update(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `INSERT INTO lambda_async_events (account, function, qualifier, function_arn, request_id, payload, enqueued_ms, next_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, ev.Account, ev.Function, ev.Qualifier, ev.FunctionARN, ev.RequestID,
			q.seal.Seal(ev.Payload, payloadAD(ev.RequestID)), now.UnixMilli(), now.UnixMilli())
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return fmt.Errorf("enqueue event: %w", err)
	}
	q.schedule(due{id: id, next: now})
	return nil
}

// schedule puts d in the schedule and wakes the dispatcher.
func (q *queue) schedule(d due) {
	q.mu.Lock()
	heap.Push(&q.sched, d)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take removes and returns the events due at now, at most max, and when the
// next one is due (zero if none is scheduled).
func (q *queue) take(now time.Time, max int) ([]int64, time.Time) {
	q.mu.Lock()
	defer q.mu.Unlock()
	var ids []int64
	for len(ids) < max {
		d, ok := q.sched.peek()
		if !ok || d.next.After(now) {
			break
		}
		heap.Pop(&q.sched)
		ids = append(ids, d.id)
	}
	next, _ := q.sched.peek()
	return ids, next.next
}

// load reads an event.
func (q *queue) load(ctx context.Context, id int64) (*Event, error) {
	ev := &Event{ID: id}
	var sealed []byte
	var enq int64
	err := q.st.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT account, function, qualifier, function_arn, request_id, payload, enqueued_ms, attempts, throttles, outcome
			FROM lambda_async_events WHERE id = ?`, id).Scan(&ev.Account, &ev.Function, &ev.Qualifier, &ev.FunctionARN, &ev.RequestID,
			&sealed, &enq, &ev.Attempts, &ev.Throttles, &ev.Outcome)
	})
	if err != nil {
		return nil, err
	}
	ev.Enqueued = time.UnixMilli(enq)
	if ev.Payload, err = q.seal.Open(sealed, payloadAD(ev.RequestID)); err != nil {
		return nil, fmt.Errorf("open event payload: %w", err)
	}
	return ev, nil
}

// retry commits the event's counters (and outcome, once known) and schedules
// it at next.
func (q *queue) retry(ctx context.Context, ev *Event, next time.Time) error {
	err := q.st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE lambda_async_events SET attempts = ?, throttles = ?, outcome = ?, next_ms = ? WHERE id = ?`,
			ev.Attempts, ev.Throttles, ev.Outcome, next.UnixMilli(), ev.ID)
		return err
	})
	if err != nil {
		return err
	}
	q.schedule(due{id: ev.ID, next: next})
	return nil
}

// done deletes a finished event.
func (q *queue) done(ctx context.Context, id int64) error {
	return q.st.Update(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `DELETE FROM lambda_async_events WHERE id = ?`, id)
		return err
	})
}

// pending counts the events in the table.
func (q *queue) pending(ctx context.Context) (int, error) {
	var n int
	err := q.st.View(ctx, func(tx *store.Tx) error {
		return tx.QueryRow(ctx, `SELECT COUNT(*) FROM lambda_async_events`).Scan(&n)
	})
	return n, err
}
