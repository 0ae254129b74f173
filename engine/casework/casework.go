// Package casework is the engine's service for what a caseworker does to
// applications: every read of one is an audit event, every change
// re-validates the document and is refused if the application changed since
// she opened it. Her kommuner bound all of it, and within a kommune her
// units, where she belongs to any: an application of another kommune or
// unit is ErrNotFound, as if it did not exist. It also lists the
// exception queue, the applications that need a human. Every exported
// method is one transaction.
package casework

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/storage"
	"github.com/skjema/skjema/engine/units"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/jsondoc"
)

// Service is casework over one database.
type Service struct {
	db        *storage.DB
	clock     record.Clock
	batchSize int
	units     *units.Units
	senders   Senders
}

// New makes the service. clock stamps its transactions; nil is time.Now.
// batchSize is the most a batch holds when an approval puts an application
// in it; zero means no limit. units place a corrected application in the
// unit of its address; nil for none. senders give the letterhead of a
// kommune's decision letters; nil names each "Kommune <number>".
func New(db *storage.DB, clock func() time.Time, batchSize int, units *units.Units, senders Senders) *Service {
	return &Service{db: db, clock: clock, batchSize: batchSize, units: units, senders: senders}
}

// Audit actions that change no status.
const (
	ActionView      = "view"               // the application's data was shown
	ActionViewFile  = "view-file"          // one of its files was downloaded
	ActionViewAudit = "view-audit"         // its audit trail was listed
	ActionCorrect   = record.ActionCorrect // a caseworker changed one answer
)

// OpenCase reads an application for a caseworker and records that she saw
// it, in one transaction: no view goes unaudited. action is ActionView or
// ActionViewAudit; detail says more (which page, which file).
func (s *Service) OpenCase(ctx context.Context, u accounts.User, id, action, detail string) (record.Application, error) {
	var a record.Application
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		var err error
		if a, err = s.caseTx(ctx, tx, u, id); err != nil {
			return err
		}
		return record.Audit(ctx, tx, s.clock.Now(), record.Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: u.Actor(), Action: action, Detail: detail})
	})
	if err != nil {
		return record.Application{}, fmt.Errorf("open %s: %w", id, err)
	}
	return a, nil
}

// CaseFile reads one file of an application for a caseworker, audited.
func (s *Service) CaseFile(ctx context.Context, u accounts.User, appID, fileID string) (record.File, []byte, error) {
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		a, err := s.caseTx(ctx, tx, u, appID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM files WHERE id = ? AND application_id = ?`, fileID, appID); err != nil {
			return err
		}
		if n == 0 {
			return fault.ErrNotFound
		}
		return record.Audit(ctx, tx, s.clock.Now(), record.Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: u.Actor(), Action: ActionViewFile, Detail: fileID})
	})
	if err != nil {
		return record.File{}, nil, fmt.Errorf("file %s of %s: %w", fileID, appID, err)
	}
	return record.FileContent(ctx, s.db.Read(), appID, fileID)
}

// FormOf answers which form an application the caseworker may see is of,
// to act on it with; an application she may not see is ErrNotFound. It
// reads no answers, so it is no view to audit.
func (s *Service) FormOf(ctx context.Context, u accounts.User, id string) (string, error) {
	var a struct {
		Form    string        `db:"form"`
		Kommune string        `db:"kommune"`
		Unit    string        `db:"unit"`
		Status  record.Status `db:"status"`
	}
	if err := s.db.Read().Get(ctx, &a, `SELECT form, kommune, COALESCE(unit, '') AS unit, status FROM applications WHERE id = ?`, id); err != nil {
		return "", fmt.Errorf("application %s: %w", id, err)
	}
	if !u.SeesCase(a.Kommune, a.Unit) || a.Status == record.StatusDraft {
		return "", fmt.Errorf("application %s: %w", id, fault.ErrNotFound)
	}
	return a.Form, nil
}

// caseTx reads an application the caseworker may see; any other is
// fault.ErrNotFound, so existence does not leak across kommuner, nor
// across the units of one.
func (s *Service) caseTx(ctx context.Context, tx storage.Tx, u accounts.User, id string) (record.Application, error) {
	a, err := record.GetApplication(ctx, tx, `id = ?`, id)
	if err != nil {
		return record.Application{}, err
	}
	if !u.SeesCase(a.Kommune, unitOf(a)) || a.Status == record.StatusDraft {
		return record.Application{}, fault.ErrNotFound
	}
	return a, nil
}

// unitOf is an application's unit, "" for none.
func unitOf(a record.Application) string {
	if a.Unit == nil {
		return ""
	}
	return *a.Unit
}

// CaseAction is one caseworker action on one application.
type CaseAction struct {
	User          accounts.User
	ApplicationID string
	// Version is the version she read. If the application has changed
	// since, the action is refused with fault.ErrConflict, never applied over the
	// other change.
	Version int
	// Form re-validates the document.
	Form *forms.Form
	// Reason is recorded in the audit event. Required for a correction, a
	// rejection and a withdrawal.
	Reason string
}

// ErrStale is the conflict of two caseworkers acting on one application.
var ErrStale = fmt.Errorf("%w: the application was changed by someone else after you opened it; open it again to see the change", fault.ErrConflict)

// act runs a caseworker action in one transaction: the application is read
// in it, scoped, checked against the version she read and re-validated
// before fn decides.
func (s *Service) act(ctx context.Context, c CaseAction, fn func(tx storage.Tx, now time.Time, a record.Application, res forms.Result) error) error {
	if c.Form == nil {
		return errors.New("casework: no form to validate with")
	}
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		a, err := s.caseTx(ctx, tx, c.User, c.ApplicationID)
		if err != nil {
			return err
		}
		if a.Version != c.Version {
			return ErrStale
		}
		if a.Form != c.Form.ID {
			return fmt.Errorf("casework: %s is form %s, not %s", a.ID, a.Form, c.Form.ID)
		}
		if a.Status == record.StatusRejected && c.Form.Road() == forms.RoadKommune {
			// The kommune's own refusal, decided with four eyes, is final
			// here: only the agency's rejection is taken back into review.
			return fmt.Errorf("%w: the kommune has decided the application", fault.ErrIllegalTransition)
		}
		res, err := c.Form.ValidateJSON([]byte(a.Data), forms.Options{Mode: forms.Full})
		if err != nil {
			return fmt.Errorf("%w: the stored document: %v", fault.ErrInvalid, err)
		}
		return fn(tx, s.clock.Now(), a, res)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", c.ApplicationID, err)
	}
	return nil
}

// reopen takes an application the agency rejected back into review, the
// first step of any action on it.
func reopen(ctx context.Context, tx storage.Tx, now time.Time, c CaseAction, a *record.Application) error {
	if a.Status != record.StatusRejected {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE applications SET closed_at = NULL WHERE id = ?`, a.ID); err != nil {
		return err
	}
	if err := record.Move(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: record.StatusInReview, Actor: c.User.Actor(), Action: "reopen", Version: a.Version}); err != nil {
		return err
	}
	a.Status, a.Version = record.StatusInReview, a.Version+1
	return nil
}

// Approve sends an application in review (or rejected by the agency, after
// a correction) on to the agency: it joins the open batch. The document must
// be valid.
func (s *Service) Approve(ctx context.Context, c CaseAction) error {
	return s.act(ctx, c, func(tx storage.Tx, now time.Time, a record.Application, res forms.Result) error {
		if !res.Valid {
			return fault.Invalid(res)
		}
		if !a.Status.Workable() {
			return fmt.Errorf("%w: an application that is %s cannot be approved", fault.ErrIllegalTransition, a.Status)
		}
		if c.Form.Road() != forms.RoadAgency {
			return fmt.Errorf("%w: the kommune decides applications of form %s: recommend a decision instead", fault.ErrIllegalTransition, c.Form.ID)
		}
		if err := reopen(ctx, tx, now, c, &a); err != nil {
			return err
		}
		// The batch's size holds for an approval as for a route: one that
		// fills the batch seals it (and enqueues its delivery).
		b, err := record.Join(ctx, tx, now, a, c.Form.Agency, s.batchSize, record.Transition{ApplicationID: a.ID, From: a.Status, To: record.StatusBatched,
			Actor: c.User.Actor(), Action: record.ActionApprove, Reason: c.Reason, Version: a.Version})
		if err == nil && s.batchSize > 0 && b.ItemCount >= s.batchSize {
			_, _, err = record.Seal(ctx, tx, now, b.ID)
		}
		return err
	})
}

// Correction is one changed answer, as its audit event keeps it: the old
// value stays in the history.
type Correction struct {
	Pointer string `json:"pointer"`
	Old     any    `json:"old"`
	New     any    `json:"new"`
}

// Correct changes one answer of an application in review (or rejected by
// the agency). The reason is required, and the document must still be valid
// afterwards; the old value is kept in the audit event.
func (s *Service) Correct(ctx context.Context, c CaseAction, pointer string, value any) error {
	if strings.TrimSpace(c.Reason) == "" {
		return fmt.Errorf("%w: say why the answer is corrected", fault.ErrInvalid)
	}
	return s.act(ctx, c, func(tx storage.Tx, now time.Time, a record.Application, before forms.Result) error {
		if !a.Status.Workable() {
			return fmt.Errorf("%w: an application that is %s cannot be corrected", fault.ErrIllegalTransition, a.Status)
		}
		doc := before.Document // the stored document, decoded once by the validation
		old, ok := jsondoc.Set(doc, jsondoc.Split(pointer), value)
		if !ok {
			return fmt.Errorf("%w: %v: %s", fault.ErrInvalid, forms.ErrNoSuchField, pointer)
		}
		res := c.Form.Validate(doc, forms.Options{Mode: forms.Full})
		if !res.Valid {
			return fault.Invalid(res)
		}
		data, err := json.Marshal(res.Document)
		if err != nil {
			return err
		}
		if err := reopen(ctx, tx, now, c, &a); err != nil {
			return err
		}
		detail, err := json.Marshal(Correction{Pointer: pointer, Old: old, New: value})
		if err != nil {
			return err
		}
		// A corrected fødselsnummer names another applicant: keep the key
		// a second application is found by current.
		// The routing rules run again on the corrected answers (review
		// finding 25): the case says why it is here now, not at submit.
		n, err := tx.Exec(ctx, `UPDATE applications SET data = ?, applicant_hash = ?, review_reasons = ?, version = version + 1, updated_at = ?
			WHERE id = ? AND version = ?`,
			string(data), record.ApplicantHash(c.Form, res.Document), recheck(c.Form, res.Document, a, now), now, a.ID, a.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrStale
		}
		// A corrected name is searched for as corrected; a corrected
		// postnummer may lie in another unit: the case moves to it (and
		// out of sight of a caseworker of this one).
		if err := record.Index(ctx, tx, s.units, c.Form, res.Document, a.Kommune, a.ID); err != nil {
			return err
		}
		return record.Audit(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: c.User.Actor(),
			Action: ActionCorrect, Reason: c.Reason, Detail: string(detail)})
	})
}

// recheck is an application's review reasons after a correction: the
// routing rules' reasons as they hold for the corrected document (on the
// first of the month applied for, as at submit), followed by the reasons
// that are not the rules' (a duplicate, a failed delivery), which stay.
func recheck(f *forms.Form, doc map[string]any, a record.Application, now time.Time) string {
	on := now
	if a.SubmittedAt != nil {
		on = *a.SubmittedAt
	}
	if m, err := calendar.ParseMonth(a.ApplicationMonth); err == nil {
		on = m.First()
	}
	reasons := f.ReviewReasons(doc, on)
	ruled := map[string]bool{}
	for _, r := range f.Rules.Routing {
		ruled[r.ID] = true
	}
	for _, r := range strings.Split(a.ReviewReasons, ",") {
		if r != "" && !ruled[r] && !slices.Contains(reasons, r) {
			reasons = append(reasons, r)
		}
	}
	return strings.Join(reasons, ",")
}

// citizenMessage is a caseworker's message to the citizen, trimmed: one
// she can read (not empty, at most 4,000 characters).
func citizenMessage(message string) (string, error) {
	message = strings.TrimSpace(message)
	if message == "" {
		return "", fmt.Errorf("%w: write the message the citizen will read", fault.ErrInvalid)
	}
	if len(message) > 4000 {
		return "", fmt.Errorf("%w: the message is longer than 4,000 characters", fault.ErrInvalid)
	}
	return message, nil
}

// ReturnToCitizen asks the citizen for what is missing: the application goes
// to awaiting_citizen with the message, and the fields to fix are those the
// caseworker names plus any the validation now finds wrong. The citizen
// sees both when she resumes, and her resubmission brings it back to review.
func (s *Service) ReturnToCitizen(ctx context.Context, c CaseAction, message string, fields []string) error {
	message, err := citizenMessage(message)
	if err != nil {
		return err
	}
	return s.act(ctx, c, func(tx storage.Tx, now time.Time, a record.Application, res forms.Result) error {
		if !a.Status.Workable() {
			return fmt.Errorf("%w: an application that is %s cannot be returned", fault.ErrIllegalTransition, a.Status)
		}
		for _, e := range res.Errors {
			if !slices.Contains(fields, e.Pointer) {
				fields = append(fields, e.Pointer)
			}
		}
		list, err := json.Marshal(append([]string{}, fields...))
		if err != nil {
			return err
		}
		if err := reopen(ctx, tx, now, c, &a); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET message = ?, return_fields = ?, requested_documents = '', sent_data = CAST(data AS TEXT) WHERE id = ?`, message, string(list), a.ID); err != nil {
			return err
		}
		return record.Move(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: record.StatusAwaitingCitizen, Actor: c.User.Actor(),
			Action: "return", Reason: message, Detail: string(list), Version: a.Version})
	})
}

// Reject settles an application as rejected by the kommune, or confirms the
// agency's rejection; it leaves the exception queue. The reason is required.
func (s *Service) Reject(ctx context.Context, c CaseAction) error {
	if strings.TrimSpace(c.Reason) == "" {
		return fmt.Errorf("%w: say why the application is rejected", fault.ErrInvalid)
	}
	return s.act(ctx, c, func(tx storage.Tx, now time.Time, a record.Application, _ forms.Result) error {
		if c.Form.Road() == forms.RoadKommune {
			// A refusal is a decision, and the kommune's decisions take
			// four eyes: recommend it instead.
			return fmt.Errorf("%w: the kommune decides applications of form %s with four eyes: recommend a refusal instead", fault.ErrIllegalTransition, c.Form.ID)
		}
		switch a.Status {
		case record.StatusInReview:
			if err := record.Move(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: record.StatusRejected, Actor: c.User.Actor(),
				Action: "reject", Reason: c.Reason, Version: a.Version}); err != nil {
				return err
			}
		case record.StatusRejected:
			// The agency's rejection stands: recorded without a status move,
			// but as a change all the same (the version moves on).
			if _, err := tx.Exec(ctx, `UPDATE applications SET version = version + 1, updated_at = ? WHERE id = ?`, now, a.ID); err != nil {
				return err
			}
			if err := record.Audit(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: c.User.Actor(),
				Action: "reject", Reason: c.Reason}); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: an application that is %s cannot be rejected", fault.ErrIllegalTransition, a.Status)
		}
		_, err := tx.Exec(ctx, `UPDATE applications SET closed_at = ? WHERE id = ?`, now, a.ID)
		return err
	})
}

// Withdraw marks an application withdrawn (the citizen asked, or it was sent
// twice) before it reaches the agency. The reason is required.
func (s *Service) Withdraw(ctx context.Context, c CaseAction) error {
	if strings.TrimSpace(c.Reason) == "" {
		return fmt.Errorf("%w: say why the application is withdrawn", fault.ErrInvalid)
	}
	return s.act(ctx, c, func(tx storage.Tx, now time.Time, a record.Application, _ forms.Result) error {
		if a.Status != record.StatusInReview && a.Status != record.StatusAwaitingCitizen {
			return fmt.Errorf("%w: an application that is %s cannot be withdrawn here", fault.ErrIllegalTransition, a.Status)
		}
		return record.Move(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: record.StatusWithdrawn, Actor: c.User.Actor(),
			Action: "withdraw", Reason: c.Reason, Version: a.Version})
	})
}

// likeEscaper escapes LIKE's wildcards (with \ as the escape character).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// CountByStatus counts applications in each status.
func (s *Service) CountByStatus(ctx context.Context) (map[record.Status]int, error) {
	var rows []struct {
		Status record.Status `db:"status"`
		N      int           `db:"n"`
	}
	if err := s.db.Read().Select(ctx, &rows, `SELECT status, COUNT(*) AS n FROM applications GROUP BY status`); err != nil {
		return nil, fmt.Errorf("count by status: %w", err)
	}
	out := map[record.Status]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}
