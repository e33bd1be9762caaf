package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStatements bounds each statement cache; queries past it are
// prepared per call, as without a cache.
const maxCachedStatements = 512

// stmtCache keeps prepared statements by query text, so that hot queries are
// parsed and planned once instead of on every call (SQLite's parser was a
// tenth of a warm Lambda invoke's CPU before it).
//
// The writer's cache prepares inline: its connection is the writer's own. The
// readers' cache prepares in the background: preparing a database-level
// statement takes a connection from the read pool, and a View asking for one
// while every reader connection is held by Views doing the same would wait
// forever. A View that misses runs its query unprepared meanwhile.
type stmtCache struct {
	prepare func(ctx context.Context, query string) (*sql.Stmt, error)
	async   bool

	mu      sync.Mutex // guards the fields below
	stmts   map[string]*sql.Stmt
	pending map[string]bool
	closed  bool
	wg      sync.WaitGroup // background preparations
}

func newStmtCache(prepare func(ctx context.Context, query string) (*sql.Stmt, error), async bool) *stmtCache {
	return &stmtCache{prepare: prepare, async: async, stmts: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the statement for query, or nil: when the cache is full, when
// the query does not prepare (the caller then runs it directly, which reports
// the error) or, for an async cache, until its background preparation is done.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if c.closed || c.pending[query] || len(c.stmts)+len(c.pending) >= maxCachedStatements {
		return nil
	}
	if !c.async {
		st, err := c.prepare(context.WithoutCancel(ctx), query)
		if err != nil {
			return nil
		}
		c.stmts[query] = st
		return st
	}
	c.pending[query] = true
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		st, err := c.prepare(context.Background(), query)
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.pending, query)
		switch {
		case err != nil:
			// Not cached; a later call tries again.
		case c.closed:
			_ = st.Close()
		default:
			c.stmts[query] = st
		}
	}()
	return nil
}

// close waits for background preparations and closes every cached statement.
func (c *stmtCache) close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.wg.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	var first error
	for q, st := range c.stmts {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
		delete(c.stmts, q)
	}
	return first
}
