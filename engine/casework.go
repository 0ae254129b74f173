package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/skjema/skjema/forms"
)

// Casework is what a caseworker does to applications: every read of one is
// an audit event, every change re-validates the document and is refused if
// the application changed since she opened it. Her kommuner bound all of it:
// an application of another kommune is ErrNotFound, as if it did not exist.

// Audit actions that change no status.
const (
	ActionView      = "view"       // the application's data was shown
	ActionViewFile  = "view-file"  // one of its files was downloaded
	ActionViewAudit = "view-audit" // its audit trail was listed
	ActionCorrect   = "correct"    // a caseworker changed one answer
)

// OpenCase reads an application for a caseworker and records that she saw
// it, in one transaction: no view goes unaudited. action is ActionView or
// ActionViewAudit; detail says more (which page, which file).
func (s *Store) OpenCase(ctx context.Context, u User, id, action, detail string) (Application, error) {
	var a Application
	err := s.write(ctx, func(tx Tx) error {
		var err error
		if a, err = s.caseTx(ctx, tx, u, id); err != nil {
			return err
		}
		return s.audit(ctx, tx, Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: u.Actor(), Action: action, Detail: detail}, s.now())
	})
	if err != nil {
		return Application{}, fmt.Errorf("open %s: %w", id, err)
	}
	return a, nil
}

// CaseFile reads one file of an application for a caseworker, audited.
func (s *Store) CaseFile(ctx context.Context, u User, appID, fileID string) (File, []byte, error) {
	err := s.write(ctx, func(tx Tx) error {
		a, err := s.caseTx(ctx, tx, u, appID)
		if err != nil {
			return err
		}
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM files WHERE id = ? AND application_id = ?`, fileID, appID); err != nil {
			return err
		}
		if n == 0 {
			return ErrNotFound
		}
		return s.audit(ctx, tx, Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: u.Actor(), Action: ActionViewFile, Detail: fileID}, s.now())
	})
	if err != nil {
		return File{}, nil, fmt.Errorf("file %s of %s: %w", fileID, appID, err)
	}
	return s.FileContent(ctx, appID, fileID)
}

// caseTx reads an application the caseworker may see; any other is
// ErrNotFound, so existence does not leak across kommuner.
func (s *Store) caseTx(ctx context.Context, tx Tx, u User, id string) (Application, error) {
	a, err := getApplication(ctx, tx, `id = ?`, id)
	if err != nil {
		return Application{}, err
	}
	if !u.Sees(a.Kommune) || a.Status == StatusDraft {
		return Application{}, ErrNotFound
	}
	return a, nil
}

// CaseAction is one caseworker action on one application.
type CaseAction struct {
	User          User
	ApplicationID string
	// Version is the version she read. If the application has changed
	// since, the action is refused with ErrConflict, never applied over the
	// other change.
	Version int
	// Form re-validates the document.
	Form *forms.Form
	// Reason is recorded in the audit event. Required for a correction, a
	// rejection and a withdrawal.
	Reason string
}

// ErrStale is the conflict of two caseworkers acting on one application.
var ErrStale = fmt.Errorf("%w: the application was changed by someone else after you opened it; open it again to see the change", ErrConflict)

// act runs a caseworker action in one transaction: the application is read
// in it, scoped, checked against the version she read and re-validated
// before fn decides.
func (s *Store) act(ctx context.Context, c CaseAction, fn func(tx Tx, a Application, res forms.Result) error) error {
	if c.Form == nil {
		return errors.New("casework: no form to validate with")
	}
	err := s.write(ctx, func(tx Tx) error {
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
		res, err := c.Form.ValidateJSON([]byte(a.Data), forms.Options{Mode: forms.Full})
		if err != nil {
			return fmt.Errorf("%w: the stored document: %v", ErrInvalid, err)
		}
		return fn(tx, a, res)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", c.ApplicationID, err)
	}
	return nil
}

// reopen takes an application the agency rejected back into review, the
// first step of any action on it.
func (s *Store) reopen(ctx context.Context, tx Tx, c CaseAction, a *Application) error {
	if a.Status != StatusRejected {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE applications SET closed_at = NULL WHERE id = ?`, a.ID); err != nil {
		return err
	}
	if err := s.move(ctx, tx, Transition{ApplicationID: a.ID, From: a.Status, To: StatusInReview, Actor: c.User.Actor(), Action: "reopen", Version: a.Version}); err != nil {
		return err
	}
	a.Status, a.Version = StatusInReview, a.Version+1
	return nil
}

// Approve sends an application in review (or rejected by the agency, after
// a correction) on to the agency: it joins the open batch. The document must
// be valid.
func (s *Store) Approve(ctx context.Context, c CaseAction) error {
	return s.act(ctx, c, func(tx Tx, a Application, res forms.Result) error {
		if !res.Valid {
			return invalid(res)
		}
		if !a.Status.Workable() {
			return fmt.Errorf("%w: an application that is %s cannot be approved", ErrIllegalTransition, a.Status)
		}
		if err := s.reopen(ctx, tx, c, &a); err != nil {
			return err
		}
		// An approval does not seal: the size limit is the route's (the
		// queue's configuration), and the next route or seal job seals.
		_, err := s.joinBatch(ctx, tx, a, c.Form.Agency, 0, Transition{ApplicationID: a.ID, From: a.Status, To: StatusBatched,
			Actor: c.User.Actor(), Action: "approve", Reason: c.Reason, Version: a.Version})
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
func (s *Store) Correct(ctx context.Context, c CaseAction, pointer string, value any) error {
	if strings.TrimSpace(c.Reason) == "" {
		return fmt.Errorf("%w: say why the answer is corrected", ErrInvalid)
	}
	return s.act(ctx, c, func(tx Tx, a Application, before forms.Result) error {
		if !a.Status.Workable() {
			return fmt.Errorf("%w: an application that is %s cannot be corrected", ErrIllegalTransition, a.Status)
		}
		doc := before.Document // the stored document, decoded once by the validation
		old, err := forms.SetValue(doc, pointer, value)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrInvalid, err)
		}
		res := c.Form.Validate(doc, forms.Options{Mode: forms.Full})
		if !res.Valid {
			return invalid(res)
		}
		data, err := json.Marshal(res.Document)
		if err != nil {
			return err
		}
		if err := s.reopen(ctx, tx, c, &a); err != nil {
			return err
		}
		detail, err := json.Marshal(Correction{Pointer: pointer, Old: old, New: value})
		if err != nil {
			return err
		}
		now := s.now()
		n, err := tx.Exec(ctx, `UPDATE applications SET data = ?, version = version + 1, updated_at = ? WHERE id = ? AND version = ?`,
			string(data), now, a.ID, a.Version)
		if err != nil {
			return err
		}
		if n == 0 {
			return ErrStale
		}
		return s.audit(ctx, tx, Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: c.User.Actor(),
			Action: ActionCorrect, Reason: c.Reason, Detail: string(detail)}, now)
	})
}

// ReturnToCitizen asks the citizen for what is missing: the application goes
// to awaiting_citizen with the message, and the fields to fix are those the
// caseworker names plus any the validation now finds wrong. The citizen
// sees both when she resumes, and her resubmission brings it back to review.
func (s *Store) ReturnToCitizen(ctx context.Context, c CaseAction, message string, fields []string) error {
	message = strings.TrimSpace(message)
	if message == "" {
		return fmt.Errorf("%w: write the message the citizen will read", ErrInvalid)
	}
	if len(message) > 4000 {
		return fmt.Errorf("%w: the message is longer than 4,000 characters", ErrInvalid)
	}
	return s.act(ctx, c, func(tx Tx, a Application, res forms.Result) error {
		if !a.Status.Workable() {
			return fmt.Errorf("%w: an application that is %s cannot be returned", ErrIllegalTransition, a.Status)
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
		if err := s.reopen(ctx, tx, c, &a); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE applications SET message = ?, return_fields = ? WHERE id = ?`, message, string(list), a.ID); err != nil {
			return err
		}
		return s.move(ctx, tx, Transition{ApplicationID: a.ID, From: a.Status, To: StatusAwaitingCitizen, Actor: c.User.Actor(),
			Action: "return", Reason: message, Detail: string(list), Version: a.Version})
	})
}

// Reject settles an application as rejected by the kommune, or confirms the
// agency's rejection; it leaves the exception queue. The reason is required.
func (s *Store) Reject(ctx context.Context, c CaseAction) error {
	if strings.TrimSpace(c.Reason) == "" {
		return fmt.Errorf("%w: say why the application is rejected", ErrInvalid)
	}
	return s.act(ctx, c, func(tx Tx, a Application, _ forms.Result) error {
		now := s.now()
		switch a.Status {
		case StatusInReview:
			if err := s.move(ctx, tx, Transition{ApplicationID: a.ID, From: a.Status, To: StatusRejected, Actor: c.User.Actor(),
				Action: "reject", Reason: c.Reason, Version: a.Version}); err != nil {
				return err
			}
		case StatusRejected:
			// The agency's rejection stands: recorded without a status move,
			// but as a change all the same (the version moves on).
			if _, err := tx.Exec(ctx, `UPDATE applications SET version = version + 1, updated_at = ? WHERE id = ?`, now, a.ID); err != nil {
				return err
			}
			if err := s.audit(ctx, tx, Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: c.User.Actor(),
				Action: "reject", Reason: c.Reason}, now); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: an application that is %s cannot be rejected", ErrIllegalTransition, a.Status)
		}
		_, err := tx.Exec(ctx, `UPDATE applications SET closed_at = ? WHERE id = ?`, now, a.ID)
		return err
	})
}

// Withdraw marks an application withdrawn (the citizen asked, or it was sent
// twice) before it reaches the agency. The reason is required.
func (s *Store) Withdraw(ctx context.Context, c CaseAction) error {
	if strings.TrimSpace(c.Reason) == "" {
		return fmt.Errorf("%w: say why the application is withdrawn", ErrInvalid)
	}
	return s.act(ctx, c, func(tx Tx, a Application, _ forms.Result) error {
		if a.Status != StatusInReview && a.Status != StatusAwaitingCitizen {
			return fmt.Errorf("%w: an application that is %s cannot be withdrawn here", ErrIllegalTransition, a.Status)
		}
		return s.move(ctx, tx, Transition{ApplicationID: a.ID, From: a.Status, To: StatusWithdrawn, Actor: c.User.Actor(),
			Action: "withdraw", Reason: c.Reason, Version: a.Version})
	})
}

// Fields are the fields an application was returned to the citizen to fix.
func (a Application) Fields() []string {
	var out []string
	if a.ReturnFields != "" {
		json.Unmarshal([]byte(a.ReturnFields), &out)
	}
	return out
}
