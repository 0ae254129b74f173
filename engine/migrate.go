package engine

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
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
	return goose.NewProvider(gd, db, sub, goose.WithTableName("skjema_migrations"),
		goose.WithGoMigrations(keyHashMigration(d)))
}

// keyHashMigration (8) keeps the Idempotency-Key only as a hash: for a
// submit without a draft it is also the secret that reads the application
// (code review B2). Existing keys are hashed in Go, the same on both
// databases. It also adds the receipt a submit answered, which its replays
// answer again (B5).
func keyHashMigration(d dialect) *goose.Migration {
	up := func(ctx context.Context, tx *sql.Tx) error {
		for _, stmt := range []string{
			`ALTER TABLE applications RENAME COLUMN idempotency_key TO idempotency_key_hash`,
			`ALTER TABLE applications ADD COLUMN receipt TEXT NOT NULL DEFAULT ''`,
		} {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("%s: %w", stmt, err)
			}
		}
		type row struct {
			id, key, status, reference string
			submittedAt                sql.NullTime
		}
		rs, err := tx.QueryContext(ctx, `SELECT id, idempotency_key_hash, status, COALESCE(reference, ''), submitted_at
			FROM applications WHERE idempotency_key_hash IS NOT NULL`)
		if err != nil {
			return err
		}
		var rows []row
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.id, &r.key, &r.status, &r.reference, &r.submittedAt); err != nil {
				rs.Close()
				return err
			}
			rows = append(rows, r)
		}
		if err := errors.Join(rs.Err(), rs.Close()); err != nil {
			return err
		}
		update := `UPDATE applications SET idempotency_key_hash = ?, receipt = ? WHERE id = ?`
		if d == postgres {
			update = rebind(update)
		}
		for _, r := range rows {
			// What a replay answered before: the first submit's receipt.
			rc, _ := json.Marshal(Receipt{ID: r.id, Reference: r.reference, Status: StatusSubmitted, SubmittedAt: r.submittedAt.Time.UTC()})
			if _, err := tx.ExecContext(ctx, update, keyHash(r.key), string(rc), r.id); err != nil {
				return err
			}
		}
		return nil
	}
	return goose.NewGoMigration(8, &goose.GoFunc{RunTx: up}, nil)
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
