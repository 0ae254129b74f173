package queue

import (
	"context"
	"fmt"

	"github.com/riverqueue/river"
)

// PurgeArgs asks for everything past its retention to be removed. River
// runs it periodically on the leader only.
type PurgeArgs struct{}

// Kind is River's name for the job.
func (PurgeArgs) Kind() string { return "purge" }

type purgeWorker struct {
	river.WorkerDefaults[PurgeArgs]
	q *Queue
}

// Work purges in short transactions until nothing is left to purge, and
// counts what it removed in skjema_purged_total.
func (w *purgeWorker) Work(ctx context.Context, job *river.Job[PurgeArgs]) error {
	return w.q.Purge(ctx)
}

// Purge removes everything past its retention now.
func (q *Queue) Purge(ctx context.Context) error {
	for {
		p, more, err := q.store.Purge(ctx, q.cfg.Retention)
		if err != nil {
			return err
		}
		for kind, n := range map[string]int{"draft": p.Drafts, "file": p.Files, "session": p.Sessions, "batch_body": p.BatchBodies, "upload_chunk": p.Chunks} {
			q.metrics.purged.WithLabelValues(kind).Add(float64(n))
		}
		if p.Total() > 0 {
			q.log.InfoContext(ctx, "purged", "drafts", p.Drafts, "files", p.Files, "sessions", p.Sessions, "batch_bodies", p.BatchBodies, "upload_chunks", p.Chunks)
		}
		if !more {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("purge: %w", err)
		}
	}
}
