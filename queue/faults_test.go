package queue_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/examples/agency-receiver/receiver"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/queue"
)

// TestDeliveryFaults: whatever the agency does, every application ends in the
// right state, none is lost, and the receiver stores none twice.
func TestDeliveryFaults(t *testing.T) {
	t.Parallel()
	const n = 60
	recoverAfter := func(t *testing.T, b *testBundle, mode receiver.Mode, delay time.Duration) {
		b.receiver.SetMode(mode, delay)
		waitFor(t, 30*time.Second, "the agency to see pushes fail", func() bool { return b.receiver.Pushes() >= 2 })
		b.receiver.SetMode(receiver.Normal, 0)
	}
	tests := []struct {
		name     string
		tune     func(*queue.Config)
		mode     receiver.Mode
		delay    time.Duration
		recovers bool // the agency comes back, and every item gets through
	}{
		{name: "answers 500 for a while", mode: receiver.Failing, recovers: true},
		{name: "is down for a while", mode: receiver.Down, recovers: true},
		{name: "answers too late for a while", mode: receiver.Normal, delay: time.Second, recovers: true,
			tune: func(c *queue.Config) { c.HTTPClient.Timeout = 300 * time.Millisecond }},
		{name: "answers 401 for a while (a wrong secret)", mode: receiver.Unauthorized, recovers: true},
		{name: "refuses with 422", mode: receiver.Refusing},
		{name: "fails until the attempts are used up", mode: receiver.Failing,
			tune: func(c *queue.Config) { c.DeliverAttempts = 2 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, enginetest.SQLite(t), tt.tune)
			b.receiver.SetMode(tt.mode, tt.delay)
			subs := b.submitAll(t, n)
			flagged := 0
			for _, s := range subs {
				if s.flagged {
					flagged++
				}
			}
			if tt.recovers {
				recoverAfter(t, b, tt.mode, tt.delay)
			}
			waitFor(t, 60*time.Second, "every application to be settled", func() bool {
				c := b.statuses(t)
				if tt.recovers {
					return c[engine.StatusAccepted]+c[engine.StatusRejected] == n-flagged
				}
				return c[engine.StatusInReview] == n
			})
			stored := b.receiver.Stored()
			for _, s := range subs {
				want := 0
				if tt.recovers && !s.flagged {
					want = 1
				}
				if stored[s.reference] != want {
					t.Fatalf("%s stored %d times, want %d", s.reference, stored[s.reference], want)
				}
			}
			if tt.recovers {
				return
			}
			review, err := b.store.Casework.List(context.Background(), casework.Filter{AllKommuner: true, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			failedDelivery := 0
			for _, a := range review.Items {
				if a.ReviewReasons == "delivery.failed" {
					failedDelivery++
				}
			}
			if failedDelivery != n-flagged {
				t.Fatalf("%d applications back in review for a failed delivery, want %d", failedDelivery, n-flagged)
			}
			failed, _ := b.store.Batches.Batches(context.Background(), "husbanken", batches.BatchFailed)
			if len(failed) == 0 || !strings.Contains(failed[0].LastError, "push batch") {
				t.Fatalf("failed batches %+v should carry the error", failed)
			}
		})
	}
}

// TestRoutingDeadLetter: an application that cannot be routed (here its form
// is no longer loaded where the workers run) is not left behind a discarded
// job: on the last attempt it goes to the exception queue as routing.failed.
func TestRoutingDeadLetter(t *testing.T) {
	t.Parallel()
	empty, err := forms.Load(forms.Config{Builtin: fstest.MapFS{}})
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, enginetest.SQLite(t), func(c *queue.Config) { c.Forms, c.RouteAttempts = empty, 2 })
	b.submitAll(t, 3)
	waitFor(t, 30*time.Second, "the applications to reach a caseworker", func() bool {
		return b.statuses(t)[engine.StatusInReview] == 3
	})
	review, _ := b.store.Casework.List(context.Background(), casework.Filter{AllKommuner: true, Limit: 500})
	for _, a := range review.Items {
		if a.ReviewReasons != "routing.failed" {
			t.Fatalf("%v is in review for %q", a.Reference, a.ReviewReasons)
		}
	}
}

// TestUnfinishedJobsExplainAStall: a route job that keeps failing is listed
// with its state and its last error.
func TestUnfinishedJobsExplainAStall(t *testing.T) {
	t.Parallel()
	empty, err := forms.Load(forms.Config{Builtin: fstest.MapFS{}})
	if err != nil {
		t.Fatal(err)
	}
	b := setup(t, enginetest.SQLite(t), func(c *queue.Config) { c.Forms, c.RouteAttempts = empty, 100 })
	b.submitAll(t, 1)
	waitFor(t, 10*time.Second, "the route job to be listed with its error", func() bool {
		jobs, err := b.queue.UnfinishedJobs(context.Background())
		return err == nil && len(jobs) == 1 && strings.Contains(jobs[0], "route") && strings.Contains(jobs[0], "form bostotte is not loaded")
	})
}

// TestBadReceiptsDoNotUndoDelivery: an agency that takes a batch but answers
// with a receipt for an application it was not sent has still received the
// batch: it is delivered once, not pushed again or sent back to review.
func TestBadReceiptsDoNotUndoDelivery(t *testing.T) {
	t.Parallel()
	var pushes atomic.Int64
	agency := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pushes.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"receipts":[{"reference":"BOS-1999-000001","outcome":"accepted"}]}`))
	}))
	defer agency.Close()
	b := setup(t, enginetest.SQLite(t), func(c *queue.Config) {
		c.Agencies = map[string]queue.Agency{"husbanken": {Transport: queue.TransportPush, URL: agency.URL, Secret: "s"}}
	})
	subs := b.submitAll(t, 10)
	flagged := 0
	for _, s := range subs {
		if s.flagged {
			flagged++
		}
	}
	waitFor(t, 20*time.Second, "the batch to be delivered", func() bool {
		return b.statuses(t)[engine.StatusDelivered] == len(subs)-flagged
	})
	// Wait for the deliver job to finish rather than sleep: a job that
	// failed after recording the delivery would run again (fastRetry makes
	// it available at once) and finish on a second attempt, without a second
	// push, since the batch is delivered by then; only its attempts show it.
	var state string
	var attempt int
	waitFor(t, 20*time.Second, "the deliver job to finish", func() bool {
		state, attempt = deliverJob(t, b.store)
		return state == "completed" || state == "cancelled" || state == "discarded"
	})
	if state != "completed" || attempt != 1 {
		t.Fatalf("the deliver job ended %s on attempt %d, want completed on the first", state, attempt)
	}
	if c := b.statuses(t); c[engine.StatusDelivered] != len(subs)-flagged || c[engine.StatusInReview] != flagged {
		t.Fatalf("statuses %v", c)
	}
	if n := pushes.Load(); n != 1 {
		t.Fatalf("the batch was pushed %d times", n)
	}
}

// deliverJob is the state and attempt of the one deliver job in a SQLite
// store.
func deliverJob(t *testing.T, s *engine.Store) (state string, attempt int) {
	t.Helper()
	err := s.SQLDB().QueryRow(`SELECT state, attempt FROM river_job WHERE kind = 'deliver_batch'`).Scan(&state, &attempt)
	if err != nil {
		t.Fatalf("the deliver job: %v", err)
	}
	return state, attempt
}
