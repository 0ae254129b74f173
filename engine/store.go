package engine

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"regexp"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/citizens"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/notices"
	"github.com/skjema/skjema/engine/retention"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/engine/units"
	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/letters"
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
	// Units divide kommuner into units (package engine/units): an
	// application is given the unit its address's postnummer lies in, at
	// submit and at every change of its answers, and a caseworker of units
	// sees only theirs. Defaults to none: no kommune is divided.
	Units *units.Units
	// Letterheads are the senders of each kommune's decision letters, by
	// kommunenummer: its name, postal address, and who decides its appeals.
	// A kommune not listed sends as the kommune register names it ("Bø
	// kommune"), or as "Kommune <number>" with no register.
	Letterheads map[string]letters.Sender
	// BatchSize is the most applications a batch holds when a caseworker's
	// approval puts one in: an approval that fills a batch seals it, as a
	// route does (give it queue.Config.BatchSize's value; cmd/skjema passes
	// -batch-size to both). Defaults to 500.
	BatchSize int
	// Calendar decides the month an application is for from its deadline
	// day and channel (calendar.Calendar.ApplicationMonth). Its zero value
	// is the 25th in Oslo.
	Calendar calendar.Calendar
	// PasswordCost is bcrypt's work factor for the passwords the store
	// sets. Defaults to 12: about 0.2 s a check on a small server, slow to
	// guess offline and still quick to sign in. Tests set bcrypt.MinCost (4);
	// a hash keeps the cost it was made with, so lowering it later only
	// affects new passwords.
	PasswordCost int
	// Registers hold the kommune register the kommunenumre of caseworkers'
	// accounts are checked against (accounts.Config.Registers). Defaults
	// to none: a number's form only.
	Registers *nid.Registers
	// Anonymous is the route for a citizen who does not sign in, on a form
	// that asks for sign-in (forms.Layout.SignIn). Closed by default: such a
	// submit is refused with ErrSignInRequired. The paper route is open
	// either way.
	Anonymous Anonymous
}

// Anonymous is the route for a citizen who does not sign in
// (citizens.Anonymous).
type Anonymous = citizens.Anonymous

// The routes (citizens').
const (
	AnonymousClosed = citizens.AnonymousClosed
	AnonymousReview = citizens.AnonymousReview
	AnonymousOpen   = citizens.AnonymousOpen
)

// ParseAnonymous reads a route: "no" or "" (closed), "review", "open".
func ParseAnonymous(s string) (Anonymous, error) { return citizens.ParseAnonymous(s) }

// kommunenummer is four digits (SSB's numbers).
var kommunenummer = regexp.MustCompile(`^\d{4}$`)

// Store keeps applications, batches and accounts in one database
// (engine/storage), each noun behind a service of its own.
type Store struct {
	db    *storage.DB
	clock func() time.Time
	log   *slog.Logger

	// The services over the same database, one per noun: the caseworkers'
	// accounts and sessions, what goes to the agencies, and casework. The
	// Store's own methods are the citizen's submissions (drafts, submit,
	// uploads), the audit log's reads and retention.
	Accounts *accounts.Service
	Batches  *batches.Service
	Casework *casework.Service
	Citizens *citizens.Service
	Notices  *notices.Service

	enqueuer  Enqueuer
	kommuner  map[string]bool
	anonymous Anonymous
	retention *retention.Service
	chunks    uploadMemory
	calendar  calendar.Calendar
	units     *units.Units
}

// Open connects to the database. It does not migrate; call Migrate.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if err := cfg.Calendar.Validate(); err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	s := &Store{clock: cfg.Clock, log: cfg.Logger, calendar: cfg.Calendar.WithDefaults(), anonymous: cfg.Anonymous, units: cfg.Units,
		kommuner: map[string]bool{}, chunks: newUploadMemory(cmp.Or(cfg.UploadMemory, 32<<20))}
	for _, k := range cfg.Kommuner {
		if !kommunenummer.MatchString(k) {
			return nil, fmt.Errorf("open: %q in Kommuner is not a kommunenummer (four digits)", k)
		}
		s.kommuner[k] = true
	}
	var err error
	s.db, err = storage.Open(ctx, storage.Config{Database: cfg.Database, Logger: cfg.Logger, MaxGroup: cfg.MaxGroup, MaxConns: cfg.MaxConns,
		BeforeCommit: s.beforeCommit, GoMigrations: []storage.GoMigration{keyHashMigration, monthMigration(cfg.Calendar.WithDefaults())}})
	if err != nil {
		return nil, err
	}
	s.Batches, s.Casework = batches.New(s.db, cfg.Clock), casework.New(s.db, cfg.Clock, cmp.Or(cfg.BatchSize, 500), cfg.Units,
		senders(cfg.Letterheads, cfg.Registers, cfg.Clock))
	s.Citizens, s.Notices = citizens.New(s.db, cfg.Clock), notices.New(s.db, cfg.Clock)
	if s.Accounts, err = accounts.New(s.db, accounts.Config{Clock: cfg.Clock, PasswordCost: cfg.PasswordCost, Registers: cfg.Registers, Units: cfg.Units}); err != nil {
		s.db.Close()
		return nil, err
	}
	s.retention = retention.New(s.db, cfg.Clock, s.Accounts.PurgeSessions, s.Citizens.Purge)
	return s, nil
}

// senders are the letterheads of kommuner: as configured, or by the
// register's name.
func senders(heads map[string]letters.Sender, registers *nid.Registers, clock func() time.Time) casework.Senders {
	return func(kommune string) letters.Sender {
		if h, ok := heads[kommune]; ok && h.Name != "" {
			return h
		}
		if registers.HasKommuner() {
			if k, err := registers.Kommunenummer(kommune, record.Clock(clock).Now()); err == nil && k.Name != "" {
				return letters.Sender{Name: k.Name + " kommune"}
			}
		}
		return letters.Sender{}
	}
}

// Units are the units the installation divides kommuner into; nil for
// none.
func (s *Store) Units() *units.Units { return s.units }

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
func IsPostgresURL(s string) bool { return storage.IsPostgresURL(s) }

// Retention says how long what nobody needs is kept; Purged counts what a
// Purge removed (package retention).
type (
	Retention = retention.Retention
	Purged    = retention.Purged
)

// Purge removes what is past its retention (retention.Service.Purge).
func (s *Store) Purge(ctx context.Context, r Retention) (Purged, bool, error) {
	return s.retention.Purge(ctx, r)
}

// AnonymousRoute is what becomes of an application from a citizen who did
// not sign in, where the form asks for it (Config.Anonymous).
func (s *Store) AnonymousRoute() Anonymous { return s.anonymous }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// IsSQLite tells which database the store is on.
func (s *Store) IsSQLite() bool { return s.db.IsSQLite() }

// SQLDB is the SQLite writer connection, which River shares (nil on
// PostgreSQL).
func (s *Store) SQLDB() *sql.DB { return s.db.SQLDB() }

// PgxPool is the PostgreSQL pool, which River shares (nil on SQLite).
func (s *Store) PgxPool() *pgxpool.Pool { return s.db.PgxPool() }

// Migrate applies the store's migrations.
func (s *Store) Migrate(ctx context.Context) error { return s.db.Migrate(ctx) }

// WithMigrationLock runs fn while no other node migrates (see
// storage.DB.WithMigrationLock).
func (s *Store) WithMigrationLock(ctx context.Context, fn func() error) error {
	return s.db.WithMigrationLock(ctx, fn)
}

// Ready checks the database answers and its migrations are current.
func (s *Store) Ready(ctx context.Context) error { return s.db.Ready(ctx) }

// read runs queries outside a transaction, on the readers.
func (s *Store) read() Executor { return s.db.Read() }

// write runs fn in one write transaction (storage.DB.Write): every exported
// method that changes anything is one write. The jobs fn adds to tx are
// inserted into the job queue just before the commit (beforeCommit).
func (s *Store) write(ctx context.Context, fn func(tx Tx) error) error { return s.db.Write(ctx, fn) }

// now is the store's clock, in UTC with microseconds (what both databases
// keep), so a time read back equals the time written.
func (s *Store) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// Backup writes a consistent copy of a SQLite database to path while it is
// served (storage.DB.Backup); on PostgreSQL it is storage.ErrBackupPostgres.
func (s *Store) Backup(ctx context.Context, path string) error { return s.db.Backup(ctx, path) }
