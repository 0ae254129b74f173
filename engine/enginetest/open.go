package enginetest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/units"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid"
	"github.com/skjema/skjema/letters"
)

// Bundle is a store on a test database and the shipped forms.
type Bundle struct {
	Store *engine.Store
	Forms *forms.Registry
}

// Option adjusts what Open builds.
type Option func(*options)

type options struct {
	engine     engine.Config
	forms      forms.Config
	unmigrated bool
}

// Clock stamps the store's transactions with fn. Defaults to time.Now.
func Clock(fn func() time.Time) Option { return func(o *options) { o.engine.Clock = fn } }

// Kommuner are the kommuner the installation serves. Defaults to none
// listed, which accepts any.
func Kommuner(k ...string) Option { return func(o *options) { o.engine.Kommuner = k } }

// Logger receives the store's messages. Defaults to slog.Default().
func Logger(l *slog.Logger) Option { return func(o *options) { o.engine.Logger = l } }

// PasswordCost is bcrypt's work factor. Defaults to bcrypt.MinCost, so tests
// that set passwords stay fast.
func PasswordCost(cost int) Option { return func(o *options) { o.engine.PasswordCost = cost } }

// BatchSize is the most a batch holds when an approval fills it. Defaults
// to engine.Config's 500.
func BatchSize(n int) Option { return func(o *options) { o.engine.BatchSize = n } }

// Anonymous sets the route for citizens who do not sign in, where a form
// asks for ID-porten. By default Open keeps it open (engine.AnonymousOpen),
// which most tests use to submit without a sign-in; an installation's
// default is closed.
func Anonymous(a engine.Anonymous) Option { return func(o *options) { o.engine.Anonymous = a } }

// AllowSynthetic makes the forms accept synthetic fødselsnumre, as a test
// installation does: TestID's persons from ID-porten have them.
func AllowSynthetic() Option { return func(o *options) { o.forms.Person.AllowSynthetic = true } }

// Registers are the kommune and postnummer registers, for the forms and
// for the kommuner of accounts. Defaults to none: numbers are checked for
// their form only.
func Registers(r *nid.Registers) Option {
	return func(o *options) { o.engine.Registers, o.forms.Registers = r, r }
}

// Letterheads set the kommuner's letterheads on decision letters.
func Letterheads(h map[string]letters.Sender) Option {
	return func(o *options) { o.engine.Letterheads = h }
}

// Units divide kommuner into units (engine.Config.Units). Defaults to
// none.
func Units(u *units.Units) Option { return func(o *options) { o.engine.Units = u } }

// Unmigrated leaves the database as it is, for tests of what happens before
// migrations run. By default Open migrates.
func Unmigrated() Option { return func(o *options) { o.unmigrated = true } }

// Open opens a store on dsn (from SQLite, Postgres or Each, or an existing
// database a test wants to inspect), migrates it and loads the shipped forms.
// The store is closed when the test ends. Tests that also need the job queue
// use queue/queuetest.Open, which builds on this.
func Open(t testing.TB, dsn string, opts ...Option) *Bundle {
	t.Helper()
	o := options{engine: engine.Config{PasswordCost: bcrypt.MinCost, Anonymous: engine.AnonymousOpen}}
	for _, opt := range opts {
		opt(&o)
	}
	o.engine.Database = dsn
	ctx := context.Background()
	store, err := engine.Open(ctx, o.engine)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	if !o.unmigrated {
		if err := store.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	reg, err := forms.Load(o.forms)
	if err != nil {
		t.Fatal(err)
	}
	return &Bundle{Store: store, Forms: reg}
}
