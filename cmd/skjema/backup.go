package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/storage"
)

// backup: skjema backup [-db FILE] FILE writes a consistent copy of the
// SQLite database to FILE while the server goes on serving.
func backup(ctx context.Context, args []string, m *Main) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	db := fs.String("db", "skjema.db", "the SQLite file to back up (SKJEMA_DB)")
	rest, err := parseFlags(fs, args, m.Stdout, "", map[string]string{"db": "SKJEMA_DB"})
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return errors.New("usage: skjema backup [-db FILE] BACKUP-FILE")
	}
	if engine.IsPostgresURL(*db) {
		return storage.ErrBackupPostgres
	}
	store, err := engine.Open(ctx, engine.Config{Database: *db, Logger: m.logger()})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Backup(ctx, rest[0]); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "backup written to %s; restore by stopping the server and putting it in place of %s\n", rest[0], *db)
	return nil
}
