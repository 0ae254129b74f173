package engine

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine/storage"
)

// keyHashMigration (8) keeps the Idempotency-Key only as a hash: for a
// submit without a draft it is also the secret that reads the application
// (code review B2). Existing keys are hashed in Go, the same on both
// databases. It also adds the receipt a submit answered, which its replays
// answer again (B5).
var keyHashMigration = storage.GoMigration{Version: 8, Up: func(ctx context.Context, tx *sql.Tx, rebind func(string) string) error {
	for _, stmt := range []string{
		`ALTER TABLE applications RENAME COLUMN idempotency_key TO idempotency_key_hash`,
		`ALTER TABLE applications ADD COLUMN receipt TEXT NOT NULL DEFAULT ''`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("%s: %w", stmt, err)
		}
	}
	type row struct {
		id, key, reference string
		submittedAt        sql.NullTime
	}
	rs, err := tx.QueryContext(ctx, `SELECT id, idempotency_key_hash, COALESCE(reference, ''), submitted_at
		FROM applications WHERE idempotency_key_hash IS NOT NULL`)
	if err != nil {
		return err
	}
	var rows []row
	for rs.Next() {
		var r row
		if err := rs.Scan(&r.id, &r.key, &r.reference, &r.submittedAt); err != nil {
			rs.Close()
			return err
		}
		rows = append(rows, r)
	}
	if err := errors.Join(rs.Err(), rs.Close()); err != nil {
		return err
	}
	update := rebind(`UPDATE applications SET idempotency_key_hash = ?, receipt = ? WHERE id = ?`)
	for _, r := range rows {
		// What a replay answered before: the first submit's receipt.
		rc, _ := json.Marshal(Receipt{ID: r.id, Reference: r.reference, Status: StatusSubmitted, SubmittedAt: r.submittedAt.Time.UTC()})
		if _, err := tx.ExecContext(ctx, update, keyHash(r.key), string(rc), r.id); err != nil {
			return err
		}
	}
	return nil
}}

// monthMigration (14) decides the month applied for, and its § 9 day, for
// the applications submitted before migration 12 kept them, from when each
// was submitted and its channel, by the installation's calendar: the agency
// receives every batch item with its month.
func monthMigration(cal calendar.Calendar) storage.GoMigration {
	return storage.GoMigration{Version: 14, Up: func(ctx context.Context, tx *sql.Tx, rebind func(string) string) error {
		type row struct {
			id, channel string
			submittedAt time.Time
		}
		rs, err := tx.QueryContext(ctx, `SELECT id, channel, submitted_at FROM applications
			WHERE application_month = '' AND submitted_at IS NOT NULL`)
		if err != nil {
			return err
		}
		var rows []row
		for rs.Next() {
			var r row
			if err := rs.Scan(&r.id, &r.channel, &r.submittedAt); err != nil {
				rs.Close()
				return err
			}
			rows = append(rows, r)
		}
		if err := errors.Join(rs.Err(), rs.Close()); err != nil {
			return err
		}
		update := rebind(`UPDATE applications SET application_month = ?, complete_by = ? WHERE id = ?`)
		for _, r := range rows {
			ch := calendar.Channel(r.channel)
			m := cal.ApplicationMonth(r.submittedAt, ch)
			if _, err := tx.ExecContext(ctx, update, m.String(), cal.CompleteByEnd(m, ch).UTC(), r.id); err != nil {
				return err
			}
		}
		return nil
	}}
}
