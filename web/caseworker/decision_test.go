package caseworker_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/batches"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/letters/letterstest"
	"github.com/skjema/skjema/web/caseworker"
)

// TestStartlanDecidedWithFourEyes: a startlån case offers a
// recommendation, not an approval to an agency, with its betjeningsevne;
// the caseworker who recommended it is told she cannot decide it, and is
// refused if she tries; a colleague with the decision role decides it.
func TestStartlanDecidedWithFourEyes(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	ctx := context.Background()
	for _, u := range []engine.NewUser{
		{Email: "kari@oslo.kommune.no", Name: "Kari", Kommuner: []string{"0301"}, Password: password, Decides: true},
		{Email: "ola@oslo.kommune.no", Name: "Ola", Kommuner: []string{"0301"}, Password: password, Decides: true},
	} {
		if _, err := b.store.Accounts.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := b.forms.Form("startlan")
	body, err := os.ReadFile("../../examples/startlan/application.json")
	if err != nil {
		t.Fatal(err)
	}
	d, err := b.store.CreateDraft(ctx, "startlan", f.Version, "0301", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Submit(ctx, engine.SubmitRequest{Form: f, Body: body, IdempotencyKey: d.ID, Token: d.Token, Kommune: "0301"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.store.Batches.Route(ctx, batches.RouteRequest{ApplicationID: d.ID, Reasons: []string{engine.ReasonKommuneDecides}}); err != nil {
		t.Fatal(err)
	}
	kari, ola := b.signedIn(t, "kari@oslo.kommune.no"), b.signedIn(t, "ola@oslo.kommune.no")
	page := kari.do("GET", "/caseworker/applications/"+d.ID, nil)
	for _, want := range []string{`id="recommend"`, `id="sv-available"`, "Betjeningsevne", "Kommunen avgjør søknaden"} {
		if !strings.Contains(page.body, want) {
			t.Fatalf("the startlån case page lacks %s", want)
		}
	}
	if strings.Contains(page.body, "/approve") {
		t.Fatal("the startlån case page offers approval to an agency")
	}
	a, _ := b.store.Application(ctx, d.ID)
	if p := kari.post("/caseworker/applications/"+d.ID+"/recommend", url.Values{"version": {version(a)}, "outcome": {"grant"},
		"amount": {"2 500 000"}, "rate": {"4,9"}, "term": {"30"}, "text": {"Betalingsevnen holder med god margin."}}); p.status != http.StatusSeeOther {
		t.Fatalf("recommend: %d %s", p.status, p.body)
	}
	a, _ = b.store.Application(ctx, d.ID)
	if p := kari.do("GET", "/caseworker/applications/"+d.ID, nil); !strings.Contains(p.body, `id="why-not"`) || strings.Contains(p.body, "/decide") {
		t.Fatal("the one who recommended it is offered the decision")
	}
	if p := kari.post("/caseworker/applications/"+d.ID+"/decide", url.Values{"version": {version(a)}, "decision": {"approve"}}); p.status != http.StatusForbidden {
		t.Fatalf("decided by the one who recommended it: %d", p.status)
	}
	if p := ola.do("GET", "/caseworker/applications/"+d.ID, nil); !strings.Contains(p.body, `action="/caseworker/applications/`+d.ID+`/decide"`) {
		t.Fatal("the colleague with the decision role is not offered the decision")
	}
	if p := ola.post("/caseworker/applications/"+d.ID+"/decide", url.Values{"version": {version(a)}, "decision": {"approve"}}); p.status != http.StatusSeeOther {
		t.Fatalf("decide: %d %s", p.status, p.body)
	}
	if got, _ := b.store.Application(ctx, d.ID); got.Status != engine.StatusGranted {
		t.Fatalf("after the decision: %s", got.Status)
	}
	// The decision letter is on the case page, and downloads as the
	// letter the citizen got.
	page = kari.do("GET", "/caseworker/applications/"+d.ID, nil)
	link := regexp.MustCompile(`href="(/caseworker/applications/` + d.ID + `/letters/[^"]+)">vedtak-[^<]+\.pdf<`).FindStringSubmatch(page.body)
	if link == nil {
		t.Fatal("the case page has no link to the decision letter")
	}
	// She sent it without ID-porten: the letter goes by post.
	if !strings.Contains(page.body, "Skriv det ut og send det i posten") {
		t.Error("the case page does not say the letter must be posted to an applicant who did not sign in")
	}
	pdf := kari.do("GET", html.UnescapeString(link[1]), nil)
	if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("the letter: %d %v", pdf.status, pdf.header)
	}
	// So is the copy of what the couple sent.
	if cp := kari.do("GET", "/caseworker/applications/"+d.ID+"/copy", nil); cp.status != http.StatusOK ||
		!strings.Contains(letterstest.Text(t, []byte(cp.body)), "Søknad om startlån Kopi av søknaden") {
		t.Fatalf("the copy: %d", cp.status)
	}
	if events, err := b.store.Events(ctx, d.ID); err != nil || len(events) == 0 || events[len(events)-1].Action != casework.ActionViewFile ||
		events[len(events)-1].Detail != "copy" {
		t.Errorf("reading the copy was not audited: %v, %v", events, err)
	}
	if text := letterstest.Text(t, []byte(pdf.body)); !strings.Contains(text, "Lån 2 500 000 kr") || !strings.Contains(text, "Rente 4,9 %") ||
		!strings.Contains(text, "Vedtaket er gjort av Ola etter innstilling fra Kari") {
		t.Fatalf("the letter says:\n%s", text)
	}
}

// TestAdminGivesTheDecisionRole: an admin gives an account of her kommune
// the decision role and takes it away; another kommune's admin cannot.
func TestAdminGivesTheDecisionRole(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	ctx := context.Background()
	b.user(t, "admin@oslo.kommune.no", true, "0301")
	b.user(t, "admin@bergen.kommune.no", true, "4601")
	kari := b.user(t, "kari@oslo.kommune.no", false, "0301")
	if p := b.signedIn(t, "admin@bergen.kommune.no").post("/caseworker/users/"+kari.ID+"/decides", url.Values{"decides": {"true"}}); p.status != http.StatusNotFound {
		t.Fatalf("Bergen's admin gives Oslo's caseworker the role: %d", p.status)
	}
	oslo := b.signedIn(t, "admin@oslo.kommune.no")
	if p := oslo.post("/caseworker/users/"+kari.ID+"/decides", url.Values{"decides": {"true"}}); p.status != http.StatusSeeOther {
		t.Fatalf("give the role: %d %s", p.status, p.body)
	}
	if u, _ := b.store.Accounts.User(ctx, kari.ID); !u.DecidesIn("0301") {
		t.Fatal("the role was not given")
	}
	if p := oslo.do("GET", "/caseworker/users", nil); !strings.Contains(p.body, "med vedtaksrett") {
		t.Fatal("the accounts page does not say who decides")
	}
	oslo.post("/caseworker/users/"+kari.ID+"/decides", url.Values{"decides": {"false"}})
	if u, _ := b.store.Accounts.User(ctx, kari.ID); u.DecidesIn("0301") {
		t.Fatal("the role was not taken away")
	}
	events, _ := b.store.Accounts.AccountEvents(ctx, kari.ID)
	if n := len(events); n < 2 || events[n-2].Action != "decides" || events[n-1].Action != "no-decides" {
		t.Fatalf("the account's log: %+v", events)
	}
}
