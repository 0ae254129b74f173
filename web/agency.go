package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
)

var errBadAgencyKey = problem(http.StatusUnauthorized, "unauthorized", "Unauthorized", "send the agency's API key as Authorization: Bearer <key>")

// agency authenticates an agency by its API key.
func (s *Server) agency(r *http.Request) (string, error) {
	key, err := bearer(r)
	if err != nil {
		return "", errBadAgencyKey
	}
	agency, err := s.store.Batches.AgencyByKey(r.Context(), key)
	if errors.Is(err, engine.ErrNotFound) {
		return "", errBadAgencyKey
	}
	return agency, err
}

type batchSummary struct {
	ID        string              `json:"id"`
	Kommune   string              `json:"kommune"`
	Status    batches.BatchStatus `json:"status"`
	ItemCount int                 `json:"itemCount"`
	SHA256    string              `json:"sha256"`
	SealedAt  *time.Time          `json:"sealedAt,omitempty"`
}

// batchList is one page of the batch list; next, when there are more, is
// the after of the next page.
type batchList struct {
	Batches []batchSummary `json:"batches"`
	Next    string         `json:"next,omitempty"`
}

// listBatches: GET /api/v1/agency/batches?status=sealed (the default)
// &after=<next of the previous page>&limit=<1 to 500, default 100>.
func (s *Server) listBatches(w http.ResponseWriter, r *http.Request) error {
	agency, err := s.agency(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	status := batches.BatchStatus(q.Get("status"))
	switch status {
	case "":
		status = batches.BatchSealed
	case batches.BatchSealed, batches.BatchDelivered, batches.BatchFailed:
	default:
		return problem(http.StatusBadRequest, "invalid-request", "Invalid request", "status is sealed, delivered or failed")
	}
	limit := batches.DefaultBatchPage
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > batches.MaxBatchPage {
			return problem(http.StatusBadRequest, "invalid-request", "Invalid request", "limit is a number from 1 to 500")
		}
	}
	page, err := s.store.Batches.BatchList(r.Context(), batches.BatchQuery{Agency: agency, Status: status, After: q.Get("after"), Limit: limit})
	if err != nil {
		return err
	}
	out := batchList{Batches: make([]batchSummary, len(page.Batches)), Next: page.Next}
	for i, b := range page.Batches {
		out.Batches[i] = batchSummary{ID: b.ID, Kommune: b.Kommune, Status: b.Status, ItemCount: b.ItemCount, SHA256: b.SHA256, SealedAt: b.SealedAt}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getBatch: GET /api/v1/agency/batches/{id} answers the sealed body exactly
// as it would be pushed, records the batch as delivered and audits the read
// on each of its applications. Fetching it again is harmless.
func (s *Server) getBatch(w http.ResponseWriter, r *http.Request) error {
	agency, err := s.agency(r)
	if err != nil {
		return err
	}
	b, err := s.store.Batches.FetchBatch(r.Context(), agency, r.PathValue("id"))
	if err != nil {
		return err // ErrNotFound also for another agency's batch, or one not sealed yet
	}
	s.log.InfoContext(r.Context(), "batch fetched by its agency", "batch", b.ID, "agency", agency, "kommune", b.Kommune, "applications", b.ItemCount)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Skjema-Batch-Id", b.ID)
	w.Write([]byte(b.Body))
	return nil
}

// postReceipts: POST /api/v1/agency/batches/{id}/receipts with
// [{"reference", "outcome": "accepted|rejected", "reason"}]. Sending the same
// receipts again is harmless: items whose application has moved on are
// answered as skipped.
func (s *Server) postReceipts(w http.ResponseWriter, r *http.Request) error {
	agency, err := s.agency(r)
	if err != nil {
		return err
	}
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	var items []batches.ReceiptItem
	if err := json.Unmarshal(body, &items); err != nil {
		return problem(http.StatusBadRequest, "invalid-request", "Invalid request", "the body is a list of {reference, outcome, reason}")
	}
	b, err := s.store.Batches.Batch(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	// An open batch is not the agency's yet; a delivered one whose body was
	// purged still takes its receipts.
	if b.Agency != agency || b.Status == batches.BatchOpen {
		return errNotFound
	}
	res, err := s.store.Batches.RecordDelivery(r.Context(), b.ID, batches.AgencyActor(agency), items)
	if err != nil {
		s.log.WarnContext(r.Context(), "receipts refused", "batch", b.ID, "agency", agency, "receipts", len(items), "error", err)
		return err
	}
	s.log.InfoContext(r.Context(), "receipts applied", "batch", b.ID, "agency", agency, "receipts", len(items), "applied", res.Applied, "skipped", len(res.Skipped))
	writeJSON(w, http.StatusOK, res)
	return nil
}
