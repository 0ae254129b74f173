package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/skjema/skjema/engine"
)

// usersAdd: skjema users add [-name N] [-kommuner 0301,…] [-admin] [db flags] EMAIL.
// The password comes from SKJEMA_PASSWORD, or is made here and printed once
// as a start password the user must change at her first sign-in; it is
// never a flag, which would leave it in the shell's history.
func usersAdd(ctx context.Context, args []string, m *Main) error {
	fs := flag.NewFlagSet("skjema users add", flag.ContinueOnError)
	name := fs.String("name", "", "the user's full name (required)")
	kommuner := fs.String("kommuner", "", "kommunenumre whose applications the user works on, comma-separated")
	admin := fs.Bool("admin", false, "the user manages the accounts and reads the audit trails of her kommuner")
	db := fs.String("db", "skjema.db", "SQLite file, or a postgres:// URL (SKJEMA_DB)")
	// Only -db is configuration, shared with serve; the others say who the
	// user is, and SKJEMA_KOMMUNER (the kommuner serve serves) must not
	// become hers.
	rest, err := parseFlags(fs, args, m.Stdout, "", map[string]string{"db": "SKJEMA_DB"})
	if err != nil {
		return err
	}
	if len(rest) != 1 || *name == "" {
		return fmt.Errorf("usage: skjema users add -name NAME -kommuner 0301[,…] [-admin] EMAIL")
	}
	password, generated := os.Getenv("SKJEMA_PASSWORD"), false
	if password == "" {
		b := make([]byte, 15)
		rand.Read(b)
		password, generated = base64.RawURLEncoding.EncodeToString(b), true
	}
	m.Database = *db
	if err := m.open(ctx, m.logger(), nil); err != nil {
		return err
	}
	defer m.store.Close()
	if err := m.migrate(ctx); err != nil {
		return err
	}
	u, err := m.store.Accounts.CreateUser(ctx, engine.NewUser{Email: rest[0], Name: *name, Admin: *admin, Kommuner: splitList(*kommuner), Password: password, StartPassword: generated})
	if err != nil {
		return err
	}
	role := "caseworker"
	if u.Admin {
		role = "admin"
	}
	fmt.Fprintf(m.Stdout, "added %s %s (%s) for kommuner %s\n", role, u.Email, u.Name, strings.Join(u.Kommuner, ", "))
	if generated {
		fmt.Fprintf(m.Stdout, "start password (shown once; give it to the user safely, she changes it at first sign-in):\n%s\n", password)
	}
	return nil
}
