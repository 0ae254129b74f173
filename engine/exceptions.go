package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// ReasonAgencyRejected is the queue reason of an application the agency
// rejected; the other reasons are the routing rules' codes (and
// delivery.failed, routing.failed).
const ReasonAgencyRejected = "agency.rejected"

// ExceptionItem is an application that needs a caseworker: flagged by the
// routing rules, returned to the citizen, rejected by the agency, or back
// from a batch that could not be delivered. It holds no personal data, so
// the queue can be listed without reading any.
type ExceptionItem struct {
	ID            string     `db:"id" json:"id"`
	Reference     *string    `db:"reference" json:"reference"`
	Kommune       string     `db:"kommune" json:"kommune"`
	Status        Status     `db:"status" json:"status"`
	Channel       string     `db:"channel" json:"channel"`
	ReviewReasons string     `db:"review_reasons" json:"reviewReasons,omitempty"`
	AgencyReason  string     `db:"agency_reason" json:"agencyReason,omitempty"`
	SubmittedAt   *time.Time `db:"submitted_at" json:"submittedAt"`
	UpdatedAt     time.Time  `db:"updated_at" json:"updatedAt"`
	Version       int        `db:"version" json:"version"`
}

// Reasons are the item's reason codes.
func (e ExceptionItem) Reasons() []string {
	var out []string
	if e.ReviewReasons != "" {
		out = strings.Split(e.ReviewReasons, ",")
	}
	if e.Status == StatusRejected {
		out = append(out, ReasonAgencyRejected)
	}
	return out
}

// ExceptionFilter selects from the exception queue.
type ExceptionFilter struct {
	// Kommuner bound the queue to a caseworker's kommuner. Empty selects
	// nothing, unless AllKommuner is set (for the system's own checks).
	Kommuner    []string
	AllKommuner bool
	// Status, Reason and SubmittedBefore narrow the list; zero values do not.
	Status          Status
	Reason          string
	SubmittedBefore time.Time
}

// ExceptionList is one view of the queue: the items that match, oldest
// submission first, and the counts of everything in the caseworker's
// kommuner by status and by reason, before the filter.
type ExceptionList struct {
	Items    []ExceptionItem
	Total    int
	ByStatus map[Status]int
	ByReason map[string]int
}

// ExceptionQueue lists the applications that need a human.
func (s *Store) ExceptionQueue(ctx context.Context, f ExceptionFilter) (ExceptionList, error) {
	out := ExceptionList{ByStatus: map[Status]int{}, ByReason: map[string]int{}}
	if len(f.Kommuner) == 0 && !f.AllKommuner {
		return out, nil
	}
	query := `SELECT id, reference, kommune, status, channel, review_reasons, agency_reason, submitted_at, updated_at, version
		FROM applications WHERE (status IN (?, ?) OR (status = ? AND closed_at IS NULL))`
	args := []any{string(StatusInReview), string(StatusAwaitingCitizen), string(StatusRejected)}
	if !f.AllKommuner {
		query += ` AND kommune IN (?` + strings.Repeat(`, ?`, len(f.Kommuner)-1) + `)`
		for _, k := range f.Kommuner {
			args = append(args, k)
		}
	}
	var all []ExceptionItem
	if err := s.read().Select(ctx, &all, query, args...); err != nil {
		return ExceptionList{}, fmt.Errorf("exception queue: %w", err)
	}
	for _, it := range all {
		out.ByStatus[it.Status]++
		for _, r := range it.Reasons() {
			out.ByReason[r]++
		}
		if f.Status != "" && it.Status != f.Status ||
			f.Reason != "" && !slices.Contains(it.Reasons(), f.Reason) ||
			!f.SubmittedBefore.IsZero() && (it.SubmittedAt == nil || !it.SubmittedAt.Before(f.SubmittedBefore)) {
			continue
		}
		out.Items = append(out.Items, it)
	}
	out.Total = len(all)
	slices.SortFunc(out.Items, func(a, b ExceptionItem) int {
		return cmp.Or(compareTime(a.SubmittedAt, b.SubmittedAt), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

func compareTime(a, b *time.Time) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return a.Compare(*b)
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
