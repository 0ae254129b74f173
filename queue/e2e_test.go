package queue_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/examples/agency-receiver/receiver"
	"github.com/skjema/skjema/forms/nid/nidtest"
	"github.com/skjema/skjema/queue"
	"github.com/skjema/skjema/queue/queuetest"
	"github.com/skjema/skjema/web"
)

// fastRetry retries at once, so fault tests do not wait for River's backoff.
type fastRetry struct{}

func (fastRetry) NextRetry(*rivertype.JobRow) time.Time { return time.Now().Add(20 * time.Millisecond) }

type testBundle struct {
	store    *engine.Store
	queue    *queue.Queue
	receiver *receiver.Receiver
	api      string
	example  map[string]any
}

func setup(t *testing.T, dsn string, tune func(*queue.Config)) *testBundle {
	t.Helper()
	rcv := &receiver.Receiver{Secret: "test-secret", Reject: func(it batches.BatchItem) (string, bool) {
		return "rent above the limit", bytes.Contains(it.Data, []byte(`"rent":15001`))
	}}
	agency := httptest.NewServer(rcv)
	t.Cleanup(agency.Close)
	opts := []queuetest.Option{queuetest.Started(), queuetest.Queue(func(cfg *queue.Config) {
		cfg.Agencies = map[string]queue.Agency{"husbanken": {Transport: queue.TransportPush, URL: agency.URL, Secret: "test-secret"}}
		cfg.BatchSize = 100
		cfg.BatchMaxAge = 300 * time.Millisecond
		cfg.SealInterval = 200 * time.Millisecond
		cfg.RetryPolicy = fastRetry{}
		cfg.HTTPClient = &http.Client{Timeout: 2 * time.Second}
	})}
	if tune != nil {
		opts = append(opts, queuetest.Queue(tune))
	}
	qb := queuetest.Open(t, dsn, opts...)
	store, reg, q := qb.Store, qb.Forms, qb.Queue
	srv, err := web.New(web.Config{Store: store, Forms: reg})
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(srv.Handler())
	t.Cleanup(api.Close)
	raw, err := os.ReadFile("../examples/bostotte/application.json")
	if err != nil {
		t.Fatal(err)
	}
	var example map[string]any
	json.Unmarshal(raw, &example)
	return &testBundle{store: store, queue: q, receiver: rcv, api: api.URL, example: example}
}

// application i: every 7th has a household member registered elsewhere (the
// rules send it to review); every 11th has a rent the agency rejects.
func (b *testBundle) application(i int) (body []byte, flagged, rejected bool) {
	raw, _ := json.Marshal(b.example)
	var doc map[string]any
	json.Unmarshal(raw, &doc)
	flagged, rejected = i%7 == 0, i%11 == 0 && i%7 != 0
	if flagged {
		doc["household"].([]any)[0].(map[string]any)["registeredElsewhere"] = true
	}
	if i%11 == 0 {
		doc["housing"].(map[string]any)["rent"] = 15001
	}
	doc["applicant"].(map[string]any)["fodselsnummer"] = nidtest.Fodselsnummer(i) // one applicant each: no duplicates
	body, _ = json.Marshal(doc)
	return body, flagged, rejected
}

type submitted struct {
	reference         string
	flagged, rejected bool
}

// submitAll posts n applications through the citizen API, 16 at a time.
func (b *testBundle) submitAll(t *testing.T, n int) []submitted {
	t.Helper()
	out := make([]submitted, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			body, flagged, rejected := b.application(i)
			req, _ := http.NewRequest("POST", b.api+"/api/v1/forms/bostotte/submissions", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", fmt.Sprintf("e2e-application-%06d", i))
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			var r engine.Receipt
			json.NewDecoder(res.Body).Decode(&r)
			if res.StatusCode != 201 {
				t.Errorf("submit %d: %d", i, res.StatusCode)
			}
			out[i] = submitted{reference: r.Reference, flagged: flagged, rejected: rejected}
		}()
	}
	wg.Wait()
	return out
}

func (b *testBundle) statuses(t *testing.T) map[engine.Status]int {
	t.Helper()
	c, err := b.store.Casework.CountByStatus(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// waitFor polls until cond holds or the time is up.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestEndToEnd: 1,000 applications through the API, routed, batched, sealed,
// pushed to the agency receiver and receipted. Every one not flagged is
// delivered exactly once; the exception queue holds exactly the flagged ones.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn, nil)
		const n = 1000
		subs := b.submitAll(t, n)
		wantFlagged, wantRejected := 0, 0
		for _, s := range subs {
			if s.flagged {
				wantFlagged++
			}
			if s.rejected {
				wantRejected++
			}
		}
		waitFor(t, 60*time.Second, "every application to be settled", func() bool {
			c := b.statuses(t)
			return c["accepted"]+c["rejected"] == n-wantFlagged && c["in_review"] == wantFlagged
		})
		c := b.statuses(t)
		if c["accepted"] != n-wantFlagged-wantRejected || c["rejected"] != wantRejected {
			t.Fatalf("statuses %v; want %d accepted, %d rejected", c, n-wantFlagged-wantRejected, wantRejected)
		}
		stored := b.receiver.Stored()
		if len(stored) != n-wantFlagged {
			t.Fatalf("the receiver stored %d applications, want %d", len(stored), n-wantFlagged)
		}
		for _, s := range subs {
			if got := stored[s.reference]; s.flagged && got != 0 || !s.flagged && got != 1 {
				t.Fatalf("%s (flagged %v) stored %d times", s.reference, s.flagged, got)
			}
		}
		review, err := b.store.Casework.List(context.Background(), casework.Filter{AllKommuner: true, Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range review.Items {
			if a.Status == engine.StatusInReview && a.ReviewReasons != "registeredElsewhere" {
				t.Fatalf("%v in review for %q", a.Reference, a.ReviewReasons)
			}
			if a.Status == engine.StatusRejected && a.AgencyReason != "rent above the limit" {
				t.Fatalf("%v rejected for %q", a.Reference, a.AgencyReason)
			}
		}
		if len(review.Items) != wantFlagged+wantRejected {
			t.Fatalf("exception queue holds %d, want %d flagged + %d rejected", len(review.Items), wantFlagged, wantRejected)
		}
		delivered, _ := b.store.Batches.Batches(context.Background(), "husbanken", batches.BatchDelivered)
		items := 0
		for _, bt := range delivered {
			items += bt.ItemCount
			if bt.SHA256 == "" || bt.SealedAt == nil || bt.DeliveredAt == nil {
				t.Fatalf("batch %+v is not sealed and delivered", bt)
			}
		}
		if items != n-wantFlagged || b.receiver.Batches() != len(delivered) {
			t.Fatalf("%d items in %d delivered batches (receiver has %d), want %d items", items, len(delivered), b.receiver.Batches(), n-wantFlagged)
		}
	})
}
