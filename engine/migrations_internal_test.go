package engine

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/skjema/skjema/calendar"
)

// TestMonthMigration: an application submitted before the month applied
// for was kept gets it from when it was submitted and its channel, so that
// its batch item carries one (code review of 2026-12-02).
func TestMonthMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := Open(ctx, Config{Database: filepath.Join(t.TempDir(), "m.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	oslo := calendar.Oslo
	db := s.SQLDB()
	for _, r := range []struct {
		id, channel string
		at          time.Time
	}{
		{"digital-sunday", "digital", time.Date(2026, time.April, 26, 12, 0, 0, 0, oslo)},
		{"paper-monday", "paper", time.Date(2026, time.April, 27, 12, 0, 0, 0, oslo)},
	} {
		if _, err := db.ExecContext(ctx, `INSERT INTO applications (id, form, form_version, kommune, status, data, resume_token_hash, channel,
			created_at, updated_at, submitted_at) VALUES (?, 'bostotte', '2026.1', '0301', 'submitted', '{}', 'x', ?, ?, ?, ?)`,
			r.id, r.channel, r.at.UTC(), r.at.UTC(), r.at.UTC()); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := monthMigration(calendar.Calendar{}.WithDefaults()).Up(ctx, tx, func(q string) string { return q }); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"digital-sunday": "2026-05", "paper-monday": "2026-04"} {
		a, err := s.Application(ctx, id)
		if err != nil || a.ApplicationMonth != want || a.CompleteBy == nil {
			t.Errorf("%s: month %q complete by %v (%v), want %s", id, a.ApplicationMonth, a.CompleteBy, err, want)
		}
	}
}
