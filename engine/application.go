package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/skjema/skjema/engine/secret"
)

// Application is one application, from draft to decision.
type Application struct {
	ID                 string     `db:"id" json:"id"`
	Form               string     `db:"form" json:"form"`
	FormVersion        string     `db:"form_version" json:"formVersion"`
	Kommune            string     `db:"kommune" json:"kommune"`
	Status             Status     `db:"status" json:"status"`
	Data               string     `db:"data" json:"-"`
	Reference          *string    `db:"reference" json:"reference,omitempty"`
	ResumeTokenHash    string     `db:"resume_token_hash" json:"-"`
	IdempotencyKeyHash *string    `db:"idempotency_key_hash" json:"-"`
	RequestHash        *string    `db:"request_hash" json:"-"`
	Message            string     `db:"message" json:"message,omitempty"`
	ReturnFields       string     `db:"return_fields" json:"-"`
	Channel            string     `db:"channel" json:"channel"`
	ReviewReasons      string     `db:"review_reasons" json:"reviewReasons,omitempty"`
	AgencyReason       string     `db:"agency_reason" json:"agencyReason,omitempty"`
	Version            int        `db:"version" json:"version"`
	CreatedAt          time.Time  `db:"created_at" json:"createdAt"`
	UpdatedAt          time.Time  `db:"updated_at" json:"updatedAt"`
	SubmittedAt        *time.Time `db:"submitted_at" json:"submittedAt,omitempty"`
}

const applicationColumns = `id, form, form_version, kommune, status, CAST(data AS TEXT) AS data, reference,
	resume_token_hash, idempotency_key_hash, request_hash, message, return_fields, channel, review_reasons, agency_reason,
	version, created_at, updated_at, submitted_at`

// Event is one entry of an application's audit log.
type Event struct {
	ID            int64     `db:"id" json:"id"`
	ApplicationID string    `db:"application_id" json:"applicationId"`
	Actor         string    `db:"actor" json:"actor"`
	Action        string    `db:"action" json:"action"`
	From          Status    `db:"from_status" json:"from"`
	To            Status    `db:"to_status" json:"to"`
	Reason        string    `db:"reason" json:"reason,omitempty"`
	Detail        string    `db:"detail" json:"detail,omitempty"`
	At            time.Time `db:"at" json:"at"`
}

func getApplication(ctx context.Context, ex Executor, where string, args ...any) (Application, error) {
	var a Application
	err := ex.Get(ctx, &a, `SELECT `+applicationColumns+` FROM applications WHERE `+where, args...)
	return a, err
}

// Application reads one application by id, for system use (no token check).
func (s *Store) Application(ctx context.Context, id string) (Application, error) {
	a, err := getApplication(ctx, s.read(), `id = ?`, id)
	if err != nil {
		return Application{}, fmt.Errorf("application %s: %w", id, err)
	}
	return a, nil
}

// ToRoute is a submitted application as routing needs it: its form and
// kommune, and the routing rules' reasons decided at submit. Reasons is
// nil for one submitted before they were (then Data holds the document to
// decide them from).
type ToRoute struct {
	ID      string  `db:"id"`
	Form    string  `db:"form"`
	Kommune string  `db:"kommune"`
	Reasons *string `db:"route_reasons"`
	Data    string  `db:"data"`
}

// SubmittedApplications reads, in one query on the readers, those of the
// applications that are submitted and not yet routed.
func (s *Store) SubmittedApplications(ctx context.Context, ids []string) ([]ToRoute, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := inList(ids)
	var out []ToRoute
	if err := s.read().Select(ctx, &out, `SELECT id, form, kommune, route_reasons,
		CASE WHEN route_reasons IS NULL THEN CAST(data AS TEXT) ELSE '' END AS data
		FROM applications WHERE status = ? AND id IN `+in+` ORDER BY id`,
		append([]any{string(StatusSubmitted)}, args...)...); err != nil {
		return nil, fmt.Errorf("submitted applications: %w", err)
	}
	return out, nil
}

// Events is an application's audit log, oldest first.
func (s *Store) Events(ctx context.Context, id string) ([]Event, error) {
	var events []Event
	err := s.read().Select(ctx, &events, `SELECT id, application_id, actor, action, from_status, to_status, reason, detail, at
		FROM application_events WHERE application_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", id, err)
	}
	return events, nil
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
	if err := s.servesKommune(kommune); err != nil {
		return Draft{}, fmt.Errorf("create draft: %w", err)
	}
	if len(data) == 0 {
		data = json.RawMessage(`{}`)
	}
	d := Draft{ID: secret.ID(), Token: secret.Token()}
	err := s.write(ctx, func(tx Tx) error {
		now := s.now()
		if _, err := tx.Exec(ctx, `INSERT INTO applications (id, form, form_version, kommune, status, data, resume_token_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, form, formVersion, kommune, string(StatusDraft), string(data), secret.Hash(d.Token), now, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, Transition{ApplicationID: d.ID, To: StatusDraft, Actor: "citizen", Action: "create"}, now)
	})
	if err != nil {
		return Draft{}, fmt.Errorf("create draft: %w", err)
	}
	return d, nil
}

// OpenWithToken reads an application the way a citizen may: by id and its
// resume token. A wrong token is ErrNotFound, so ids cannot be probed. Once
// the application has left her hands (Status.LeftCitizen) its Data is
// empty: the token then reads the status and messages only.
func (s *Store) OpenWithToken(ctx context.Context, id, token string) (Application, error) {
	a, err := getApplication(ctx, s.read(), `id = ?`, id)
	if err != nil || !secret.Matches(token, a.ResumeTokenHash) {
		return Application{}, fmt.Errorf("application %s: %w", id, ErrNotFound)
	}
	if a.Status.LeftCitizen() {
		a.Data = ""
	}
	return a, nil
}

// SaveDraft replaces a draft's data. It is allowed while the application is a
// draft, or returned to the citizen (awaiting_citizen). version, when not
// zero, must match what the caller read.
func (s *Store) SaveDraft(ctx context.Context, id, token string, data json.RawMessage, version int) (Application, error) {
	var saved Application
	err := s.write(ctx, func(tx Tx) error {
		a, err := getApplication(ctx, tx, `id = ?`, id)
		if err != nil || !secret.Matches(token, a.ResumeTokenHash) {
			return ErrNotFound
		}
		if a.Status != StatusDraft && a.Status != StatusAwaitingCitizen {
			return fmt.Errorf("%w: the application is %s and can no longer be edited", ErrConflict, a.Status)
		}
		if version != 0 && version != a.Version {
			return fmt.Errorf("%w: the draft was saved elsewhere (version %d, not %d)", ErrConflict, a.Version, version)
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
