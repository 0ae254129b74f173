package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// GoMigration is a migration that needs Go, not only SQL (hashing what is
// stored, say), numbered among the SQL files. Up runs in the migration's
// transaction; rebind turns ? placeholders into the database's own.
type GoMigration struct {
	Version int64
	Up      func(ctx context.Context, tx *sql.Tx, rebind func(query string) string) error
}

// migrationProvider is goose over the SQL migrations for the dialect and
// the Go migrations the engine gives.
func (db *DB) migrationProvider() (*goose.Provider, error) {
	dir, gd := "migrations/sqlite", goose.DialectSQLite3
	rb := func(q string) string { return q }
	if db.dialect == postgres {
		dir, gd, rb = "migrations/postgres", goose.DialectPostgres, rebind
	}
	sub, err := fs.Sub(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var gms []*goose.Migration
	for _, m := range db.goMigrations {
		up := m.Up
		gms = append(gms, goose.NewGoMigration(m.Version, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return up(ctx, tx, rb) }}, nil))
	}
	return goose.NewProvider(gd, db.sqlDB(), sub, goose.WithTableName("skjema_migrations"), goose.WithGoMigrations(gms...))
}

// Migrate applies the pending migrations.
func (db *DB) Migrate(ctx context.Context) error {
	p, err := db.migrationProvider()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return nil
}

// Ready checks the database answers and its migrations are current.
func (db *DB) Ready(ctx context.Context) error {
	p, err := db.migrationProvider()
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if pending {
		return errors.New("database: migrations pending")
	}
	return nil
}
