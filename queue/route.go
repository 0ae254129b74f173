package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/riverqueue/river"

	"github.com/skjema/skjema/engine"
)

// RouteArgs asks for one submitted application to be routed.
type RouteArgs struct {
	ApplicationID string `json:"application_id"`
}

// Kind is River's name for the job.
func (RouteArgs) Kind() string { return "route" }

// routeWorker applies the form's routing rules: an application that needs a
// human goes to the kommune's exception queue, the rest join the open batch
// for (agency, kommune). A batch that reaches its size is sealed in the same
// transaction and its delivery enqueued.
type routeWorker struct {
	river.WorkerDefaults[RouteArgs]
	q *Queue
}

func (w *routeWorker) Work(ctx context.Context, job *river.Job[RouteArgs]) error {
	err := w.route(ctx, job)
	w.q.metrics.jobDone(job.Kind, err)
	if err != nil && job.Attempt >= job.MaxAttempts {
		// The last try: hand the application to a caseworker rather than
		// leave it submitted and forgotten behind a discarded job. The try
		// may have failed because the job's time ran out, so the hand-over
		// gets time of its own.
		dctx, cancel := deadLetterContext(ctx)
		defer cancel()
		ferr := w.q.store.Write(dctx, func(tx engine.Tx) error {
			_, err := w.q.store.Route(dctx, tx, job.Args.ApplicationID, "", []string{"routing.failed"})
			return err
		})
		if ferr != nil {
			return fmt.Errorf("route %s: hand it to the exception queue after %v: %w", job.Args.ApplicationID, err, ferr)
		}
		w.q.log.WarnContext(dctx, "routing failed; the application is in the exception queue", "application", job.Args.ApplicationID, "error", err)
		return river.JobCancel(err)
	}
	return err
}

// batchFull rolls back a route that joined a batch already at its size.
type batchFull struct{ id string }

func (e batchFull) Error() string { return "batch " + e.id + " is full" }

// deadLetterTimeout is how long a job's last write (handing an application
// or a batch back to a caseworker) may take, whatever time the job had left.
const deadLetterTimeout = 30 * time.Second

// deadLetterContext keeps ctx's values but not its deadline or cancellation:
// a job whose time ran out must still record that it gave up.
func deadLetterContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), deadLetterTimeout)
}

func (w *routeWorker) route(ctx context.Context, job *river.Job[RouteArgs]) error {
	a, err := w.q.store.Application(ctx, job.Args.ApplicationID)
	if err != nil {
		return fmt.Errorf("route %s: %w", job.Args.ApplicationID, err)
	}
	if a.Status != engine.StatusSubmitted {
		return nil
	}
	form, ok := w.q.cfg.Forms.Form(a.Form)
	if !ok {
		return fmt.Errorf("route %s: form %s is not loaded", a.ID, a.Form)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(a.Data), &doc); err != nil {
		return fmt.Errorf("route %s: %w", a.ID, err)
	}
	reasons := form.ReviewReasons(doc, w.q.cfg.Clock())
	// Several nodes may open or seal the same batch at once: such a conflict
	// is routine, so try again at once rather than wait for River's backoff
	// (which grows to minutes by the third attempt).
	for try := 0; ; try++ {
		var full batchFull
		err = w.q.store.Write(ctx, func(tx engine.Tx) error {
			res, err := w.q.store.Route(ctx, tx, a.ID, form.Agency, reasons)
			if err != nil {
				return err
			}
			switch {
			case res.Batch.ID == "" || res.Batch.ItemCount < w.q.cfg.BatchSize:
				return nil
			case res.Batch.ItemCount == w.q.cfg.BatchSize:
				return w.q.seal(ctx, tx, []string{res.Batch.ID})
			}
			// The batch was full before this application: a caseworker's
			// approval, which does not seal, added its last item. Undo
			// the join, seal the batch, and route again into a new one.
			return batchFull{id: res.Batch.ID}
		})
		if errors.As(err, &full) {
			err = w.q.store.Write(ctx, func(tx engine.Tx) error { return w.q.seal(ctx, tx, []string{full.id}) })
			if err == nil {
				err = fmt.Errorf("batch %s was full, now sealed: %w", full.id, engine.ErrConflict) // so: again
			}
		}
		if !errors.Is(err, engine.ErrConflict) || try == 10 {
			break
		}
		select {
		case <-time.After(time.Duration(rand.IntN(20)+1) * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("route %s: %w (after %v)", a.ID, ctx.Err(), err)
		}
	}
	if err != nil {
		return fmt.Errorf("route %s: %w", a.ID, err)
	}
	return nil
}
