package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/skjema/skjema/engine/citizens"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/forms"
)

// Application reads one application by id, for system use (no token check).
func (s *Store) Application(ctx context.Context, id string) (Application, error) {
	a, err := record.GetApplication(ctx, s.read(), `id = ?`, id)
	if err != nil {
		return Application{}, fmt.Errorf("application %s: %w", id, err)
	}
	return a, nil
}

// Events is an application's audit log, oldest first.
func (s *Store) Events(ctx context.Context, id string) ([]Event, error) {
	return record.Events(ctx, s.read(), id)
}

// Draft is a new draft's id and the resume token that opens it, which is
// shown once and stored only as a hash.
type Draft struct {
	ID    string `json:"id"`
	Token string `json:"token"`
}

// CreateDraft starts an application for a form and kommune. data may be
// empty. Where the installation lists its kommuner, the kommune must be one
// of them (ErrUnknownKommune).
func (s *Store) CreateDraft(ctx context.Context, form, formVersion, kommune string, data json.RawMessage) (Draft, error) {
	return s.createDraft(ctx, nil, form, formVersion, kommune, data)
}

// CreateCitizenDraft starts an application as CreateDraft does, for the
// citizen signed in with the session token: it is hers, and her token
// opens it on any device, without its resume token.
// need is the level of sign-in the form asks for: a session below it is
// ErrSignInLevel.
func (s *Store) CreateCitizenDraft(ctx context.Context, token string, need forms.Level, form, formVersion, kommune string, data json.RawMessage) (Draft, error) {
	c, err := record.CitizenByToken(ctx, s.read(), token, s.now())
	if err != nil {
		return Draft{}, fmt.Errorf("create draft: %w: not signed in, or the session has ended", ErrUnauthorized)
	}
	if err := citizens.AtLevel(c.Level, need); err != nil {
		return Draft{}, fmt.Errorf("create draft: %w", err)
	}
	return s.createDraft(ctx, &c.OwnerHash, form, formVersion, kommune, data)
}

func (s *Store) createDraft(ctx context.Context, owner *string, form, formVersion, kommune string, data json.RawMessage) (Draft, error) {
	if err := s.servesKommune(kommune); err != nil {
		return Draft{}, fmt.Errorf("create draft: %w", err)
	}
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	d := Draft{ID: secret.ID(), Token: secret.Token()}
	err := s.write(ctx, func(tx Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO applications (id, form, form_version, kommune, status, data, resume_token_hash, owner_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, form, formVersion, kommune, string(StatusDraft), string(data), secret.Hash(d.Token), owner, now, now); err != nil {
			return err
		}
		return record.Audit(ctx, tx, now, Transition{ApplicationID: d.ID, To: StatusDraft, Actor: "citizen", Action: "create"})
	})
	if err != nil {
		return Draft{}, fmt.Errorf("create draft: %w", err)
	}
	return d, nil
}

// OpenWithToken reads an application the way a citizen may: by id and its
// resume token, or the session token of the signed-in citizen it belongs
// to. A wrong token is ErrNotFound, so ids cannot be probed. Once the
// application has left her hands (Status.LeftCitizen) a resume token reads
// the status and messages only (Data is empty), and her session also her
// copy of what she sent.
func (s *Store) OpenWithToken(ctx context.Context, id, token string) (Application, error) {
	a, err := record.GetApplication(ctx, s.read(), `id = ?`, id)
	if err != nil || !record.Holds(ctx, s.read(), token, a.ResumeTokenHash, a.OwnerHash, s.now()) {
		return Application{}, fmt.Errorf("application %s: %w", id, ErrNotFound)
	}
	// A resume token is a link that may have travelled; the session of the
	// citizen ID-porten vouched for is her own, and reads her copy.
	if a.Status.LeftCitizen() && !IsCitizenToken(token) {
		a.Data = ""
	}
	return a, nil
}

// ReceiptCopyWindow is how long after a submit the resume token still
// reads the copy of what was sent, though the application has left her
// hands: the time the receipt is on her screen. After it, only her
// ID-porten session reads it (security review H1).
const ReceiptCopyWindow = time.Hour

// OpenCopy opens a submitted application for the copy of what was sent:
// as OpenWithToken does, and with its document for the resume token too
// within ReceiptCopyWindow of the submit.
func (s *Store) OpenCopy(ctx context.Context, id, token string) (Application, error) {
	a, err := s.OpenWithToken(ctx, id, token)
	if err != nil || a.Data != "" || a.SubmittedAt == nil || s.now().Sub(*a.SubmittedAt) >= ReceiptCopyWindow {
		return a, err
	}
	full, err := record.GetApplication(ctx, s.read(), `id = ?`, id)
	if err != nil {
		return Application{}, fmt.Errorf("application %s: %w", id, ErrNotFound)
	}
	return full, nil
}

// SaveDraft replaces a draft's data. It is allowed while the application is a
// draft, or returned to the citizen (awaiting_citizen). version, when not
// zero, must match what the caller read.
func (s *Store) SaveDraft(ctx context.Context, id, token string, data json.RawMessage, version int) (Application, error) {
	var saved Application
	err := s.write(ctx, func(tx Tx) error {
		a, err := record.GetApplication(ctx, tx, `id = ?`, id)
		if err != nil {
			return ErrNotFound
		}
		if ok, err := record.HoldsToChange(ctx, tx, token, a.ResumeTokenHash, a.OwnerHash, s.now()); err != nil || !ok {
			return cmp.Or(err, ErrNotFound)
		}
		if a.Status != StatusDraft && a.Status != StatusAwaitingCitizen {
			return fmt.Errorf("%w: the application is %s and can no longer be edited", ErrConflict, a.Status)
		}
		if version != 0 && version != a.Version {
			return fmt.Errorf("%w: the draft was saved elsewhere (version %d, not %d)", ErrConflict, a.Version, version)
		}
		asked, err := requestedDocuments(a.RequestedDocuments)
		if err != nil {
			return err
		}
		if len(asked) > 0 {
			if err := onlyDocuments(asked, a.Data, string(data), false); err != nil {
				return err
			}
		}
		now := s.now()
		n, err := tx.Exec(ctx, `UPDATE applications SET data = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(data), now, id, a.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrConflict
		}
		a.Data, a.Version, a.UpdatedAt = string(data), a.Version+1, now
		saved = a
		return nil
	})
	if err != nil {
		return Application{}, fmt.Errorf("save draft %s: %w", id, err)
	}
	return saved, nil
}
