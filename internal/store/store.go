package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver
	"github.com/pressly/goose/v3"

	"github.com/settle/settle/internal/ar"
	"github.com/settle/settle/migrations"
)

// Store runs queries on a database or inside one transaction.
type Store struct {
	db    *sqlx.DB
	q     queryer
	stmts *stmts // the pool's prepared hot queries (prepared.go)
}

type queryer interface {
	sqlx.ExtContext
	GetContext(ctx context.Context, dest any, query string, args ...any) error
	SelectContext(ctx context.Context, dest any, query string, args ...any) error
}

// New returns a Store on db.
func New(db *sqlx.DB) *Store { return &Store{db: db, q: db, stmts: &stmts{}} }

// Open connects to PostgreSQL at dsn with a pool sized for one instance.
func Open(ctx context.Context, dsn string) (*sqlx.DB, error) {
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open: %w", err)
	}
	db.SetMaxOpenConns(32)
	db.SetMaxIdleConns(32)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: connect: %w", err)
	}
	return db, nil
}

// migrateLockKey is the advisory lock migrations run under.
const migrateLockKey int64 = 0x5e771e_0001

// Migrate brings the schema up to date with the embedded migrations and
// returns how many ran.
//
// Instances started together (two replicas on a fresh database, a rolling
// update that brings a new migration) take turns: the first migrates
// under a session advisory lock, the others wait for it and then find
// nothing to do. Without it, both ran the same migrations at once and one
// failed to start.
func Migrate(ctx context.Context, db *sql.DB) (int, error) {
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS)
	if err != nil {
		return 0, fmt.Errorf("store: migrations: %w", err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("store: migrate: %w", err)
	}
	defer conn.Close() // closing the session releases the lock too
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrateLockKey); err != nil {
		return 0, fmt.Errorf("store: migrate: lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrateLockKey) //nolint:errcheck // see Close
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("store: migrate: %w", err)
	}
	return len(res), nil
}

// DB returns the underlying pool.
func (s *Store) DB() *sqlx.DB { return s.db }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// InTx runs fn in one transaction: committed if fn returns nil, rolled
// back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) (err error) {
	if _, ok := s.q.(*sqlx.Tx); ok {
		return fn(s) // already in a transaction
	}
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback()
			return
		}
		err = tx.Commit()
	}()
	return fn(&Store{db: s.db, q: tx, stmts: s.stmts})
}

// wrap annotates *err with the operation, leaving domain errors intact and
// turning sql.ErrNoRows into a NotFound error.
func wrap(err *error, op string, args ...any) {
	if *err == nil {
		return
	}
	if errors.Is(*err, sql.ErrNoRows) {
		*err = &ar.Error{Code: ar.NotFound, Key: "error.not_found"}
		return
	}
	if _, ok := ar.AsError(*err); ok {
		return
	}
	*err = fmt.Errorf("store.%s: %w", fmt.Sprintf(op, args...), *err)
}

// Savepoint, RollbackTo and Release let a transaction undo part of its
// work (one item of a batch) and go on.
func (s *Store) Savepoint(ctx context.Context, name string) error {
	_, err := s.q.ExecContext(ctx, "SAVEPOINT "+name)
	return err
}

// RollbackTo undoes the work since the savepoint.
func (s *Store) RollbackTo(ctx context.Context, name string) error {
	_, err := s.q.ExecContext(ctx, "ROLLBACK TO SAVEPOINT "+name)
	return err
}

// Release forgets the savepoint, keeping the work.
func (s *Store) Release(ctx context.Context, name string) error {
	_, err := s.q.ExecContext(ctx, "RELEASE SAVEPOINT "+name)
	return err
}
