package engine

import (
	"context"
	"fmt"
	"time"
)

// ExceptionItem is an application that needs a caseworker: flagged by the
// routing rules, returned to the citizen, rejected by the agency, or back
// from a batch that could not be delivered.
type ExceptionItem struct {
	ID            string    `db:"id" json:"id"`
	Reference     *string   `db:"reference" json:"reference"`
	Kommune       string    `db:"kommune" json:"kommune"`
	Status        Status    `db:"status" json:"status"`
	ReviewReasons string    `db:"review_reasons" json:"reviewReasons,omitempty"`
	AgencyReason  string    `db:"agency_reason" json:"agencyReason,omitempty"`
	UpdatedAt     time.Time `db:"updated_at" json:"updatedAt"`
}

// ExceptionQueue lists every application that needs a human, oldest first.
func (s *Store) ExceptionQueue(ctx context.Context) ([]ExceptionItem, error) {
	var out []ExceptionItem
	err := s.read().Select(ctx, &out, `SELECT id, reference, kommune, status, review_reasons, agency_reason, updated_at
		FROM applications WHERE status IN (?, ?, ?) ORDER BY updated_at, id`,
		string(StatusInReview), string(StatusAwaitingCitizen), string(StatusRejected))
	if err != nil {
		return nil, fmt.Errorf("exception queue: %w", err)
	}
	return out, nil
}

// CountByStatus counts applications in each status.
func (s *Store) CountByStatus(ctx context.Context) (map[Status]int, error) {
	var rows []struct {
		Status Status `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.read().Select(ctx, &rows, `SELECT status, COUNT(*) AS n FROM applications GROUP BY status`); err != nil {
		return nil, fmt.Errorf("count by status: %w", err)
	}
	out := map[Status]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}
