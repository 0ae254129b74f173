package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
)

// flagged submits the example from a draft and routes it to review, as the
// route job does when a rule fires. It answers the application and its draft.
func (b *testBundle) flagged(t *testing.T, kommune string) (engine.Application, engine.Draft) {
	t.Helper()
	ctx := context.Background()
	d, err := b.store.CreateDraft(ctx, "bostotte", b.form.Version, kommune, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: b.body, IdempotencyKey: d.ID, Token: d.Token, Kommune: kommune}); err != nil {
		t.Fatal(err)
	}
	_, err = b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: d.ID, Agency: "husbanken", Reasons: []string{"registeredElsewhere"}})
	if err != nil {
		t.Fatal(err)
	}
	a, err := b.store.Application(ctx, d.ID)
	if err != nil || a.Status != engine.StatusInReview {
		t.Fatalf("flagged application: %+v, %v", a, err)
	}
	return a, d
}

// rent reads the stored document's rent.
func rent(t *testing.T, a engine.Application) float64 {
	t.Helper()
	var doc struct {
		Housing struct{ Rent float64 } `json:"housing"`
	}
	if err := json.Unmarshal([]byte(a.Data), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Housing.Rent
}

func (b *testBundle) caseworker(t *testing.T, email string, kommuner ...string) engine.User {
	t.Helper()
	u, err := b.store.Accounts.CreateUser(context.Background(), engine.NewUser{Email: email, Name: email, Kommuner: kommuner, Password: "et langt passord her"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// TestCasework: the loop a caseworker works an exception through, scoped to
// her kommuner, audited, re-validated and optimistically locked.
func TestCasework(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		b := setup(t, dsn)
		oslo := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		bergen := b.caseworker(t, "per@bergen.kommune.no", "4601")
		a, draft := b.flagged(t, "0301")
		act := func(u engine.User) casework.CaseAction {
			cur, err := b.store.Application(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			return casework.CaseAction{User: u, ApplicationID: a.ID, Version: cur.Version, Form: b.form}
		}

		// Another kommune's caseworker finds nothing, whatever she tries.
		if q, _ := b.store.Casework.List(ctx, casework.Filter{Kommuner: bergen.Kommuner}); len(q.Items) != 0 || q.Total != 0 {
			t.Fatalf("Bergen sees Oslo's queue: %+v", q)
		}
		if _, err := b.store.Casework.OpenCase(ctx, bergen, a.ID, casework.ActionView, ""); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("Bergen opens Oslo's application: %v", err)
		}
		c := act(bergen)
		c.Reason = "x"
		for name, err := range map[string]error{
			"approve":  b.store.Casework.Approve(ctx, c),
			"correct":  b.store.Casework.Correct(ctx, c, "/housing/rent", 1),
			"return":   b.store.Casework.ReturnToCitizen(ctx, c, "hei", nil),
			"reject":   b.store.Casework.Reject(ctx, c),
			"withdraw": b.store.Casework.Withdraw(ctx, c),
		} {
			if !errors.Is(err, engine.ErrNotFound) {
				t.Fatalf("Bergen's %s on Oslo's application: %v, want ErrNotFound", name, err)
			}
		}

		q, err := b.store.Casework.List(ctx, casework.Filter{Kommuner: oslo.Kommuner})
		if err != nil || len(q.Items) != 1 || q.ByReason["registeredElsewhere"] != 1 || q.ByStatus[engine.StatusInReview] != 1 {
			t.Fatalf("Oslo's queue: %+v, %v", q, err)
		}
		if q, _ := b.store.Casework.List(ctx, casework.Filter{Kommuner: oslo.Kommuner, Reason: "costsAboveCeiling"}); len(q.Items) != 0 || q.Total != 1 {
			t.Fatalf("filtered by another reason: %+v", q)
		}
		if q, _ := b.store.Casework.List(ctx, casework.Filter{Kommuner: oslo.Kommuner, SubmittedBefore: time.Now().Add(-24 * time.Hour)}); len(q.Items) != 0 {
			t.Fatalf("filtered to older than a day: %+v", q)
		}

		// Reading is audited.
		if _, err := b.store.Casework.OpenCase(ctx, oslo, a.ID, casework.ActionView, ""); err != nil {
			t.Fatal(err)
		}

		// A correction keeps the old value; it must leave a valid document
		// and carry a reason.
		c = act(oslo)
		if err := b.store.Casework.Correct(ctx, c, "/housing/rent", json.Number("15200")); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("a correction without a reason: %v", err)
		}
		c.Reason = "Leiekontrakten viser 15 200"
		var ve *engine.ValidationError
		if err := b.store.Casework.Correct(ctx, c, "/applicant/fodselsnummer", "12345678901"); !errors.As(err, &ve) || ve.Errors[0].Pointer != "/applicant/fodselsnummer" {
			t.Fatalf("a correction to an invalid fødselsnummer: %v", err)
		}
		if err := b.store.Casework.Correct(ctx, c, "/housing/rent", json.Number("15200")); err != nil {
			t.Fatal(err)
		}
		if err := b.store.Casework.Correct(ctx, c, "/housing/rent", json.Number("15300")); !errors.Is(err, engine.ErrConflict) {
			t.Fatalf("a second correction from the same, now stale, read: %v, want ErrConflict", err)
		}
		corrected, _ := b.store.Application(ctx, a.ID)
		if rent(t, corrected) != 15200 {
			t.Fatalf("corrected data %s", corrected.Data)
		}

		// Returned to the citizen with a message and the field to fix.
		c = act(oslo)
		if err := b.store.Casework.ReturnToCitizen(ctx, c, "  ", nil); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("a return without a message: %v", err)
		}
		if err := b.store.Casework.ReturnToCitizen(ctx, c, "Send oss husleiekontrakten, og sjekk husleien.", []string{"/housing/rent"}); err != nil {
			t.Fatal(err)
		}
		st, err := b.store.SubmissionStatus(ctx, a.ID, draft.Token)
		if err != nil || st.Status != engine.StatusAwaitingCitizen || !strings.Contains(st.Message, "husleiekontrakten") || !slices.Equal(st.Fields, []string{"/housing/rent"}) {
			t.Fatalf("the citizen's status: %+v, %v", st, err)
		}
		if err := b.store.Casework.Approve(ctx, act(oslo)); !errors.Is(err, engine.ErrIllegalTransition) {
			t.Fatalf("approving what awaits the citizen: %v", err)
		}

		// The citizen fixes and resubmits with her draft's key: back in the
		// queue, the message cleared.
		fixed := strings.Replace(string(b.body), `"rent": 14500`, `"rent": 15100`, 1)
		if fixed == string(b.body) {
			t.Fatal("the example's rent is not 14500")
		}
		if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: []byte(fixed), IdempotencyKey: a.ID, Token: "wrong"}); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("a resubmit with the wrong token: %v", err)
		}
		rc, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: []byte(fixed), IdempotencyKey: a.ID, Token: draft.Token})
		if err != nil || rc.Status != engine.StatusInReview || rc.Reference != *a.Reference {
			t.Fatalf("resubmit: %+v, %v", rc, err)
		}
		back, _ := b.store.Application(ctx, a.ID)
		if back.Status != engine.StatusInReview || back.Message != "" || len(back.Fields()) != 0 || rent(t, back) != 15100 {
			t.Fatalf("after the resubmit: %s %q %v", back.Status, back.Message, back.Fields())
		}

		// Two caseworkers approve at once: one wins, the other is told.
		c1, c2 := act(oslo), act(b.caseworker(t, "ola@oslo.kommune.no", "0301"))
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, c := range []casework.CaseAction{c1, c2} {
			wg.Go(func() { errs[i] = b.store.Casework.Approve(ctx, c) })
		}
		wg.Wait()
		if (errs[0] == nil) == (errs[1] == nil) || !errors.Is(errors.Join(errs...), engine.ErrConflict) {
			t.Fatalf("two approvals: %v", errs)
		}
		done, _ := b.store.Application(ctx, a.ID)
		if done.Status != engine.StatusBatched {
			t.Fatalf("approved application is %s", done.Status)
		}

		events, err := b.store.Events(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
			if e.Action == casework.ActionCorrect {
				var corr casework.Correction
				if err := json.Unmarshal([]byte(e.Detail), &corr); err != nil || corr.Pointer != "/housing/rent" || corr.Old != 14500.0 || e.Actor != oslo.Actor() || e.Reason == "" {
					t.Fatalf("correction event %+v (%v)", e, err)
				}
			}
		}
		want := []string{"create", "submit", "route", casework.ActionView, casework.ActionCorrect, "return", "resubmit", "approve"}
		if !slices.Equal(actions, want) {
			t.Fatalf("events %v, want %v", actions, want)
		}
	})
}

// TestCaseworkRejectAndWithdraw: a rejection and a withdrawal need a reason;
// a rejected application leaves the queue.
func TestCaseworkRejectAndWithdraw(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		b := setup(t, dsn)
		u := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		one, _ := b.flagged(t, "0301")
		two, _ := b.flagged(t, "0301")
		c := casework.CaseAction{User: u, ApplicationID: one.ID, Version: one.Version, Form: b.form}
		if err := b.store.Casework.Reject(ctx, c); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("a rejection without a reason: %v", err)
		}
		c.Reason = "Søkeren bor ikke i kommunen"
		if err := b.store.Casework.Reject(ctx, c); err != nil {
			t.Fatal(err)
		}
		c = casework.CaseAction{User: u, ApplicationID: two.ID, Version: two.Version, Form: b.form, Reason: "Sendt to ganger"}
		if err := b.store.Casework.Withdraw(ctx, c); err != nil {
			t.Fatal(err)
		}
		q, _ := b.store.Casework.List(ctx, casework.Filter{Kommuner: u.Kommuner})
		if q.Total != 0 {
			t.Fatalf("settled applications still queued: %+v", q.Items)
		}
		for id, want := range map[string]engine.Status{one.ID: engine.StatusRejected, two.ID: engine.StatusWithdrawn} {
			if a, _ := b.store.Application(ctx, id); a.Status != want {
				t.Fatalf("%s is %s, want %s", id, a.Status, want)
			}
		}
	})
}

// TestExceptionQueueInTheDatabase: the queue is filtered, counted and
// limited in SQL (code review B6): the first items in submission order,
// how many match, and counts before the filter; a reason is matched
// exactly, LIKE's wildcards in it are plain characters.
func TestExceptionQueueInTheDatabase(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		var ids []string
		for i, reasons := range [][]string{{"x_y"}, {"xzy"}, {"x_y", "other"}, {"other"}, {"other"}} {
			d, _ := b.store.CreateDraft(ctx, "bostotte", b.form.Version, "0301", nil)
			if _, err := b.submit(t, d.ID, d.Token); err != nil {
				t.Fatal(err)
			}
			_, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: d.ID, Agency: "husbanken", Reasons: reasons})
			if err != nil {
				t.Fatalf("route %d: %v", i, err)
			}
			ids = append(ids, d.ID)
		}
		q, err := b.store.Casework.List(ctx, casework.Filter{Kommuner: []string{"0301"}, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(q.Items) != 2 || q.Items[0].ID != ids[0] || q.Items[1].ID != ids[1] || q.Matching != 5 || q.Total != 5 {
			t.Fatalf("limited to 2: %d items, %d matching, %d in all", len(q.Items), q.Matching, q.Total)
		}
		if q.ByReason["x_y"] != 2 || q.ByReason["xzy"] != 1 || q.ByReason["other"] != 3 || q.ByStatus[engine.StatusInReview] != 5 {
			t.Fatalf("counts: %v %v", q.ByReason, q.ByStatus)
		}
		q, _ = b.store.Casework.List(ctx, casework.Filter{Kommuner: []string{"0301"}, Reason: "x_y"})
		if len(q.Items) != 2 || q.Matching != 2 || q.Items[0].ID != ids[0] || q.Items[1].ID != ids[2] {
			t.Fatalf("reason x_y: %d items (%d matching), want the two that have it", len(q.Items), q.Matching)
		}
	})
}

// TestApprovalSealsABatchItFills: the batch's size holds for an approval as
// for a route; an approval that fills the batch seals it, and the next
// opens a new one, where before approvals overfilled it until the next
// route or seal job.
func TestApprovalSealsABatchItFills(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setupWith(t, dsn, enginetest.BatchSize(2))
		ctx := context.Background()
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		var flagged []engine.Application
		for range 3 {
			a, _ := b.flagged(t, "0301")
			flagged = append(flagged, a)
		}
		for _, a := range flagged {
			if err := b.store.Casework.Approve(ctx, casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form}); err != nil {
				t.Fatal(err)
			}
		}
		sealed, _ := b.store.Batches.Batches(ctx, "husbanken", batches.BatchSealed)
		open, _ := b.store.Batches.Batches(ctx, "husbanken", batches.BatchOpen)
		if len(sealed) != 1 || sealed[0].ItemCount != 2 || len(open) != 1 || open[0].ItemCount != 1 {
			t.Fatalf("after three approvals with batches of 2: %d sealed %v, %d open %v; want one sealed of 2 and one open of 1", len(sealed), sealed, len(open), open)
		}
	})
}
