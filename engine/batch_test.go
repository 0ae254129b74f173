package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms/nid/nidtest"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *testClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// TestDueBatchesAtTheMonthlyCutoff: a batch opened late on the deadline day
// (Oslo time) is due once the day has ended in Oslo, in winter (CET) and in
// summer (CEST), and not before; a batch opened after the cut-off is not due
// for it. The cut-off is an instant: the server's own zone and the zone of
// the time passed in must not matter.
func TestDueBatchesAtTheMonthlyCutoff(t *testing.T) {
	t.Parallel()
	oslo := calendar.Oslo
	cal := calendar.Calendar{}
	const size, maxAge = 500, 24 * time.Hour // only the cut-off can make a batch due
	for _, tt := range []struct {
		name string
		day  time.Time // a deadline day that is a working day
	}{
		{"winter (CET)", time.Date(2026, time.November, 25, 0, 0, 0, 0, oslo)},
		{"summer (CEST)", time.Date(2026, time.June, 25, 0, 0, 0, 0, oslo)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			at := func(h, m int) time.Time { return tt.day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }
			enginetest.Each(t, func(t *testing.T, dsn string) {
				clock := &testClock{now: at(23, 0)}
				b := setupWith(t, dsn, enginetest.Clock(clock.Now))
				ctx := context.Background()
				// due seals the batches due now and answers their ids.
				due := func() []string {
					t.Helper()
					cutoff := cal.LastCutoff(clock.Now())
					sealed, err := b.store.Batches.SealDue(ctx, batches.SealRequest{Size: size, MaxAge: maxAge, Cutoff: cutoff})
					if err != nil {
						t.Fatal(err)
					}
					var out []string
					for _, s := range sealed {
						out = append(out, s.ID)
					}
					return out
				}
				route := func(key string) string {
					t.Helper()
					r, err := b.submit(t, key, "")
					if err != nil {
						t.Fatal(err)
					}
					res, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: r.ID, Agency: "husbanken"})
					if err != nil {
						t.Fatal(err)
					}
					return res.Batch.ID
				}
				if cut := cal.Cutoff(tt.day.Year(), tt.day.Month()); !cut.Equal(at(24, 0)) {
					t.Fatalf("cut-off %v, want midnight after %v", cut, tt.day)
				}
				before := route("cutoff-before-0123456789") // opened 23:00 Oslo on the deadline day
				clock.Set(at(23, 30))
				if d := due(); len(d) != 0 {
					t.Fatalf("at 23:30 Oslo on the deadline day %d batches are due, want none", len(d))
				}
				clock.Set(at(24, 30))
				d := due()
				if len(d) != 1 || d[0] != before {
					t.Fatalf("at 00:30 Oslo after the deadline day: due %v, want batch %s", d, before)
				}
				// Sealed, the next batch opens after the cut-off and is not due
				// for it.
				clock.Set(at(24, 10))
				after := route("cutoff-after-01234567890")
				if after == before {
					t.Fatal("routed into the sealed batch")
				}
				clock.Set(at(24, 40))
				if d := due(); len(d) != 0 {
					t.Fatalf("a batch opened after the cut-off is due: %v", d)
				}
			})
		})
	}
}

// deliveredBatch submits n applications, routes them into one batch, seals
// it and records it delivered.
func (b *testBundle) deliveredBatch(t *testing.T, prefix string, n int) (string, []engine.Application) {
	t.Helper()
	ctx := context.Background()
	var batchID string
	var apps []engine.Application
	for i := range n {
		r, err := b.submit(t, fmt.Sprintf("%s-key-%012d", prefix, i), "")
		if err != nil {
			t.Fatal(err)
		}
		res, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: r.ID, Agency: "husbanken"})
		if err != nil {
			t.Fatal(err)
		}
		batchID = res.Batch.ID
	}
	if _, _, err := b.store.Batches.SealBatch(ctx, batchID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Batches.RecordDelivery(ctx, batchID, "system:test", nil); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		r, _ := b.submit(t, fmt.Sprintf("%s-key-%012d", prefix, i), "")
		a, err := b.store.Application(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		apps = append(apps, a)
	}
	return batchID, apps
}

// TestReceiptsAreAppliedPerItem: receipts sent again after some
// applications moved on (one rejected and since reopened by a caseworker,
// one already accepted) settle the rest; the ones that moved on are skipped
// and reported, not a conflict for the whole post.
func TestReceiptsAreAppliedPerItem(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		batchID, apps := b.deliveredBatch(t, "receipts", 3)
		first := []batches.ReceiptItem{
			{Reference: *apps[0].Reference, Outcome: batches.OutcomeRejected, Reason: "rent above the limit"},
			{Reference: *apps[1].Reference, Outcome: batches.OutcomeAccepted},
		}
		if _, err := b.store.Batches.RecordDelivery(ctx, batchID, "agency:husbanken", first); err != nil {
			t.Fatal(err)
		}
		// A caseworker reopens the rejected one.
		if err := b.store.MoveForTest(ctx, engine.Transition{ApplicationID: apps[0].ID, From: engine.StatusRejected, To: engine.StatusInReview,
			Actor: "caseworker:1", Action: "reopen"}); err != nil {
			t.Fatal(err)
		}
		again := append(first, batches.ReceiptItem{Reference: *apps[2].Reference, Outcome: batches.OutcomeAccepted})
		res, err := b.store.Batches.RecordDelivery(ctx, batchID, "agency:husbanken", again)
		if err != nil {
			t.Fatalf("receipts sent again: %v", err)
		}
		if res.Applied != 1 || len(res.Skipped) != 2 || res.Skipped[0].Reference != *apps[0].Reference || res.Skipped[0].Status != engine.StatusInReview ||
			res.Skipped[1].Reference != *apps[1].Reference || res.Skipped[1].Status != engine.StatusAccepted {
			t.Fatalf("result %+v, want 1 applied and the first two skipped", res)
		}
		for i, want := range []engine.Status{engine.StatusInReview, engine.StatusAccepted, engine.StatusAccepted} {
			if a, _ := b.store.Application(ctx, apps[i].ID); a.Status != want {
				t.Errorf("application %d is %s, want %s", i, a.Status, want)
			}
		}
		// A reference outside the batch is still an error.
		_, err = b.store.Batches.RecordDelivery(ctx, batchID, "agency:husbanken", []batches.ReceiptItem{{Reference: "BOS-1999-000001", Outcome: batches.OutcomeAccepted}})
		if !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("a reference outside the batch: %v, want ErrInvalid", err)
		}
	})
}

// TestBatchListPagesWithoutBodies: the agency's batch list reads summaries
// only (a batch with a huge body lists like any other, with no body), and
// walking it page by page with Next gives every batch exactly once, oldest
// first.
func TestBatchListPagesWithoutBodies(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		const n = 7
		var want []string
		for i := range n {
			id, _ := b.deliveredBatch(t, fmt.Sprintf("list%d", i), 1)
			want = append(want, id)
		}
		huge := strings.Repeat("x", 8<<20)
		if err := b.store.WriteForTest(ctx, func(tx engine.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE batches SET body = ? WHERE id = ?`, huge, want[3])
			return err
		}); err != nil {
			t.Fatal(err)
		}
		all, err := b.store.Batches.Batches(ctx, "husbanken", batches.BatchDelivered)
		if err != nil || len(all) != n {
			t.Fatalf("Batches: %d, %v", len(all), err)
		}
		for _, bt := range all {
			if bt.Body != "" {
				t.Fatalf("Batches read the body of %s", bt.ID)
			}
		}
		var got []string
		after := ""
		for page := 0; ; page++ {
			p, err := b.store.Batches.BatchList(ctx, batches.BatchQuery{Agency: "husbanken", Status: batches.BatchDelivered, After: after, Limit: 3})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Batches) > 3 || page > n {
				t.Fatalf("page %d holds %d batches", page, len(p.Batches))
			}
			for _, bt := range p.Batches {
				if bt.Body != "" || bt.ItemCount != 1 || bt.SHA256 == "" || bt.SealedAt == nil {
					t.Fatalf("summary %+v: want no body, one item, a checksum and a seal time", bt)
				}
				got = append(got, bt.ID)
			}
			if p.Next == "" {
				break
			}
			after = p.Next
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Fatalf("paged through\n%v\nwant\n%v", got, want)
		}
		if p, err := b.store.Batches.BatchList(ctx, batches.BatchQuery{Agency: "husbanken", Status: batches.BatchDelivered}); err != nil || len(p.Batches) != n || p.Next != "" {
			t.Fatalf("one default page: %d batches, next %q, %v", len(p.Batches), p.Next, err)
		}
		if p, err := b.store.Batches.BatchList(ctx, batches.BatchQuery{Agency: "lanekassen", Status: batches.BatchDelivered}); err != nil || len(p.Batches) != 0 {
			t.Fatalf("another agency's list: %d batches, %v", len(p.Batches), err)
		}
		if _, err := b.store.Batches.BatchList(ctx, batches.BatchQuery{Agency: "husbanken", Status: batches.BatchDelivered, After: "not a cursor"}); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("a bad cursor: %v, want ErrInvalid", err)
		}
	})
}

// TestRouteAllJoinsTogether: one RouteAll routes a write's applications:
// those with reasons to review, the rest into batches of at most the size,
// sealing each batch it fills, with one audit event each; one routed
// already is left as it is.
func TestRouteAllJoinsTogether(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		var reqs []batches.RouteRequest
		for i := range 8 {
			r, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: nidtest.WithApplicant(b.body, i), IdempotencyKey: fmt.Sprintf("route-all-%02d-0123456789", i)})
			if err != nil {
				t.Fatal(err)
			}
			req := batches.RouteRequest{ApplicationID: r.ID, Agency: "husbanken", BatchSize: 3}
			if i == 4 {
				req.Reasons = []string{"registeredElsewhere"}
			}
			reqs = append(reqs, req)
		}
		if _, err := b.store.Batches.Route(ctx, reqs[0]); err != nil { // routed already
			t.Fatal(err)
		}
		if err := b.store.Batches.RouteAll(ctx, reqs); err != nil {
			t.Fatal(err)
		}
		if err := b.store.Batches.RouteAll(ctx, reqs); err != nil { // a retried job changes nothing
			t.Fatal(err)
		}
		sealed, _ := b.store.Batches.Batches(ctx, "husbanken", batches.BatchSealed)
		open, _ := b.store.Batches.Batches(ctx, "husbanken", batches.BatchOpen)
		var sizes []int
		for _, x := range append(sealed, open...) {
			sizes = append(sizes, x.ItemCount)
		}
		if len(sealed) != 2 || len(open) != 1 || fmt.Sprint(sizes) != "[3 3 1]" {
			t.Fatalf("batches: %d sealed, %d open, items %v; want two sealed of 3 and one open of 1", len(sealed), len(open), sizes)
		}
		if a, _ := b.store.Application(ctx, reqs[4].ApplicationID); a.Status != engine.StatusInReview || a.ReviewReasons != "registeredElsewhere" {
			t.Fatalf("the flagged one: %s %q", a.Status, a.ReviewReasons)
		}
		for _, r := range reqs {
			routes := 0
			events, _ := b.store.Events(ctx, r.ApplicationID)
			for _, e := range events {
				if e.Action == "route" {
					routes++
				}
			}
			if routes != 1 {
				t.Errorf("%s has %d route events, want 1", r.ApplicationID, routes)
			}
		}
	})
}
