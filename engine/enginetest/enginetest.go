// Package enginetest is for tests only: no production code imports it.
//
// It gives tests a fresh database of each kind (a SQLite file in
// t.TempDir(), and, when SKJEMA_TEST_POSTGRES holds a URL, a schema of its
// own in that PostgreSQL database, dropped when the test ends) and, through
// Open, a migrated store on it with the shipped forms.
//
// enginetest does not import the queue: the queue's own in-package tests use
// it, and Go refuses a test import that leads back to the package under test.
// The store, forms and queue together come from queue/queuetest.
package enginetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
)

// PostgresEnv names the variable that holds the test PostgreSQL URL.
const PostgresEnv = "SKJEMA_TEST_POSTGRES"

// DB is one database a test runs against.
type DB struct {
	Name string // "sqlite" or "postgres"
	DSN  func(t testing.TB) string
}

// Databases lists the databases store tests run against. The postgres one
// skips its test when SKJEMA_TEST_POSTGRES is not set.
func Databases() []DB {
	return []DB{{Name: "sqlite", DSN: SQLite}, {Name: "postgres", DSN: Postgres}}
}

// Each runs fn as a subtest against every database. Without
// SKJEMA_TEST_POSTGRES the postgres subtest is skipped, saying so; with it, an
// unreachable server fails the test.
func Each(t *testing.T, fn func(t *testing.T, dsn string)) {
	for _, db := range Databases() {
		t.Run(db.Name, func(t *testing.T) {
			fn(t, db.DSN(t))
		})
	}
}

// SQLite is a new database file in the test's temporary directory.
func SQLite(t testing.TB) string {
	return filepath.Join(t.TempDir(), "skjema.db")
}

// Postgres is a URL to a new, empty schema in the test PostgreSQL database.
func Postgres(t testing.TB) string {
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a database URL (CI sets it), e.g. postgres://postgres@127.0.0.1:5432/test", PostgresEnv)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("%s is set but PostgreSQL is unreachable: %v", PostgresEnv, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create test schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), base)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("%s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
