package engine

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/jmoiron/sqlx"
	_ "github.com/mattn/go-sqlite3" // the SQLite driver, registered as "sqlite3"
	"golang.org/x/crypto/bcrypt"
)

type dialect int

const (
	sqlite dialect = iota
	postgres
)

// Config opens a Store.
type Config struct {
	// Database is a SQLite file path, or a postgres:// (postgresql://) URL.
	// Defaults to "skjema.db" in the working directory.
	Database string
	// Clock gives the time transactions are stamped with. Defaults to
	// time.Now.
	Clock func() time.Time
	// Logger receives the store's own messages, never field values.
	// Defaults to slog.Default().
	Logger *slog.Logger
	// MaxGroup is how many writes one SQLite group commit may gather.
	// Defaults to 128.
	MaxGroup int
	// MaxConns is the PostgreSQL pool size, shared with River. Defaults to
	// 20 unless the URL sets pool_max_conns (pgx's own default, the number
	// of cores, leaves concurrent submits queueing for a connection).
	MaxConns int
	// UploadMemory bounds the memory all uploads in flight may hold at
	// once; an upload waits for room. Defaults to 32 MiB.
	UploadMemory int64
	// Kommuner the installation serves (kommunenumre). A draft or an
	// application for another is refused with ErrUnknownKommune, on every
	// path (the widget, the API, paper), and so is one that names none.
	// Defaults to none listed, which accepts any kommune.
	Kommuner []string
	// PasswordCost is bcrypt's work factor for the passwords the store
	// sets. Defaults to 12: about 0.2 s a check on a small server, slow to
	// guess offline and still quick to sign in. Tests set bcrypt.MinCost (4);
	// a hash keeps the cost it was made with, so lowering it later only
	// affects new passwords.
	PasswordCost int
}

// Store is the database. On SQLite it owns one writer connection (shared with
// River) and a pool of readers; on PostgreSQL a pgx pool.
type Store struct {
	dialect dialect
	clock   func() time.Time
	log     *slog.Logger

	passwordCost int
	// dummyHash is compared against when there is no such user, so that a
	// wrong e-mail address takes as long as a wrong password. Made at
	// passwordCost on the first sign-in.
	dummyHash     []byte
	dummyHashOnce sync.Once

	// SQLite
	writer  *sqlx.DB // exactly one connection: SQLite has one writer
	readers *sqlx.DB
	group   *groupCommitter

	enqueuer Enqueuer
	kommuner map[string]bool
	chunks   uploadMemory

	// PostgreSQL
	refs  referenceBlocks
	pool  *pgxpool.Pool
	pgSQL *sql.DB // database/sql over the pool, for goose
}

// Open connects to the database. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Database == "" {
		cfg.Database = "skjema.db"
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxGroup <= 0 {
		cfg.MaxGroup = 128
	}
	if cfg.PasswordCost == 0 {
		cfg.PasswordCost = 12
	}
	if cfg.PasswordCost < bcrypt.MinCost || cfg.PasswordCost > bcrypt.MaxCost {
		return nil, fmt.Errorf("open store: PasswordCost %d is not between %d and %d", cfg.PasswordCost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	s := &Store{clock: cfg.Clock, log: cfg.Logger, passwordCost: cfg.PasswordCost, refs: referenceBlocks{blocks: map[string]*[2]int64{}},
		kommuner: map[string]bool{}, chunks: newUploadMemory(cmp.Or(cfg.UploadMemory, 32<<20))}
	for _, k := range cfg.Kommuner {
		if !kommunenummer.MatchString(k) {
			return nil, fmt.Errorf("open: %q in Kommuner is not a kommunenummer (four digits)", k)
		}
		s.kommuner[k] = true
	}
	if IsPostgresURL(cfg.Database) {
		s.dialect = postgres
		pcfg, err := pgxpool.ParseConfig(cfg.Database)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		if !strings.Contains(cfg.Database, "pool_max_conns") {
			pcfg.MaxConns = int32(cmp.Or(cfg.MaxConns, 20))
		}
		if s.pool, err = pgxpool.NewWithConfig(ctx, pcfg); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		if err := s.pool.Ping(ctx); err != nil {
			s.pool.Close()
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		s.pgSQL = stdlib.OpenDBFromPool(s.pool)
		return s, nil
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
	if s.writer, err = sqlx.Open("sqlite3", dsn); err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", cfg.Database, err)
	}
	s.writer.SetMaxOpenConns(1)
	s.writer.SetConnMaxIdleTime(0)
	s.writer.SetConnMaxLifetime(0)
	if err := s.writer.PingContext(ctx); err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", cfg.Database, err)
	}
	params.Set("mode", "ro")
	params.Del("_txlock")
	if s.readers, err = sqlx.Open("sqlite3", "file:"+cfg.Database+"?"+params.Encode()); err != nil {
		s.writer.Close()
		return nil, fmt.Errorf("open sqlite readers: %w", err)
	}
	s.readers.SetMaxOpenConns(4)
	s.group = newGroupCommitter(s.writer, cfg.MaxGroup, s.beforeCommit)
	return s, nil
}

// servesKommune refuses a kommune the installation does not serve, and no
// kommune at all where it lists the ones it serves.
func (s *Store) servesKommune(k string) error {
	if len(s.kommuner) == 0 || s.kommuner[k] {
		return nil
	}
	if k == "" {
		return fmt.Errorf("%w: name the kommune the application is for", ErrUnknownKommune)
	}
	return fmt.Errorf("%w: %s is not served here", ErrUnknownKommune, k)
}

// IsPostgresURL tells a PostgreSQL URL from a SQLite path.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Close stops the group committer and closes the connections.
func (s *Store) Close() error {
	if s.dialect == postgres {
		s.pgSQL.Close()
		s.pool.Close()
		return nil
	}
	s.group.close()
	return errors.Join(s.readers.Close(), s.writer.Close())
}

// IsSQLite tells which database the store is on.
func (s *Store) IsSQLite() bool { return s.dialect == sqlite }

// SQLDB is the SQLite writer connection, which River shares (nil on
// PostgreSQL).
func (s *Store) SQLDB() *sql.DB {
	if s.writer == nil {
		return nil
	}
	return s.writer.DB
}

// PgxPool is the PostgreSQL pool (nil on SQLite).
func (s *Store) PgxPool() *pgxpool.Pool { return s.pool }

// Migrate applies the store's migrations.
func (s *Store) Migrate(ctx context.Context) error {
	if s.dialect == postgres {
		return migrate(ctx, postgres, s.pgSQL)
	}
	return migrate(ctx, sqlite, s.writer.DB)
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
func (s *Store) WithMigrationLock(ctx context.Context, fn func() error) (err error) {
	if s.dialect == sqlite {
		return fn()
	}
	conn, err := s.pool.Acquire(ctx)
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

// Ready checks the database answers and its migrations are current.
func (s *Store) Ready(ctx context.Context) error {
	db := s.pgSQL
	if s.dialect == sqlite {
		db = s.writer.DB
	}
	pending, err := migrationsPending(ctx, s.dialect, db)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if pending {
		return errors.New("database: migrations pending")
	}
	return nil
}

// read runs queries outside a transaction, on the readers.
func (s *Store) read() Executor {
	if s.dialect == postgres {
		return pgExec{q: s.pool}
	}
	return sqliteExec{q: s.readers}
}

// write runs fn in a write transaction and answers once it is durably
// committed: every exported method that changes anything is one write. The
// jobs fn adds to tx are inserted into the job queue just before the commit
// (beforeCommit). On SQLite, concurrent writes share one transaction and
// one fsync; each runs in its own savepoint, so one failing does not undo
// the others (nor insert its jobs), and its statements ignore ctx's
// cancellation (they run in everyone's transaction; a caller who hangs up
// is still answered after the commit). fn may be run again, alone, if its
// shared transaction fails to commit, also when another write of the group
// poisoned it, so it must do its work only through tx.
func (s *Store) write(ctx context.Context, fn func(tx Tx) error) error {
	if s.dialect == sqlite {
		return s.group.do(ctx, fn)
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var jobs []Job
	ex := pgExec{q: tx, tx: tx, jobs: &jobs}
	if err := fn(ex); err != nil {
		return err
	}
	if err := s.beforeCommit(ctx, ex, jobs); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", mapErr(err))
	}
	return nil
}

// now is the store's clock, in UTC with microseconds (what both databases
// keep), so a time read back equals the time written.
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }
