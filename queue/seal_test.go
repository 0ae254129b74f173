package queue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/forms/nid/nidtest"
)

// sealBundle is a store and a queue that is migrated but not started, so a
// test drives routing and sealing itself.
type sealBundle struct {
	store *engine.Store
	queue *Queue
	form  *forms.Form
	body  []byte

	submitted int // applications submitted so far, for fresh idempotency keys
}

func setupSeal(t *testing.T, dsn string, tune func(*Config)) *sealBundle {
	t.Helper()
	// An in-package test cannot use queuetest (it imports this package), so
	// the queue is built here on enginetest's store.
	eb := enginetest.Open(t, dsn)
	store, reg := eb.Store, eb.Forms
	cfg := Config{Store: store, Forms: reg, BatchSize: 500}
	if tune != nil {
		tune(&cfg)
	}
	q, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	store.UseEnqueuer(q)
	form, _ := reg.Form("bostotte")
	body, err := os.ReadFile("../examples/bostotte/application.json")
	if err != nil {
		t.Fatal(err)
	}
	return &sealBundle{store: store, queue: q, form: form, body: body}
}

// submit submits n new applications (all for the same kommune) and answers
// their ids.
func (b *sealBundle) submit(t *testing.T, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range n {
		b.submitted++
		r, err := b.store.Submit(context.Background(), engine.SubmitRequest{Form: b.form, Body: nidtest.WithApplicant(b.body, b.submitted),
			IdempotencyKey: fmt.Sprintf("seal-test-key-%06d", b.submitted)})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = r.ID
	}
	return ids
}

// deliverJobs counts the deliver_batch jobs of each batch.
func (b *sealBundle) deliverJobs(t *testing.T) map[string]int {
	t.Helper()
	params := river.NewJobListParams().Kinds(DeliverArgs{}.Kind()).First(10000)
	res, err := b.queue.river.JobList(context.Background(), params)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, j := range res.Jobs {
		var args DeliverArgs
		if err := json.Unmarshal(j.EncodedArgs, &args); err != nil {
			t.Fatal(err)
		}
		out[args.BatchID]++
	}
	return out
}

// allBatches lists every batch, whatever its status.
func (b *sealBundle) allBatches(t *testing.T) []batches.Batch {
	t.Helper()
	var out []batches.Batch
	for _, st := range []batches.BatchStatus{batches.BatchOpen, batches.BatchSealed, batches.BatchDelivered, batches.BatchFailed} {
		bs, err := b.store.Batches.Batches(context.Background(), "husbanken", st)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, bs...)
	}
	return out
}

// TestSealingTwiceEnqueuesOneDelivery: a batch sealed by two callers (the
// periodic seal racing the seal a full batch's route makes) gets exactly one
// deliver job, whichever order they run in.
func TestSealingTwiceEnqueuesOneDelivery(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setupSeal(t, dsn, nil)
		ctx := context.Background()
		ids := b.submit(t, 3)
		var batchID string
		for _, id := range ids {
			res, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: id, Agency: "husbanken"})
			if err != nil {
				t.Fatal(err)
			}
			batchID = res.Batch.ID
		}
		// One after the other: the second finds it sealed.
		for range 2 {
			if _, _, err := b.store.Batches.SealBatch(ctx, batchID); err != nil {
				t.Fatal(err)
			}
		}
		if jobs := b.deliverJobs(t); jobs[batchID] != 1 || len(jobs) != 1 {
			t.Fatalf("deliver jobs %v, want one for %s", jobs, batchID)
		}
		if !b.store.IsSQLite() {
			// At the same time, on PostgreSQL: the second waits on the
			// first's row lock and finds the batch sealed when it gets it.
			ids := b.submit(t, 2)
			for _, id := range ids {
				res, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: id, Agency: "husbanken"})
				if err != nil {
					t.Fatal(err)
				}
				batchID = res.Batch.ID
			}
			// Hold the batch row locked from another connection, so both
			// seals wait on it; released, one seals and the other finds it
			// sealed when it gets the lock.
			lock, err := b.store.PgxPool().Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := lock.Exec(ctx, `SELECT id FROM batches WHERE id = $1 FOR UPDATE`, batchID); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make(chan error, 2)
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, _, err := b.store.Batches.SealBatch(ctx, batchID)
					errs <- err
				}()
			}
			time.Sleep(200 * time.Millisecond) // let both reach the row lock
			if err := lock.Commit(ctx); err != nil {
				t.Fatal(err)
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			if jobs := b.deliverJobs(t); jobs[batchID] != 1 {
				t.Fatalf("deliver jobs %v, want one for %s", jobs, batchID)
			}
		}
	})
}

// TestConcurrentRoutesNeverOverfillABatch: many routes at once into batches
// of size n (on PostgreSQL each waits on the batch row's lock) never make a
// batch larger than n, and each sealed batch gets one deliver job.
func TestConcurrentRoutesNeverOverfillABatch(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		const size, apps, workers = 5, 120, 12
		b := setupSeal(t, dsn, func(c *Config) { c.BatchSize = size })
		ids := b.submit(t, apps)
		w := &routeWorker{q: b.queue}
		work := make(chan string)
		var wg sync.WaitGroup
		for range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for id := range work {
					// Routes conflict often here (a batch fills every five);
					// River would run a route that gave up again later.
					job := &river.Job[RouteArgs]{Args: RouteArgs{ApplicationID: id}}
					err := w.route(context.Background(), job)
					for try := 0; errors.Is(err, engine.ErrConflict) && try < 5; try++ {
						err = w.route(context.Background(), job)
					}
					if err != nil {
						t.Error(err)
					}
				}
			}()
		}
		for _, id := range ids {
			work <- id
		}
		close(work)
		wg.Wait()
		jobs := b.deliverJobs(t)
		total := 0
		for _, bt := range b.allBatches(t) {
			total += bt.ItemCount
			if bt.ItemCount > size {
				t.Errorf("batch %s holds %d items, more than %d", bt.ID, bt.ItemCount, size)
			}
			if bt.Status == batches.BatchSealed && jobs[bt.ID] != 1 {
				t.Errorf("sealed batch %s has %d deliver jobs", bt.ID, jobs[bt.ID])
			}
			if bt.Status == batches.BatchOpen && jobs[bt.ID] != 0 {
				t.Errorf("open batch %s has %d deliver jobs", bt.ID, jobs[bt.ID])
			}
		}
		if total != apps {
			t.Fatalf("%d items in batches, want %d", total, apps)
		}
	})
}

// TestARouteDoesNotJoinAFullBatch: a batch that reached its size without
// being sealed (a caseworker's approval added the last item; approvals do
// not seal) is sealed by the next route, which goes into a new batch rather
// than make the full one larger.
func TestARouteDoesNotJoinAFullBatch(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		const size = 3
		b := setupSeal(t, dsn, func(c *Config) { c.BatchSize = size })
		ctx := context.Background()
		var full string
		for _, id := range b.submit(t, size) {
			res, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: id, Agency: "husbanken"})
			if err != nil {
				t.Fatal(err)
			}
			full = res.Batch.ID
		}
		next := b.submit(t, 1)[0]
		if err := (&routeWorker{q: b.queue}).route(ctx, &river.Job[RouteArgs]{Args: RouteArgs{ApplicationID: next}}); err != nil {
			t.Fatal(err)
		}
		bt, err := b.store.Batches.Batch(ctx, full)
		if err != nil {
			t.Fatal(err)
		}
		if bt.Status != batches.BatchSealed || bt.ItemCount != size {
			t.Fatalf("the full batch is %s with %d items, want sealed with %d", bt.Status, bt.ItemCount, size)
		}
		open, err := b.store.Batches.Batches(ctx, "husbanken", batches.BatchOpen)
		if a, _ := b.store.Application(ctx, next); a.Status != engine.StatusBatched || err != nil || len(open) != 1 || open[0].ItemCount != 1 {
			t.Fatalf("the next application is %s; open batches %+v (%v), want it alone in a new one", a.Status, open, err)
		}
		if jobs := b.deliverJobs(t); jobs[full] != 1 || len(jobs) != 1 {
			t.Fatalf("deliver jobs %v, want one for the full batch", jobs)
		}
	})
}

// TestNewRefusesADeadlineDayNotEveryMonthHas: time.Date would roll the 30th
// of February into March, so New refuses a deadline day outside 1-28 (0 is
// the default, the 25th).
func TestNewRefusesADeadlineDayNotEveryMonthHas(t *testing.T) {
	t.Parallel()
	b := setupSeal(t, enginetest.SQLite(t), nil)
	for _, tt := range []struct {
		day int
		ok  bool
	}{{0, true}, {1, true}, {28, true}, {29, false}, {30, false}, {31, false}, {99, false}, {-1, false}} {
		_, err := New(Config{Store: b.store, Forms: b.queue.cfg.Forms, Calendar: calendar.Calendar{DeadlineDay: tt.day}})
		if tt.ok && err != nil {
			t.Errorf("deadline day %d: %v", tt.day, err)
		}
		if !tt.ok && (err == nil || !strings.Contains(err.Error(), "deadline day")) {
			t.Errorf("deadline day %d: %v, want it refused", tt.day, err)
		}
	}
}

// TestRouteDecidesReasonsAtSubmitOrFromTheDocument: the routing rules'
// reasons are decided at submit and kept; an application submitted before
// they were kept (route_reasons NULL) is decided from its document when it
// is routed. Either way a flagged one goes to review.
func TestRouteDecidesReasonsAtSubmitOrFromTheDocument(t *testing.T) {
	t.Parallel()
	b := setupSeal(t, enginetest.SQLite(t), nil)
	ctx := context.Background()
	var doc map[string]any
	json.Unmarshal(b.body, &doc)
	doc["household"].([]any)[0].(map[string]any)["registeredElsewhere"] = true
	flagged, _ := json.Marshal(doc)
	var ids []string
	for i := range 2 {
		r, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: flagged, IdempotencyKey: fmt.Sprintf("reasons-key-%012d", i)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	// The second as if submitted before reasons were kept.
	if _, err := b.store.SQLDB().Exec(`UPDATE applications SET route_reasons = NULL WHERE id = ?`, ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := (&routeWorker{q: b.queue}).route(ctx, &river.Job[RouteArgs]{Args: RouteArgs{ApplicationIDs: ids}}); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		a, _ := b.store.Application(ctx, id)
		if a.Status != engine.StatusInReview || a.ReviewReasons != "registeredElsewhere" {
			t.Errorf("application %s is %s for %q, want in review for registeredElsewhere", id, a.Status, a.ReviewReasons)
		}
	}
}
