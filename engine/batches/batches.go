// Package batches is the engine's service for what goes to an agency:
// routing submitted applications into batches or the kommune's exception
// queue, sealing due batches, recording deliveries with their receipts (push
// and pull alike), and the agency's own reads of its batches and files,
// audited. Every exported method is one transaction.
package batches

import (
	"context"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/fault"
	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/secret"
	"github.com/skjema/skjema/engine/storage"
)

// The batch and what its agency receives and answers are the engine's
// records (engine/internal/record).
type (
	Batch          = record.Batch
	BatchStatus    = record.BatchStatus
	BatchItem      = record.BatchItem
	BatchDocument  = record.BatchDocument
	ReceiptItem    = record.ReceiptItem
	ReceiptResult  = record.ReceiptResult
	SkippedReceipt = record.SkippedReceipt
	File           = record.File
	KommuneChange  = record.KommuneChange
)

// Where a batch is, and a receipt's outcomes.
const (
	BatchOpen       = record.BatchOpen
	BatchSealed     = record.BatchSealed
	BatchDelivered  = record.BatchDelivered
	BatchFailed     = record.BatchFailed
	OutcomeAccepted = record.OutcomeAccepted
	OutcomeRejected = record.OutcomeRejected
)

// ErrNoReason: a receipt that rejects an application gives no reason. It
// is also ErrInvalid.
var ErrNoReason = record.ErrNoReason

// Audit actions for an agency's reads of personal data (DESIGN.md §5: every
// read is audited, the agency's as much as a caseworker's).
const (
	ActionAgencyView     = "agency-view"      // a batch holding the application was fetched
	ActionAgencyViewFile = "agency-view-file" // one of its files was fetched
)

// AgencyActor names an agency in the audit log.
func AgencyActor(agency string) string { return record.AgencyActor(agency) }

// Service routes, seals and delivers batches over one database.
type Service struct {
	db    *storage.DB
	clock record.Clock
}

// New makes the service. clock stamps its transactions; nil is time.Now.
func New(db *storage.DB, clock func() time.Time) *Service {
	return &Service{db: db, clock: clock}
}

// Batch reads one batch.
func (s *Service) Batch(ctx context.Context, id string) (Batch, error) {
	return record.GetBatch(ctx, s.db.Read(), id)
}

// Batches lists every batch of an agency in a status, oldest first, as
// summaries (no Body), for tools and tests. The agency API pages through
// them with BatchList.
func (s *Service) Batches(ctx context.Context, agency string, status BatchStatus) ([]Batch, error) {
	var out []Batch
	err := s.db.Read().Select(ctx, &out, `SELECT `+record.BatchSummaryColumns+` FROM batches WHERE agency = ? AND status = ?
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
// meanwhile leaves the list it was in). A malformed After is fault.ErrInvalid.
func (s *Service) BatchList(ctx context.Context, q BatchQuery) (BatchPage, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultBatchPage
	}
	limit = min(limit, MaxBatchPage)
	query := `SELECT ` + record.BatchSummaryColumns + ` FROM batches WHERE agency = ? AND status = ?`
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
	if err := s.db.Read().Select(ctx, &out, query, args...); err != nil {
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
	bad := fmt.Errorf("%w: after is not a cursor this list gave", fault.ErrInvalid)
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
func (s *Service) SubmittedApplications(ctx context.Context, ids []string) ([]ToRoute, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in, args := storage.InList(ids)
	var out []ToRoute
	if err := s.db.Read().Select(ctx, &out, `SELECT id, form, kommune, route_reasons,
		CASE WHEN route_reasons IS NULL THEN CAST(data AS TEXT) ELSE '' END AS data
		FROM applications WHERE status = ? AND id IN `+in+` ORDER BY id`,
		append([]any{string(record.StatusSubmitted)}, args...)...); err != nil {
		return nil, fmt.Errorf("submitted applications: %w", err)
	}
	return out, nil
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
// batch at once make it fault.ErrConflict: routine, try again.
func (s *Service) Route(ctx context.Context, r RouteRequest) (RouteResult, error) {
	var res RouteResult
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		var err error
		res, err = s.route(ctx, tx, s.clock.Now(), r)
		return err
	})
	if err != nil {
		return RouteResult{}, fmt.Errorf("route %s: %w", r.ApplicationID, err)
	}
	return res, nil
}

// RouteAll routes applications in one transaction (see Route): a job
// routes the applications one write made due together. Those that go
// straight through join their batch together, a few statements for each
// (agency, kommune) rather than five for each application: on SQLite this
// is the one writer's work while the citizens' submits wait for it.
func (s *Service) RouteAll(ctx context.Context, reqs []RouteRequest) error {
	ids := make([]string, len(reqs))
	for i, r := range reqs {
		ids[i] = r.ApplicationID
	}
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		now := s.clock.Now()
		var found []record.Application
		in, args := storage.InList(ids)
		if err := tx.Select(ctx, &found, `SELECT id, kommune, status, version FROM applications WHERE id IN `+in, args...); err != nil {
			return err
		}
		byID := make(map[string]record.Application, len(found))
		for _, a := range found {
			byID[a.ID] = a
		}
		type key struct {
			agency, kommune string
			size            int
		}
		var order []key
		straight := map[key][]record.Application{}
		for _, r := range reqs {
			a, ok := byID[r.ApplicationID]
			if !ok {
				return fmt.Errorf("route %s: %w", r.ApplicationID, fault.ErrNotFound)
			}
			if a.Status != record.StatusSubmitted {
				continue // routed already: a job that ran twice
			}
			if len(r.Reasons) > 0 {
				if err := review(ctx, tx, now, a, r.Reasons); err != nil {
					return fmt.Errorf("route %s: %w", a.ID, err)
				}
				continue
			}
			k := key{r.Agency, a.Kommune, r.BatchSize}
			if _, ok := straight[k]; !ok {
				order = append(order, k)
			}
			straight[k] = append(straight[k], a)
		}
		for _, k := range order {
			if err := record.JoinAll(ctx, tx, now, straight[k], k.agency, k.size, record.Transition{To: record.StatusBatched,
				Actor: "system:route", Action: "route"}); err != nil {
				return fmt.Errorf("route %d applications for %s: %w", len(straight[k]), k.kommune, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("route %d applications: %w", len(reqs), err)
	}
	return nil
}

// review sends a submitted application to the kommune's exception queue
// with the routing rules' reasons.
func review(ctx context.Context, tx storage.Tx, now time.Time, a record.Application, reasons []string) error {
	if _, err := tx.Exec(ctx, `UPDATE applications SET review_reasons = ? WHERE id = ?`, strings.Join(reasons, ","), a.ID); err != nil {
		return err
	}
	return record.Move(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: record.StatusInReview, Actor: "system:route",
		Action: "route", Reason: strings.Join(reasons, ","), Version: a.Version})
}

func (s *Service) route(ctx context.Context, tx storage.Tx, now time.Time, r RouteRequest) (RouteResult, error) {
	// Only what routing needs: the document stays out of the writer's
	// transaction (the job read it on the readers).
	var a record.Application
	if err := tx.Get(ctx, &a, `SELECT id, kommune, status, version FROM applications WHERE id = ?`, r.ApplicationID); err != nil {
		return RouteResult{}, err
	}
	if a.Status != record.StatusSubmitted {
		return RouteResult{}, nil
	}
	if len(r.Reasons) > 0 {
		return RouteResult{Reasons: r.Reasons}, review(ctx, tx, now, a, r.Reasons)
	}
	b, err := record.Join(ctx, tx, now, a, r.Agency, r.BatchSize, record.Transition{ApplicationID: a.ID, From: a.Status, To: record.StatusBatched,
		Actor: "system:route", Action: "route", Version: a.Version})
	if err != nil {
		return RouteResult{}, err
	}
	if r.BatchSize > 0 && b.ItemCount >= r.BatchSize {
		if _, _, err := record.Seal(ctx, tx, now, b.ID); err != nil {
			return RouteResult{}, err
		}
	}
	return RouteResult{Batch: b}, nil
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
// transaction; it answers the batches it sealed, without their bodies.
func (s *Service) SealDue(ctx context.Context, r SealRequest) ([]Batch, error) {
	var sealed []Batch
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		sealed = nil
		now := s.clock.Now()
		due, err := s.dueBatches(ctx, tx, now, r)
		if err != nil {
			return err
		}
		for _, b := range due {
			b, ok, err := record.Seal(ctx, tx, now, b.ID)
			if err != nil {
				return err
			}
			if ok {
				b.Body = ""
				sealed = append(sealed, b)
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
func (s *Service) dueBatches(ctx context.Context, ex storage.Executor, now time.Time, r SealRequest) ([]Batch, error) {
	query := `SELECT ` + record.BatchSummaryColumns + ` FROM batches WHERE status = ? AND item_count > 0
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
// transaction (see record.Seal).
func (s *Service) SealBatch(ctx context.Context, id string) (b Batch, sealed bool, err error) {
	err = s.db.Write(ctx, func(tx storage.Tx) error {
		b, sealed, err = record.Seal(ctx, tx, s.clock.Now(), id)
		return err
	})
	return b, sealed, err
}

// RecordDelivery records, in one transaction, that an agency has a batch
// (its push was answered, or it fetched or answered the batch), with the
// receipts that came with it: a crash between the two can then not leave the
// batch delivered with its receipts lost. Push and pull alike record a
// delivery here. Receipts may be none.
// by is who recorded the delivery ("system:deliver" for a push, the agency
// for a pull); the receipts are the batch's agency's.
func (s *Service) RecordDelivery(ctx context.Context, batchID, by string, receipts []ReceiptItem) (ReceiptResult, error) {
	var res ReceiptResult
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		b, err := record.GetBatch(ctx, tx, batchID)
		if err != nil {
			return err
		}
		now := s.clock.Now()
		if err := record.MarkDelivered(ctx, tx, now, batchID, by); err != nil {
			return err
		}
		res, err = record.ApplyReceipts(ctx, tx, now, batchID, AgencyActor(b.Agency), receipts)
		return err
	})
	if err != nil {
		return ReceiptResult{}, fmt.Errorf("record delivery of batch %s: %w", batchID, err)
	}
	return res, nil
}

// FailBatch gives up on delivering a batch: it is marked failed with the
// error, and every application in it goes back to the kommune's exception
// queue with the reason "delivery.failed", never silently dropped.
func (s *Service) FailBatch(ctx context.Context, id, actor, why string) error {
	return s.db.Write(ctx, func(tx storage.Tx) error { return record.Fail(ctx, tx, s.clock.Now(), id, actor, why) })
}

// RecordBatchError keeps the latest delivery error on the batch, for the
// operator and the caseworker, while delivery is still being retried.
func (s *Service) RecordBatchError(ctx context.Context, id, why string) error {
	return s.db.Write(ctx, func(tx storage.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE batches SET last_error = ? WHERE id = ?`, why, id)
		return err
	})
}

// FetchBatch is an agency fetching one of its sealed batches: it is recorded
// as delivered, and the read is audited for each application in it, in one
// transaction. Another agency's batch, or one not sealed yet, is
// fault.ErrNotFound.
func (s *Service) FetchBatch(ctx context.Context, agency, id string) (Batch, error) {
	b, err := s.Batch(ctx, id)
	if err != nil {
		return Batch{}, err
	}
	if b.Agency == agency && b.Status == BatchDelivered && b.Body == "" {
		return Batch{}, fmt.Errorf("%w: batch %s was delivered and its content purged after the retention time; its applications are each kept", fault.ErrGone, id)
	}
	if b.Agency != agency || b.Body == "" {
		return Batch{}, fmt.Errorf("batch %s: %w", id, fault.ErrNotFound)
	}
	actor := AgencyActor(agency)
	err = s.db.Write(ctx, func(tx storage.Tx) error {
		now := s.clock.Now()
		if err := record.MarkDelivered(ctx, tx, now, id, actor); err != nil {
			return err
		}
		var apps []struct {
			ID     string        `db:"id"`
			Status record.Status `db:"status"`
		}
		if err := tx.Select(ctx, &apps, `SELECT id, status FROM applications WHERE batch_id = ? ORDER BY id`, id); err != nil {
			return err
		}
		for _, a := range apps {
			if err := record.Audit(ctx, tx, now, record.Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: actor,
				Action: ActionAgencyView, Detail: "batch " + id}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Batch{}, fmt.Errorf("fetch batch %s: %w", id, err)
	}
	return b, nil
}

var agencyName = regexp.MustCompile(`^[a-z][a-z0-9-]{1,39}$`)

// CreateAgencyKey makes the first API key of an agency and answers it;
// only its hash is kept. An agency that holds a live key already is
// fault.ErrConflict: RotateAgencyKey replaces one.
func (s *Service) CreateAgencyKey(ctx context.Context, agency string) (string, error) {
	return s.newAgencyKey(ctx, agency, false, 0)
}

// RotateAgencyKey makes a new API key for an agency; its live keys go on
// working for overlap (zero: they stop at once), so that the agency can
// change its key without a gap.
func (s *Service) RotateAgencyKey(ctx context.Context, agency string, overlap time.Duration) (string, error) {
	return s.newAgencyKey(ctx, agency, true, overlap)
}

func (s *Service) newAgencyKey(ctx context.Context, agency string, rotate bool, overlap time.Duration) (string, error) {
	if !agencyName.MatchString(agency) {
		return "", fmt.Errorf("%w: an agency name is 2 to 40 lowercase letters, digits and dashes", fault.ErrInvalid)
	}
	key := "skj_" + agency + "_" + secret.Token() + secret.Token()
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		now := s.clock.Now()
		live := `agency = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`
		var n int
		if err := tx.Get(ctx, &n, `SELECT COUNT(*) FROM agency_keys WHERE `+live, agency, now); err != nil {
			return err
		}
		if n > 0 && !rotate {
			return fmt.Errorf("%w: %s has an API key already; rotate it to make a new one", fault.ErrConflict, agency)
		}
		if _, err := tx.Exec(ctx, `UPDATE agency_keys SET expires_at = ? WHERE expires_at IS NULL AND revoked_at IS NULL AND agency = ?`,
			now.Add(overlap), agency); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO agency_keys (id, agency, api_key_hash, created_at) VALUES (?, ?, ?, ?)`,
			secret.ID(), agency, secret.Hash(key), now)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("create key for %s: %w", agency, err)
	}
	return key, nil
}

// AgencyByKey answers the agency a live API key belongs to, or
// fault.ErrNotFound (unknown, expired after a rotation, or revoked).
func (s *Service) AgencyByKey(ctx context.Context, key string) (string, error) {
	if key == "" {
		return "", fault.ErrNotFound
	}
	var agency string
	if err := s.db.Read().Get(ctx, &agency, `SELECT agency FROM agency_keys WHERE api_key_hash = ? AND revoked_at IS NULL
		AND (expires_at IS NULL OR expires_at > ?)`, secret.Hash(key), s.clock.Now()); err != nil {
		return "", err
	}
	return agency, nil
}

// AgencyKey is an API key as the operator sees it: never the key.
type AgencyKey struct {
	ID        string     `db:"id"`
	Agency    string     `db:"agency"`
	CreatedAt time.Time  `db:"created_at"`
	ExpiresAt *time.Time `db:"expires_at"`
	RevokedAt *time.Time `db:"revoked_at"`
}

// AgencyKeys lists every API key, by agency and age.
func (s *Service) AgencyKeys(ctx context.Context) ([]AgencyKey, error) {
	out := []AgencyKey{}
	if err := s.db.Read().Select(ctx, &out, `SELECT id, agency, created_at, expires_at, revoked_at FROM agency_keys ORDER BY agency, created_at`); err != nil {
		return nil, fmt.Errorf("agency keys: %w", err)
	}
	return out, nil
}

// RevokeAgencyKeys stops an agency's live keys at once, and answers how
// many.
func (s *Service) RevokeAgencyKeys(ctx context.Context, agency string) (int, error) {
	var n int64
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		now := s.clock.Now()
		var err error
		n, err = tx.Exec(ctx, `UPDATE agency_keys SET revoked_at = ? WHERE agency = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`,
			now, agency, now)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("revoke the keys of %s: %w", agency, err)
	}
	return int(n), nil
}

// AgencyApplication reads an application the agency has been sent, by its
// reference: one in a sealed or delivered batch of that agency, for the
// human-readable copy of it. The read is audited on the application.
func (s *Service) AgencyApplication(ctx context.Context, agency, reference string) (record.Application, error) {
	var a record.Application
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		var id string
		if err := tx.Get(ctx, &id, `SELECT a.id FROM applications a JOIN batches b ON b.id = a.batch_id
			WHERE a.reference = ? AND b.agency = ? AND b.status IN (?, ?)`, reference, agency, string(BatchSealed), string(BatchDelivered)); err != nil {
			return err
		}
		var err error
		if a, err = record.GetApplication(ctx, tx, `id = ?`, id); err != nil {
			return err
		}
		return record.Audit(ctx, tx, s.clock.Now(), record.Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: AgencyActor(agency),
			Action: ActionAgencyViewFile, Detail: "copy"})
	})
	if err != nil {
		return record.Application{}, fmt.Errorf("application %s: %w", reference, err)
	}
	return a, nil
}

// AgencyFile reads a file of an application the agency has been sent: one
// in a sealed or delivered batch of that agency. The read is audited on the
// application.
func (s *Service) AgencyFile(ctx context.Context, agency, fileID string) (File, []byte, error) {
	var appID string
	err := s.db.Write(ctx, func(tx storage.Tx) error {
		var a struct {
			ID     string        `db:"id"`
			Status record.Status `db:"status"`
		}
		if err := tx.Get(ctx, &a, `SELECT a.id, a.status FROM files f
			JOIN applications a ON a.id = f.application_id
			JOIN batches b ON b.id = a.batch_id
			WHERE f.id = ? AND b.agency = ? AND b.status IN (?, ?)`, fileID, agency, string(BatchSealed), string(BatchDelivered)); err != nil {
			return err
		}
		appID = a.ID
		return record.Audit(ctx, tx, s.clock.Now(), record.Transition{ApplicationID: a.ID, From: a.Status, To: a.Status, Actor: AgencyActor(agency),
			Action: ActionAgencyViewFile, Detail: fileID})
	})
	if err != nil {
		return File{}, nil, fmt.Errorf("file %s: %w", fileID, err)
	}
	return record.FileContent(ctx, s.db.Read(), appID, fileID)
}
