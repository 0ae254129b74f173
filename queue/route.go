package queue

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/riverqueue/river"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
)

// RouteArgs asks for submitted applications to be routed: those one write
// made due (a submit, or on SQLite a whole group commit of them), so that
// routing costs one job and one transaction per group, not per submit, and
// keeps up with the submits.
type RouteArgs struct {
	ApplicationIDs []string `json:"application_ids,omitempty"`
	// ApplicationID is the one application of a job inserted before routes
	// were grouped.
	ApplicationID string `json:"application_id,omitempty"`
}

// ids are the applications the job routes.
func (a RouteArgs) ids() []string {
	if a.ApplicationID != "" {
		return append([]string{a.ApplicationID}, a.ApplicationIDs...)
	}
	return a.ApplicationIDs
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
	if err != nil && job.Attempt >= job.MaxAttempts {
		// The last try: hand the application to a caseworker rather than
		// leave it submitted and forgotten behind a discarded job. The try
		// may have failed because the job's time ran out, so the hand-over
		// gets time of its own.
		// Routed ones are no longer submitted, and Route leaves them be.
		// Every one is handed over, whatever happens to another: an id left
		// out would be submitted with no job at all.
		dctx, cancel := deadLetterContext(ctx)
		defer cancel()
		var failed []error
		for _, id := range job.Args.ids() {
			if _, ferr := w.q.store.Batches.Route(dctx, batches.RouteRequest{ApplicationID: id, Reasons: []string{"routing.failed"}}); ferr != nil {
				w.q.log.ErrorContext(dctx, "an application could not be handed to the exception queue", "application", id, "error", ferr)
				failed = append(failed, ferr)
			}
		}
		if len(failed) > 0 {
			return fmt.Errorf("route: hand %d applications to the exception queue after %v: %w", len(failed), err, errors.Join(failed...))
		}
		w.q.log.WarnContext(dctx, "routing failed; the applications still unrouted are in the exception queue", "applications", len(job.Args.ids()), "error", err)
		return reported{river.JobCancel(err)}
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
	apps, err := w.q.store.Batches.SubmittedApplications(ctx, job.Args.ids())
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	// The rules run here, outside any transaction: CPU work stays off the
	// single writer. An application whose form is not loaded (or whose
	// document does not decode) waits for the job's next try; the others
	// are routed now, and are no-ops when it comes.
	var reqs []batches.RouteRequest
	var failed []error
	kommuneOf := map[string]string{}
	for _, a := range apps {
		kommuneOf[a.ID] = a.Kommune
		req, err := w.request(a)
		if err != nil {
			failed = append(failed, err)
			continue
		}
		reqs = append(reqs, req)
	}
	// One order for every node: two transactions that lock the open batches
	// of several kommuner lock them alike, so they wait, never deadlock.
	slices.SortFunc(reqs, func(a, b batches.RouteRequest) int {
		return cmp.Or(cmp.Compare(a.Agency, b.Agency), cmp.Compare(kommuneOf[a.ApplicationID], kommuneOf[b.ApplicationID]), cmp.Compare(a.ApplicationID, b.ApplicationID))
	})
	if len(reqs) > 0 {
		if err := w.routeAll(ctx, reqs); err != nil {
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}

// request is the routing of one application: its form's agency and the
// reasons the form's rules gave to look at it, at submit (or, for one
// submitted before they were kept, now, from its document).
func (w *routeWorker) request(a batches.ToRoute) (batches.RouteRequest, error) {
	form, ok := w.q.cfg.Forms.Form(a.Form)
	if !ok {
		return batches.RouteRequest{}, fmt.Errorf("route %s: form %s is not loaded", a.ID, a.Form)
	}
	var reasons []string
	if a.Reasons != nil {
		if *a.Reasons != "" {
			reasons = strings.Split(*a.Reasons, ",")
		}
	} else {
		var doc map[string]any
		if err := json.Unmarshal([]byte(a.Data), &doc); err != nil {
			return batches.RouteRequest{}, fmt.Errorf("route %s: %w", a.ID, err)
		}
		reasons = form.ReviewReasons(doc, w.q.cfg.Clock())
	}
	return batches.RouteRequest{ApplicationID: a.ID, Agency: form.Agency, Reasons: reasons, BatchSize: w.q.cfg.BatchSize}, nil
}

// routeAll routes the applications in one transaction. Several nodes may
// open or seal the same batch at once: such a conflict is routine, so try
// again at once rather than wait for River's backoff. An error that is not
// a conflict routes them one by one, so one that cannot be routed does not
// hold the others back.
func (w *routeWorker) routeAll(ctx context.Context, reqs []batches.RouteRequest) error {
	var err error
	for try := 0; ; try++ {
		if err = w.q.store.Batches.RouteAll(ctx, reqs); !errors.Is(err, engine.ErrConflict) || try == 10 {
			break
		}
		select {
		case <-time.After(time.Duration(rand.IntN(20)+1) * time.Millisecond):
		case <-ctx.Done():
			return fmt.Errorf("route: %w (after %v)", ctx.Err(), err)
		}
	}
	if err == nil || errors.Is(err, engine.ErrConflict) || len(reqs) == 1 {
		return err
	}
	var failed []error
	for _, r := range reqs {
		if _, err := w.q.store.Batches.Route(ctx, r); err != nil {
			failed = append(failed, err)
		}
	}
	return errors.Join(failed...)
}
