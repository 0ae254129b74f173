package record

import (
	"context"
	"fmt"
	"time"

	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/engine/storage"
)

// JobNotify: send a notice to the citizen (its id is the job's).
const JobNotify = "notify"

// The events a citizen is told of (issue #14 item 6): that her application
// was received, that the kommune needs more from her, that it was rejected
// (by the kommune or the agency), and that the agency took it.
const (
	NoticeReceived = "received"
	NoticeReturned = "returned"
	NoticeRejected = "rejected"
	NoticeAccepted = "accepted"
	NoticeDecided  = "decided" // the kommune granted it (forms.RoadKommune)
)

// The states of a notice.
const (
	NoticePending   = "pending"    // waiting for its job
	NoticeSent      = "sent"       // handed to the channel (Channel says which)
	NoticeNoAddress = "no-address" // she gave no address to send it to
	NoticeNoChannel = "no-channel" // the installation sends no notices
	NoticeFailed    = "failed"     // the channel refused it every time
)

// noticeOf is the event a move tells the citizen of, if any.
func noticeOf(to Status) string {
	switch to {
	case StatusAwaitingCitizen:
		return NoticeReturned
	case StatusRejected:
		return NoticeRejected
	case StatusAccepted:
		return NoticeAccepted
	case StatusGranted:
		return NoticeDecided
	}
	return ""
}

// Notice writes a notice of the event for the application, and its job,
// in the caller's transaction: it is sent if and only if the change it
// tells of commits.
func Notice(ctx context.Context, tx storage.Tx, now time.Time, applicationID, event string) error {
	id := secret.ID()
	if _, err := tx.Exec(ctx, `INSERT INTO notices (id, application_id, event, state, created_at) VALUES (?, ?, ?, ?, ?)`,
		id, applicationID, event, NoticePending, now); err != nil {
		return fmt.Errorf("notice %s of %s: %w", event, applicationID, err)
	}
	tx.Enqueue(storage.Job{Kind: JobNotify, ID: id})
	return nil
}
