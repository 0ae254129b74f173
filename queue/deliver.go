package queue

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
)

// DeliverArgs asks for one sealed batch to be delivered.
type DeliverArgs struct {
	BatchID string `json:"batch_id"`
}

// Kind is River's name for the job.
func (DeliverArgs) Kind() string { return "deliver_batch" }

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	q *Queue
}

// Work pushes a sealed batch to its agency (a pulling agency fetches it
// itself, so there is nothing to do). A 2xx marks the batch delivered and
// applies the receipts it carried (an answer that holds no readable receipts
// is logged and still a delivery). A temporary failure is retried with
// River's backoff; a 4xx, or the last attempt failing, gives the batch up and
// returns its applications to the kommune's exception queue.
func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	return w.deliver(ctx, job)
}

func (w *deliverWorker) deliver(ctx context.Context, job *river.Job[DeliverArgs]) error {
	id := job.Args.BatchID
	b, err := w.q.store.Batches.Batch(ctx, id)
	if err != nil {
		return err
	}
	agency := w.q.cfg.Agencies[b.Agency]
	if b.Status != batches.BatchSealed || agency.Transport != TransportPush {
		return nil
	}
	start := time.Now()
	receipts, err := push(ctx, w.q.cfg.HTTPClient, agency, b, w.q.cfg.Clock())
	took := time.Since(start).Milliseconds()
	if unreadable := (unreadableReceipts{}); errors.As(err, &unreadable) {
		// The agency answered 2xx, so it has the batch: a retry would push
		// it again, and the last one would fail it back to review.
		w.q.log.WarnContext(ctx, "the agency took the batch but its answer holds no receipts; they may be posted through the agency API",
			"batch", id, "agency", b.Agency, "error", err)
		receipts, err = nil, nil
	}
	if err == nil {
		// The delivery and the receipts it carried commit together, so a
		// crash between them cannot leave the batch delivered with its
		// receipts lost (the job is rescued, pushes again, and the agency
		// answers the same receipts). Receipts the store refuses do not undo
		// the delivery: it is recorded on its own and the agency can post
		// them again through the agency API.
		res, err := w.q.store.Batches.RecordDelivery(ctx, id, "system:deliver", receipts)
		if err == nil {
			w.q.log.InfoContext(ctx, "batch pushed and delivered", "batch", id, "agency", b.Agency, "kommune", b.Kommune, "applications", b.ItemCount,
				"attempt", job.Attempt, "duration_ms", took, "receipts", len(receipts), "applied", res.Applied, "skipped", len(res.Skipped))
		}
		if errors.Is(err, engine.ErrInvalid) || errors.Is(err, engine.ErrConflict) {
			w.q.log.WarnContext(ctx, "the agency's receipts could not be applied; they may be posted again through the agency API",
				"batch", id, "agency", b.Agency, "error", err)
			_, err = w.q.store.Batches.RecordDelivery(ctx, id, "system:deliver", nil)
		}
		return err
	}
	w.q.metrics.pushFailures.WithLabelValues(b.Agency).Inc()
	// The push may have failed because the job's time ran out: what it
	// records about that failure gets time of its own.
	dctx, cancel := deadLetterContext(ctx)
	defer cancel()
	var perm permanentError
	last := job.Attempt >= job.MaxAttempts
	if errors.As(err, &perm) || last {
		why := err.Error()
		if last && !errors.As(err, &perm) {
			why = fmt.Sprintf("gave up after %d attempts: %v", job.Attempt, err)
		}
		if ferr := w.q.store.Batches.FailBatch(dctx, id, "system:deliver", why); ferr != nil {
			return fmt.Errorf("fail batch %s: %w", id, ferr)
		}
		w.q.log.WarnContext(dctx, "batch not delivered; its applications are back in review", "batch", id, "agency", b.Agency, "error", why)
		return reported{river.JobCancel(err)}
	}
	if rerr := w.q.store.Batches.RecordBatchError(dctx, id, err.Error()); rerr != nil {
		return fmt.Errorf("record the error of batch %s: %w", id, rerr)
	}
	w.q.log.WarnContext(ctx, "push failed; it will be tried again", "batch", id, "agency", b.Agency, "attempt", job.Attempt,
		"max_attempts", job.MaxAttempts, "duration_ms", took, "error", err)
	return reported{err}
}
