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
		_, ferr := w.q.store.Route(dctx, engine.RouteRequest{ApplicationID: job.Args.ApplicationID, Reasons: []string{"routing.failed"}})
		if ferr != nil {
			return fmt.Errorf("route %s: hand it to the exception queue after %v: %w", job.Args.ApplicationID, err, ferr)
		}
		w.q.log.WarnContext(dctx, "routing failed; the application is in the exception queue", "application", job.Args.ApplicationID, "error", err)
		return river.JobCancel(err)
	}
	return err
}

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
	// is routine, so try again at once rather than wait for River's backoff.
	// The route that fills a batch seals it, in the same transaction.
	req := engine.RouteRequest{ApplicationID: a.ID, Agency: form.Agency, Reasons: reasons, BatchSize: w.q.cfg.BatchSize}
	for try := 0; ; try++ {
		_, err = w.q.store.Route(ctx, req)
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
