package record

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/engine/storage"
)

// The kinds of work the engine hands to the job queue.
const (
	// JobRoute: apply a submitted application's routing rules.
	JobRoute = "route"
	// JobDeliver: deliver a sealed batch to its agency.
	JobDeliver = "deliver"
)

// AgencyActor names an agency in the audit log.
func AgencyActor(agency string) string { return "agency:" + agency }

// BatchStatus is where a batch is.
type BatchStatus string

const (
	BatchOpen      BatchStatus = "open"      // taking applications
	BatchSealed    BatchStatus = "sealed"    // immutable, waiting for delivery or pull
	BatchDelivered BatchStatus = "delivered" // the agency has it
	BatchFailed    BatchStatus = "failed"    // could not be delivered; its applications are back in review
)

// Batch is a group of applications for one agency from one kommune.
type Batch struct {
	ID          string      `db:"id" json:"id"`
	Agency      string      `db:"agency" json:"agency"`
	Kommune     string      `db:"kommune" json:"kommune"`
	Status      BatchStatus `db:"status" json:"status"`
	ItemCount   int         `db:"item_count" json:"itemCount"`
	SHA256      string      `db:"sha256" json:"sha256,omitempty"`
	Body        string      `db:"body" json:"-"`
	LastError   string      `db:"last_error" json:"lastError,omitempty"`
	CreatedAt   time.Time   `db:"created_at" json:"createdAt"`
	SealedAt    *time.Time  `db:"sealed_at" json:"sealedAt,omitempty"`
	DeliveredAt *time.Time  `db:"delivered_at" json:"deliveredAt,omitempty"`
}

const batchColumns = `id, agency, kommune, status, item_count, sha256, body, last_error, created_at, sealed_at, delivered_at`

// BatchItem is one application as the agency receives it.
type BatchItem struct {
	Reference   string    `json:"reference"`
	Form        string    `json:"form"`
	FormVersion string    `json:"formVersion"`
	SubmittedAt time.Time `json:"submittedAt"`
	// ApplicationMonth is the month applied for (yyyy-mm); its 1st is the
	// situasjonsdato (forskrift om bustøtte § 10).
	ApplicationMonth string `json:"applicationMonth"`
	// Channel is "digital" (the citizen's own) or "paper" (registered by
	// the kommune); the deadline differs ([V-frist]).
	Channel string          `json:"channel"`
	Data    json.RawMessage `json:"data"`
	// KommuneChanges are the answers the kommune corrected, oldest first:
	// Data holds the corrected document, these what it was before.
	KommuneChanges []KommuneChange `json:"kommuneChanges"`
	// ApprovalNote is what the caseworker who approved it wrote, if she
	// approved it (an application that went straight through has none).
	ApprovalNote string `json:"approvalNote,omitempty"`
	// Files are the uploaded attachments, with their checksums; an agency
	// fetches their content from GET /api/v1/agency/files/{id}.
	Files []File `json:"files,omitempty"`
}

// BatchDocument is a sealed batch as it is delivered: DESIGN.md §4. SHA256 is
// over the items array exactly as it appears in the body.
type BatchDocument struct {
	ID       string          `json:"id"`
	Agency   string          `json:"agency"`
	Kommune  string          `json:"kommune"`
	SealedAt time.Time       `json:"sealedAt"`
	Count    int             `json:"count"`
	SHA256   string          `json:"sha256"`
	Items    json.RawMessage `json:"items"`
}

// GetBatch reads one batch, with its body.
func GetBatch(ctx context.Context, ex storage.Executor, id string) (Batch, error) {
	var b Batch
	if err := ex.Get(ctx, &b, `SELECT `+batchColumns+` FROM batches WHERE id = ?`, id); err != nil {
		return Batch{}, fmt.Errorf("batch %s: %w", id, err)
	}
	return b, nil
}

// BatchSummaryColumns is a batch without its body: a list never needs the
// personal data of every batch it names.
const BatchSummaryColumns = `id, agency, kommune, status, item_count, sha256, last_error, created_at, sealed_at, delivered_at`

// Join puts an application into the open batch for (agency, its
// kommune), opening one if there is none, and moves it by t (to batched).
// size, when not zero, is the most a batch holds: an open batch already that
// full (a caseworker's approval filled it; approvals do not seal) is sealed
// here (its delivery enqueued), and the application joins a new one.
func Join(ctx context.Context, tx storage.Tx, now time.Time, a Application, agency string, size int, t Transition) (b Batch, err error) {
	for {
		if b, err = openBatch(ctx, tx, agency, a.Kommune, now); err != nil {
			return Batch{}, err
		}
		// Count the item first: that locks the batch row, so a seal running
		// at the same time either sees this application or has already
		// sealed the batch, and then this route fails and its job tries
		// again. The count is the one RETURNING gives, read under the lock:
		// the one openBatch read may be stale by then (on PostgreSQL other
		// routes may have added items while this one waited for the lock).
		err = tx.Get(ctx, &b.ItemCount, `UPDATE batches SET item_count = item_count + 1
			WHERE id = ? AND status = ? AND (? = 0 OR item_count < ?) RETURNING item_count`,
			b.ID, string(BatchOpen), size, size)
		if err == nil {
			break
		}
		if !errors.Is(err, fault.ErrNotFound) {
			return Batch{}, fmt.Errorf("count the item in batch %s: %w", b.ID, err)
		}
		// Full (seal it, and open the next), or sealed meanwhile (a
		// conflict: try again); Seal tells which.
		_, ok, err := Seal(ctx, tx, now, b.ID)
		if err != nil {
			return Batch{}, err
		}
		if !ok {
			return Batch{}, fmt.Errorf("batch %s was sealed meanwhile: %w", b.ID, fault.ErrConflict)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE applications SET batch_id = ? WHERE id = ?`, b.ID, a.ID); err != nil {
		return Batch{}, err
	}
	// The batch goes in a route's reason; an approval's reason is the
	// caseworker's own note, which the agency receives (empty if she wrote
	// none), so its batch goes in the detail.
	if t.Action == ActionApprove {
		t.Detail = "batch " + b.ID
	} else if t.Reason == "" {
		t.Reason = "batch " + b.ID
	}
	return b, Move(ctx, tx, now, t)
}

// JoinAll puts applications of one kommune, each still submitted, into
// the open batch for (agency, kommune) as Join does each, moving them by t
// (its ApplicationID and Version are theirs), with a few statements for
// them all rather than five for each: the route of one group commit's
// applications is the single SQLite writer's work. A batch they fill is
// sealed, and the rest go into the next. An application that is no longer
// submitted, or a batch that another node filled meanwhile, is a conflict:
// the caller tries again.
func JoinAll(ctx context.Context, tx storage.Tx, now time.Time, apps []Application, agency string, size int, t Transition) error {
	if !CanTransition(StatusSubmitted, t.To) {
		return fmt.Errorf("%w: %s → %s", fault.ErrIllegalTransition, StatusSubmitted, t.To)
	}
	for len(apps) > 0 {
		b, err := openBatch(ctx, tx, agency, apps[0].Kommune, now)
		if err != nil {
			return err
		}
		n := len(apps)
		if size > 0 {
			n = min(n, size-b.ItemCount)
		}
		if n <= 0 { // full already (an approval filled it): seal it, open the next
			_, ok, err := Seal(ctx, tx, now, b.ID)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("batch %s was sealed meanwhile: %w", b.ID, fault.ErrConflict)
			}
			continue
		}
		// As in Join, the count first: it locks the batch row against a seal.
		err = tx.Get(ctx, &b.ItemCount, `UPDATE batches SET item_count = item_count + ?
			WHERE id = ? AND status = ? AND (? = 0 OR item_count + ? <= ?) RETURNING item_count`,
			n, b.ID, string(BatchOpen), size, n, size)
		if errors.Is(err, fault.ErrNotFound) {
			return fmt.Errorf("batch %s changed meanwhile: %w", b.ID, fault.ErrConflict)
		} else if err != nil {
			return fmt.Errorf("count %d items in batch %s: %w", n, b.ID, err)
		}
		part := apps[:n]
		apps = apps[n:]
		ids := make([]string, len(part))
		for i, a := range part {
			ids[i] = a.ID
		}
		in, args := storage.InList(ids)
		moved, err := tx.Exec(ctx, `UPDATE applications SET batch_id = ?, status = ?, version = version + 1, updated_at = ?
			WHERE status = ? AND id IN `+in, append([]any{b.ID, string(t.To), now, string(StatusSubmitted)}, args...)...)
		if err != nil {
			return fmt.Errorf("move %d applications into batch %s: %w", n, b.ID, err)
		}
		if moved != int64(n) {
			return fmt.Errorf("%d of %d applications were no longer submitted: %w", int64(n)-moved, n, fault.ErrConflict)
		}
		events := make([]Transition, len(part))
		for i, a := range part {
			events[i] = t
			events[i].ApplicationID, events[i].From, events[i].Version = a.ID, StatusSubmitted, a.Version
			events[i].Reason = "batch " + b.ID
		}
		if err := AuditAll(ctx, tx, now, events); err != nil {
			return err
		}
		if size > 0 && b.ItemCount >= size {
			if _, _, err := Seal(ctx, tx, now, b.ID); err != nil {
				return err
			}
		}
	}
	return nil
}

// openBatch finds the open batch for (agency, kommune) or opens one. The
// unique index on open batches makes a second open batch impossible; on
// PostgreSQL a racing opener's insert fails and the whole route retries.
func openBatch(ctx context.Context, tx storage.Tx, agency, kommune string, now time.Time) (Batch, error) {
	var b Batch
	err := tx.Get(ctx, &b, `SELECT `+batchColumns+` FROM batches WHERE agency = ? AND kommune = ? AND status = ?`, agency, kommune, string(BatchOpen))
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fault.ErrNotFound) {
		return Batch{}, err
	}
	b = Batch{ID: secret.ID(), Agency: agency, Kommune: kommune, Status: BatchOpen, CreatedAt: now}
	if _, err := tx.Exec(ctx, `INSERT INTO batches (id, agency, kommune, status, created_at) VALUES (?, ?, ?, ?, ?)`,
		b.ID, agency, kommune, string(BatchOpen), now); err != nil {
		if errors.Is(err, storage.ErrUnique) {
			return Batch{}, fmt.Errorf("another node opened the batch for %s/%s first: %w", agency, kommune, fault.ErrConflict)
		}
		return Batch{}, err
	}
	return b, nil
}

// Seal makes an open batch immutable: its items are written into its
// body, in reference order, with a SHA-256 over them, and its delivery is
// enqueued. sealed says whether this call sealed it: sealing a batch that
// is not open (or that another transaction sealed while this one waited for
// its row) is a no-op that answers the batch as it is and false, so only
// one sealer enqueues its delivery.
func Seal(ctx context.Context, tx storage.Tx, now time.Time, id string) (b Batch, sealed bool, err error) {
	b, err = GetBatch(ctx, tx, id)
	if err != nil || b.Status != BatchOpen {
		return b, false, err
	}
	// Close the batch before reading its items: the update waits for any
	// route that is adding to it, and no route can add after it.
	n, err := tx.Exec(ctx, `UPDATE batches SET status = ?, sealed_at = ? WHERE id = ? AND status = ?`, string(BatchSealed), now, id, string(BatchOpen))
	if err != nil {
		return Batch{}, false, fmt.Errorf("seal batch %s: %w", id, err)
	}
	if n == 0 {
		b, err = GetBatch(ctx, tx, id) // sealed by someone else meanwhile
		return b, false, err
	}
	var rows []struct {
		ID          string    `db:"id"`
		Reference   string    `db:"reference"`
		Form        string    `db:"form"`
		FormVersion string    `db:"form_version"`
		SubmittedAt time.Time `db:"submitted_at"`
		Month       string    `db:"application_month"`
		Channel     string    `db:"channel"`
		Data        string    `db:"data"`
	}
	if err := tx.Select(ctx, &rows, `SELECT id, reference, form, form_version, submitted_at, application_month, channel, CAST(data AS TEXT) AS data
		FROM applications WHERE batch_id = ? AND status = ? ORDER BY reference`, id, string(StatusBatched)); err != nil {
		return Batch{}, false, fmt.Errorf("seal batch %s: %w", id, err)
	}
	var files []File
	if err := tx.Select(ctx, &files, `SELECT `+FileColumns+` FROM files WHERE application_id IN
		(SELECT id FROM applications WHERE batch_id = ? AND status = ?) ORDER BY created_at, id`, id, string(StatusBatched)); err != nil {
		return Batch{}, false, fmt.Errorf("seal batch %s: %w", id, err)
	}
	SafeNames(files)
	byApp := map[string][]File{}
	for _, f := range files {
		f.CreatedAt = f.CreatedAt.UTC()
		byApp[f.ApplicationID] = append(byApp[f.ApplicationID], f)
	}
	changes, notes, err := kommuneChanges(ctx, tx, id)
	if err != nil {
		return Batch{}, false, fmt.Errorf("seal batch %s: %w", id, err)
	}
	items := make([]BatchItem, len(rows))
	for i, r := range rows {
		items[i] = BatchItem{Reference: r.Reference, Form: r.Form, FormVersion: r.FormVersion, SubmittedAt: r.SubmittedAt.UTC(),
			ApplicationMonth: r.Month, Channel: r.Channel, Data: json.RawMessage(r.Data), Files: byApp[r.ID],
			KommuneChanges: append([]KommuneChange{}, changes[r.ID]...), ApprovalNote: notes[r.ID]}
	}
	itemsJSON, err := json.Marshal(items)
	if err != nil {
		return Batch{}, false, fmt.Errorf("seal batch %s: %w", id, err)
	}
	sum := sha256.Sum256(itemsJSON)
	doc := BatchDocument{ID: id, Agency: b.Agency, Kommune: b.Kommune, SealedAt: now, Count: len(items), SHA256: hex.EncodeToString(sum[:]), Items: itemsJSON}
	body, err := json.Marshal(doc)
	if err != nil {
		return Batch{}, false, fmt.Errorf("seal batch %s: %w", id, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE batches SET item_count = ?, sha256 = ?, body = ? WHERE id = ?`,
		len(items), doc.SHA256, string(body), id); err != nil {
		return Batch{}, false, fmt.Errorf("seal batch %s: %w", id, err)
	}
	b.Status, b.ItemCount, b.SHA256, b.Body, b.SealedAt = BatchSealed, len(items), doc.SHA256, string(body), &now
	tx.Enqueue(storage.Job{Kind: JobDeliver, ID: id})
	return b, true, nil
}

// MarkDelivered records that the agency has a sealed batch: the batch and
// each of its applications become delivered. Delivering twice is harmless.
func MarkDelivered(ctx context.Context, tx storage.Tx, now time.Time, id, actor string) error {
	n, err := tx.Exec(ctx, `UPDATE batches SET status = ?, delivered_at = ? WHERE id = ? AND status = ?`,
		string(BatchDelivered), now, id, string(BatchSealed))
	if err != nil || n == 0 {
		return err
	}
	return moveBatch(ctx, tx, now, id, StatusBatched, StatusDelivered, actor, "deliver", "batch "+id)
}

// Fail gives up on delivering a batch: it is marked failed with the
// error, and every application in it goes back to the kommune's exception
// queue with the reason "delivery.failed", never silently dropped.
func Fail(ctx context.Context, tx storage.Tx, now time.Time, id, actor, why string) error {
	n, err := tx.Exec(ctx, `UPDATE batches SET status = ?, last_error = ? WHERE id = ? AND status IN (?, ?)`,
		string(BatchFailed), why, id, string(BatchSealed), string(BatchOpen))
	if err != nil || n == 0 {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE applications SET review_reasons = ? WHERE batch_id = ? AND status = ?`,
		"delivery.failed", id, string(StatusBatched)); err != nil {
		return err
	}
	return moveBatch(ctx, tx, now, id, StatusBatched, StatusInReview, actor, "delivery-failed", why)
}

func moveBatch(ctx context.Context, tx storage.Tx, now time.Time, batchID string, from, to Status, actor, action, reason string) error {
	var ids []string
	if err := tx.Select(ctx, &ids, `SELECT id FROM applications WHERE batch_id = ? AND status = ? ORDER BY id`, batchID, string(from)); err != nil {
		return err
	}
	for _, id := range ids {
		if err := Move(ctx, tx, now, Transition{ApplicationID: id, From: from, To: to, Actor: actor, Action: action, Reason: reason}); err != nil {
			return err
		}
	}
	return nil
}

// The audit actions the agency hears of: a caseworker's correction of an
// answer, and her approval.
const (
	ActionCorrect = "correct"
	ActionApprove = "approve"
)

// KommuneChange is one answer the kommune corrected, as the agency
// receives it with the application (issue #13 item 9).
type KommuneChange struct {
	Field  string    `json:"field"` // the answer's JSON pointer
	Old    any       `json:"old"`
	New    any       `json:"new"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
}

// kommuneChanges reads, for each application batched in a batch, the
// corrections the kommune made to it and the note of its approval, from the
// audit log.
func kommuneChanges(ctx context.Context, tx storage.Tx, batchID string) (map[string][]KommuneChange, map[string]string, error) {
	var events []struct {
		ApplicationID string    `db:"application_id"`
		Action        string    `db:"action"`
		Reason        string    `db:"reason"`
		Detail        string    `db:"detail"`
		At            time.Time `db:"at"`
	}
	if err := tx.Select(ctx, &events, `SELECT application_id, action, reason, detail, at FROM application_events
		WHERE application_id IN (SELECT id FROM applications WHERE batch_id = ? AND status = ?) AND action IN (?, ?)
		ORDER BY id`, batchID, string(StatusBatched), ActionCorrect, ActionApprove); err != nil {
		return nil, nil, err
	}
	changes, notes := map[string][]KommuneChange{}, map[string]string{}
	for _, e := range events {
		if e.Action == ActionApprove {
			notes[e.ApplicationID] = e.Reason // the last approval's
			continue
		}
		var c struct {
			Pointer string `json:"pointer"`
			Old     any    `json:"old"`
			New     any    `json:"new"`
		}
		if err := json.Unmarshal([]byte(e.Detail), &c); err != nil {
			return nil, nil, fmt.Errorf("the correction of %s: %w", e.ApplicationID, err)
		}
		changes[e.ApplicationID] = append(changes[e.ApplicationID], KommuneChange{Field: c.Pointer, Old: c.Old, New: c.New, Reason: e.Reason, At: e.At.UTC()})
	}
	return changes, notes, nil
}

// ErrNoReason: an agency's rejection without a reason. The citizen must be
// told why (DESIGN: every decision with its reason), so it is refused. It
// is also fault.ErrInvalid.
var ErrNoReason = fmt.Errorf("%w: a rejection needs its reason, which the kommune and the citizen are told", fault.ErrInvalid)

// Receipt outcomes.
const (
	OutcomeAccepted = "accepted"
	OutcomeRejected = "rejected"
)

// ReceiptItem is the agency's answer for one application.
type ReceiptItem struct {
	Reference string `json:"reference"`
	Outcome   string `json:"outcome"`
	Reason    string `json:"reason,omitempty"`
}

// ReceiptResult is what a post of receipts did: how many applications it
// settled, and the items it skipped because their application had already
// moved on.
type ReceiptResult struct {
	Applied int              `json:"applied"`
	Skipped []SkippedReceipt `json:"skipped"`
}

// SkippedReceipt is a receipt item that changed nothing: its application is
// already settled the same way (a receipt sent twice), or has moved on since
// delivery (a caseworker reopened it, or another outcome came first).
type SkippedReceipt struct {
	Reference string `json:"reference"`
	Status    Status `json:"status"` // where the application is
}

// ApplyReceipts settles applications of a delivered batch, item by item. An
// item whose application is no longer delivered (receipts may be sent
// twice, and a caseworker may have reopened a rejected one since) is skipped
// and reported, not a conflict for the whole post. An unknown reference, one
// outside the batch, or an outcome other than accepted or rejected is an
// error, and nothing is applied.
func ApplyReceipts(ctx context.Context, tx storage.Tx, now time.Time, batchID, actor string, items []ReceiptItem) (ReceiptResult, error) {
	res := ReceiptResult{Skipped: []SkippedReceipt{}}
	for _, it := range items {
		if it.Outcome != OutcomeAccepted && it.Outcome != OutcomeRejected {
			return ReceiptResult{}, fmt.Errorf("%w: receipt for %s: outcome must be accepted or rejected", fault.ErrInvalid, it.Reference)
		}
		if it.Outcome == OutcomeRejected && strings.TrimSpace(it.Reason) == "" {
			return ReceiptResult{}, fmt.Errorf("receipt for %s: %w", it.Reference, ErrNoReason)
		}
		var a struct {
			ID     string `db:"id"`
			Status Status `db:"status"`
		}
		err := tx.Get(ctx, &a, `SELECT id, status FROM applications WHERE reference = ? AND batch_id = ?`, it.Reference, batchID)
		if errors.Is(err, fault.ErrNotFound) {
			return ReceiptResult{}, fmt.Errorf("%w: %s is not in batch %s", fault.ErrInvalid, it.Reference, batchID)
		}
		if err != nil {
			return ReceiptResult{}, fmt.Errorf("receipt for %s: %w", it.Reference, err)
		}
		to := StatusAccepted
		if it.Outcome == OutcomeRejected {
			to = StatusRejected
		}
		if a.Status != StatusDelivered {
			res.Skipped = append(res.Skipped, SkippedReceipt{Reference: it.Reference, Status: a.Status})
			continue
		}
		if to == StatusRejected {
			if _, err := tx.Exec(ctx, `UPDATE applications SET agency_reason = ? WHERE id = ?`, it.Reason, a.ID); err != nil {
				return ReceiptResult{}, fmt.Errorf("receipt for %s: %w", it.Reference, err)
			}
		}
		if err := Move(ctx, tx, now, Transition{ApplicationID: a.ID, From: StatusDelivered, To: to, Actor: actor, Action: "receipt", Reason: it.Reason}); err != nil {
			return ReceiptResult{}, err
		}
		res.Applied++
	}
	return res, nil
}
