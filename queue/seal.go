package queue

import (
	"cmp"
	"context"

	"github.com/riverqueue/river"

	"github.com/skjema/skjema/engine/batches"
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
	return w.q.SealDue(ctx)
}

// SealDue seals every due batch now, and enqueues their deliveries.
func (q *Queue) SealDue(ctx context.Context) error {
	sealed, err := q.store.Batches.SealDue(ctx, batches.SealRequest{Size: q.cfg.BatchSize, MaxAge: q.cfg.BatchMaxAge,
		Cutoff: q.cfg.Calendar.LastCutoff(q.cfg.Clock())})
	for _, b := range sealed {
		transport := cmp.Or(q.cfg.Agencies[b.Agency].Transport, TransportPull)
		q.log.InfoContext(ctx, "batch sealed", "batch", b.ID, "agency", b.Agency, "kommune", b.Kommune, "applications", b.ItemCount, "transport", transport)
	}
	return err
}
