package queue

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"

	"github.com/skjema/skjema/engine"
)

// SealArgs asks for every due batch to be sealed. River runs it periodically
// on the leader only, so batches are sealed once however many nodes run.
type SealArgs struct{}

// Kind is River's name for the job.
func (SealArgs) Kind() string { return "seal_batches" }

type sealWorker struct {
	river.WorkerDefaults[SealArgs]
	q *Queue
}

// Work seals the batches that are full, old, or opened before the last
// monthly cut-off, and enqueues their delivery in the same transaction.
func (w *sealWorker) Work(ctx context.Context, job *river.Job[SealArgs]) error {
	err := w.q.SealDue(ctx)
	w.q.metrics.jobDone(job.Kind, err)
	return err
}

// SealDue seals every due batch now.
func (q *Queue) SealDue(ctx context.Context) error {
	cutoff := q.cfg.Calendar.LastCutoff(q.cfg.Clock())
	return q.store.Write(ctx, func(tx engine.Tx) error {
		due, err := q.store.DueBatches(ctx, tx, q.cfg.BatchSize, q.cfg.BatchMaxAge, cutoff)
		if err != nil {
			return fmt.Errorf("due batches: %w", err)
		}
		ids := make([]string, len(due))
		for i, b := range due {
			ids[i] = b.ID
		}
		return q.seal(ctx, tx, ids)
	})
}

// seal seals batches and enqueues one deliver job for each it sealed, inside
// tx.
func (q *Queue) seal(ctx context.Context, tx engine.Tx, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, 0, len(ids))
	for _, id := range ids {
		_, sealed, err := q.store.SealBatch(ctx, tx, id)
		if err != nil {
			return err
		}
		if !sealed {
			// Someone else sealed it (the periodic seal and a full batch's
			// route may race): its delivery is theirs to enqueue.
			continue
		}
		params = append(params, river.InsertManyParams{
			Args:       DeliverArgs{BatchID: id},
			InsertOpts: &river.InsertOpts{MaxAttempts: q.cfg.DeliverAttempts},
		})
	}
	if len(params) == 0 {
		return nil
	}
	return q.insertManyTx(ctx, tx, params)
}
