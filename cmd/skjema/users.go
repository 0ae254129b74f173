package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/units"
)

const usersUsage = `usage: skjema users add -name NAME -kommuner 0301[,…] [-units gamle-oslo,…] [-admin] [-decides] EMAIL | users list  (with -db, -registers, -units-file as for serve)`

// usersCommand manages the caseworkers' accounts from the command line: add
// (the first account of a kommune, whose admin then adds the others) and
// list.
func usersCommand(ctx context.Context, args []string, m *Main) error {
	if len(args) == 0 {
		return errors.New(usersUsage)
	}
	switch args[0] {
	case "add":
		return usersAdd(ctx, args[1:], m)
	case "list":
		return usersList(ctx, args[1:], m)
	}
	return errors.New(usersUsage)
}

// usersFlags are the flags every users command takes: where the accounts
// are, and the kommune register and units file their kommuner and units are
// checked against. Only they are configuration, shared with serve
// (SKJEMA_DB, SKJEMA_REGISTERS_DIR, SKJEMA_UNITS); SKJEMA_KOMMUNER (the
// kommuner serve serves) must not become a user's. The units file is
// -units-file here, since -units of users add names a user's units.
func usersFlags(fs *flag.FlagSet, m *Main) map[string]string {
	fs.StringVar(&m.Database, "db", "skjema.db", "SQLite file, or a postgres:// URL (SKJEMA_DB)")
	fs.StringVar(&m.RegistersDir, "registers", "registers", "directory of imported registers: a kommune register there checks the kommunenumre given (SKJEMA_REGISTERS_DIR)")
	fs.StringVar(&m.UnitsFile, "units-file", "", "the units file serve reads (-units): it checks the units given (SKJEMA_UNITS)")
	return map[string]string{"db": "SKJEMA_DB", "registers": "SKJEMA_REGISTERS_DIR", "units-file": "SKJEMA_UNITS"}
}

// openAccounts opens and migrates the database the users command names.
func (m *Main) openAccounts(ctx context.Context) error {
	if err := m.open(ctx, m.logger(), nil); err != nil {
		return err
	}
	if err := m.migrate(ctx); err != nil {
		m.store.Close()
		return err
	}
	return nil
}

// usersAdd: skjema users add [-name N] [-kommuner 0301,…] [-admin] [db flags] EMAIL.
// The password comes from SKJEMA_PASSWORD, or is made here and printed once
// as a start password the user must change at her first sign-in; it is
// never a flag, which would leave it in the shell's history.
func usersAdd(ctx context.Context, args []string, m *Main) error {
	fs := flag.NewFlagSet("skjema users add", flag.ContinueOnError)
	name := fs.String("name", "", "the user's full name (required)")
	kommuner := fs.String("kommuner", "", "kommunenumre whose applications the user works on, comma-separated")
	unitNames := fs.String("units", "", "units of her kommuner she works on, comma-separated: gamle-oslo, or 0301/gamle-oslo where she has several kommuner; none: all of them")
	admin := fs.Bool("admin", false, "the user manages the accounts and reads the audit trails of her kommuner")
	decides := fs.Bool("decides", false, "the user has the decision role (fullmaktshaver) in her kommuner: she decides, on another's recommendation, the applications of forms the kommune decides")
	rest, err := parseFlags(fs, args, m.Stdout, "", usersFlags(fs, m))
	if err != nil {
		return err
	}
	if len(rest) != 1 || *name == "" {
		return fmt.Errorf("usage: skjema users add -name NAME -kommuner 0301[,…] [-units gamle-oslo,…] [-admin] [-decides] EMAIL")
	}
	password, generated := os.Getenv("SKJEMA_PASSWORD"), false
	if password == "" {
		b := make([]byte, 15)
		rand.Read(b)
		password, generated = base64.RawURLEncoding.EncodeToString(b), true
	}
	if err := m.openAccounts(ctx); err != nil {
		return err
	}
	defer m.store.Close()
	refs, err := m.units.Resolve(splitList(*unitNames), splitList(*kommuner))
	if err != nil {
		return fmt.Errorf("-units: %w", err)
	}
	u, err := m.store.Accounts.CreateUser(ctx, engine.NewUser{Email: rest[0], Name: *name, Admin: *admin, Decides: *decides, Kommuner: splitList(*kommuner), Units: refs,
		Password: password, StartPassword: generated})
	var ke *accounts.KommuneError
	if errors.As(err, &ke) && m.registers.HasKommuner() {
		return fmt.Errorf("%w (the kommune register in %s)", err, m.RegistersDir)
	}
	if err != nil {
		return err
	}
	role := "caseworker"
	if u.Admin {
		role = "admin"
	}
	fmt.Fprintf(m.Stdout, "added %s %s (%s) for kommuner %s", role, u.Email, u.Name, strings.Join(u.Kommuner, ", "))
	if len(u.Units) > 0 {
		fmt.Fprintf(m.Stdout, ", units %s", unitList(u.Units))
	}
	fmt.Fprintln(m.Stdout)
	if generated {
		fmt.Fprintf(m.Stdout, "start password (shown once; give it to the user safely, she changes it at first sign-in):\n%s\n", password)
	}
	return nil
}

// usersList: skjema users list [db flags]. Every account, with her
// kommuner, units ("all": the whole of her kommuner), role, state and how she signs in; never a password or its
// hash.
func usersList(ctx context.Context, args []string, m *Main) error {
	fs := flag.NewFlagSet("skjema users list", flag.ContinueOnError)
	rest, err := parseFlags(fs, args, m.Stdout, "", usersFlags(fs, m))
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return errors.New("usage: skjema users list [-db …]")
	}
	if err := m.openAccounts(ctx); err != nil {
		return err
	}
	defer m.store.Close()
	all, err := m.store.Accounts.AllAccounts(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tNAME\tKOMMUNER\tUNITS\tROLE\tSTATE\tSIGN-IN")
	for _, a := range all {
		role := "caseworker"
		if a.Admin {
			role = "admin"
		}
		if len(a.Decides) > 0 {
			role += ", decides in " + strings.Join(a.Decides, ",")
		}
		state := "active"
		switch {
		case a.Disabled:
			state = "disabled"
		case a.MustChangePassword:
			state = "start password"
		}
		var signIn []string
		for _, p := range a.SignIn {
			if p == engine.ProviderLocal {
				p = "password"
			}
			signIn = append(signIn, p)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.Email, a.Name, orNone(strings.Join(a.Kommuner, ",")), cmp.Or(unitList(a.Units), "all"), role, state,
			orNone(strings.Join(signIn, ", ")))
	}
	return tw.Flush()
}

// unitList writes units as -units takes them: 0301/gamle-oslo,0301/frogner.
func unitList(refs []units.Ref) string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.String()
	}
	return strings.Join(out, ",")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
