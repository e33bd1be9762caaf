package store

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
)

// maxGroup bounds how many Updates share one transaction, so that one group
// cannot hold the write lock (and its callers) for too long.
const maxGroup = 128

// savepoint is the name of the savepoint each Update's fn runs in. Names can
// be reused because each one is released before the next begins.
const savepoint = "stratus_update"

// A request is one Update (or migration) waiting for the commit loop.
type request struct {
	ctx   context.Context
	fn    func(*Tx) error
	alone bool         // must not share its transaction (migrations)
	done  chan outcome // buffered, receives exactly one outcome
}

// An outcome is what the commit loop reports back to submit.
type outcome struct {
	err      error
	panicked error // non-nil if fn panicked: re-raised in the caller's goroutine
}

func (r *request) finish(o outcome) { r.done <- o }

// run is the commit loop: the only user of the writer connection once Open
// returns. It takes every request that is waiting, commits them as one group
// and repeats; on Close it finishes the requests it has taken and returns.
func (s *Store) run() {
	defer close(s.stopped)
	var queue []*request
	for {
		if len(queue) == 0 {
			select {
			case r := <-s.reqs:
				queue = append(queue, r)
			case <-s.closing:
				return
			}
		}
	gather:
		for len(queue) < maxGroup {
			select {
			case r := <-s.reqs:
				queue = append(queue, r)
			default:
				break gather
			}
		}
		n := s.commitGroup(queue[:groupLen(queue)])
		queue = slices.Delete(queue, 0, n)
	}
}

// groupLen is how many requests at the head of queue may share a transaction.
func groupLen(queue []*request) int {
	if queue[0].alone {
		return 1
	}
	n := 1
	for n < len(queue) && !queue[n].alone {
		n++
	}
	return n
}

// commitGroup runs the group's fns in one transaction, each in its own
// savepoint, commits, and reports to every caller. It returns how many
// requests of the group it has finished: all of them, unless the transaction
// broke under one of them, in which case the rest go into the next group.
func (s *Store) commitGroup(group []*request) int {
	bg := context.Background()
	// A group made only of Updates whose sync is deferred commits without
	// an fsync (synchronous NORMAL: checkpoints still sync as they must, so
	// the database cannot be corrupted); the later synced commit their caller
	// waits for makes it durable (the WAL is one file, synced whole).
	if s.syncs && deferredGroup(group) {
		if _, err := s.w.ExecContext(bg, "PRAGMA synchronous=NORMAL"); err == nil {
			defer s.w.ExecContext(bg, "PRAGMA synchronous=FULL")
		}
	}
	if _, err := s.w.ExecContext(bg, "BEGIN IMMEDIATE"); err != nil {
		err = fmt.Errorf("begin update: %w", err)
		for _, r := range group {
			r.finish(outcome{err: err})
		}
		return len(group)
	}
	var applied []*request // fns that succeeded; their changes await COMMIT
	for i, r := range group {
		if err := r.ctx.Err(); err != nil {
			r.finish(outcome{err: err})
			continue
		}
		o, broken := s.apply(r)
		if broken != nil {
			// The transaction is gone or unusable (SQLite rolls back the
			// whole transaction on some I/O and memory errors): the changes
			// of the fns before this one are lost with it.
			s.rollback()
			r.finish(o)
			abort := fmt.Errorf("update rolled back with its group commit: %w", broken)
			for _, a := range applied {
				a.finish(outcome{err: abort})
			}
			return i + 1
		}
		if o.err != nil || o.panicked != nil {
			r.finish(o)
			continue
		}
		applied = append(applied, r)
	}
	if len(applied) == 0 {
		s.rollback()
		return len(group)
	}
	if _, err := s.w.ExecContext(bg, "COMMIT"); err != nil {
		s.rollback()
		err = fmt.Errorf("commit update: %w", err)
		for _, a := range applied {
			a.finish(outcome{err: err})
		}
		return len(group)
	}
	s.commits.Add(1)
	s.updates.Add(uint64(len(applied)))
	for _, a := range applied {
		a.finish(outcome{})
	}
	return len(group)
}

// deferredGroup reports whether every request of group deferred its sync.
func deferredGroup(group []*request) bool {
	for _, r := range group {
		if !SyncDeferred(r.ctx) {
			return false
		}
	}
	return true
}

// Sync makes every earlier commit durable, deferred ones included: it
// commits one synced change of the store's own (a counter). It is what a
// caller that deferred a sync does when the Update it meant to follow with
// failed.
func (s *Store) Sync(ctx context.Context) error {
	return s.Update(context.WithoutCancel(ctx), func(tx *Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS store_sync (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO store_sync (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1`)
		return err
	})
}

type deferKey struct{}

// DeferSync returns ctx marking the Updates made with it as not needing
// their own fsync: the caller promises that, before it reports their effect
// as done, it makes another Update (without the mark) whose synced commit
// makes theirs durable too. The audit trail does so: a management call's
// effect and its record reach the disk with the record's one fsync.
func DeferSync(ctx context.Context) context.Context {
	return context.WithValue(ctx, deferKey{}, true)
}

// SyncDeferred reports whether ctx defers the sync of its Updates.
func SyncDeferred(ctx context.Context) bool {
	d, _ := ctx.Value(deferKey{}).(bool)
	return d
}

// apply runs one request's fn inside a savepoint of the open transaction and
// keeps or undoes its changes. broken is non-nil if the transaction can no
// longer be used; o is then the outcome for this request.
func (s *Store) apply(r *request) (o outcome, broken error) {
	bg := context.Background()
	if _, err := s.w.ExecContext(bg, "SAVEPOINT "+savepoint); err != nil {
		err = fmt.Errorf("open savepoint: %w", err)
		return outcome{err: err}, err
	}
	tx := newTx(s.w, true, s.wstmts.get)
	o = runFn(r.fn, tx)
	tx.end(s.doneTx)
	if o.err == nil && o.panicked == nil {
		if _, err := s.w.ExecContext(bg, "RELEASE "+savepoint); err != nil {
			err = fmt.Errorf("release savepoint: %w", err)
			return outcome{err: err}, err
		}
		return o, nil
	}
	if _, err := s.w.ExecContext(bg, "ROLLBACK TO "+savepoint); err != nil {
		return o, fmt.Errorf("roll back savepoint: %w", err)
	}
	if _, err := s.w.ExecContext(bg, "RELEASE "+savepoint); err != nil {
		return o, fmt.Errorf("release savepoint: %w", err)
	}
	return o, nil
}

// rollback ends the open transaction, if any. Its error is of no use: it
// fails when SQLite has already rolled back, and otherwise the next BEGIN
// reports a connection that is truly broken.
func (s *Store) rollback() {
	_, _ = s.w.ExecContext(context.Background(), "ROLLBACK")
}

// errGoexit reports an fn that ended its goroutine with runtime.Goexit, as
// t.Fatal and t.FailNow do.
var errGoexit = errors.New("update function called runtime.Goexit (t.Fatal or t.FailNow inside fn?)")

// runFn calls fn on a goroutine of its own, which it waits for, so that a
// panic or runtime.Goexit in fn becomes an outcome instead of ending the
// commit loop.
func runFn(fn func(*Tx) error, tx *Tx) outcome {
	done := make(chan outcome, 1)
	go func() {
		returned := false
		defer func() {
			if v := recover(); v != nil {
				done <- outcome{panicked: &fnPanic{value: v, stack: debug.Stack()}}
				return
			}
			if !returned {
				done <- outcome{err: errGoexit}
			}
		}()
		err := fn(tx)
		returned = true
		done <- outcome{err: err}
	}()
	return <-done
}

// fnPanic carries a panic out of an Update's fn to the caller's goroutine.
type fnPanic struct {
	value any
	stack []byte
}

func (p *fnPanic) Error() string {
	return fmt.Sprintf("store: update function panicked: %v\n\n%s", p.value, p.stack)
}

// Unwrap returns the panic value if it was an error.
func (p *fnPanic) Unwrap() error {
	err, _ := p.value.(error)
	return err
}
