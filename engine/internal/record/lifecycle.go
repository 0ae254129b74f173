// Package record keeps the rows the engine's services share, always in the
// caller's transaction: an application and its lifecycle (every move with
// its audit event), the batches applications join and leave sealed, and the
// uploads' metadata. It is internal to the engine: the services
// (submissions in package engine, batches, casework) each run one
// transaction per exported method and call these steps inside it, with the
// time the service fixed for it (a submit fixes it before its transaction,
// since the month applied for is decided from it).
package record

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/storage"
)

// Status is where an application is in its life.
type Status string

const (
	StatusDraft           Status = "draft"
	StatusSubmitted       Status = "submitted"
	StatusInReview        Status = "in_review"
	StatusAwaitingCitizen Status = "awaiting_citizen"
	StatusBatched         Status = "batched"
	StatusDelivered       Status = "delivered"
	StatusAccepted        Status = "accepted"
	StatusRejected        Status = "rejected"
	StatusWithdrawn       Status = "withdrawn"
	// On the kommune's road (forms.RoadKommune): a caseworker's
	// recommendation awaits the decision of another with the decision
	// role; granted is the kommune's decision to grant. The kommune's
	// refusal is rejected.
	StatusRecommended Status = "recommended"
	StatusGranted     Status = "granted"
)

// transitions is the lifecycle of DESIGN.md §3: draft → submitted →
// (in_review ⇄ awaiting_citizen) → batched → delivered → accepted | rejected;
// on the kommune's road, in_review → recommended → granted | rejected (or
// back to in_review);
// a rejected application goes back to review; withdrawn from any state before
// delivery. A batch that cannot be delivered sends its applications back to
// review, and a caseworker may reject from review.
var transitions = map[Status][]Status{
	StatusDraft:           {StatusSubmitted, StatusWithdrawn},
	StatusSubmitted:       {StatusInReview, StatusBatched, StatusWithdrawn},
	StatusInReview:        {StatusAwaitingCitizen, StatusBatched, StatusRejected, StatusWithdrawn, StatusRecommended},
	StatusRecommended:     {StatusInReview, StatusGranted, StatusRejected, StatusWithdrawn},
	StatusGranted:         nil,
	StatusAwaitingCitizen: {StatusInReview, StatusWithdrawn},
	StatusBatched:         {StatusDelivered, StatusInReview, StatusWithdrawn},
	StatusDelivered:       {StatusAccepted, StatusRejected, StatusInReview},
	StatusRejected:        {StatusInReview},
	StatusAccepted:        nil,
	StatusWithdrawn:       nil,
}

// Workable tells whether a caseworker may act on an application in this
// status: approve, correct, return or reject it. It is in review, or the
// agency rejected it (an action on it reopens it first).
func (s Status) Workable() bool { return s == StatusInReview || s == StatusRejected }

// LeftCitizen tells whether an application in this status has left the
// citizen's hands: on its way to or with the agency, decided, or withdrawn.
// Her bearer token then reads its status and messages, no longer the
// document (security review H1): a token on a shared PC must not keep
// opening her fødselsnummer and kontonummer.
func (s Status) LeftCitizen() bool {
	switch s {
	case StatusBatched, StatusDelivered, StatusAccepted, StatusRejected, StatusWithdrawn, StatusRecommended, StatusGranted:
		return true
	}
	return false
}

// CanTransition tells whether the lifecycle allows moving from one status to
// another.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Transition is one move of one application, as the audit log records it.
type Transition struct {
	ApplicationID string
	From, To      Status
	Actor         string // "citizen", "system:route", "caseworker:<id>", "agency:<id>"
	Action        string // "submit", "route", "return", ...
	Reason        string
	// Detail is data beyond the move, as JSON or text: a correction's old
	// and new value, the fields a return names.
	Detail string
	// Version is the version the caller read; the move is refused with
	// ErrConflict if the application changed since. Zero skips the check.
	Version int
}

// Move applies a transition inside tx at now: the status changes only if
// the application is still in From (and at Version), and one audit event is
// written in the same transaction, with the notice the citizen gets of it
// (noticeOf). Illegal moves are refused, never applied.
func Move(ctx context.Context, tx storage.Tx, now time.Time, t Transition) error {
	if !CanTransition(t.From, t.To) {
		return fmt.Errorf("%w: %s → %s", fault.ErrIllegalTransition, t.From, t.To)
	}
	query := `UPDATE applications SET status = ?, version = version + 1, updated_at = ? WHERE id = ? AND status = ?`
	args := []any{string(t.To), now, t.ApplicationID, string(t.From)}
	if t.Version != 0 {
		query += ` AND version = ?`
		args = append(args, t.Version)
	}
	n, err := tx.Exec(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("move %s: %w", t.ApplicationID, err)
	}
	if n == 0 {
		return fmt.Errorf("move %s from %s: %w", t.ApplicationID, t.From, fault.ErrConflict)
	}
	if event := noticeOf(t.To); event != "" {
		if err := Notice(ctx, tx, now, t.ApplicationID, event); err != nil {
			return err
		}
	}
	return Audit(ctx, tx, now, t)
}

// Audit writes t as an event of the application's audit log, at at, without
// moving it: a read (To is From) or a change that is not a move.
func Audit(ctx context.Context, tx storage.Tx, at time.Time, t Transition) error {
	_, err := tx.Exec(ctx, `INSERT INTO application_events (application_id, actor, action, from_status, to_status, reason, detail, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.ApplicationID, t.Actor, t.Action, string(t.From), string(t.To), t.Reason, t.Detail, at)
	if err != nil {
		return fmt.Errorf("audit %s: %w", t.ApplicationID, err)
	}
	return nil
}

// AuditAll writes the events as Audit does each, a few hundred to a
// statement.
func AuditAll(ctx context.Context, tx storage.Tx, at time.Time, ts []Transition) error {
	const perStatement = 500 // 8 parameters each: well under either database's limit
	for len(ts) > 0 {
		part := ts[:min(len(ts), perStatement)]
		ts = ts[len(part):]
		args := make([]any, 0, 8*len(part))
		for _, t := range part {
			args = append(args, t.ApplicationID, t.Actor, t.Action, string(t.From), string(t.To), t.Reason, t.Detail, at)
		}
		values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", len(part)), ", ")
		if _, err := tx.Exec(ctx, `INSERT INTO application_events (application_id, actor, action, from_status, to_status, reason, detail, at)
			VALUES `+values, args...); err != nil {
			return fmt.Errorf("audit %d events: %w", len(part), err)
		}
	}
	return nil
}

// Clock is the time a service stamps its transactions with: the clock it
// was given (time.Now if none), in UTC with microseconds, what both
// databases keep, so a time read back equals the time written.
type Clock func() time.Time

// Now is the clock's time.
func (c Clock) Now() time.Time {
	if c == nil {
		c = time.Now
	}
	return c().UTC().Truncate(time.Microsecond)
}
