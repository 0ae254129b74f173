package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/calendar"
	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
)

// TestApplicationMonth: the month an application is for is decided at
// submit from its channel's deadline and kept with it, in the receipt, the
// status and the batch item (issue #13 item 1; Husbanken [V-frist]: the
// 25th moves to the next working day only for paper). 25 April 2026 is a
// Saturday.
func TestApplicationMonth(t *testing.T) {
	t.Parallel()
	oslo := calendar.Oslo
	enginetest.Each(t, func(t *testing.T, dsn string) {
		clock := &testClock{now: time.Date(2026, time.April, 26, 12, 0, 0, 0, oslo)} // Sunday
		b := setupWith(t, dsn, enginetest.Clock(clock.Now))
		ctx := context.Background()
		digital, err := b.submit(t, "digital-sunday-0123456789", "")
		if err != nil {
			t.Fatal(err)
		}
		if digital.ApplicationMonth != "2026-05" {
			t.Errorf("digital on Sunday 26 April: receipt month %q, want 2026-05", digital.ApplicationMonth)
		}
		clock.Set(time.Date(2026, time.April, 27, 15, 0, 0, 0, oslo)) // Monday
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		paper, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: b.body, IdempotencyKey: "paper-monday-0123456789", Kommune: "0301", Registrar: &kari})
		if err != nil {
			t.Fatal(err)
		}
		if paper.ApplicationMonth != "2026-04" {
			t.Errorf("paper registered on Monday 27 April: receipt month %q, want 2026-04", paper.ApplicationMonth)
		}
		// Its notices are written to one who applied on paper (notify.OnPaper).
		if ns, err := b.store.Notices.Of(ctx, paper.ID); err != nil || len(ns) == 0 {
			t.Errorf("the paper application's notices: %v, %v", ns, err)
		} else if n, _, err := b.store.Notices.Due(ctx, ns[0].ID); err != nil || !n.Paper || n.Owned {
			t.Errorf("the paper application's notice: paper %v, owned %v, %v", n.Paper, n.Owned, err)
		}
		a, _ := b.store.Application(ctx, digital.ID)
		wantEnd := time.Date(2026, time.June, 26, 0, 0, 0, 0, oslo) // the end of 25 June: a month after 25 May
		if a.ApplicationMonth != "2026-05" || a.CompleteBy == nil || !a.CompleteBy.Equal(wantEnd) {
			t.Errorf("stored: month %q complete by %v, want 2026-05 and %v", a.ApplicationMonth, a.CompleteBy, wantEnd)
		}
		if st, _ := b.store.SubmissionStatus(ctx, digital.ID, "digital-sunday-0123456789"); st.ApplicationMonth != "2026-05" {
			t.Errorf("status view month %q, want 2026-05", st.ApplicationMonth)
		}
		// Both go into one batch; each item says its month and channel.
		for _, id := range []string{digital.ID, paper.ID} {
			if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: id, Agency: "husbanken"}); err != nil {
				t.Fatal(err)
			}
		}
		sealed, err := b.store.Batches.SealDue(ctx, batches.SealRequest{Size: 1, MaxAge: time.Hour})
		if err != nil || len(sealed) != 1 {
			t.Fatalf("seal: %v %v", sealed, err)
		}
		batch, _ := b.store.Batches.Batch(ctx, sealed[0].ID)
		var doc struct {
			Items []batches.BatchItem `json:"items"`
		}
		if err := json.Unmarshal([]byte(batch.Body), &doc); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, it := range doc.Items {
			got[it.Channel] = it.ApplicationMonth
		}
		if got["digital"] != "2026-05" || got["paper"] != "2026-04" || len(doc.Items) != 2 {
			t.Errorf("batch items: month by channel %v, want digital 2026-05 and paper 2026-04", got)
		}
	})
}

// TestCorrectionWindowKeepsTheMonth: an application returned to the
// citizen and completed within a month after its deadline keeps its month;
// completed later, it is for the month a new one would be, and the audit
// log says so (forskrift om bustøtte § 9 [V-frist]).
func TestCorrectionWindowKeepsTheMonth(t *testing.T) {
	t.Parallel()
	oslo := calendar.Oslo
	enginetest.Each(t, func(t *testing.T, dsn string) {
		clock := &testClock{now: time.Date(2026, time.May, 4, 10, 0, 0, 0, oslo)}
		b := setupWith(t, dsn, enginetest.Clock(clock.Now))
		ctx := context.Background()
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		returned := func(key string) engine.Receipt {
			t.Helper()
			r, err := b.submit(t, key, "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: r.ID, Agency: "husbanken", Reasons: []string{"registeredElsewhere"}}); err != nil {
				t.Fatal(err)
			}
			a, _ := b.store.Application(ctx, r.ID)
			if err := b.store.Casework.ReturnToCitizen(ctx, casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form}, "Sjekk husleien.", nil); err != nil {
				t.Fatal(err)
			}
			return r
		}
		inTime, late := returned("in-time-key-0123456789"), returned("too-late-key-0123456789")
		if inTime.ApplicationMonth != "2026-05" {
			t.Fatalf("submitted 4 May: month %s, want 2026-05", inTime.ApplicationMonth)
		}
		fixed := bytes.Replace(b.body, []byte("14500"), []byte("14600"), 1)
		clock.Set(time.Date(2026, time.June, 25, 23, 0, 0, 0, oslo)) // the last day of the window
		again, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: fixed, IdempotencyKey: "in-time-key-0123456789"})
		if err != nil || again.ApplicationMonth != "2026-05" {
			t.Fatalf("completed on 25 June: %+v %v, want it kept for 2026-05", again, err)
		}
		clock.Set(time.Date(2026, time.June, 26, 9, 0, 0, 0, oslo)) // a day after the window
		again, err = b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: fixed, IdempotencyKey: "too-late-key-0123456789"})
		if err != nil || again.ApplicationMonth != "2026-07" {
			t.Fatalf("completed on 26 June: %+v %v, want 2026-07 (26 June is after June's deadline)", again, err)
		}
		a, _ := b.store.Application(ctx, late.ID)
		if a.ApplicationMonth != "2026-07" || a.CompleteBy == nil || !a.CompleteBy.Equal(time.Date(2026, time.August, 26, 0, 0, 0, 0, oslo)) {
			t.Errorf("stored after the late completion: %s, complete by %v", a.ApplicationMonth, a.CompleteBy)
		}
		events, _ := b.store.Events(ctx, late.ID)
		last := events[len(events)-1]
		if last.Action != "resubmit" || !strings.Contains(last.Detail, "2026-05 → 2026-07") {
			t.Errorf("the resubmit's audit event: %+v, want it to name the month's change", last)
		}
	})
}
