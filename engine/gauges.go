package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/skjema/skjema/engine/internal/record"
)

// Gauges are what an operator alerts on, read from the database at once: so
// every node of an installation reports the same figures.
type Gauges struct {
	Applications map[string]int // by status
	Batches      map[string]int // by status
	// OldestUndelivered is when the oldest application that was submitted
	// and is on the installation's own road to its agency (submitted and
	// not yet routed, or batched) was submitted; zero when there is none.
	// Applications in a caseworker's review or waiting for the citizen are
	// a person's turn, not the installation's, and are not counted.
	OldestUndelivered time.Time
	// OldestSealed is when the oldest batch still waiting for its agency
	// (sealed, not delivered) was sealed; zero when there is none.
	OldestSealed time.Time
	// Jobs counts River's jobs not yet done, by kind and state (available,
	// scheduled, running, retryable): the depth of the job queue. River's
	// table is migrated with the store's, in the same database.
	Jobs []JobCount
}

// JobCount is the number of jobs of one kind in one state.
type JobCount struct {
	Kind  string `db:"kind"`
	State string `db:"state"`
	N     int    `db:"n"`
}

// Gauges reads the gauges. The counts are grouped on indexed columns; the
// job counts read River's own table, migrated with the store's.
func (s *Store) Gauges(ctx context.Context) (Gauges, error) {
	g := Gauges{Applications: map[string]int{}, Batches: map[string]int{}}
	var counts []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	db := s.read()
	if err := db.Select(ctx, &counts, `SELECT status, count(*) AS n FROM applications GROUP BY status`); err != nil {
		return g, fmt.Errorf("count applications: %w", err)
	}
	for _, c := range counts {
		g.Applications[c.Status] = c.N
	}
	counts = nil
	if err := db.Select(ctx, &counts, `SELECT status, count(*) AS n FROM batches GROUP BY status`); err != nil {
		return g, fmt.Errorf("count batches: %w", err)
	}
	for _, c := range counts {
		g.Batches[c.Status] = c.N
	}
	// The column itself, not min(): SQLite gives an aggregate no type, and
	// the time would come back as text. Scanned into a struct: scany (on
	// PostgreSQL) takes no bare time.Time.
	var oldest []struct {
		At time.Time `db:"at"`
	}
	if err := db.Select(ctx, &oldest, `SELECT submitted_at AS at FROM applications WHERE status IN (?, ?) AND submitted_at IS NOT NULL
		ORDER BY submitted_at LIMIT 1`, string(record.StatusSubmitted), string(record.StatusBatched)); err != nil {
		return g, fmt.Errorf("oldest undelivered application: %w", err)
	}
	if len(oldest) == 1 {
		g.OldestUndelivered = oldest[0].At
	}
	oldest = nil
	if err := db.Select(ctx, &oldest, `SELECT sealed_at AS at FROM batches WHERE status = ? AND sealed_at IS NOT NULL
		ORDER BY sealed_at LIMIT 1`, string(record.BatchSealed)); err != nil {
		return g, fmt.Errorf("oldest sealed batch: %w", err)
	}
	if len(oldest) == 1 {
		g.OldestSealed = oldest[0].At
	}
	if err := db.Select(ctx, &g.Jobs, `SELECT kind, state, count(*) AS n FROM river_job
		WHERE state IN ('available', 'scheduled', 'running', 'retryable') GROUP BY kind, state ORDER BY kind, state`); err != nil {
		return g, fmt.Errorf("count jobs: %w", err)
	}
	return g, nil
}
