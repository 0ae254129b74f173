// Package retention removes what nobody needs any more (security review
// V3, code review B7): abandoned drafts with their files, ended sessions of
// caseworkers and citizens, delivered batches' bodies, and the chunks of
// uploads that never finished.
package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/storage"
)

// Retention says how long what nobody needs any more is kept (security
// review V3, code review B7). Zero durations take the defaults.
type Retention struct {
	// Drafts untouched this long are deleted with their files and events:
	// anyone may start one, and an abandoned draft holds a fødselsnummer and
	// a kontonummer. Defaults to 30 days, a month and more than a monthly
	// deadline apart, so a citizen who starts before one deadline can finish
	// before the next.
	Drafts time.Duration
	// BatchBodies: a delivered batch's body (every application's data, as
	// the agency got it) is emptied this long after delivery; the agency has
	// had it and answered, the applications keep their own data. Defaults
	// to 30 days.
	BatchBodies time.Duration
	// Chunks of an upload that never became a file (its node died
	// mid-upload) are deleted this long after they were written. Defaults
	// to 1 hour.
	Chunks time.Duration
}

func (r Retention) withDefaults() Retention {
	if r.Drafts <= 0 {
		r.Drafts = 30 * 24 * time.Hour
	}
	if r.BatchBodies <= 0 {
		r.BatchBodies = 30 * 24 * time.Hour
	}
	if r.Chunks <= 0 {
		r.Chunks = time.Hour
	}
	return r
}

// Purged counts what one Purge removed.
type Purged struct {
	Drafts      int
	Files       int
	Sessions    int
	BatchBodies int
	Chunks      int
}

// Total is everything purged.
func (p Purged) Total() int { return p.Drafts + p.Files + p.Sessions + p.BatchBodies + p.Chunks }

// purgeBatch bounds the drafts and batch bodies one Purge removes, so one
// transaction stays short on the shared SQLite writer (a draft may hold up
// to 50 MiB of files); call Purge again while it finds more.
const purgeBatch = 100

// Service purges over one database.
type Service struct {
	db    *storage.DB
	clock record.Clock
	// sessions purge the ended sessions of each kind of account.
	sessions []func(context.Context) (int, error)
}

// New makes the service; sessions are the purges of ended sessions
// (caseworkers', citizens').
func New(db *storage.DB, clock func() time.Time, sessions ...func(context.Context) (int, error)) *Service {
	return &Service{db: db, clock: record.Clock(clock), sessions: sessions}
}

// Purge removes what is past its retention: abandoned drafts with their
// files, expired sessions (caseworkers' and citizens'), delivered batches' bodies, orphaned upload
// chunks. It removes at most purgeBatch drafts and batch bodies in one
// transaction (sessions and orphaned chunks are few, and all go); more says
// whether to call it again.
func (s *Service) Purge(ctx context.Context, r Retention) (p Purged, more bool, err error) {
	r = r.withDefaults()
	err = s.db.Write(ctx, func(tx storage.Tx) error {
		p, more = Purged{}, false
		now := s.clock.Now()
		var drafts []string
		if err := tx.Select(ctx, &drafts, `SELECT id FROM applications WHERE status = ? AND updated_at < ? ORDER BY updated_at LIMIT ?`,
			string(record.StatusDraft), now.Add(-r.Drafts), purgeBatch); err != nil {
			return err
		}
		if len(drafts) > 0 {
			// Claim the drafts first: the update locks their rows (on
			// PostgreSQL, where a citizen may save one meanwhile, it waits
			// for her save and then finds it touched) and answers only those
			// still untouched, so nothing of a draft saved since is removed.
			in, args := storage.InList(drafts)
			drafts = nil
			if err := tx.Select(ctx, &drafts, `UPDATE applications SET updated_at = updated_at WHERE status = ? AND updated_at < ? AND id IN `+in+` RETURNING id`,
				append([]any{string(record.StatusDraft), now.Add(-r.Drafts)}, args...)...); err != nil {
				return err
			}
		}
		if len(drafts) > 0 {
			in, args := storage.InList(drafts)
			var files []string
			if err := tx.Select(ctx, &files, `SELECT id FROM files WHERE application_id IN `+in, args...); err != nil {
				return err
			}
			if len(files) > 0 {
				fin, fargs := storage.InList(files)
				if _, err := tx.Exec(ctx, `DELETE FROM file_chunks WHERE file_id IN `+fin, fargs...); err != nil {
					return err
				}
			}
			for _, table := range []string{"files", "application_events", "applications"} {
				column := "application_id"
				if table == "applications" {
					column = "id"
				}
				if _, err := tx.Exec(ctx, `DELETE FROM `+table+` WHERE `+column+` IN `+in, args...); err != nil {
					return err
				}
			}
			p.Drafts, p.Files = len(drafts), len(files)
		}
		var bodies []string
		if err := tx.Select(ctx, &bodies, `SELECT id FROM batches WHERE status = ? AND delivered_at < ? AND body <> '' LIMIT ?`,
			string(record.BatchDelivered), now.Add(-r.BatchBodies), purgeBatch); err != nil {
			return err
		}
		if len(bodies) > 0 {
			in, args := storage.InList(bodies)
			n, err := tx.Exec(ctx, `UPDATE batches SET body = '' WHERE id IN `+in, args...)
			if err != nil {
				return err
			}
			p.BatchBodies = int(n)
		}
		// Chunks no file names, past the time an upload can take.
		n, err := tx.Exec(ctx, `DELETE FROM file_chunks WHERE created_at < ?
			AND NOT EXISTS (SELECT 1 FROM files WHERE files.id = file_chunks.file_id)`, now.Add(-r.Chunks))
		if err != nil {
			return err
		}
		p.Chunks = int(n)
		more = len(drafts) == purgeBatch || len(bodies) == purgeBatch
		return nil
	})
	if err != nil {
		return Purged{}, false, fmt.Errorf("purge: %w", err)
	}
	for _, purge := range s.sessions {
		n, err := purge(ctx)
		if err != nil {
			return Purged{}, false, fmt.Errorf("purge: %w", err)
		}
		p.Sessions += n
	}
	return p, more, nil
}
