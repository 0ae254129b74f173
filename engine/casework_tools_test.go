package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms"
)

// applyAs submits the example in kommune under another applicant's name,
// routed to review with reasons or, without, straight into a batch. It
// answers the application.
func (b *testBundle) applyAs(t *testing.T, kommune, given, family string, reasons ...string) engine.Application {
	t.Helper()
	ctx := context.Background()
	var doc map[string]any
	if err := json.Unmarshal(b.body, &doc); err != nil {
		t.Fatal(err)
	}
	applicant := doc["applicant"].(map[string]any)
	applicant["givenName"], applicant["familyName"] = given, family
	if kommune == "4601" {
		address := doc["address"].(map[string]any)
		address["kommunenummer"], address["postnummer"] = kommune, "5003"
	}
	body, _ := json.Marshal(doc)
	d, err := b.store.CreateDraft(ctx, "bostotte", b.form.Version, kommune, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: body, IdempotencyKey: d.ID, Token: d.Token, Kommune: kommune}); err != nil {
		var ve *engine.ValidationError
		errors.As(err, &ve)
		t.Fatalf("%v: %+v %v", err, ve.Errors, ve.Ineligible)
	}
	if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: d.ID, Agency: "husbanken", Reasons: reasons}); err != nil {
		t.Fatal(err)
	}
	a, err := b.store.Application(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestListReachesEveryApplication: the list of a kommune's applications,
// open, closed or all, is paged by key so that every one is reached once,
// in order, even when they were submitted in the same instant; another
// kommune's are never listed (review finding 21: 60 of 260 unreachable).
func TestListReachesEveryApplication(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		var open, closed []string
		for i := range 7 {
			if i%2 == 0 {
				open = append(open, b.applyAs(t, "0301", "Kari", "Nordmann", "registeredElsewhere").ID)
			} else {
				closed = append(closed, b.applyAs(t, "0301", "Kari", "Nordmann").ID)
			}
		}
		b.applyAs(t, "4601", "Per", "Bergen", "registeredElsewhere")
		all := func(f casework.Filter) []string {
			t.Helper()
			var ids []string
			for pages := 0; ; pages++ {
				l, err := b.store.Casework.List(ctx, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, it := range l.Items {
					ids = append(ids, it.ID)
				}
				if l.Next == "" {
					return ids
				}
				if pages > 20 {
					t.Fatal("the pages never end")
				}
				f.After = l.Next
			}
		}
		same := func(what string, got, want []string) {
			t.Helper()
			g, w := slices.Clone(got), slices.Clone(want)
			slices.Sort(g)
			slices.Sort(w)
			if !slices.Equal(g, w) {
				t.Fatalf("%s: listed %v, want %v", what, got, want)
			}
		}
		oslo := []string{"0301"}
		same("open", all(casework.Filter{Kommuner: oslo, Limit: 2}), open)
		same("closed", all(casework.Filter{Kommuner: oslo, Scope: casework.ScopeClosed, Limit: 2}), closed)
		every := all(casework.Filter{Kommuner: oslo, Scope: casework.ScopeAll, Limit: 3})
		same("all", every, append(slices.Clone(open), closed...))
		newest := all(casework.Filter{Kommuner: oslo, Scope: casework.ScopeAll, Sort: casework.SortSubmittedDesc, Limit: 2})
		slices.Reverse(newest)
		if !slices.Equal(newest, every) {
			t.Fatalf("newest first is not oldest first reversed:\n%v\n%v", newest, every)
		}
		same("by reference", all(casework.Filter{Kommuner: oslo, Scope: casework.ScopeAll, Sort: casework.SortReference, Limit: 4}), every)

		l, err := b.store.Casework.List(ctx, casework.Filter{Kommuner: oslo, Scope: casework.ScopeAll, Limit: 2, Channel: "digital"})
		if err != nil || l.Matching != 7 || l.Total != 7 || len(l.Items) != 2 {
			t.Fatalf("first page: %d items of %d matching, %d in all, %v", len(l.Items), l.Matching, l.Total, err)
		}
		if l, _ := b.store.Casework.List(ctx, casework.Filter{Kommuner: oslo, Scope: casework.ScopeAll, Channel: "paper"}); l.Matching != 0 {
			t.Fatalf("paper: %d, want none", l.Matching)
		}
		if _, err := b.store.Casework.List(ctx, casework.Filter{Kommuner: oslo, After: "not a cursor"}); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("a made-up cursor: %v, want invalid", err)
		}
	})
}

// TestSearchFindsClosedCasesAndIsAudited: a caseworker finds any
// application of her kommuner, open or closed, by name, reference or
// fødselsnummer (review finding 22), never another kommune's, and every
// search is in the audit log with what it found.
func TestSearchFindsClosedCasesAndIsAudited(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		ingrid := b.applyAs(t, "0301", "Ingrid", "Hansen") // straight through: closed for the kommune
		other := b.applyAs(t, "0301", "Hans", "Olsen", "registeredElsewhere")
		b.applyAs(t, "4601", "Ingrid", "Hansen")
		all := []*forms.Form{b.form}
		for _, c := range []struct {
			query, kind string
			want        []string
		}{
			{"hansen", casework.SearchName, []string{ingrid.ID}},
			{"  HANSEN   ingrid ", casework.SearchName, []string{ingrid.ID}},
			{"hans", casework.SearchName, []string{other.ID, ingrid.ID}},
			{"ingrid olsen", casework.SearchName, nil},
			{"100%", casework.SearchName, nil},
			{*ingrid.Reference, casework.SearchReference, []string{ingrid.ID}},
			{"120385 12356", casework.SearchNIN, []string{other.ID, ingrid.ID}},
		} {
			got, err := b.store.Casework.Search(ctx, kari, c.query, all)
			if err != nil {
				t.Fatalf("%q: %v", c.query, err)
			}
			var ids []string
			for _, it := range got.Items {
				ids = append(ids, it.ID)
				if it.ApplicantName == "" {
					t.Fatalf("%q: %s found without its applicant's name", c.query, it.ID)
				}
			}
			if got.Kind != c.kind || !slices.Equal(ids, c.want) {
				t.Fatalf("%q: a %s search found %v, want a %s search finding %v", c.query, got.Kind, ids, c.kind, c.want)
			}
		}
		if _, err := b.store.Casework.Search(ctx, kari, "   ", all); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("an empty search: %v", err)
		}
		log, err := b.store.Casework.Searches(ctx, kari.Actor(), 100)
		if err != nil || len(log) != 7 {
			t.Fatalf("audit log: %d searches, want 7 (%v)", len(log), err)
		}
		if last := log[0]; last.Kind != casework.SearchNIN || last.Query != "120385*****" || last.Hits != `["`+other.ID+`","`+ingrid.ID+`"]` {
			t.Fatalf("last search's audit: %+v", last)
		}
	})
}

// TestAssignAndNotes: a team shares a queue: anyone of the kommune takes a
// case or gives it to a colleague of the same kommune, never to someone
// who cannot see it; notes stay internal; each is an audit event, and
// neither makes a colleague's open form stale.
func TestAssignAndNotes(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		ola := b.caseworker(t, "ola@oslo.kommune.no", "0301")
		per := b.caseworker(t, "per@bergen.kommune.no", "4601")
		a := b.applyAs(t, "0301", "Ingrid", "Hansen", "registeredElsewhere")
		if err := b.store.Casework.Assign(ctx, kari, a.ID, kari.ID); err != nil {
			t.Fatal(err)
		}
		if err := b.store.Casework.Assign(ctx, kari, a.ID, per.ID); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("given to Bergen's caseworker: %v, want invalid", err)
		}
		if err := b.store.Casework.Assign(ctx, per, a.ID, per.ID); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("taken by Bergen's caseworker: %v, want not found", err)
		}
		mine, _ := b.store.Casework.List(ctx, casework.Filter{Kommuner: kari.Kommuner, Assignee: kari.ID})
		if len(mine.Items) != 1 || mine.Items[0].AssigneeName != kari.Name {
			t.Fatalf("Kari's cases: %+v", mine.Items)
		}
		if err := b.store.Casework.Assign(ctx, kari, a.ID, ola.ID); err != nil {
			t.Fatal(err)
		}
		if none, _ := b.store.Casework.List(ctx, casework.Filter{Kommuner: kari.Kommuner, Assignee: casework.Unassigned}); len(none.Items) != 0 {
			t.Fatalf("unassigned: %d, want 0", len(none.Items))
		}
		if err := b.store.Casework.AddNote(ctx, ola, a.ID, "Ringte søkeren, sender kontrakt i morgen"); err != nil {
			t.Fatal(err)
		}
		if err := b.store.Casework.AddNote(ctx, ola, a.ID, " "); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("an empty note: %v", err)
		}
		if _, err := b.store.Casework.Notes(ctx, per, a.ID); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("Bergen reads Oslo's notes: %v", err)
		}
		notes, err := b.store.Casework.Notes(ctx, kari, a.ID)
		if err != nil || len(notes) != 1 || notes[0].Author != ola.Actor() {
			t.Fatalf("notes: %+v, %v", notes, err)
		}
		after, _ := b.store.Application(ctx, a.ID)
		if after.Version != a.Version {
			t.Fatalf("version %d → %d: assigning and notes are no change to the application", a.Version, after.Version)
		}
		events, _ := b.store.Events(ctx, a.ID)
		var actions []string
		for _, e := range events {
			actions = append(actions, e.Action)
		}
		if !slices.Equal(actions[len(actions)-3:], []string{casework.ActionAssign, casework.ActionAssign, casework.ActionNote}) {
			t.Fatalf("audit: %v", actions)
		}
	})
}

// TestCorrectionRechecksTheReasons: after a correction the routing rules
// run again (review finding 25); a reason that is not the rules' stays.
func TestCorrectionRechecksTheReasons(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		a := b.applyAs(t, "0301", "Ingrid", "Hansen", "registeredElsewhere", "delivery.failed")
		c := casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form, Reason: "Søkeren ringte"}
		if err := b.store.Casework.Correct(ctx, c, "/applicant/givenName", "Inger"); err != nil {
			t.Fatal(err)
		}
		after, _ := b.store.Application(ctx, a.ID)
		if after.ReviewReasons != "delivery.failed" {
			t.Fatalf("reasons after the correction: %q, want only delivery.failed (the example registers no one elsewhere)", after.ReviewReasons)
		}
		got, err := b.store.Casework.Search(ctx, kari, "inger hansen", []*forms.Form{b.form})
		if err != nil || len(got.Items) != 1 || got.Items[0].ApplicantName != "Inger Hansen" {
			t.Fatalf("the corrected name is not found: %+v, %v", got.Items, err)
		}
	})
}

// TestNameAllNamesOlderApplications: applications submitted before names
// were kept are named by the start's backfill, and found.
func TestNameAllNamesOlderApplications(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		for range 3 {
			b.applyAs(t, "0301", "Ingrid", "Hansen")
		}
		if err := b.store.WriteForTest(ctx, func(tx engine.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE applications SET applicant_name = NULL, applicant_search = NULL`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got, _ := b.store.Casework.Search(ctx, kari, "hansen", []*forms.Form{b.form}); len(got.Items) != 0 {
			t.Fatalf("found before the backfill: %d", len(got.Items))
		}
		n, err := b.store.Casework.NameAll(ctx, func(string) (*forms.Form, bool) { return b.form, true })
		if err != nil || n != 3 {
			t.Fatalf("named %d, %v; want 3", n, err)
		}
		if got, _ := b.store.Casework.Search(ctx, kari, "hansen", []*forms.Form{b.form}); len(got.Items) != 3 {
			t.Fatalf("found after the backfill: %d, want 3", len(got.Items))
		}
	})
}

// TestSettledRejectionIsNoAgencyReason: a rejection the kommune settled is
// not counted, filtered or labelled as the agency's rejection awaiting a
// caseworker; the counts and the items agree.
func TestSettledRejectionIsNoAgencyReason(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		a := b.applyAs(t, "0301", "Ingrid", "Hansen", "registeredElsewhere")
		if err := b.store.Casework.Reject(ctx, casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form, Reason: "Bor ikke i kommunen"}); err != nil {
			t.Fatal(err)
		}
		all := casework.Filter{Kommuner: kari.Kommuner, Scope: casework.ScopeAll}
		l, err := b.store.Casework.List(ctx, all)
		if err != nil || l.ByReason[casework.ReasonAgencyRejected] != 0 || len(l.Items) != 1 || slices.Contains(l.Items[0].Reasons(), casework.ReasonAgencyRejected) {
			t.Fatalf("counts %v, items %+v, %v: a settled rejection taken for the agency's", l.ByReason, l.Items, err)
		}
		all.Reason = casework.ReasonAgencyRejected
		if l, _ := b.store.Casework.List(ctx, all); l.Matching != 0 {
			t.Fatalf("the agency's rejections: %d, want none", l.Matching)
		}
		// An export pages without counting.
		if l, _ := b.store.Casework.List(ctx, casework.Filter{Kommuner: kari.Kommuner, Scope: casework.ScopeAll, NoCounts: true}); len(l.Items) != 1 || l.Total != 0 || l.Matching != 0 {
			t.Fatalf("without counts: %d items, total %d, matching %d", len(l.Items), l.Total, l.Matching)
		}
	})
}
