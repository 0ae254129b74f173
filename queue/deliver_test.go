package queue

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/enginetest"
)

// sealedBatch submits n applications, routes them into one batch and seals
// it (enqueueing its delivery, which no worker runs here).
func (b *sealBundle) sealedBatch(t *testing.T, n int) (batchID string, apps []string) {
	t.Helper()
	ctx := context.Background()
	apps = b.submit(t, n)
	for _, id := range apps {
		res, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: id, Agency: "husbanken"})
		if err != nil {
			t.Fatal(err)
		}
		batchID = res.Batch.ID
	}
	if _, _, err := b.store.Batches.SealBatch(ctx, batchID); err != nil {
		t.Fatal(err)
	}
	return batchID, apps
}

// skjemaUserAgent is the User-Agent a push carries, as the OpenAPI
// document's webhook describes it.
var skjemaUserAgent = regexp.MustCompile(`^Skjema/\S+ \(\+https://github\.com/skjema/skjema\)$`)

// TestAPushAnsweredWithoutReceiptsIsADelivery: an agency that answers 2xx
// has the batch, whatever its body says; a body that is not receipts JSON is
// logged, and the batch is delivered once, not pushed again and in the end
// failed back to review. The push names Skjema in its User-Agent.
func TestAPushAnsweredWithoutReceiptsIsADelivery(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		var pushes atomic.Int64
		var userAgent atomic.Value
		agency := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			pushes.Add(1)
			userAgent.Store(r.Header.Get("User-Agent"))
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<html>Thank you!</html>"))
		}))
		defer agency.Close()
		b := setupSeal(t, dsn, func(c *Config) {
			c.Agencies = map[string]Agency{"husbanken": {Transport: TransportPush, URL: agency.URL, Secret: "s"}}
		})
		batchID, apps := b.sealedBatch(t, 3)
		ctx := context.Background()
		for attempt := 1; attempt <= 2; attempt++ { // a second run (a retry) must not push again
			job := &river.Job[DeliverArgs]{JobRow: &rivertype.JobRow{Kind: DeliverArgs{}.Kind(), Attempt: attempt, MaxAttempts: 20},
				Args: DeliverArgs{BatchID: batchID}}
			if err := (&deliverWorker{q: b.queue}).Work(ctx, job); err != nil {
				t.Fatalf("attempt %d: %v", attempt, err)
			}
		}
		if n := pushes.Load(); n != 1 {
			t.Fatalf("%d pushes, want 1", n)
		}
		if ua, _ := userAgent.Load().(string); !skjemaUserAgent.MatchString(ua) {
			t.Fatalf("the push's User-Agent is %q, want Skjema/<version> (+https://github.com/skjema/skjema)", ua)
		}
		bt, err := b.store.Batches.Batch(ctx, batchID)
		if err != nil || bt.Status != batches.BatchDelivered {
			t.Fatalf("batch %s, %v; want delivered", bt.Status, err)
		}
		for _, id := range apps {
			if a, err := b.store.Application(ctx, id); err != nil || a.Status != engine.StatusDelivered {
				t.Fatalf("application %s, %v; want delivered", a.Status, err)
			}
		}
	})
}
