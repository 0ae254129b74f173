package engine

import (
	"context"

	"github.com/skjema/skjema/engine/internal/record"
	"github.com/skjema/skjema/engine/storage"
)

// The kinds of work the engine hands to the job queue.
const (
	// JobRoute: apply a submitted application's routing rules
	// (batches.Service.Route).
	JobRoute = record.JobRoute
	// JobDeliver: deliver a sealed batch to its agency.
	JobDeliver = record.JobDeliver
	// JobNotify sends a notice to the citizen (package notify).
	JobNotify = record.JobNotify
)

// Job is one piece of work for the job queue, about one application or
// batch. The engine adds jobs to the transaction that makes them due (a
// submit adds its route, a seal its delivery), and they are inserted into
// the queue in that same transaction, just before it commits: a job exists
// exactly when its cause was committed.
type Job = storage.Job

// Tx is a write transaction; Executor runs SQL on it or on the readers.
type (
	Tx       = storage.Tx
	Executor = storage.Executor
)

// Enqueuer inserts a transaction's jobs into the job queue, in that
// transaction. The queue package implements it with River's InsertManyTx.
// On SQLite the jobs of every write of one group commit are inserted in one
// call.
type Enqueuer interface {
	InsertJobs(ctx context.Context, tx Tx, jobs []Job) error
}

// UseEnqueuer sets who inserts the engine's jobs. It must be called before
// the first write that makes a job.
func (s *Store) UseEnqueuer(e Enqueuer) { s.enqueuer = e }

// beforeCommit inserts a transaction's jobs: the one hook every write runs
// just before it commits, the same on both databases.
func (s *Store) beforeCommit(ctx context.Context, tx Tx, jobs []Job) error {
	if len(jobs) == 0 {
		return nil
	}
	if s.enqueuer == nil {
		return errNoEnqueuer
	}
	return s.enqueuer.InsertJobs(ctx, tx, jobs)
}
