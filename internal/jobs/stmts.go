package jobs

import (
	"context"
	"sync"

	"github.com/jmoiron/sqlx"
)

// stmts caches the Runner's prepared statements. A prepared statement
// skips parsing and planning (the claim's plan costs several times its
// execution) and takes one round trip instead of two with lib/pq;
// database/sql prepares it again on each pooled connection it lands on.
// When preparing fails (the database is down), callers fall back to
// unprepared queries and the next use tries again.
type stmts struct {
	db     *sqlx.DB
	mu     sync.Mutex
	m      map[string]*sqlx.Stmt
	closed bool
}

// get returns the prepared statement for query, or nil if it cannot be
// had right now.
func (s *stmts) get(ctx context.Context, query string) *sqlx.Stmt {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	if st := s.m[query]; st != nil {
		return st
	}
	st, err := s.db.PreparexContext(ctx, query)
	if err != nil {
		return nil
	}
	if s.m == nil {
		s.m = make(map[string]*sqlx.Stmt)
	}
	s.m[query] = st
	return st
}

// close closes the statements; later gets return nil.
func (s *stmts) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, st := range s.m {
		_ = st.Close()
	}
	s.m = nil
}

// selectContext runs query into dest, prepared when possible.
func (s *stmts) selectContext(ctx context.Context, dest any, query string, args ...any) error {
	if st := s.get(ctx, query); st != nil {
		return st.SelectContext(ctx, dest, args...)
	}
	return sqlx.SelectContext(ctx, s.db, dest, query, args...)
}

// getContext runs query into dest (one row), prepared when possible.
func (s *stmts) getContext(ctx context.Context, dest any, query string, args ...any) error {
	if st := s.get(ctx, query); st != nil {
		return st.GetContext(ctx, dest, args...)
	}
	return sqlx.GetContext(ctx, s.db, dest, query, args...)
}
