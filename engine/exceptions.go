package engine

import (
	"cmp"
	"context"
	"fmt"
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
	// Limit is the most items listed. Defaults to 200.
	Limit int
}

// ExceptionList is one view of the queue: the first items that match,
// oldest submission first, how many match in all, and the counts of
// everything in the caseworker's kommuner by status and by reason, before
// the filter.
type ExceptionList struct {
	Items    []ExceptionItem
	Matching int
	Total    int
	ByStatus map[Status]int
	ByReason map[string]int
}

// exceptionScope is the queue of some kommuner: in review, awaiting the
// citizen, or rejected by the agency and not yet settled.
func exceptionScope(f ExceptionFilter) (string, []any) {
	where := `(status IN (?, ?) OR (status = ? AND closed_at IS NULL))`
	args := []any{string(StatusInReview), string(StatusAwaitingCitizen), string(StatusRejected)}
	if !f.AllKommuner {
		in, kargs := inList(f.Kommuner)
		where += ` AND kommune IN ` + in
		args = append(args, kargs...)
	}
	return where, args
}

// ExceptionQueue lists the applications that need a human. It filters,
// counts and limits in the database (code review B6): a large kommune's
// queue near the deadline is never read whole.
func (s *Store) ExceptionQueue(ctx context.Context, f ExceptionFilter) (ExceptionList, error) {
	out := ExceptionList{ByStatus: map[Status]int{}, ByReason: map[string]int{}}
	if len(f.Kommuner) == 0 && !f.AllKommuner {
		return out, nil
	}
	scope, args := exceptionScope(f)
	// The counts, grouped by the few distinct reason lists there are.
	var groups []struct {
		Status  Status `db:"status"`
		Reasons string `db:"review_reasons"`
		N       int    `db:"n"`
	}
	if err := s.read().Select(ctx, &groups, `SELECT status, review_reasons, COUNT(*) AS n FROM applications
		WHERE `+scope+` GROUP BY status, review_reasons`, args...); err != nil {
		return ExceptionList{}, fmt.Errorf("exception queue counts: %w", err)
	}
	for _, g := range groups {
		out.Total += g.N
		out.ByStatus[g.Status] += g.N
		for _, r := range (ExceptionItem{Status: g.Status, ReviewReasons: g.Reasons}).Reasons() {
			out.ByReason[r] += g.N
		}
	}
	where := scope
	if f.Status != "" {
		where += ` AND status = ?`
		args = append(args, string(f.Status))
	}
	switch {
	case f.Reason == ReasonAgencyRejected:
		where += ` AND status = ?`
		args = append(args, string(StatusRejected))
	case f.Reason != "":
		where += ` AND (',' || review_reasons || ',') LIKE ? ESCAPE '\'`
		args = append(args, "%,"+likeEscaper.Replace(f.Reason)+",%")
	}
	if !f.SubmittedBefore.IsZero() {
		where += ` AND submitted_at < ?`
		args = append(args, f.SubmittedBefore)
	}
	var rows []struct {
		ExceptionItem
		Matching int `db:"matching"`
	}
	if err := s.read().Select(ctx, &rows, `SELECT id, reference, kommune, status, channel, review_reasons, agency_reason,
		submitted_at, updated_at, version, COUNT(*) OVER () AS matching
		FROM applications WHERE `+where+` ORDER BY (submitted_at IS NULL), submitted_at, id LIMIT ?`,
		append(args, cmp.Or(f.Limit, 200))...); err != nil {
		return ExceptionList{}, fmt.Errorf("exception queue: %w", err)
	}
	for _, r := range rows {
		out.Items, out.Matching = append(out.Items, r.ExceptionItem), r.Matching
	}
	return out, nil
}

// likeEscaper escapes LIKE's wildcards (with \ as the escape character).
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

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
