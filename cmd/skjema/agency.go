package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/queue"
)

const agencyUsage = `usage: skjema agency add [-rotate [-overlap 24h]] NAME | agency list | agency revoke NAME  (with -db, -forms-dir, -agencies as for serve)`

// agencyCommand manages the agencies' API keys: add (or rotate), list,
// revoke. A name must be an agency the forms or the agencies file name.
func agencyCommand(ctx context.Context, args []string, m *Main) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", agencyUsage)
	}
	verb := args[0]
	fs := flag.NewFlagSet("agency "+verb, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	db := fs.String("db", "skjema.db", "SQLite file, or a postgres:// URL (SKJEMA_DB)")
	formsDir := fs.String("forms-dir", "", "directory of extra form definitions (SKJEMA_FORMS_DIR)")
	agenciesFile := fs.String("agencies", "", "the agencies file serve reads (SKJEMA_AGENCIES)")
	rotate := fs.Bool("rotate", false, "add: make a new key for an agency that has one; the old one works for -overlap")
	overlap := fs.Duration("overlap", 24*time.Hour, "add -rotate: how long the old key goes on working")
	rest, err := parseFlags(fs, args[1:], m.Stdout, "", map[string]string{"db": "SKJEMA_DB", "forms-dir": "SKJEMA_FORMS_DIR", "agencies": "SKJEMA_AGENCIES"})
	if err != nil {
		return err
	}
	store, err := engine.Open(ctx, engine.Config{Database: *db, Logger: m.logger()})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	switch {
	case verb == "list" && len(rest) == 0:
		return listAgencyKeys(ctx, store, m)
	case (verb == "add" || verb == "revoke") && len(rest) == 1:
		name := rest[0]
		known, err := knownAgencies(*formsDir, *agenciesFile)
		if err != nil {
			return err
		}
		if !slices.Contains(known, name) {
			return fmt.Errorf("no agency %q: the forms send to %s", name, strings.Join(known, ", "))
		}
		if verb == "revoke" {
			n, err := store.Batches.RevokeAgencyKeys(ctx, name)
			if err != nil {
				return err
			}
			fmt.Fprintf(m.Stdout, "revoked %d key(s) of %s: they stop working now\n", n, name)
			return nil
		}
		var key string
		if *rotate {
			key, err = store.Batches.RotateAgencyKey(ctx, name, *overlap)
		} else {
			key, err = store.Batches.CreateAgencyKey(ctx, name)
		}
		if err != nil {
			return fmt.Errorf("%w (skjema agency add -rotate %s makes a new one)", err, name)
		}
		fmt.Fprintf(m.Stdout, "API key for %s (shown once; store it safely):\n%s\n", name, key)
		if *rotate {
			fmt.Fprintf(m.Stdout, "the old key works until %s\n", time.Now().Add(*overlap).In(calendar.Oslo).Format("2006-01-02 15:04 MST"))
		}
		return nil
	}
	return fmt.Errorf("%s", agencyUsage)
}

// knownAgencies are the agencies the forms send to: the only names serve
// takes in the agencies file, which is checked as serve checks it.
func knownAgencies(formsDir, agenciesFile string) ([]string, error) {
	reg, err := forms.Load(forms.Config{Dir: formsDir})
	if err != nil {
		return nil, fmt.Errorf("load forms: %w", err)
	}
	if agenciesFile != "" {
		raw, err := os.ReadFile(agenciesFile)
		if err != nil {
			return nil, err
		}
		if _, err := queue.ParseAgencies(raw, reg.Agencies()); err != nil {
			return nil, fmt.Errorf("agencies file %s: %w", agenciesFile, err)
		}
	}
	return reg.Agencies(), nil
}

func listAgencyKeys(ctx context.Context, store *engine.Store, m *Main) error {
	keys, err := store.Batches.AgencyKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "AGENCY\tKEY ID\tCREATED\tSTATE")
	now := time.Now()
	when := func(t time.Time) string { return t.In(calendar.Oslo).Format("2006-01-02 15:04") }
	for _, k := range keys {
		state := "live"
		switch {
		case k.RevokedAt != nil:
			state = "revoked " + when(*k.RevokedAt)
		case k.ExpiresAt != nil && !k.ExpiresAt.After(now):
			state = "expired " + when(*k.ExpiresAt)
		case k.ExpiresAt != nil:
			state = "live until " + when(*k.ExpiresAt) + " (rotated)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.Agency, k.ID, when(k.CreatedAt), state)
	}
	return tw.Flush()
}
