package caseworker_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/web/caseworker"
)

var nextPage = regexp.MustCompile(`href="(/caseworker/\?[^"]*after=[^"]*)" rel="next"`)

// TestListPagesThroughEveryApplication: the list shows a page at a time and
// links to the next until every application has been shown once (review
// finding 21: 60 of 260 could not be reached), with no applicant's name on
// it; the CSV has every row and no personal data.
func TestListPagesThroughEveryApplication(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	b.user(t, "kari@oslo.kommune.no", false, "0301")
	refs := map[string]bool{}
	for range 53 {
		a, _ := b.flagged(t, "0301")
		refs[*a.Reference] = true
	}
	br := b.signedIn(t, "kari@oslo.kommune.no")
	seen := map[string]int{}
	path := "/caseworker/"
	for pages := 1; ; pages++ {
		p := br.do("GET", path, nil)
		if p.status != http.StatusOK {
			t.Fatalf("%s: %d", path, p.status)
		}
		if strings.Contains(p.body, "Nordmann") {
			t.Fatal("the list shows the applicant's name")
		}
		for ref := range refs {
			if strings.Contains(p.body, ">"+ref+"<") {
				seen[ref]++
			}
		}
		m := nextPage.FindStringSubmatch(p.body)
		if m == nil {
			if pages != 2 {
				t.Fatalf("%d pages for 53 applications, want 2 of 50", pages)
			}
			break
		}
		path = strings.ReplaceAll(m[1], "&amp;", "&")
	}
	if len(seen) != 53 {
		t.Fatalf("%d of 53 applications shown", len(seen))
	}
	for ref, n := range seen {
		if n != 1 {
			t.Fatalf("%s shown %d times", ref, n)
		}
	}
	p := br.do("GET", "/caseworker/export.csv?scope=all", nil)
	if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", p.status, p.header.Get("Content-Type"))
	}
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.body, "\uFEFF")))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil || len(rows) != 54 || rows[0][0] != "Referanse" {
		t.Fatalf("export: %d rows, %v", len(rows), err)
	}
	if strings.Contains(p.body, "Nordmann") || strings.Contains(p.body, "12038512356") {
		t.Fatal("the export holds personal data")
	}
}

// TestSearchIsAuditedAndScoped: a search by name finds a closed case of her
// kommune, never another kommune's, and is in the audit log.
func TestSearchIsAuditedAndScoped(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	kari := b.user(t, "kari@oslo.kommune.no", false, "0301")
	b.user(t, "per@bergen.kommune.no", false, "4601")
	a, _ := b.flagged(t, "0301")
	br := b.signedIn(t, "kari@oslo.kommune.no")
	// Rejected, it is closed and leaves the queue.
	if p := br.post("/caseworker/applications/"+a.ID+"/reject", url.Values{"version": {version(a)}, "reason": {"Bor ikke i kommunen"}}); p.status != http.StatusSeeOther {
		t.Fatalf("reject: %d %s", p.status, p.body)
	}
	if p := br.do("GET", "/caseworker/", nil); strings.Contains(p.body, *a.Reference) {
		t.Fatal("a rejected application is still in the queue")
	}
	p := br.do("GET", "/caseworker/search?q=nordmann", nil)
	if p.status != http.StatusOK || !strings.Contains(p.body, *a.Reference) || !strings.Contains(p.body, "Kari Nordmann") {
		t.Fatalf("search: %d, %s not found by name", p.status, *a.Reference)
	}
	if p := b.signedIn(t, "per@bergen.kommune.no").do("GET", "/caseworker/search?q=nordmann", nil); strings.Contains(p.body, *a.Reference) {
		t.Fatal("Bergen's caseworker finds Oslo's application")
	}
	log, err := b.store.Casework.Searches(context.Background(), kari.Actor(), 10)
	if err != nil || len(log) != 1 || log[0].Query != "nordmann" || !strings.Contains(log[0].Hits, a.ID) {
		t.Fatalf("audit of Kari's searches: %+v, %v", log, err)
	}
}

// TestTeamworkAssignNoteAndBulk: she takes a case from the list, writes a
// note, and approves several at once; a stale one is reported, not
// approved over the change.
func TestTeamworkAssignNoteAndBulk(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	b.user(t, "kari@oslo.kommune.no", false, "0301")
	ola := b.user(t, "ola@oslo.kommune.no", false, "0301")
	a, _ := b.flagged(t, "0301")
	c, _ := b.flagged(t, "0301")
	stale, _ := b.flagged(t, "0301")
	br := b.signedIn(t, "kari@oslo.kommune.no")
	if p := br.post("/caseworker/applications/"+a.ID+"/assign", url.Values{"to": {"me"}, "back": {"/caseworker/?assignee=me"}}); p.status != http.StatusSeeOther ||
		!strings.HasPrefix(p.header.Get("Location"), "/caseworker/?assignee=me&done=assigned") {
		t.Fatalf("take: %d %s", p.status, p.header.Get("Location"))
	}
	if p := br.do("GET", "/caseworker/?assignee=me", nil); !strings.Contains(p.body, *a.Reference) || strings.Contains(p.body, *c.Reference) {
		t.Fatal("Mine saker does not hold exactly the case she took")
	}
	if p := br.post("/caseworker/applications/"+a.ID+"/assign", url.Values{"to": {"https://evil.example"}}); p.status != http.StatusUnprocessableEntity {
		t.Fatalf("given to no one real: %d", p.status)
	}
	if p := br.post("/caseworker/applications/"+a.ID+"/notes", url.Values{"note": {"Ringte søkeren <b>i dag</b>"}}); p.status != http.StatusSeeOther {
		t.Fatalf("note: %d %s", p.status, p.body)
	}
	p := br.do("GET", "/caseworker/applications/"+a.ID, nil)
	if !strings.Contains(p.body, "Ringte søkeren &lt;b&gt;i dag&lt;/b&gt;") || !strings.Contains(p.body, "<h1 class=\"ds-heading\" data-size=\"lg\">Kari Nordmann</h1>") {
		t.Fatal("the case page shows neither the note (escaped) nor the applicant's name as its heading")
	}
	// Someone corrects one after the list was shown.
	if p := br.do("GET", "/caseworker/applications/"+stale.ID+"/correct?field=/housing/rent", nil); p.status != http.StatusOK {
		t.Fatalf("correct page: %d", p.status)
	}
	if p := br.post("/caseworker/applications/"+stale.ID+"/correct", url.Values{"version": {version(stale)}, "field": {"/housing/rent"}, "value": {"9000"}, "reason": {"Ringte"}}); p.status != http.StatusSeeOther {
		t.Fatalf("correct: %d %s", p.status, p.body)
	}
	p = br.post("/caseworker/bulk", url.Values{"action": {"approve"}, "sel": {a.ID + ":" + version(a), c.ID + ":" + version(c), stale.ID + ":" + version(stale)}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "2 utført, 1 ikke utført") || !strings.Contains(p.body, *stale.Reference+": Noen andre har endret") {
		t.Fatalf("bulk approve: %d %s", p.status, p.body)
	}
	for id, want := range map[string]engine.Status{a.ID: engine.StatusBatched, c.ID: engine.StatusBatched, stale.ID: engine.StatusInReview} {
		if got, _ := b.store.Application(context.Background(), id); got.Status != want {
			t.Fatalf("%s: %s, want %s", id, got.Status, want)
		}
	}
	p = br.post("/caseworker/bulk", url.Values{"action": {"assign"}, "to": {ola.ID}, "sel": {stale.ID + ":0"}})
	if got, _ := b.store.Application(context.Background(), stale.ID); p.status != http.StatusOK || got.Assignee == nil || *got.Assignee != ola.ID {
		t.Fatalf("bulk assign: %d, assignee %v", p.status, got.Assignee)
	}
}

// TestNynorskUI: a caseworker chooses nynorsk, and every page speaks it
// from then on, the form's own texts too; the choice is hers, kept on her
// account, and the sign-in page offers it before anyone is signed in.
func TestNynorskUI(t *testing.T) {
	t.Parallel()
	b := setup(t, enginetest.SQLite(t), caseworker.Config{})
	b.user(t, "kari@oslo.kommune.no", false, "0301")
	a, _ := b.flagged(t, "0301")
	br := b.signedIn(t, "kari@oslo.kommune.no")
	if p := br.do("GET", "/caseworker/", nil); !strings.Contains(p.body, `<html lang="nb">`) || !strings.Contains(p.body, "Trenger behandling") {
		t.Fatal("the list is not in bokmål before she chooses")
	}
	if p := br.post("/caseworker/language", url.Values{"lang": {"nn"}, "back": {"/caseworker/applications/" + a.ID}}); p.status != http.StatusSeeOther ||
		p.header.Get("Location") != "/caseworker/applications/"+a.ID {
		t.Fatalf("choose nynorsk: %d %s", p.status, p.header.Get("Location"))
	}
	list := br.do("GET", "/caseworker/", nil)
	if !strings.Contains(list.body, `<html lang="nn">`) || !strings.Contains(list.body, "Treng handsaming") || strings.Contains(list.body, "Trenger behandling") {
		t.Fatal("the list is not in nynorsk after she chose it")
	}
	page := br.do("GET", "/caseworker/applications/"+a.ID, nil)
	// The form's own texts in nynorsk: the reason's title and a label.
	for _, want := range []string{b.form.Text("nn", "routing.registeredElsewhere.title"), b.form.Text("nn", "field.housing.rent.name"), "Sakshandsamar"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the case page in nynorsk lacks %q", want)
		}
	}
	if u, _ := b.store.Accounts.User(context.Background(), mustUserID(t, b, "kari@oslo.kommune.no")); u.Lang != "nn" {
		t.Fatalf("her choice is not kept on her account: %q", u.Lang)
	}
	// Before sign-in, from the sign-in page.
	anon := b.browser(t)
	if p := anon.do("GET", "/caseworker/login?lang=nn", nil); p.status != http.StatusSeeOther {
		t.Fatalf("choose nynorsk before sign-in: %d", p.status)
	}
	if p := anon.do("GET", "/caseworker/login", nil); !strings.Contains(p.body, `<html lang="nn">`) {
		t.Fatal("the sign-in page is not in nynorsk after choosing it")
	}
}

func mustUserID(t *testing.T, b *testBundle, email string) string {
	t.Helper()
	u, err := b.store.Accounts.Authenticate(context.Background(), email, password)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}
