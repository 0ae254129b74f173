package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	_ "time/tzdata" // references follow the Norwegian calendar year wherever the server runs

	"github.com/skjema/skjema/forms"
)

// Enqueuer adds routing jobs for submitted applications inside the submit's
// own transaction, so they commit or fail together. The queue package
// implements it with River's InsertManyTx. On SQLite the store gathers the
// jobs of one group commit and enqueues them in one call before the commit.
type Enqueuer interface {
	EnqueueRoutes(ctx context.Context, tx Tx, applicationIDs []string) error
}

// UseEnqueuer sets who enqueues routing jobs. It must be called before the
// first Submit.
func (s *Store) UseEnqueuer(e Enqueuer) { s.enqueuer = e }

// SubmitRequest is one submit as the citizen API receives it.
type SubmitRequest struct {
	Form *forms.Form
	// Body is the document exactly as sent; its hash makes a retry with the
	// same key recognisable.
	Body []byte
	// IdempotencyKey identifies the submit: a draft's id (with its Token), or
	// a random key of the client's own of at least 16 characters, which then
	// also serves as the token for reading the application's status.
	IdempotencyKey string
	Token          string
	// Kommune is the kommune the application is for; empty means the
	// address's kommunenummer.
	Kommune string
	Lang    forms.Lang
	// Registrar is the caseworker who registers a paper application on the
	// citizen's behalf; nil for the citizen's own submit. It is the submit
	// event's actor, and the application's channel is then "paper".
	Registrar *User
}

// Receipt is what the citizen gets back: the same for every retry.
type Receipt struct {
	ID          string    `json:"id"`
	Reference   string    `json:"reference"`
	Status      Status    `json:"status"`
	SubmittedAt time.Time `json:"submittedAt"`
}

// MinIdempotencyKey is the shortest key a client may submit without a draft:
// the key is then also the secret that reads the status.
const MinIdempotencyKey = 16

var oslo, _ = time.LoadLocation("Europe/Oslo")

// Submit validates a document in full and, if it is valid, stores the
// application, its audit event and its routing job in one transaction. It
// answers only once that transaction is durably committed. A retry with the
// same key and body gets the same receipt and creates nothing; the same key
// with another body is ErrConflict.
func (s *Store) Submit(ctx context.Context, req SubmitRequest) (Receipt, error) {
	if s.enqueuer == nil {
		return Receipt{}, errors.New("submit: no enqueuer configured")
	}
	if len(req.IdempotencyKey) > 200 {
		return Receipt{}, fmt.Errorf("%w: the Idempotency-Key is longer than 200 characters", ErrInvalid)
	}
	res, err := req.Form.ValidateJSON(req.Body, forms.Options{Mode: forms.Full, Lang: req.Lang})
	if err != nil {
		return Receipt{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	if !res.Valid {
		return Receipt{}, invalid(res)
	}
	data, err := json.Marshal(res.Document)
	if err != nil {
		return Receipt{}, fmt.Errorf("submit: %w", err)
	}
	kommune := req.Kommune
	if kommune == "" {
		if addr, ok := res.Document["address"].(map[string]any); ok {
			kommune, _ = addr["kommunenummer"].(string)
		}
	}
	sum := sha256.Sum256(append([]byte(req.Form.ID+"\x00"+kommune+"\x00"), req.Body...))
	requestHash := hex.EncodeToString(sum[:])

	// On PostgreSQL the reference comes from this node's block before the
	// transaction starts: taking it inside would hold a pooled connection
	// while waiting for another. (A replayed submit burns one; gaps are
	// allowed.) On SQLite it is counted inside the transaction.
	var ref string
	if s.dialect == postgres {
		if ref, err = s.nextReference(ctx, nil, req.Form, s.now()); err != nil {
			return Receipt{}, fmt.Errorf("submit: %w", err)
		}
	}
	var receipt Receipt
	write := func(tx Tx) error {
		r, err := s.submitTx(ctx, tx, req, res.Document, kommune, string(data), requestHash, ref)
		receipt = r
		return err
	}
	err = s.Write(ctx, write)
	if errors.Is(err, errUnique) {
		// Two submits with one key raced on PostgreSQL: the loser now finds
		// the winner's row and answers its receipt.
		err = s.Write(ctx, write)
	}
	if err != nil {
		return Receipt{}, fmt.Errorf("submit: %w", err)
	}
	return receipt, nil
}

// submitRow is what a submit needs to know of an existing row: a prior
// submit under the same key, or the draft the key names.
type submitRow struct {
	ID              string     `db:"id"`
	Form            string     `db:"form"`
	Status          Status     `db:"status"`
	ResumeTokenHash string     `db:"resume_token_hash"`
	IdempotencyKey  *string    `db:"idempotency_key"`
	RequestHash     *string    `db:"request_hash"`
	Reference       *string    `db:"reference"`
	SubmittedAt     *time.Time `db:"submitted_at"`
}

func (s *Store) submitTx(ctx context.Context, tx Tx, req SubmitRequest, doc map[string]any, kommune, data, requestHash, ref string) (Receipt, error) {
	key := req.IdempotencyKey
	var rows []submitRow
	if err := tx.Select(ctx, &rows, `SELECT id, form, status, resume_token_hash, idempotency_key, request_hash, reference, submitted_at
		FROM applications WHERE idempotency_key = ? OR id = ?`, key, key); err != nil {
		return Receipt{}, err
	}
	var draft *submitRow
	for i, r := range rows {
		if r.IdempotencyKey != nil && *r.IdempotencyKey == key && r.Status == StatusAwaitingCitizen {
			return s.resubmitTx(ctx, tx, req, r, doc, data, requestHash)
		}
		if r.IdempotencyKey != nil && *r.IdempotencyKey == key {
			if r.RequestHash == nil || *r.RequestHash != requestHash || r.Form != req.Form.ID {
				return Receipt{}, fmt.Errorf("%w: this Idempotency-Key was used for a different submission", ErrConflict)
			}
			rc := Receipt{ID: r.ID, Status: StatusSubmitted}
			if r.Reference != nil {
				rc.Reference = *r.Reference
			}
			if r.SubmittedAt != nil {
				rc.SubmittedAt = r.SubmittedAt.UTC()
			}
			return rc, nil
		}
		if r.ID == key {
			draft = &rows[i]
		}
	}

	now := s.now()
	receipt := Receipt{Status: StatusSubmitted, SubmittedAt: now}
	from := StatusDraft
	if draft != nil {
		if !tokenMatches(req.Token, draft.ResumeTokenHash) {
			return Receipt{}, fmt.Errorf("draft %s: %w", key, ErrNotFound)
		}
		if draft.Form != req.Form.ID {
			return Receipt{}, fmt.Errorf("%w: draft %s is for form %s", ErrConflict, key, draft.Form)
		}
		if draft.Status != StatusDraft {
			return Receipt{}, fmt.Errorf("%w: the application is %s, not a draft", ErrConflict, draft.Status)
		}
		if err := checkFiles(ctx, tx, req.Form, req.Lang, key, doc); err != nil {
			return Receipt{}, err
		}
		n, err := tx.Exec(ctx, `UPDATE applications SET status = ?, form_version = ?, kommune = ?, data = ?,
			idempotency_key = ?, request_hash = ?, submitted_at = ?, updated_at = ?, version = version + 1
			WHERE id = ? AND status = ?`,
			string(StatusSubmitted), req.Form.Version, kommune, data, key, requestHash, now, now, key, string(StatusDraft))
		if err != nil {
			return Receipt{}, err
		}
		if n == 0 {
			return Receipt{}, ErrConflict
		}
		receipt.ID = key
	} else {
		if len(key) < MinIdempotencyKey {
			return Receipt{}, fmt.Errorf("%w: without a draft the Idempotency-Key must be a random value of at least %d characters", ErrInvalid, MinIdempotencyKey)
		}
		if err := checkFiles(ctx, tx, req.Form, req.Lang, "", doc); err != nil {
			return Receipt{}, err // files can only be uploaded to a draft
		}
		receipt.ID, from = newID(), ""
		if _, err := tx.Exec(ctx, `INSERT INTO applications (id, form, form_version, kommune, status, data, resume_token_hash,
			idempotency_key, request_hash, created_at, updated_at, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			receipt.ID, req.Form.ID, req.Form.Version, kommune, string(StatusSubmitted), data, tokenHash(key),
			key, requestHash, now, now, now); err != nil {
			return Receipt{}, err
		}
	}
	actor, action := "citizen", "submit"
	if req.Registrar != nil {
		if !req.Registrar.Sees(kommune) {
			return Receipt{}, fmt.Errorf("%w: kommune %s is not yours", ErrInvalid, kommune)
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET channel = 'paper' WHERE id = ?`, receipt.ID); err != nil {
			return Receipt{}, err
		}
		actor, action = req.Registrar.Actor(), "paper"
	}
	if err := s.audit(ctx, tx, Transition{ApplicationID: receipt.ID, From: from, To: StatusSubmitted, Actor: actor, Action: action}, now); err != nil {
		return Receipt{}, err
	}
	if err := s.enqueueRoute(ctx, tx, receipt.ID); err != nil {
		return Receipt{}, fmt.Errorf("enqueue route for %s: %w", receipt.ID, err)
	}
	// On SQLite the reference counter row is updated inside the submit:
	// take it last, so it is held as briefly as possible.
	if ref == "" {
		var err error
		if ref, err = s.nextReference(ctx, tx, req.Form, now); err != nil {
			return Receipt{}, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE applications SET reference = ? WHERE id = ?`, ref, receipt.ID); err != nil {
		return Receipt{}, err
	}
	receipt.Reference = ref
	return receipt, nil
}

// resubmitTx takes the citizen's answer to a caseworker who returned her
// application: the new document replaces the old one and the application
// goes back to the kommune's queue (in_review), not through routing again.
// The same key that submitted it resubmits it, with the same token.
func (s *Store) resubmitTx(ctx context.Context, tx Tx, req SubmitRequest, r submitRow, doc map[string]any, data, requestHash string) (Receipt, error) {
	token := req.Token
	if token == "" && r.ID != req.IdempotencyKey {
		token = req.IdempotencyKey // a submit without a draft: the key is the token
	}
	if !tokenMatches(token, r.ResumeTokenHash) {
		return Receipt{}, fmt.Errorf("application %s: %w", r.ID, ErrNotFound)
	}
	if r.Form != req.Form.ID {
		return Receipt{}, fmt.Errorf("%w: application %s is for form %s", ErrConflict, r.ID, r.Form)
	}
	fileOwner := r.ID
	if r.ID != req.IdempotencyKey {
		fileOwner = "" // files can only be uploaded to a draft
	}
	if err := checkFiles(ctx, tx, req.Form, req.Lang, fileOwner, doc); err != nil {
		return Receipt{}, err
	}
	now := s.now()
	if _, err := tx.Exec(ctx, `UPDATE applications SET data = ?, form_version = ?, request_hash = ?, message = '', return_fields = '',
		updated_at = ? WHERE id = ?`, data, req.Form.Version, requestHash, now, r.ID); err != nil {
		return Receipt{}, err
	}
	if err := s.Move(ctx, tx, Transition{ApplicationID: r.ID, From: StatusAwaitingCitizen, To: StatusInReview, Actor: "citizen", Action: "resubmit"}); err != nil {
		return Receipt{}, err
	}
	rc := Receipt{ID: r.ID, Status: StatusInReview, SubmittedAt: now}
	if r.Reference != nil {
		rc.Reference = *r.Reference
	}
	return rc, nil
}

// enqueueRoute enqueues at once, or, inside a SQLite group commit, leaves the
// job for the group's single insert just before its commit.
func (s *Store) enqueueRoute(ctx context.Context, tx Tx, id string) error {
	if se, ok := tx.(sqliteExec); ok && se.deferred != nil {
		*se.deferred = append(*se.deferred, id)
		return nil
	}
	return s.enqueuer.EnqueueRoutes(ctx, tx, []string{id})
}

// flushRoutes enqueues a group's deferred routing jobs.
func (s *Store) flushRoutes(ctx context.Context, tx Tx, ids []string) error {
	if s.enqueuer == nil {
		return errors.New("no enqueuer configured")
	}
	if err := s.enqueuer.EnqueueRoutes(ctx, tx, ids); err != nil {
		return fmt.Errorf("enqueue %d routes: %w", len(ids), err)
	}
	return nil
}

// StatusView is what the citizen may read of a submitted application.
type StatusView struct {
	ID        string `json:"id"`
	Reference string `json:"reference,omitempty"`
	Status    Status `json:"status"`
	Message   string `json:"message,omitempty"`
	// Fields are the pointers of the answers the caseworker asks to be
	// fixed, while the application awaits the citizen.
	Fields      []string   `json:"fields,omitempty"`
	SubmittedAt *time.Time `json:"submittedAt,omitempty"`
	UpdatedAt   time.Time  `json:"updatedAt"`
}

// SubmissionStatus reads an application's status with its token.
func (s *Store) SubmissionStatus(ctx context.Context, id, token string) (StatusView, error) {
	a, err := s.OpenWithToken(ctx, id, token)
	if err != nil {
		return StatusView{}, err
	}
	v := StatusView{ID: a.ID, Status: a.Status, Message: a.Message, Fields: a.Fields(), SubmittedAt: a.SubmittedAt, UpdatedAt: a.UpdatedAt}
	if a.Reference != nil {
		v.Reference = *a.Reference
	}
	return v, nil
}
