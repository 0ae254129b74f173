package engine

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migrationProvider is goose over the store's own migrations for its dialect.
func migrationProvider(d dialect, db *sql.DB) (*goose.Provider, error) {
	dir, gd := "migrations/sqlite", goose.DialectSQLite3
	if d == postgres {
		dir, gd = "migrations/postgres", goose.DialectPostgres
	}
	sub, err := fs.Sub(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	return goose.NewProvider(gd, db, sub, goose.WithTableName("skjema_migrations"))
}

// migrate applies the store's pending migrations.
func migrate(ctx context.Context, d dialect, db *sql.DB) error {
	p, err := migrationProvider(d, db)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// migrationsPending tells whether the database is behind the binary.
func migrationsPending(ctx context.Context, d dialect, db *sql.DB) (bool, error) {
	p, err := migrationProvider(d, db)
	if err != nil {
		return false, err
	}
	return p.HasPending(ctx)
}
