package casework

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/forms"
)

// Audit actions of working as a team; neither changes the application, so
// neither moves its version: a colleague's open correction is not stale
// because someone took the case.
const (
	ActionAssign = "assign" // Detail: the user id it was given to, "" for none
	ActionNote   = "note"   // Detail: the note's id
)

// Assign gives an application to a caseworker (to, a user id), or to
// nobody (to empty). She must be an enabled account that sees the
// application: its kommune, and its unit where she belongs to units of the
// kommune. Anyone who sees it may assign it, as a team shares its queue.
func (s *Service) Assign(ctx context.Context, u accounts.User, id, to string) error {
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		a, err := s.caseTx(ctx, tx, u, id)
		if err != nil {
			return err
		}
		var assignee any // NULL for nobody
		if to != "" {
			var n int
			if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM users JOIN user_kommuner k ON k.user_id = users.id
				WHERE users.id = ? AND NOT users.disabled AND k.kommune = ?
				AND (NOT EXISTS (SELECT 1 FROM user_units uu WHERE uu.user_id = users.id AND uu.kommune = k.kommune)
					OR EXISTS (SELECT 1 FROM user_units uu WHERE uu.user_id = users.id AND uu.kommune = k.kommune AND uu.unit = ?))`,
				to, a.Kommune, unitOf(a)); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("%w: the caseworker does not work on this application's kommune %s or its unit", fault.ErrInvalid, a.Kommune)
			}
			assignee = to
		}
		if a.Assignee != nil && *a.Assignee == to || a.Assignee == nil && to == "" {
			return nil // already so: nothing to record
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET assignee = ? WHERE id = ?`, assignee, a.ID); err != nil {
			return err
		}
		return record.Audit(ctx, tx, s.clock.Now(), record.Transition{ApplicationID: a.ID, From: a.Status, To: a.Status,
			Actor: u.Actor(), Action: ActionAssign, Detail: to})
	})
	if err != nil {
		return fmt.Errorf("assign %s: %w", id, err)
	}
	return nil
}

// Note is an internal note on a case: for the kommune's caseworkers only,
// never sent to the citizen or the agency.
type Note struct {
	ID        int64     `db:"id"`
	Author    string    `db:"author"` // an actor: caseworker:<id>
	Body      string    `db:"body"`
	CreatedAt time.Time `db:"created_at"`
}

// maxNote is the longest note kept, in characters.
const maxNote = 4000

// AddNote writes an internal note on an application the caseworker sees,
// with its audit event, in one transaction.
func (s *Service) AddNote(ctx context.Context, u accounts.User, id, body string) error {
	body = strings.TrimSpace(body)
	if body == "" {
		return fmt.Errorf("%w: write the note", fault.ErrInvalid)
	}
	if len([]rune(body)) > maxNote {
		return fmt.Errorf("%w: the note is longer than 4,000 characters", fault.ErrInvalid)
	}
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		a, err := s.caseTx(ctx, tx, u, id)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		var noteID int64
		if err := tx.Get(ctx, &noteID, `INSERT INTO case_notes (application_id, author, body, created_at) VALUES (?, ?, ?, ?) RETURNING id`,
			a.ID, u.Actor(), body, now); err != nil {
			return err
		}
		return record.Audit(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: a.Status,
			Actor: u.Actor(), Action: ActionNote, Detail: strconv.FormatInt(noteID, 10)})
	})
	if err != nil {
		return fmt.Errorf("note on %s: %w", id, err)
	}
	return nil
}

// Notes are an application's internal notes, oldest first, for a
// caseworker who sees it. They are part of the case she opened (OpenCase
// audits the view), so this read is not audited again.
func (s *Service) Notes(ctx context.Context, u accounts.User, id string) ([]Note, error) {
	if _, err := s.FormOf(ctx, u, id); err != nil {
		return nil, err
	}
	var out []Note
	if err := s.db.Read().Select(ctx, &out, `SELECT id, author, body, created_at FROM case_notes WHERE application_id = ? ORDER BY id`, id); err != nil {
		return nil, fmt.Errorf("notes of %s: %w", id, err)
	}
	return out, nil
}

// NameAll keeps the applicant's name on every submitted application that
// has none yet (record.Index, its unit too), those submitted before names were kept: a
// search finds them too. form gives the form of an id; an application of a
// form not loaded is left for a start that loads it. It answers how many
// it named.
func (s *Service) NameAll(ctx context.Context, form func(id string) (*forms.Form, bool)) (int, error) {
	named, after := 0, ""
	for {
		var rows []struct {
			ID      string `db:"id"`
			Form    string `db:"form"`
			Kommune string `db:"kommune"`
			Data    string `db:"data"`
		}
		if err := s.db.Read().Select(ctx, &rows, `SELECT id, form, kommune, CAST(data AS TEXT) AS data FROM applications
			WHERE applicant_name IS NULL AND status <> ? AND id > ? ORDER BY id LIMIT 500`, string(record.StatusDraft), after); err != nil {
			return named, fmt.Errorf("name applicants: %w", err)
		}
		if len(rows) == 0 {
			return named, nil
		}
		n := 0
		err := s.db.Write(ctx, func(tx storage.Tx) error {
			n = 0
			for _, r := range rows {
				f, ok := form(r.Form)
				var doc map[string]any
				if !ok || json.Unmarshal([]byte(r.Data), &doc) != nil {
					continue
				}
				if err := record.Index(ctx, tx, s.units, f, doc, r.Kommune, r.ID); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return named, fmt.Errorf("name applicants: %w", err)
		}
		named += n
		after = rows[len(rows)-1].ID
	}
}
