package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/georgysavva/scany/v2/pgxscan"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jmoiron/sqlx"
	"github.com/mattn/go-sqlite3"
)

// Executor runs the store's SQL. Queries use ? placeholders; dest structs use
// db tags. Get answers ErrNotFound when there is no row.
type Executor interface {
	Exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	Get(ctx context.Context, dest any, query string, args ...any) error
	Select(ctx context.Context, dest any, query string, args ...any) error
}

// Tx is a write transaction. SQLTx and PgxTx are the database's own
// transaction, typed, for River's InsertManyTx: SQLTx is the *sql.Tx on
// SQLite and nil on PostgreSQL, PgxTx the reverse. The job queue picks one
// of them once, for the database it runs on, as River's own driver seam
// does.
type Tx interface {
	Executor
	SQLTx() *sql.Tx
	PgxTx() pgx.Tx
	// Enqueue adds a job to the transaction's outbox, handed to
	// Config.BeforeCommit just before it commits.
	Enqueue(Job)
	// Lock holds a lock named key until the transaction ends, so that two
	// transactions about the same thing (a check that no row exists, then
	// an insert) run one after the other. On SQLite every write holds the
	// one writer already, and it does nothing.
	Lock(ctx context.Context, key string) error
}

// Job is work for the job queue that a write makes due: a kind and the id
// it is about. The engine names the kinds.
type Job struct {
	Kind string
	ID   string
}

// sqliteExec runs on an sqlx transaction or pool. jobs is the outbox of one
// write; in a group commit, shared is set: the transaction is the whole
// group's, so no single caller's cancellation may reach it.
type sqliteExec struct {
	q      sqlx.ExtContext
	tx     *sql.Tx
	jobs   *[]Job
	shared bool
}

// context is what a statement runs under. In a shared group transaction a
// caller that hangs up must not interrupt its statement: mattn's driver
// answers a cancellation with sqlite3_interrupt, and SQLite then rolls back
// the whole transaction, everyone's writes with it (code review B4). The
// caller is answered after the group's commit all the same.
func (e sqliteExec) context(ctx context.Context) context.Context {
	if e.shared {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

func (e sqliteExec) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	res, err := e.q.ExecContext(e.context(ctx), query, utcArgs(args)...)
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}

func (e sqliteExec) Get(ctx context.Context, dest any, query string, args ...any) error {
	return mapErr(sqlx.GetContext(e.context(ctx), e.q, dest, query, utcArgs(args)...))
}

func (e sqliteExec) Select(ctx context.Context, dest any, query string, args ...any) error {
	return mapErr(sqlx.SelectContext(e.context(ctx), e.q, dest, query, utcArgs(args)...))
}

func (e sqliteExec) SQLTx() *sql.Tx { return e.tx }
func (e sqliteExec) PgxTx() pgx.Tx  { return nil }
func (e sqliteExec) Enqueue(j Job)  { *e.jobs = append(*e.jobs, j) }

// Lock: the SQLite writer is single, so the transaction holds every lock.
func (e sqliteExec) Lock(context.Context, string) error { return nil }

// pgQuerier is what pgx pools and transactions share.
type pgQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// pgExec runs on a pgx transaction or pool, rebinding ? to $n.
type pgExec struct {
	q    pgQuerier
	tx   pgx.Tx
	jobs *[]Job
}

func (e pgExec) Exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := e.q.Exec(ctx, rebind(query), utcArgs(args)...)
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}

func (e pgExec) Get(ctx context.Context, dest any, query string, args ...any) error {
	return mapErr(pgxscan.Get(ctx, e.q, dest, rebind(query), utcArgs(args)...))
}

func (e pgExec) Select(ctx context.Context, dest any, query string, args ...any) error {
	return mapErr(pgxscan.Select(ctx, e.q, dest, rebind(query), utcArgs(args)...))
}

func (e pgExec) SQLTx() *sql.Tx { return nil }
func (e pgExec) PgxTx() pgx.Tx  { return e.tx }
func (e pgExec) Enqueue(j Job)  { *e.jobs = append(*e.jobs, j) }

// Lock takes a transaction-scoped advisory lock on the key's 64-bit hash.
func (e pgExec) Lock(ctx context.Context, key string) error {
	if _, err := e.tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, key); err != nil {
		return mapErr(err)
	}
	return nil
}

func rebind(query string) string { return sqlx.Rebind(sqlx.DOLLAR, query) }

// utcArgs binds every time in UTC. SQLite keeps a time as text in the zone
// it came with, and compares text, so one Oslo time among UTC ones sorts
// wrongly; PostgreSQL compares untyped parameters as text too. With every
// bound time in UTC no query can mix zones. The caller's slice is copied
// before a time in it is changed.
func utcArgs(args []any) []any {
	copied := false
	set := func(i int, v any) {
		if !copied {
			args, copied = append([]any(nil), args...), true
		}
		args[i] = v
	}
	for i, a := range args {
		switch t := a.(type) {
		case time.Time:
			if t.Location() != time.UTC {
				set(i, t.UTC())
			}
		case *time.Time:
			if t != nil && t.Location() != time.UTC {
				u := t.UTC()
				set(i, &u)
			}
		}
	}
	return args
}

// unstorableText are PostgreSQL's refusals of text it cannot store: a
// character not in UTF-8 (22021), NUL (22P05), a bad JSON escape (22P02).
var unstorableText = map[string]bool{"22021": true, "22P05": true, "22P02": true}

func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) || pgxscan.NotFound(err) {
		return ErrNotFound
	}
	var se sqlite3.Error
	if errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique {
		return errors.Join(ErrUnique, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return errors.Join(ErrUnique, err)
	}
	if errors.As(err, &pe) && unstorableText[pe.Code] {
		// The web layer refuses such text first; this is the backstop that
		// keeps any path it missed a 400 instead of a 500.
		return fmt.Errorf("%w: the text holds a character the database cannot store (SQLSTATE %s)", ErrInvalid, pe.Code)
	}
	return err
}

// InList is "(?, ?, …)" for a non-empty list of values, with the values as
// arguments: the one way a query here names a set.
func InList(values []string) (string, []any) {
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	return "(?" + strings.Repeat(", ?", len(values)-1) + ")", args
}
