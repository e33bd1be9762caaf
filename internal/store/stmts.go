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
type stmtCache struct {
	prepare func(ctx context.Context, query string) (*sql.Stmt, error)

	mu    sync.Mutex // guards stmts
	stmts map[string]*sql.Stmt
}

func newStmtCache(prepare func(ctx context.Context, query string) (*sql.Stmt, error)) *stmtCache {
	return &stmtCache{prepare: prepare, stmts: map[string]*sql.Stmt{}}
}

// get returns the statement for query, preparing it once. It returns nil when
// the cache is full or the query does not prepare (the caller then runs the
// query directly, which reports the error).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.stmts[query]; ok {
		return st
	}
	if len(c.stmts) >= maxCachedStatements {
		return nil
	}
	st, err := c.prepare(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil
	}
	c.stmts[query] = st
	return st
}

// close closes every cached statement.
func (c *stmtCache) close() error {
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
