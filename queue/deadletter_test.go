package queue

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/enginetest"
)

// TestRoutingDeadLetterWithAnExpiredContext: the last routing attempt fails
// because the job's context expired; the application still reaches the
// exception queue as routing.failed, not left submitted behind a discarded
// job.
func TestRoutingDeadLetterWithAnExpiredContext(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setupSeal(t, dsn, nil)
		id := b.submit(t, 1)[0]
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		job := &river.Job[RouteArgs]{JobRow: &rivertype.JobRow{Kind: RouteArgs{}.Kind(), Attempt: 3, MaxAttempts: 3},
			Args: RouteArgs{ApplicationID: id}}
		(&routeWorker{q: b.queue}).Work(ctx, job)
		a, err := b.store.Application(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != engine.StatusInReview || a.ReviewReasons != "routing.failed" {
			t.Fatalf("application is %s for %q, want in_review for routing.failed", a.Status, a.ReviewReasons)
		}
	})
}

// TestRoutingDeadLetterHandsOverEveryApplication: a grouped route job's
// last try hands every application it names to the exception queue, also
// when one of them cannot be (here: it does not exist), so none is left
// submitted with no job (review of 2026-12-02).
func TestRoutingDeadLetterHandsOverEveryApplication(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setupSeal(t, dsn, nil)
		ids := b.submit(t, 2)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		job := &river.Job[RouteArgs]{JobRow: &rivertype.JobRow{Kind: RouteArgs{}.Kind(), Attempt: 3, MaxAttempts: 3},
			Args: RouteArgs{ApplicationIDs: []string{ids[0], "no-such-application", ids[1]}}}
		if err := (&routeWorker{q: b.queue}).Work(ctx, job); err == nil {
			t.Fatal("the hand-over of an application that does not exist answered no error")
		}
		for _, id := range ids {
			a, err := b.store.Application(context.Background(), id)
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != engine.StatusInReview || a.ReviewReasons != "routing.failed" {
				t.Fatalf("application %s is %s for %q, want in_review for routing.failed", id, a.Status, a.ReviewReasons)
			}
		}
	})
}

// TestDeliveryDeadLetterWithAnExpiredContext: the last push fails because
// the job's context expired while the agency was answering; the batch is
// still failed and its applications go back to review.
func TestDeliveryDeadLetterWithAnExpiredContext(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		agency := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // then the server notices the client leave
			cancel()                    // the job's time runs out while the agency thinks
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}))
		defer agency.Close()
		b := setupSeal(t, dsn, func(c *Config) {
			c.Agencies = map[string]Agency{"husbanken": {Transport: TransportPush, URL: agency.URL, Secret: "s"}}
		})
		id := b.submit(t, 1)[0]
		var batchID string
		bg := context.Background()
		res, err := b.store.Batches.Route(bg, batches.RouteRequest{ApplicationID: id, Agency: "husbanken"})
		if err != nil {
			t.Fatal(err)
		}
		batchID = res.Batch.ID
		if _, _, err := b.store.Batches.SealBatch(bg, batchID); err != nil {
			t.Fatal(err)
		}
		job := &river.Job[DeliverArgs]{JobRow: &rivertype.JobRow{Kind: DeliverArgs{}.Kind(), Attempt: 20, MaxAttempts: 20},
			Args: DeliverArgs{BatchID: batchID}}
		(&deliverWorker{q: b.queue}).Work(ctx, job)
		bt, err := b.store.Batches.Batch(bg, batchID)
		if err != nil {
			t.Fatal(err)
		}
		a, err := b.store.Application(bg, id)
		if err != nil {
			t.Fatal(err)
		}
		if bt.Status != batches.BatchFailed || a.Status != engine.StatusInReview || a.ReviewReasons != "delivery.failed" {
			t.Fatalf("batch %s, application %s for %q; want failed, in_review for delivery.failed", bt.Status, a.Status, a.ReviewReasons)
		}
	})
}
