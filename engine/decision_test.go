package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/letters/letterstest"
	"github.com/skjema/skjema/schemas"
)

// kommuneRoadForm is bostøtte's definition as a form the kommune decides,
// with no calendar: a form on the other road, made of data alone.
func kommuneRoadForm(t *testing.T) *forms.Form {
	t.Helper()
	files := fstest.MapFS{}
	for _, name := range []string{"schema.json", "rules.json", "texts.nb.json", "texts.nn.json", "texts.en.json", "layout.json"} {
		b, err := fs.ReadFile(schemas.FS, "bostotte/"+name)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(name, "texts.") {
			var texts map[string]any
			json.Unmarshal(b, &texts)
			texts["notice.decided"] = "Kommunen har gjort vedtak."
			texts["notice.decided.unsigned"], texts["notice.rejected.unsigned"] = "Vedtaket kommer i posten.", "Vedtaket kommer i posten."
			texts["decision.reason.incomeTooLow"] = "Inntekten er for lav."
			texts["letter.title"], texts["letter.legalBasis"] = "Vedtak om kommunelån", "Vedtaket er gjort etter kommunens retningslinjer."
			b, _ = json.Marshal(texts)
		}
		if name == "layout.json" {
			var layout map[string]any
			json.Unmarshal(b, &layout)
			layout["form"], layout["referencePrefix"], layout["road"], layout["calendar"] = "kommunelan", "KLN", "kommune", "none"
			layout["decisionReasons"] = []string{"incomeTooLow"}
			delete(layout, "agency")
			b, _ = json.Marshal(layout)
		}
		files["kommunelan/"+name] = &fstest.MapFile{Data: b}
	}
	reg, err := forms.Load(forms.Config{Builtin: files})
	if err != nil {
		t.Fatal(err)
	}
	f, ok := reg.Form("kommunelan")
	if !ok {
		t.Fatal("the kommune-road form did not load")
	}
	return f
}

// TestFourEyes: on the kommune's road every application goes to a
// caseworker with no month; it cannot be approved into a batch; a
// caseworker recommends, and only another person with the decision role in
// its kommune decides it (never the same hands, even with the role), or
// sends it back; the decision closes it and tells the citizen.
func TestFourEyes(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		b := setup(t, dsn)
		f := kommuneRoadForm(t)
		user := func(email string, decides bool, kommuner ...string) engine.User {
			u, err := b.store.Accounts.CreateUser(ctx, engine.NewUser{Email: email, Name: email, Kommuner: kommuner, Password: "et langt passord her", Decides: decides})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		kari := user("kari@oslo.kommune.no", true, "0301") // recommends, and has the role too
		ola := user("ola@oslo.kommune.no", true, "0301")
		siri := user("siri@oslo.kommune.no", false, "0301")
		per := user("per@bergen.kommune.no", true, "4601")
		apply := func() engine.Application {
			t.Helper()
			d, err := b.store.CreateDraft(ctx, f.ID, f.Version, "0301", nil)
			if err != nil {
				t.Fatal(err)
			}
			rc, err := b.store.Submit(ctx, engine.SubmitRequest{Form: f, Body: b.body, IdempotencyKey: d.ID, Token: d.Token, Kommune: "0301"})
			if err != nil {
				t.Fatal(err)
			}
			if rc.ApplicationMonth != "" {
				t.Fatalf("a form without a calendar applied for month %q", rc.ApplicationMonth)
			}
			due, err := b.store.Batches.SubmittedApplications(ctx, []string{d.ID})
			if err != nil || len(due) != 1 || due[0].Reasons == nil || !slices.Contains(strings.Split(*due[0].Reasons, ","), engine.ReasonKommuneDecides) {
				t.Fatalf("the route's reasons: %+v, %v", due, err)
			}
			if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: d.ID, Reasons: strings.Split(*due[0].Reasons, ",")}); err != nil {
				t.Fatal(err)
			}
			a, _ := b.store.Application(ctx, d.ID)
			if a.Status != engine.StatusInReview {
				t.Fatalf("status %s, want in review: the kommune decides every application", a.Status)
			}
			return a
		}
		act := func(u engine.User, a engine.Application) casework.CaseAction {
			cur, _ := b.store.Application(ctx, a.ID)
			return casework.CaseAction{User: u, ApplicationID: a.ID, Version: cur.Version, Form: f}
		}
		decide := func(u engine.User, a engine.Application, approve bool, comment string) error {
			cur, _ := b.store.Application(ctx, a.ID)
			return b.store.Casework.Decide(ctx, casework.Decision{User: u, ApplicationID: a.ID, Version: cur.Version, Form: f, Approve: approve, Comment: comment})
		}

		a := apply()
		if err := b.store.Casework.Approve(ctx, act(kari, a)); !errors.Is(err, engine.ErrIllegalTransition) {
			t.Fatalf("approved into a batch: %v", err)
		}
		if err := b.store.Casework.Reject(ctx, casework.CaseAction{User: kari, ApplicationID: a.ID, Version: a.Version, Form: f, Reason: "Nei"}); !errors.Is(err, engine.ErrIllegalTransition) {
			t.Fatalf("refused by one person alone: %v", err)
		}
		grant := casework.Recommendation{Outcome: casework.OutcomeGrant, Amount: 1_500_000, RatePercent: 4.5, TermYears: 30, Text: "Betjeningsevnen holder."}
		if err := b.store.Casework.Recommend(ctx, act(kari, a), casework.Recommendation{Outcome: casework.OutcomeGrant, TermYears: 30}); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("a grant of nothing: %v", err)
		}
		if err := b.store.Casework.Recommend(ctx, act(kari, a), casework.Recommendation{Outcome: casework.OutcomeGrant, Amount: 1, RatePercent: math.NaN(), TermYears: 30}); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("a rate that is no number: %v", err)
		}
		if err := b.store.Casework.Recommend(ctx, act(kari, a), grant); err != nil {
			t.Fatal(err)
		}
		// Waiting for the decision, it still needs someone: it is open.
		if l, _ := b.store.Casework.List(ctx, casework.Filter{Kommuner: kari.Kommuner}); len(l.Items) != 1 || l.Items[0].ID != a.ID {
			t.Fatalf("the open list while it waits for a decision: %+v", l.Items)
		}
		if err := decide(kari, a, true, ""); !errors.Is(err, casework.ErrSameHands) {
			t.Fatalf("decided by the one who recommended it: %v, want ErrSameHands", err)
		}
		if err := decide(siri, a, true, ""); !errors.Is(err, engine.ErrForbidden) {
			t.Fatalf("decided without the role: %v", err)
		}
		if err := decide(per, a, true, ""); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("decided by another kommune's: %v", err)
		}
		if err := decide(ola, a, true, ""); err != nil {
			t.Fatal(err)
		}
		got, _ := b.store.Application(ctx, a.ID)
		if got.Status != engine.StatusGranted {
			t.Fatalf("after the decision: %s, want granted", got.Status)
		}
		// The decision's grounds are what the citizen reads (Mine søknader).
		if events, _ := b.store.Events(ctx, a.ID); events[len(events)-1].Action != casework.ActionDecide || events[len(events)-1].Reason != grant.Text {
			t.Fatalf("the decision's event: %+v", events[len(events)-1])
		}
		// The decision letter was made with the decision, kept, and read by
		// a colleague (audited), not by another kommune's caseworker.
		ls, err := b.store.Casework.Letters(ctx, siri, a.ID)
		if err != nil || len(ls) != 1 || ls[0].Kind != "decision" || ls[0].Lang != "nb" || !strings.HasSuffix(ls[0].Name, ".pdf") {
			t.Fatalf("letters after the grant: %+v, %v", ls, err)
		}
		if _, _, err := b.store.Casework.CaseLetter(ctx, per, a.ID, ls[0].ID); !errors.Is(err, engine.ErrNotFound) {
			t.Fatalf("another kommune's caseworker read the letter: %v", err)
		}
		_, pdf, err := b.store.Casework.CaseLetter(ctx, siri, a.ID, ls[0].ID)
		if err != nil || int64(len(pdf)) != ls[0].Size {
			t.Fatalf("the letter: %d bytes, %v", len(pdf), err)
		}
		text := letterstest.Text(t, pdf)
		for _, w := range []string{"Vedtak om kommunelån", *got.Reference, "har innvilget søknaden din", "Lån 1 500 000 kr", "Rente 4,5 %",
			"Nedbetalingstid 30 år", "Vedtaket er gjort etter kommunens retningslinjer.", "Betjeningsevnen holder.", "innen tre uker",
			"Vedtaket er gjort av ola@oslo.kommune.no etter innstilling fra kari@oslo.kommune.no"} {
			if !strings.Contains(text, w) {
				t.Errorf("the decision letter lacks %q:\n%s", w, text)
			}
		}
		if events, _ := b.store.Events(ctx, a.ID); events[len(events)-1].Action != casework.ActionViewFile || events[len(events)-1].Detail != "letter:"+ls[0].Name {
			t.Fatalf("reading the letter was not audited: %+v", events[len(events)-1])
		}
		recs, err := b.store.Casework.Recommendations(ctx, siri, a.ID)
		if err != nil || len(recs) != 1 || recs[0].Author != kari.Actor() || recs[0].DecidedBy == nil || *recs[0].DecidedBy != ola.Actor() ||
			*recs[0].Amount != 1_500_000 || recs[0].Rate != "4.5" {
			t.Fatalf("the recommendation kept: %+v, %v", recs, err)
		}

		// A refusal, sent back once with a comment, then decided: not by
		// Kari, who recommended on the case before it was sent back.
		r := apply()
		refuse := casework.Recommendation{Outcome: casework.OutcomeRefuse, Reasons: []string{"incomeTooLow"}, Text: "Inntekten bærer ikke lånet."}
		if err := b.store.Casework.Recommend(ctx, act(siri, r), casework.Recommendation{Outcome: casework.OutcomeRefuse, Reasons: []string{"incomeTooLow"}}); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("a refusal without grounds for the citizen: %v", err)
		}
		if err := b.store.Casework.Recommend(ctx, act(siri, r), casework.Recommendation{Outcome: casework.OutcomeRefuse, Reasons: []string{"notAReason"}, Text: "Nei."}); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("a reason the form does not have: %v", err)
		}
		if err := b.store.Casework.Recommend(ctx, act(kari, r), refuse); err != nil {
			t.Fatal(err)
		}
		if err := decide(ola, r, false, ""); !errors.Is(err, engine.ErrInvalid) {
			t.Fatalf("sent back without a word: %v", err)
		}
		if err := decide(ola, r, false, "Regn med bostøtten også."); err != nil {
			t.Fatal(err)
		}
		if got, _ := b.store.Application(ctx, r.ID); got.Status != engine.StatusInReview {
			t.Fatalf("sent back: %s, want in review", got.Status)
		}
		if ls, _ := b.store.Casework.Letters(ctx, ola, r.ID); len(ls) != 0 {
			t.Fatalf("a send-back wrote a letter: %+v", ls)
		}
		if err := b.store.Casework.Recommend(ctx, act(siri, r), refuse); err != nil {
			t.Fatal(err)
		}
		if err := decide(kari, r, true, ""); !errors.Is(err, casework.ErrSameHands) {
			t.Fatalf("decided by one who recommended on the case before: %v", err)
		}
		if err := decide(ola, r, true, ""); err != nil {
			t.Fatal(err)
		}
		got, _ = b.store.Application(ctx, r.ID)
		if got.Status != engine.StatusRejected {
			t.Fatalf("after the refusal: %s, want rejected", got.Status)
		}
		ls, _ = b.store.Casework.Letters(ctx, ola, r.ID)
		if len(ls) != 1 {
			t.Fatalf("letters after the refusal: %+v", ls)
		}
		_, pdf, _ = b.store.Casework.CaseLetter(ctx, ola, r.ID, ls[0].ID)
		if text := letterstest.Text(t, pdf); !strings.Contains(text, "har avslått søknaden din") || !strings.Contains(text, "Inntekten er for lav.") ||
			!strings.Contains(text, "Inntekten bærer ikke lånet.") || strings.Contains(text, "Lån ") {
			t.Errorf("the refusal's letter:\n%s", text)
		}
		// The kommune's refusal is final: no one caseworker takes it back.
		if err := b.store.Casework.ReturnToCitizen(ctx, act(siri, r), "Send mer", nil); !errors.Is(err, engine.ErrIllegalTransition) {
			t.Fatalf("a decided refusal returned to the citizen by one caseworker: %v", err)
		}
		events, _ := b.store.Events(ctx, r.ID)
		var actions []string
		for _, e := range events {
			if e.Action != casework.ActionViewFile {
				actions = append(actions, e.Action)
			}
		}
		if !slices.Equal(actions[len(actions)-4:], []string{casework.ActionRecommend, casework.ActionSendBack, casework.ActionRecommend, casework.ActionDecide}) {
			t.Fatalf("the refusal's history: %v", actions)
		}
		// The citizen is told of both decisions.
		for _, id := range []string{a.ID, r.ID} {
			ns, err := b.store.Notices.Of(ctx, id)
			if err != nil || len(ns) == 0 || ns[len(ns)-1].Event != map[string]string{a.ID: "decided", r.ID: "rejected"}[id] {
				t.Fatalf("notices of %s: %+v, %v", id, ns, err)
			}
		}
	})
}
