// Package notices keeps what the citizen is told of her applications
// (issue #14 item 6). A notice is written in the same transaction as the
// change it tells of (record.Move, the submit), with a job that sends it;
// this service is what that job reads and records: the notice with what
// its text needs, and whether it was sent, could not be, or failed.
//
// A notice is sent at most once as far as this service can know: a job
// that runs again after it was sent finds it sent. Between the channel's
// acceptance and Sent there remains a window (a crash there sends it
// again); the notice's id is its Message-ID, so a mail client shows one.
package notices

import (
	"context"
	"fmt"
	"time"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/storage"
)

// The events and states of notices (record's).
const (
	Received = record.NoticeReceived
	Returned = record.NoticeReturned
	Rejected = record.NoticeRejected
	Accepted = record.NoticeAccepted
	Decided  = record.NoticeDecided

	Pending   = record.NoticePending
	Sent      = record.NoticeSent
	NoAddress = record.NoticeNoAddress
	NoChannel = record.NoticeNoChannel
	Failed    = record.NoticeFailed
)

// Service is the notices over one database.
type Service struct {
	db    *storage.DB
	clock record.Clock
}

// New makes the service.
func New(db *storage.DB, clock func() time.Time) *Service {
	return &Service{db: db, clock: record.Clock(clock)}
}

// Notice is one notice with what its text needs: the event, the
// application's form, kommune and the citizen's language, and the document
// (where her address is).
type Notice struct {
	ID            string     `db:"id" json:"id"`
	ApplicationID string     `db:"application_id" json:"applicationId"`
	Event         string     `db:"event" json:"event"`
	State         string     `db:"state" json:"state"`
	Channel       string     `db:"channel" json:"channel,omitempty"`
	Attempts      int        `db:"attempts" json:"attempts"`
	LastError     string     `db:"last_error" json:"lastError,omitempty"`
	CreatedAt     time.Time  `db:"created_at" json:"createdAt"`
	SentAt        *time.Time `db:"sent_at" json:"sentAt,omitempty"`
	Form          string     `db:"form" json:"-"`
	Kommune       string     `db:"kommune" json:"-"`
	Lang          string     `db:"lang" json:"-"`
	Data          string     `db:"data" json:"-"`
	// Owned: the application is a signed-in citizen's, who reads it in
	// Mine søknader (notify.Compose).
	Owned bool `db:"owned" json:"-"`
	// Paper: the application came on paper (a caseworker registered it).
	Paper bool `db:"paper" json:"-"`
}

const noticeColumns = `n.id, n.application_id, n.event, n.state, n.channel, n.attempts, n.last_error, n.created_at, n.sent_at,
	a.form, a.kommune, a.lang, CAST(a.data AS TEXT) AS data, a.owner_hash IS NOT NULL AS owned, a.channel = 'paper' AS paper`

// Due reads a notice to send; due is false once it was sent or settled.
// An unknown notice is fault.ErrNotFound.
func (s *Service) Due(ctx context.Context, id string) (n Notice, due bool, err error) {
	err = s.db.Read().Get(ctx, &n, `SELECT `+noticeColumns+` FROM notices n JOIN applications a ON a.id = n.application_id WHERE n.id = ?`, id)
	if err != nil {
		return Notice{}, false, fmt.Errorf("notice %s: %w", id, err)
	}
	return n, n.State == Pending, nil
}

// MarkSent records that the channel took the notice.
func (s *Service) MarkSent(ctx context.Context, id, channel string) error {
	return s.settle(ctx, id, Sent, channel, "")
}

// MarkUnsendable records why a notice cannot be sent at all: NoAddress or
// NoChannel.
func (s *Service) MarkUnsendable(ctx context.Context, id, state string) error {
	if state != NoAddress && state != NoChannel {
		return fmt.Errorf("%w: %q is not a reason a notice cannot be sent", fault.ErrInvalid, state)
	}
	return s.settle(ctx, id, state, "", "")
}

// MarkAttempt records a failed attempt; the last one (final) fails the
// notice.
func (s *Service) MarkAttempt(ctx context.Context, id string, cause error, final bool) error {
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	return s.db.Write(ctx, func(tx storage.Tx) error {
		state := Pending
		if final {
			state = Failed
		}
		_, err := tx.Exec(ctx, `UPDATE notices SET attempts = attempts + 1, last_error = ?, state = ? WHERE id = ? AND state = ?`,
			msg, state, id, Pending)
		return err
	})
}

func (s *Service) settle(ctx context.Context, id, state, channel, lastError string) error {
	return s.db.Write(ctx, func(tx storage.Tx) error {
		n, err := tx.Exec(ctx, `UPDATE notices SET state = ?, channel = ?, last_error = ?, sent_at = ? WHERE id = ? AND state = ?`,
			state, channel, lastError, s.clock.Now(), id, Pending)
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("notice %s is not pending: %w", id, fault.ErrConflict)
		}
		return nil
	})
}

// Of lists an application's notices, oldest first, without the document:
// what the caseworker sees the citizen was told.
func (s *Service) Of(ctx context.Context, applicationID string) ([]Notice, error) {
	var out []Notice
	err := s.db.Read().Select(ctx, &out, `SELECT n.id, n.application_id, n.event, n.state, n.channel, n.attempts, n.last_error, n.created_at, n.sent_at
		FROM notices n WHERE n.application_id = ? ORDER BY n.created_at, n.id`, applicationID)
	if err != nil {
		return nil, fmt.Errorf("notices of %s: %w", applicationID, err)
	}
	return out, nil
}
