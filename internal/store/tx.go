package store

import (
	"context"
	"database/sql"
	"sync"
)

// queryer is what a Tx runs its statements on: the writer's *sql.Conn inside
// a savepoint, or a reader's *sql.Tx.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is the transaction an Update's or View's fn works in. Write queries
// with `?` placeholders (see the package doc). A Tx is valid only until fn
// returns: then the Rows it handed out are closed, and every method fails
// with sql.ErrTxDone. Scan or close every Row and Rows before fn returns.
type Tx struct {
	write bool // an Update's: statements ignore ctx cancellation

	// mu is held by each call and by end, so that no call is half-way
	// through when the transaction moves on. Calls on one connection run one
	// at a time anyway.
	mu   sync.Mutex
	q    queryer     // guarded by mu
	rows []*sql.Rows // guarded by mu; closed by end
	// stmt returns a prepared statement for a query, bound to this
	// transaction, or nil to run the query unprepared. nil after end.
	stmt func(ctx context.Context, query string) *sql.Stmt
}

func newTx(q queryer, write bool, stmt func(ctx context.Context, query string) *sql.Stmt) *Tx {
	return &Tx{q: q, write: write, stmt: stmt}
}

// on returns what to run query on: its cached prepared statement when there
// is one, else the transaction itself.
func (tx *Tx) on(ctx context.Context, query string) (queryer, string) {
	if tx.stmt != nil {
		if st := tx.stmt(ctx, query); st != nil {
			return stmtQueryer{st}, ""
		}
	}
	return tx.q, query
}

// Exec runs a statement that returns no rows, like sql.Tx.ExecContext.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	ctx = tx.context(ctx)
	q, query := tx.on(ctx, query)
	return q.ExecContext(ctx, query, args...)
}

// Query runs a query that returns rows, like sql.Tx.QueryContext.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	ctx = tx.context(ctx)
	q, query := tx.on(ctx, query)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	tx.rows = append(tx.rows, rows)
	return rows, nil
}

// QueryRow runs a query expected to return at most one row, like
// sql.Tx.QueryRowContext; its error is deferred to Row.Scan, which returns
// sql.ErrNoRows (see IsNotFound) when there is no row.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	ctx = tx.context(ctx)
	q, query := tx.on(ctx, query)
	return q.QueryRowContext(ctx, query, args...)
}

// stmtQueryer runs a prepared statement; the query argument is ignored.
type stmtQueryer struct{ st *sql.Stmt }

func (s stmtQueryer) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return s.st.ExecContext(ctx, args...)
}

func (s stmtQueryer) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return s.st.QueryContext(ctx, args...)
}

func (s stmtQueryer) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return s.st.QueryRowContext(ctx, args...)
}

// context keeps cancellation away from an Update's statements: SQLite
// answers an interrupted write by rolling back the whole transaction, which
// holds the other Updates of the group.
func (tx *Tx) context(ctx context.Context) context.Context {
	if tx.write {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// end closes the rows fn left open and points tx at done, a finished
// transaction, so later calls fail with sql.ErrTxDone.
func (tx *Tx) end(done queryer) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	for _, r := range tx.rows {
		_ = r.Close()
	}
	tx.rows = nil
	tx.q = done
	tx.stmt = nil
}
