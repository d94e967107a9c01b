package store

import (
	"context"
	"sync"

	"github.com/jmoiron/sqlx"
)

// Prepared statements for the debtor pages' hot queries.
//
// lib/pq runs a query with parameters in two round trips (parse and
// describe, then bind and execute); a prepared statement runs in one. The
// few queries behind every debtor page (the session with its creditor,
// the account overview, the invoices, one invoice, the statement) are
// therefore prepared once per connection and reused: at 64 concurrent
// debtors that is the difference between the database's round trips and
// the page's own work limiting throughput (README, Performance).
//
// Only queries that name their creditor and debtor by index are prepared:
// a generic plan is as good as a custom one for them. Everything else, and
// everything inside a transaction, runs as before.

// stmts caches one *sqlx.Stmt per query text for a pool; database/sql
// prepares it on each connection the first time it runs there.
type stmts struct {
	mu sync.Mutex
	m  map[string]*sqlx.Stmt
}

func (c *stmts) get(ctx context.Context, db *sqlx.DB, query string) (*sqlx.Stmt, error) {
	c.mu.Lock()
	st, ok := c.m[query]
	c.mu.Unlock()
	if ok {
		return st, nil
	}
	// Prepared without the lock: while the database is unreachable, each
	// request fails on its own instead of queueing behind the others.
	st, err := db.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok { // another request was first
		st.Close()
		return prev, nil
	}
	if c.m == nil {
		c.m = map[string]*sqlx.Stmt{}
	}
	c.m[query] = st
	return st, nil
}

// hotGet is GetContext through a prepared statement outside transactions.
func (s *Store) hotGet(ctx context.Context, dest any, query string, args ...any) error {
	if _, inTx := s.q.(*sqlx.Tx); inTx || s.stmts == nil {
		return s.q.GetContext(ctx, dest, query, args...)
	}
	st, err := s.stmts.get(ctx, s.db, query)
	if err != nil {
		return err
	}
	return st.GetContext(ctx, dest, args...)
}

// hotSelect is SelectContext through a prepared statement outside
// transactions.
func (s *Store) hotSelect(ctx context.Context, dest any, query string, args ...any) error {
	if _, inTx := s.q.(*sqlx.Tx); inTx || s.stmts == nil {
		return s.q.SelectContext(ctx, dest, query, args...)
	}
	st, err := s.stmts.get(ctx, s.db, query)
	if err != nil {
		return err
	}
	return st.SelectContext(ctx, dest, args...)
}
