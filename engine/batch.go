package engine

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/secret"
)

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
	Reference   string          `json:"reference"`
	Form        string          `json:"form"`
	FormVersion string          `json:"formVersion"`
	SubmittedAt time.Time       `json:"submittedAt"`
	Data        json.RawMessage `json:"data"`
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

// Batch reads one batch.
func (s *Store) Batch(ctx context.Context, id string) (Batch, error) {
	return s.batch(ctx, s.read(), id)
}

func (s *Store) batch(ctx context.Context, ex Executor, id string) (Batch, error) {
	var b Batch
	if err := ex.Get(ctx, &b, `SELECT `+batchColumns+` FROM batches WHERE id = ?`, id); err != nil {
		return Batch{}, fmt.Errorf("batch %s: %w", id, err)
	}
	return b, nil
}

// batchSummaryColumns is a batch without its body: a list never needs the
// personal data of every batch it names.
const batchSummaryColumns = `id, agency, kommune, status, item_count, sha256, last_error, created_at, sealed_at, delivered_at`

// Batches lists every batch of an agency in a status, oldest first, as
// summaries (no Body), for tools and tests. The agency API pages through
// them with BatchList.
func (s *Store) Batches(ctx context.Context, agency string, status BatchStatus) ([]Batch, error) {
	var out []Batch
	err := s.read().Select(ctx, &out, `SELECT `+batchSummaryColumns+` FROM batches WHERE agency = ? AND status = ?
		ORDER BY created_at, id`, agency, string(status))
	if err != nil {
		return nil, fmt.Errorf("batches of %s: %w", agency, err)
	}
	return out, nil
}

// Batch list page sizes.
const (
	DefaultBatchPage = 100
	MaxBatchPage     = 500
)

// BatchQuery asks for one page of an agency's batches in a status.
type BatchQuery struct {
	Agency string
	Status BatchStatus
	// After is the Next of the previous page; empty starts at the oldest.
	After string
	// Limit is the most batches on the page. Defaults to DefaultBatchPage;
	// more than MaxBatchPage is MaxBatchPage.
	Limit int
}

// BatchPage is one page of batch summaries (no Body), oldest first. Next is
// the After of the following page, empty on the last.
type BatchPage struct {
	Batches []Batch
	Next    string
}

// BatchList pages through an agency's batches in a status, oldest first, by
// keyset on (created_at, id): both never change, so a walk with Next sees
// each batch once however long it takes (a batch that changes status
// meanwhile leaves the list it was in). A malformed After is ErrInvalid.
func (s *Store) BatchList(ctx context.Context, q BatchQuery) (BatchPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultBatchPage
	}
	limit = min(limit, MaxBatchPage)
	query := `SELECT ` + batchSummaryColumns + ` FROM batches WHERE agency = ? AND status = ?`
	args := []any{q.Agency, string(q.Status)}
	if q.After != "" {
		at, id, err := parseBatchCursor(q.After)
		if err != nil {
			return BatchPage{}, err
		}
		query += ` AND (created_at > ? OR (created_at = ? AND id > ?))`
		args = append(args, at, at, id)
	}
	query += ` ORDER BY created_at, id LIMIT ?`
	args = append(args, limit+1) // one more says whether there is a next page
	var out []Batch
	if err := s.read().Select(ctx, &out, query, args...); err != nil {
		return BatchPage{}, fmt.Errorf("batches of %s: %w", q.Agency, err)
	}
	page := BatchPage{Batches: out}
	if len(out) > limit {
		page.Batches = out[:limit]
		last := page.Batches[limit-1]
		page.Next = batchCursor(last.CreatedAt, last.ID)
	}
	return page, nil
}

// batchCursor is an opaque page position: the created_at and id of the last
// batch on the page.
func batchCursor(createdAt time.Time, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(createdAt.UTC().Format(time.RFC3339Nano) + " " + id))
}

func parseBatchCursor(cursor string) (time.Time, string, error) {
	bad := fmt.Errorf("%w: after is not a cursor this list gave", ErrInvalid)
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return time.Time{}, "", bad
	}
	at, id, ok := strings.Cut(string(raw), " ")
	t, err := time.Parse(time.RFC3339Nano, at)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", bad
	}
	return t.UTC(), id, nil
}

// RouteResult says where routing sent an application.
type RouteResult struct {
	Reasons []string
	Batch   Batch // the open batch it joined, with its new item count
}

// RouteRequest is one application to route.
type RouteRequest struct {
	ApplicationID string
	// Agency receives the application's batch.
	Agency string
	// Reasons are the routing rules' reasons to look at it: any sends it to
	// the kommune's exception queue instead of a batch.
	Reasons []string
	// BatchSize is the most applications a batch holds: the route that
	// fills a batch seals it. Zero means no size limit.
	BatchSize int
}

// Route sends a submitted application on, in one transaction: to the
// kommune's exception queue (in_review) when the routing rules gave
// reasons, else into the open batch for (agency, kommune), opening one if
// there is none. A batch it fills is sealed with it, and its delivery
// enqueued. It is a no-op for an application that is no longer submitted,
// so a retried job changes nothing. Two nodes opening or sealing the same
// batch at once make it ErrConflict: routine, try again.
func (s *Store) Route(ctx context.Context, r RouteRequest) (RouteResult, error) {
	var res RouteResult
	err := s.write(ctx, func(tx Tx) error {
		var err error
		res, err = s.route(ctx, tx, r)
		return err
	})
	if err != nil {
		return RouteResult{}, fmt.Errorf("route %s: %w", r.ApplicationID, err)
	}
	return res, nil
}

// RouteAll routes applications in one transaction (see Route): a job
// routes the applications one write made due together.
func (s *Store) RouteAll(ctx context.Context, reqs []RouteRequest) error {
	err := s.write(ctx, func(tx Tx) error {
		for _, r := range reqs {
			if _, err := s.route(ctx, tx, r); err != nil {
				return fmt.Errorf("route %s: %w", r.ApplicationID, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("route %d applications: %w", len(reqs), err)
	}
	return nil
}

func (s *Store) route(ctx context.Context, tx Tx, r RouteRequest) (RouteResult, error) {
	// Only what routing needs: the document stays out of the writer's
	// transaction (the job read it on the readers).
	var a Application
	if err := tx.Get(ctx, &a, `SELECT id, kommune, status, version FROM applications WHERE id = ?`, r.ApplicationID); err != nil {
		return RouteResult{}, err
	}
	if a.Status != StatusSubmitted {
		return RouteResult{}, nil
	}
	if len(r.Reasons) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE applications SET review_reasons = ? WHERE id = ?`, strings.Join(r.Reasons, ","), a.ID); err != nil {
			return RouteResult{}, err
		}
		err := s.move(ctx, tx, Transition{ApplicationID: a.ID, From: a.Status, To: StatusInReview, Actor: "system:route",
			Action: "route", Reason: strings.Join(r.Reasons, ","), Version: a.Version})
		return RouteResult{Reasons: r.Reasons}, err
	}
	b, err := s.joinBatch(ctx, tx, a, r.Agency, r.BatchSize, Transition{ApplicationID: a.ID, From: a.Status, To: StatusBatched,
		Actor: "system:route", Action: "route", Version: a.Version})
	if err != nil {
		return RouteResult{}, err
	}
	if r.BatchSize > 0 && b.ItemCount >= r.BatchSize {
		if _, _, err := s.sealBatch(ctx, tx, b.ID); err != nil {
			return RouteResult{}, err
		}
	}
	return RouteResult{Batch: b}, nil
}

// joinBatch puts an application into the open batch for (agency, its
// kommune), opening one if there is none, and moves it by t (to batched).
// size, when not zero, is the most a batch holds: an open batch already that
// full (a caseworker's approval filled it; approvals do not seal) is sealed
// here (its delivery enqueued), and the application joins a new one.
func (s *Store) joinBatch(ctx context.Context, tx Tx, a Application, agency string, size int, t Transition) (b Batch, err error) {
	for {
		if b, err = s.openBatch(ctx, tx, agency, a.Kommune, s.now()); err != nil {
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
		if !errors.Is(err, ErrNotFound) {
			return Batch{}, fmt.Errorf("count the item in batch %s: %w", b.ID, err)
		}
		// Full (seal it, and open the next), or sealed meanwhile (a
		// conflict: try again); sealBatch tells which.
		_, ok, err := s.sealBatch(ctx, tx, b.ID)
		if err != nil {
			return Batch{}, err
		}
		if !ok {
			return Batch{}, fmt.Errorf("batch %s was sealed meanwhile: %w", b.ID, ErrConflict)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE applications SET batch_id = ? WHERE id = ?`, b.ID, a.ID); err != nil {
		return Batch{}, err
	}
	if t.Reason == "" {
		t.Reason = "batch " + b.ID
	} else {
		t.Reason += " (batch " + b.ID + ")"
	}
	return b, s.move(ctx, tx, t)
}

// openBatch finds the open batch for (agency, kommune) or opens one. The
// unique index on open batches makes a second open batch impossible; on
// PostgreSQL a racing opener's insert fails and the whole route retries.
func (s *Store) openBatch(ctx context.Context, tx Tx, agency, kommune string, now time.Time) (Batch, error) {
	var b Batch
	err := tx.Get(ctx, &b, `SELECT `+batchColumns+` FROM batches WHERE agency = ? AND kommune = ? AND status = ?`, agency, kommune, string(BatchOpen))
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, ErrNotFound) {
		return Batch{}, err
	}
	b = Batch{ID: secret.ID(), Agency: agency, Kommune: kommune, Status: BatchOpen, CreatedAt: now}
	if _, err := tx.Exec(ctx, `INSERT INTO batches (id, agency, kommune, status, created_at) VALUES (?, ?, ?, ?, ?)`,
		b.ID, agency, kommune, string(BatchOpen), now); err != nil {
		if errors.Is(err, errUnique) {
			return Batch{}, fmt.Errorf("another node opened the batch for %s/%s first: %w", agency, kommune, ErrConflict)
		}
		return Batch{}, err
	}
	return b, nil
}

// SealRequest says which open batches are due to be sealed: those that
// reached Size items, those older than MaxAge, and those opened before
// Cutoff once Cutoff has passed.
type SealRequest struct {
	Size   int
	MaxAge time.Duration
	Cutoff time.Time
}

// SealDue seals every due batch, and enqueues their deliveries, in one
// transaction; it answers the ids it sealed.
func (s *Store) SealDue(ctx context.Context, r SealRequest) ([]string, error) {
	var sealed []string
	err := s.write(ctx, func(tx Tx) error {
		sealed = nil
		due, err := s.dueBatches(ctx, tx, r)
		if err != nil {
			return err
		}
		for _, b := range due {
			_, ok, err := s.sealBatch(ctx, tx, b.ID)
			if err != nil {
				return err
			}
			if ok {
				sealed = append(sealed, b.ID)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seal due batches: %w", err)
	}
	return sealed, nil
}

// dueBatches lists the open batches r says are due.
//
// Whether the cut-off has passed is decided here, between two instants: in
// SQL a comparison of two parameters has no column to take a type from, so
// PostgreSQL compares them as text, and a UTC time and an Oslo time compare
// wrongly as text on both databases.
func (s *Store) dueBatches(ctx context.Context, ex Executor, r SealRequest) ([]Batch, error) {
	now := s.now()
	query := `SELECT ` + batchSummaryColumns + ` FROM batches WHERE status = ? AND item_count > 0
		AND (item_count >= ? OR created_at <= ?`
	args := []any{string(BatchOpen), r.Size, now.Add(-r.MaxAge)}
	if !now.Before(r.Cutoff) {
		query += ` OR created_at < ?`
		args = append(args, r.Cutoff.UTC())
	}
	var out []Batch
	if err := ex.Select(ctx, &out, query+`) ORDER BY created_at`, args...); err != nil {
		return nil, fmt.Errorf("due batches: %w", err)
	}
	return out, nil
}

// SealBatch seals one open batch now, and enqueues its delivery, in one
// transaction (see sealBatch).
func (s *Store) SealBatch(ctx context.Context, id string) (b Batch, sealed bool, err error) {
	err = s.write(ctx, func(tx Tx) error {
		b, sealed, err = s.sealBatch(ctx, tx, id)
		return err
	})
	return b, sealed, err
}

// sealBatch makes an open batch immutable: its items are written into its
// body, in reference order, with a SHA-256 over them, and its delivery is
// enqueued. sealed says whether this call sealed it: sealing a batch that
// is not open (or that another transaction sealed while this one waited for
// its row) is a no-op that answers the batch as it is and false, so only
// one sealer enqueues its delivery.
func (s *Store) sealBatch(ctx context.Context, tx Tx, id string) (b Batch, sealed bool, err error) {
	b, err = s.batch(ctx, tx, id)
	if err != nil || b.Status != BatchOpen {
		return b, false, err
	}
	// Close the batch before reading its items: the update waits for any
	// route that is adding to it, and no route can add after it.
	now := s.now()
	n, err := tx.Exec(ctx, `UPDATE batches SET status = ?, sealed_at = ? WHERE id = ? AND status = ?`, string(BatchSealed), now, id, string(BatchOpen))
	if err != nil {
		return Batch{}, false, fmt.Errorf("seal batch %s: %w", id, err)
	}
	if n == 0 {
		b, err = s.batch(ctx, tx, id) // sealed by someone else meanwhile
		return b, false, err
	}
	var rows []struct {
		ID          string    `db:"id"`
		Reference   string    `db:"reference"`
		Form        string    `db:"form"`
		FormVersion string    `db:"form_version"`
		SubmittedAt time.Time `db:"submitted_at"`
		Data        string    `db:"data"`
	}
	if err := tx.Select(ctx, &rows, `SELECT id, reference, form, form_version, submitted_at, CAST(data AS TEXT) AS data
		FROM applications WHERE batch_id = ? AND status = ? ORDER BY reference`, id, string(StatusBatched)); err != nil {
		return Batch{}, false, fmt.Errorf("seal batch %s: %w", id, err)
	}
	var files []File
	if err := tx.Select(ctx, &files, `SELECT `+fileColumns+` FROM files WHERE application_id IN
		(SELECT id FROM applications WHERE batch_id = ? AND status = ?) ORDER BY created_at, id`, id, string(StatusBatched)); err != nil {
		return Batch{}, false, fmt.Errorf("seal batch %s: %w", id, err)
	}
	safeNames(files)
	byApp := map[string][]File{}
	for _, f := range files {
		f.CreatedAt = f.CreatedAt.UTC()
		byApp[f.ApplicationID] = append(byApp[f.ApplicationID], f)
	}
	items := make([]BatchItem, len(rows))
	for i, r := range rows {
		items[i] = BatchItem{Reference: r.Reference, Form: r.Form, FormVersion: r.FormVersion, SubmittedAt: r.SubmittedAt.UTC(),
			Data: json.RawMessage(r.Data), Files: byApp[r.ID]}
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
	tx.Enqueue(Job{Kind: JobDeliver, ID: id})
	return b, true, nil
}

// RecordDelivery records, in one transaction, that an agency has a batch
// (its push was answered, or it fetched or answered the batch), with the
// receipts that came with it: a crash between the two can then not leave the
// batch delivered with its receipts lost. Push and pull alike record a
// delivery here. Receipts may be none.
// by is who recorded the delivery ("system:deliver" for a push, the agency
// for a pull); the receipts are the batch's agency's.
func (s *Store) RecordDelivery(ctx context.Context, batchID, by string, receipts []ReceiptItem) (ReceiptResult, error) {
	var res ReceiptResult
	err := s.write(ctx, func(tx Tx) error {
		b, err := s.batch(ctx, tx, batchID)
		if err != nil {
			return err
		}
		if err := s.markDelivered(ctx, tx, batchID, by); err != nil {
			return err
		}
		res, err = s.applyReceipts(ctx, tx, batchID, AgencyActor(b.Agency), receipts)
		return err
	})
	if err != nil {
		return ReceiptResult{}, fmt.Errorf("record delivery of batch %s: %w", batchID, err)
	}
	return res, nil
}

// markDelivered records that the agency has a sealed batch: the batch and
// each of its applications become delivered. Delivering twice is harmless.
func (s *Store) markDelivered(ctx context.Context, tx Tx, id, actor string) error {
	now := s.now()
	n, err := tx.Exec(ctx, `UPDATE batches SET status = ?, delivered_at = ? WHERE id = ? AND status = ?`,
		string(BatchDelivered), now, id, string(BatchSealed))
	if err != nil || n == 0 {
		return err
	}
	return s.moveBatch(ctx, tx, id, StatusBatched, StatusDelivered, actor, "deliver", "batch "+id)
}

// FailBatch gives up on delivering a batch: it is marked failed with the
// error, and every application in it goes back to the kommune's exception
// queue with the reason "delivery.failed", never silently dropped.
func (s *Store) FailBatch(ctx context.Context, id, actor, why string) error {
	return s.write(ctx, func(tx Tx) error { return s.failBatch(ctx, tx, id, actor, why) })
}

func (s *Store) failBatch(ctx context.Context, tx Tx, id, actor, why string) error {
	n, err := tx.Exec(ctx, `UPDATE batches SET status = ?, last_error = ? WHERE id = ? AND status IN (?, ?)`,
		string(BatchFailed), why, id, string(BatchSealed), string(BatchOpen))
	if err != nil || n == 0 {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE applications SET review_reasons = ? WHERE batch_id = ? AND status = ?`,
		"delivery.failed", id, string(StatusBatched)); err != nil {
		return err
	}
	return s.moveBatch(ctx, tx, id, StatusBatched, StatusInReview, actor, "delivery-failed", why)
}

// RecordBatchError keeps the latest delivery error on the batch, for the
// operator and the caseworker, while delivery is still being retried.
func (s *Store) RecordBatchError(ctx context.Context, id, why string) error {
	return s.write(ctx, func(tx Tx) error {
		_, err := tx.Exec(ctx, `UPDATE batches SET last_error = ? WHERE id = ?`, why, id)
		return err
	})
}

func (s *Store) moveBatch(ctx context.Context, tx Tx, batchID string, from, to Status, actor, action, reason string) error {
	var ids []string
	if err := tx.Select(ctx, &ids, `SELECT id FROM applications WHERE batch_id = ? AND status = ? ORDER BY id`, batchID, string(from)); err != nil {
		return err
	}
	for _, id := range ids {
		if err := s.move(ctx, tx, Transition{ApplicationID: id, From: from, To: to, Actor: actor, Action: action, Reason: reason}); err != nil {
			return err
		}
	}
	return nil
}

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

// applyReceipts settles applications of a delivered batch, item by item. An
// item whose application is no longer delivered (receipts may be sent
// twice, and a caseworker may have reopened a rejected one since) is skipped
// and reported, not a conflict for the whole post. An unknown reference, one
// outside the batch, or an outcome other than accepted or rejected is an
// error, and nothing is applied.
func (s *Store) applyReceipts(ctx context.Context, tx Tx, batchID, actor string, items []ReceiptItem) (ReceiptResult, error) {
	res := ReceiptResult{Skipped: []SkippedReceipt{}}
	for _, it := range items {
		if it.Outcome != OutcomeAccepted && it.Outcome != OutcomeRejected {
			return ReceiptResult{}, fmt.Errorf("%w: receipt for %s: outcome must be accepted or rejected", ErrInvalid, it.Reference)
		}
		var a struct {
			ID     string `db:"id"`
			Status Status `db:"status"`
		}
		err := tx.Get(ctx, &a, `SELECT id, status FROM applications WHERE reference = ? AND batch_id = ?`, it.Reference, batchID)
		if errors.Is(err, ErrNotFound) {
			return ReceiptResult{}, fmt.Errorf("%w: %s is not in batch %s", ErrInvalid, it.Reference, batchID)
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
		if err := s.move(ctx, tx, Transition{ApplicationID: a.ID, From: StatusDelivered, To: to, Actor: actor, Action: "receipt", Reason: it.Reason}); err != nil {
			return ReceiptResult{}, err
		}
		res.Applied++
	}
	return res, nil
}
