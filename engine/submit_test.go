package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms/nid/nidtest"
)

// inBergen is the example application with its address in Bergen.
func (b *testBundle) inBergen() []byte {
	return bytes.Replace(b.body, []byte(`"kommunenummer": "0301"`), []byte(`"kommunenummer": "4601"`), 1)
}

// TestKommuneIsEnforcedOnEveryPath: the installation's kommune list holds
// in the engine, for drafts and for submits with and without one; the
// application's kommune is the draft's, never the address's (code review B1).
func TestKommuneIsEnforcedOnEveryPath(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn, "0301")
		ctx := context.Background()
		for _, k := range []string{"4601", ""} {
			if _, err := b.store.CreateDraft(ctx, "bostotte", b.form.Version, k, nil); !errors.Is(err, engine.ErrUnknownKommune) {
				t.Errorf("draft for kommune %q: %v, want ErrUnknownKommune", k, err)
			}
		}
		d, err := b.store.CreateDraft(ctx, "bostotte", b.form.Version, "0301", nil)
		if err != nil {
			t.Fatal(err)
		}
		// The widget's submit: no kommune named, the address in another.
		_, err = b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: b.inBergen(), IdempotencyKey: d.ID, Token: d.Token})
		var ve *engine.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Pointer != "/address/kommunenummer" || ve.Errors[0].Code != "kommunenummer.other" || ve.Errors[0].Message == "" {
			t.Fatalf("submit with the address in another kommune: %v %+v, want a field error on /address/kommunenummer", err, ve.Errors)
		}
		if a, _ := b.store.Application(ctx, d.ID); a.Status != engine.StatusDraft || a.Kommune != "0301" {
			t.Fatalf("after the refused submit: %s in %s, want a draft in 0301", a.Status, a.Kommune)
		}
		if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: b.body, IdempotencyKey: d.ID, Token: d.Token, Kommune: "4601"}); !errors.Is(err, engine.ErrConflict) {
			t.Fatalf("a draft of 0301 submitted for 4601: %v, want ErrConflict", err)
		}
		for _, k := range []string{"", "4601"} {
			_, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: b.body, IdempotencyKey: "no-draft-key-" + k + "-0123456789", Kommune: k})
			if !errors.Is(err, engine.ErrUnknownKommune) {
				t.Errorf("a submit without a draft for kommune %q: %v, want ErrUnknownKommune", k, err)
			}
		}
		r, err := b.submit(t, d.ID, d.Token)
		if err != nil {
			t.Fatal(err)
		}
		if a, _ := b.store.Application(ctx, r.ID); a.Kommune != "0301" {
			t.Fatalf("stored for kommune %s, want the draft's 0301", a.Kommune)
		}
	})
}

// TestKommuneWithoutAList: an installation that lists no kommuner takes
// the one named, and checks the address against it; naming none, the
// address's kommune.
func TestKommuneWithoutAList(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	ctx := context.Background()
	if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: b.inBergen(), IdempotencyKey: "named-0301-0123456789", Kommune: "0301"}); err == nil {
		t.Fatal("an address in Bergen was taken for Oslo")
	}
	r, err := b.submit(t, "named-none-0123456789", "")
	if err != nil {
		t.Fatal(err)
	}
	if a, _ := b.store.Application(ctx, r.ID); a.Kommune != "0301" {
		t.Fatalf("kommune %s, want the address's 0301", a.Kommune)
	}
	// Naming none anywhere (the address no longer asks it) is refused, not
	// stored for no kommune.
	var doc map[string]any
	json.Unmarshal(b.body, &doc)
	delete(doc["address"].(map[string]any), "kommunenummer")
	none, _ := json.Marshal(doc)
	_, err = b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: none, IdempotencyKey: "no-kommune-at-all-0123456789"})
	var ve *engine.ValidationError
	if !errors.As(err, &ve) || len(ve.Errors) != 1 || ve.Errors[0].Pointer != "/address/kommunenummer" {
		t.Fatalf("a submit that names no kommune anywhere: %v, want it refused for its kommune", err)
	}
}

// TestIdempotencyKeyIsStoredHashed: the key of a submit without a draft
// opens its status, so it is kept only as a hash (code review B2).
func TestIdempotencyKeyIsStoredHashed(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		key := "secret-client-key-0123456789"
		r, err := b.submit(t, key, "")
		if err != nil {
			t.Fatal(err)
		}
		if n := count(t, b.store, `SELECT COUNT(*) FROM applications WHERE idempotency_key_hash = ? OR resume_token_hash = ? OR request_hash = ? OR receipt LIKE ?`,
			key, key, key, "%"+key+"%"); n != 0 {
			t.Fatal("the Idempotency-Key is stored in clear")
		}
		if st, err := b.store.SubmissionStatus(context.Background(), r.ID, key); err != nil || st.Reference != r.Reference {
			t.Fatalf("the key no longer reads the status: %+v, %v", st, err)
		}
		if again, err := b.submit(t, key, ""); err != nil || again != r {
			t.Fatalf("replay = %+v, %v; want %+v", again, err, r)
		}
	})
}

// TestReplaysAfterAReturn: a late replay of the first submit, after a
// caseworker returned the application, is a replay and not a resubmission;
// a retried resubmission answers the resubmission's receipt (code review
// B5 a, b).
func TestReplaysAfterAReturn(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		key := "returned-key-0123456789"
		first, err := b.submit(t, key, "")
		if err != nil {
			t.Fatal(err)
		}
		_, err = b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: first.ID, Agency: "husbanken", Reasons: []string{"registeredElsewhere"}})
		if err != nil {
			t.Fatal(err)
		}
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		a, _ := b.store.Application(ctx, first.ID)
		if err := b.store.Casework.ReturnToCitizen(ctx, casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form}, "Sjekk husleien.", []string{"/housing/rent"}); err != nil {
			t.Fatal(err)
		}
		replay, err := b.submit(t, key, "")
		if err != nil || replay != first {
			t.Fatalf("late replay = %+v, %v; want the first receipt %+v", replay, err, first)
		}
		if a, _ := b.store.Application(ctx, first.ID); a.Status != engine.StatusAwaitingCitizen {
			t.Fatalf("a replay moved the application to %s", a.Status)
		}
		fixed := bytes.Replace(b.body, []byte("14500"), []byte("14600"), 1)
		resubmit := engine.SubmitRequest{Form: b.form, Body: fixed, IdempotencyKey: key}
		second, err := b.store.Submit(ctx, resubmit)
		if err != nil || second.Status != engine.StatusInReview || second.Reference != first.Reference {
			t.Fatalf("resubmission = %+v, %v", second, err)
		}
		retried, err := b.store.Submit(ctx, resubmit)
		if err != nil || retried != second {
			t.Fatalf("retried resubmission = %+v, %v; want %+v", retried, err, second)
		}
		if _, err := b.submit(t, key, ""); !errors.Is(err, engine.ErrConflict) {
			t.Fatalf("the first document after the resubmission: %v, want ErrConflict", err)
		}
	})
}

// TestConcurrentRetriesOfAResubmission: retries of one resubmission racing
// each other (on PostgreSQL the losers wait on the row) all answer its
// receipt, never a conflict (review of 2026-12-02; B5 c for resubmits).
func TestConcurrentRetriesOfAResubmission(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		key := "racing-resubmit-0123456789"
		first, err := b.submit(t, key, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: first.ID, Agency: "husbanken", Reasons: []string{"registeredElsewhere"}}); err != nil {
			t.Fatal(err)
		}
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		a, _ := b.store.Application(ctx, first.ID)
		if err := b.store.Casework.ReturnToCitizen(ctx, casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form}, "Sjekk husleien.", nil); err != nil {
			t.Fatal(err)
		}
		fixed := engine.SubmitRequest{Form: b.form, Body: bytes.Replace(b.body, []byte("14500"), []byte("14600"), 1), IdempotencyKey: key}
		var wg sync.WaitGroup
		receipts := make([]engine.Receipt, 20)
		errs := make([]error, 20)
		for i := range receipts {
			wg.Add(1)
			go func() { defer wg.Done(); receipts[i], errs[i] = b.store.Submit(ctx, fixed) }()
		}
		wg.Wait()
		for i := range receipts {
			if errs[i] != nil || receipts[i] != receipts[0] || receipts[i].Status != engine.StatusInReview {
				t.Fatalf("retry %d = %+v, %v; want %+v", i, receipts[i], errs[i], receipts[0])
			}
		}
	})
}

// TestRetryWithReserialisedJSON: the same document with other whitespace
// and key order is the same request (security review L5).
func TestRetryWithReserialisedJSON(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t))
	key := "reserialised-key-0123456789"
	first, err := b.submit(t, key, "")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	json.Unmarshal(b.body, &doc)
	compact, _ := json.Marshal(doc)
	again, err := b.store.Submit(context.Background(), engine.SubmitRequest{Form: b.form, Body: compact, IdempotencyKey: key})
	if err != nil || again != first {
		t.Fatalf("the same document re-serialised = %+v, %v; want %+v", again, err, first)
	}
}

// TestConcurrentRetriesOfADraftSubmit: retries racing for one draft all get
// the one receipt, on PostgreSQL too, never a conflict (code review B5 c).
func TestConcurrentRetriesOfADraftSubmit(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		d, err := b.store.CreateDraft(context.Background(), "bostotte", b.form.Version, "0301", nil)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		receipts := make([]engine.Receipt, 40)
		errs := make([]error, 40)
		for i := range receipts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				receipts[i], errs[i] = b.store.Submit(context.Background(), engine.SubmitRequest{Form: b.form, Body: b.body, IdempotencyKey: d.ID, Token: d.Token})
			}()
		}
		wg.Wait()
		for i := range receipts {
			if errs[i] != nil || receipts[i] != receipts[0] {
				t.Fatalf("retry %d = %+v, %v; want %+v", i, receipts[i], errs[i], receipts[0])
			}
		}
	})
}

// TestTokenStopsShowingTheDocument: once the application has left the
// citizen's hands its token reads the status, not the document (security
// review H1).
func TestTokenStopsShowingTheDocument(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		d, _ := b.store.CreateDraft(ctx, "bostotte", b.form.Version, "0301", nil)
		if _, err := b.submit(t, d.ID, d.Token); err != nil {
			t.Fatal(err)
		}
		if a, err := b.store.OpenWithToken(ctx, d.ID, d.Token); err != nil || a.Data == "" {
			t.Fatalf("a submitted application in the kommune's hands: %v, data %q; want the document", err, a.Data)
		}
		_, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: d.ID, Agency: "husbanken"})
		if err != nil {
			t.Fatal(err)
		}
		a, err := b.store.OpenWithToken(ctx, d.ID, d.Token)
		if err != nil || a.Status != engine.StatusBatched || a.Data != "" {
			t.Fatalf("batched: %s, %v, data %d bytes; want the status without the document", a.Status, err, len(a.Data))
		}
		if st, err := b.store.SubmissionStatus(ctx, d.ID, d.Token); err != nil || st.Status != engine.StatusBatched {
			t.Fatalf("status = %+v, %v", st, err)
		}
	})
}

// TestDuplicateGoesToTheCaseworker: a second application from the same
// applicant for the same month in the same kommune is routed to the
// caseworker as "duplicate", linked to the first (issue #13 item 8); one for
// another kommune, or after the first was withdrawn, is not.
func TestDuplicateGoesToTheCaseworker(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		reasons := func(id string) string {
			t.Helper()
			var r *string
			if err := b.store.WriteForTest(ctx, func(tx engine.Tx) error {
				return tx.Get(ctx, &r, `SELECT route_reasons FROM applications WHERE id = ?`, id)
			}); err != nil {
				t.Fatal(err)
			}
			if r == nil {
				return ""
			}
			return *r
		}
		first, err := b.submit(t, "first-application-0123456789", "")
		if err != nil {
			t.Fatal(err)
		}
		second, err := b.submit(t, "second-application-0123456789", "")
		if err != nil {
			t.Fatal(err)
		}
		if reasons(first.ID) != "" || reasons(second.ID) != engine.ReasonDuplicate {
			t.Fatalf("reasons: first %q, second %q; want none and duplicate", reasons(first.ID), reasons(second.ID))
		}
		a, _ := b.store.Application(ctx, second.ID)
		if a.DuplicateOf == nil || *a.DuplicateOf != first.ID {
			t.Fatalf("the second is not linked to the first: %v", a.DuplicateOf)
		}
		// The route job routes by the reasons kept at submit.
		due, err := b.store.Batches.SubmittedApplications(ctx, []string{second.ID})
		if err != nil || len(due) != 1 || due[0].Reasons == nil || *due[0].Reasons != engine.ReasonDuplicate {
			t.Fatalf("the route job reads %+v, %v", due, err)
		}
		if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: second.ID, Agency: "husbanken", Reasons: strings.Split(*due[0].Reasons, ",")}); err != nil {
			t.Fatal(err)
		}
		if a, _ := b.store.Application(ctx, second.ID); a.Status != engine.StatusInReview {
			t.Fatalf("the duplicate is %s, want in review", a.Status)
		}
		// Withdrawn, the first no longer makes a later one a duplicate.
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		a, _ = b.store.Application(ctx, second.ID)
		if err := b.store.Casework.Withdraw(ctx, casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form, Reason: "sendt to ganger"}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: first.ID, Agency: "husbanken", Reasons: []string{"registeredElsewhere"}}); err != nil {
			t.Fatal(err)
		}
		a, _ = b.store.Application(ctx, first.ID)
		if err := b.store.Casework.Withdraw(ctx, casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form, Reason: "trukket"}); err != nil {
			t.Fatal(err)
		}
		third, err := b.submit(t, "third-application-0123456789", "")
		if err != nil || reasons(third.ID) != "" {
			t.Fatalf("after both were withdrawn: %v, reasons %q; want none", err, reasons(third.ID))
		}
		// The same applicant in another kommune is not a duplicate here.
		bergen := bytes.ReplaceAll(b.body, []byte(`"0301"`), []byte(`"4601"`))
		bergen = bytes.ReplaceAll(bergen, []byte(`"0150"`), []byte(`"5003"`))
		other, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: bergen, IdempotencyKey: "bergen-application-0123456789", Kommune: "4601"})
		if err != nil {
			t.Fatal(err)
		}
		if reasons(other.ID) != "" {
			t.Fatalf("an application in another kommune: reasons %q", reasons(other.ID))
		}
	})
}

// TestConcurrentSubmitsOfOneApplicant: two submits of the same applicant
// at once (two drafts) make one of them the duplicate of the other, also on
// PostgreSQL, where both would otherwise find no first one.
func TestConcurrentSubmitsOfOneApplicant(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		const n = 24
		ids := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				r, err := b.submit(t, fmt.Sprintf("same-applicant-%02d-0123456789", i), "")
				if err != nil {
					t.Error(err)
				}
				ids[i] = r.ID
			})
		}
		wg.Wait()
		firsts := 0
		for _, id := range ids {
			if a, _ := b.store.Application(ctx, id); a.DuplicateOf == nil {
				firsts++
			}
		}
		if firsts != 1 {
			t.Fatalf("%d of %d concurrent submits of one applicant are not duplicates, want 1", firsts, n)
		}
	})
}

// TestCorrectedApplicantIsFoundAgain: a caseworker who corrects the
// applicant's fødselsnummer makes the application hers for the duplicate
// check (code review of 2026-12-02).
func TestCorrectedApplicantIsFoundAgain(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		b := setup(t, dsn)
		ctx := context.Background()
		kari := b.caseworker(t, "kari@oslo.kommune.no", "0301")
		a, _ := b.flagged(t, "0301") // the example's applicant
		other := nidtest.Fodselsnummer(7)
		c := casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: b.form, Reason: "Feil fødselsnummer på papirsøknaden"}
		if err := b.store.Casework.Correct(ctx, c, "/applicant/fodselsnummer", other); err != nil {
			t.Fatal(err)
		}
		r, err := b.store.Submit(ctx, engine.SubmitRequest{Form: b.form, Body: nidtest.WithApplicant(b.body, 7), IdempotencyKey: "corrected-applicant-0123456789"})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := b.store.Application(ctx, r.ID); got.DuplicateOf == nil || *got.DuplicateOf != a.ID {
			t.Fatalf("an application of the corrected applicant is not a duplicate of the corrected one: %v", got.DuplicateOf)
		}
	})
}
