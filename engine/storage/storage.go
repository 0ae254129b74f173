// Package storage is the engine's database: SQLite (one file, WAL, one
// writer connection shared with River, group commit) or PostgreSQL (a pgx
// pool), behind one executor interface, with the schema's migrations. It
// owns every difference between the two dialects (placeholders, error
// codes, times bound in UTC, how numbers are reserved), so the engine's
// domain code holds none. It knows nothing of applications.
package storage

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
	_ "github.com/mattn/go-sqlite3" // the SQLite driver, registered as "sqlite3"

	"github.com/skjema/skjema/engine/fault"
)

type dialect int

const (
	sqlite dialect = iota
	postgres
)

// Errors every executor answers with, whichever database said it.
var (
	// ErrNotFound: no row.
	ErrNotFound = fault.ErrNotFound
	// ErrInvalid: input the database refuses as data (text it cannot store).
	ErrInvalid = fault.ErrInvalid
	// ErrUnique: a unique constraint was violated; the caller decides
	// whether that is a conflict or a race to retry.
	ErrUnique = errors.New("unique constraint violated")
)

// Config opens a DB.
type Config struct {
	// Database is a SQLite file path, or a postgres:// (postgresql://) URL.
	// Defaults to "skjema.db" in the working directory.
	Database string
	// Logger receives the database's own messages, never field values.
	// Defaults to slog.Default().
	Logger *slog.Logger
	// MaxGroup is how many writes one SQLite group commit may gather.
	// Defaults to 128.
	MaxGroup int
	// MaxConns is the PostgreSQL pool size, shared with River. Defaults to
	// 20 unless the URL sets pool_max_conns (pgx's own default, the number
	// of cores, leaves concurrent submits queueing for a connection).
	MaxConns int
	// BeforeCommit runs in every write transaction just before it commits,
	// with the jobs its writes added (Tx.Enqueue); on SQLite once for a
	// whole group commit. An error rolls the transaction back. Defaults to
	// refusing any job.
	BeforeCommit func(ctx context.Context, tx Tx, jobs []Job) error
	// GoMigrations are the schema's migrations that need Go, numbered
	// among its SQL files.
	GoMigrations []GoMigration
}

// DB is the database. On SQLite it owns one writer connection (shared with
// River) and a pool of readers; on PostgreSQL a pgx pool.
type DB struct {
	dialect      dialect
	log          *slog.Logger
	beforeCommit func(ctx context.Context, tx Tx, jobs []Job) error
	goMigrations []GoMigration

	// SQLite
	writer  *sqlx.DB // exactly one connection: SQLite has one writer
	readers *sqlx.DB
	group   *groupCommitter

	// PostgreSQL
	pool    *pgxpool.Pool
	pgSQL   *sql.DB // database/sql over the pool, for goose
	numbers numberBlocks
}

// Open connects to the database. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	if cfg.Database == "" {
		cfg.Database = "skjema.db"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxGroup <= 0 {
		cfg.MaxGroup = 128
	}
	if cfg.BeforeCommit == nil {
		cfg.BeforeCommit = func(_ context.Context, _ Tx, jobs []Job) error {
			if len(jobs) > 0 {
				return errors.New("storage: a write made jobs, but nothing inserts them (Config.BeforeCommit)")
			}
			return nil
		}
	}
	db := &DB{log: cfg.Logger, beforeCommit: cfg.BeforeCommit, goMigrations: cfg.GoMigrations, numbers: numberBlocks{blocks: map[string]*[2]int64{}}}
	if IsPostgresURL(cfg.Database) {
		db.dialect = postgres
		pcfg, err := pgxpool.ParseConfig(cfg.Database)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		if !strings.Contains(cfg.Database, "pool_max_conns") {
			pcfg.MaxConns = int32(cmp.Or(cfg.MaxConns, 20))
		}
		if db.pool, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		if err := db.pool.Ping(ctx); err != nil {
			db.pool.Close()
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.pgSQL = stdlib.OpenDBFromPool(db.pool)
		return db, nil
	}
	// synchronous=FULL: an acknowledged commit survives power loss, also in
	// WAL mode (NORMAL would only survive a process crash). _txlock=immediate
	// takes the write lock at BEGIN, so readers never have to upgrade.
	params := url.Values{
		"_busy_timeout": {"10000"},
		"_journal_mode": {"WAL"},
		"_synchronous":  {"FULL"},
		"_foreign_keys": {"on"},
		"_txlock":       {"immediate"},
		// Keep prepared statements per connection: River's job queries are
		// long, and preparing them again for every job was half the writer's
		// time under load.
		"_stmt_cache_size": {"64"},
	}
	dsn := "file:" + cfg.Database + "?" + params.Encode()
	var err error
	if db.writer, err = sqlx.Open("sqlite3", dsn); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", cfg.Database, err)
	}
	db.writer.SetMaxOpenConns(1)
	db.writer.SetConnMaxIdleTime(0)
	db.writer.SetConnMaxLifetime(0)
	if err := db.writer.PingContext(ctx); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", cfg.Database, err)
	}
	params.Set("mode", "ro")
	params.Del("_txlock")
	if db.readers, err = sqlx.Open("sqlite3", "file:"+cfg.Database+"?"+params.Encode()); err != nil {
		db.writer.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	db.readers.SetMaxOpenConns(4)
	db.group = newGroupCommitter(db.writer, cfg.MaxGroup, db.beforeCommit)
	return db, nil
}

// IsPostgresURL tells a PostgreSQL URL from a SQLite path.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Close stops the group committer and closes the connections.
func (db *DB) Close() error {
	if db.dialect == postgres {
		db.pgSQL.Close()
		db.pool.Close()
		return nil
	}
	db.group.close()
	return errors.Join(db.readers.Close(), db.writer.Close())
}

// IsSQLite tells which database it is.
func (db *DB) IsSQLite() bool { return db.dialect == sqlite }

// SQLDB is the SQLite writer connection, which River shares (nil on
// PostgreSQL).
func (db *DB) SQLDB() *sql.DB {
	if db.writer == nil {
		return nil
	}
	return db.writer.DB
}

// PgxPool is the PostgreSQL pool, which River shares (nil on SQLite).
func (db *DB) PgxPool() *pgxpool.Pool { return db.pool }

// Read runs queries outside a transaction, on the readers.
func (db *DB) Read() Executor {
	if db.dialect == postgres {
		return pgExec{q: db.pool}
	}
	return sqliteExec{q: db.readers}
}

// Write runs fn in a write transaction and answers once it is durably
// committed. The jobs fn adds to tx are handed to Config.BeforeCommit just
// before the commit. On SQLite, concurrent writes share one transaction and
// one fsync; each runs in its own savepoint, so one failing does not undo
// the others (nor hand on its jobs), and its statements ignore ctx's
// cancellation (they run in everyone's transaction; a caller who hangs up
// is still answered after the commit). fn may be run again, alone, if its
// shared transaction fails to commit, also when another write of the group
// poisoned it, so it must do its work only through tx.
func (db *DB) Write(ctx context.Context, fn func(tx Tx) error) error {
	if db.dialect == sqlite {
		return db.group.do(ctx, fn)
	}
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var jobs []Job
	ex := pgExec{q: tx, tx: tx, jobs: &jobs}
	if err := fn(ex); err != nil {
		return err
	}
	if err := db.beforeCommit(ctx, ex, jobs); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations when several nodes start at once ("skjema" in ASCII).
const migrationLockKey = 0x736b6a656d61

// WithMigrationLock runs fn while holding a lock no other node's migrations
// can run under. SQLite has one writer, so there it just runs fn.
//
// The lock belongs to a session, so if it cannot be released the connection
// is closed rather than returned to the pool, where it would keep the lock
// and every other node's migrations would wait for it for ever.
func (db *DB) WithMigrationLock(ctx context.Context, fn func() error) (err error) {
	if db.dialect == sqlite {
		return fn()
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrationLockKey)); err != nil {
		conn.Release()
		return fmt.Errorf("migration lock: %w", err)
	}
	defer func() {
		uctx := context.WithoutCancel(ctx)
		var unlocked bool
		uerr := conn.QueryRow(uctx, `SELECT pg_advisory_unlock($1)`, int64(migrationLockKey)).Scan(&unlocked)
		if uerr == nil && !unlocked {
			uerr = errors.New("the session did not hold it")
		}
		if uerr == nil {
			conn.Release()
			return
		}
		// Closing the session is what releases a session lock for sure.
		conn.Hijack().Close(uctx)
		err = errors.Join(err, fmt.Errorf("migration unlock: %w", uerr))
	}()
	return fn()
}

// sqlDB is what goose runs on.
func (db *DB) sqlDB() *sql.DB {
	if db.dialect == postgres {
		return db.pgSQL
	}
	return db.writer.DB
}

// ErrBackupPostgres: Backup copies SQLite files; PostgreSQL has pg_dump.
var ErrBackupPostgres = errors.New("a PostgreSQL database is backed up with its own tools (pg_dump, or base backups with WAL archiving)")

// Backup writes a consistent copy of the SQLite database to path while it
// is in use (VACUUM INTO on a reader: one read transaction, so the copy is
// the database as of one commit, and writers go on). path must not exist.
func (db *DB) Backup(ctx context.Context, path string) error {
	if db.dialect == postgres {
		return ErrBackupPostgres
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup: %s exists already; choose a new file", path)
	}
	if _, err := db.readers.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}
