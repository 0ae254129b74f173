package caseworker_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/enginetest"
	"github.com/skjema/skjema/identity"
	"github.com/skjema/skjema/identity/idportentest"
	"github.com/skjema/skjema/web/caseworker"
)

// kommuneLogin is a local provider playing Oslo's Entra ID, with its
// employees, and the caseworker UI's configuration of it.
func kommuneLogin(t testing.TB, base string, only bool) (*caseworker.KommuneLogin, *idportentest.Provider) {
	t.Helper()
	op := idportentest.ServeConfig(t, idportentest.Config{
		Clients: []idportentest.Client{{ID: "skjema-cw", Secret: "s3cret", RedirectURIs: []string{base + caseworker.CallbackPath}}},
		Persons: []idportentest.Person{
			idportentest.Employee("kari", "Kari Nordmann", "kari.nordmann@oslo.kommune.no", "groups", "g-saksbehandler", "g-kantina"),
			idportentest.Employee("anne", "Anne Admin", "anne.admin@oslo.kommune.no", "groups", "g-saksbehandler", "g-admin"),
			idportentest.Employee("ulf", "Ulf Utenfor", "ulf.utenfor@oslo.kommune.no", "groups", "g-kantina"),
			idportentest.Employee("ola", "Ola Fullmakt", "ola.fullmakt@oslo.kommune.no", "groups", "g-saksbehandler", "g-fullmakt"),
		},
	})
	client, err := identity.NewStaffLogin(context.Background(), identity.StaffConfig{Issuer: op.Issuer(), ClientID: "skjema-cw", ClientSecret: "s3cret",
		RedirectURL: base + caseworker.CallbackPath, Claim: "groups"})
	if err != nil {
		t.Fatal(err)
	}
	groups, err := accounts.ParseGroupMap([]byte(`{"claim": "groups", "map": {
		"g-saksbehandler": {"kommuner": ["0301"]},
		"g-admin": {"kommuner": ["0301"], "admin": true},
		"g-fullmakt": {"kommuner": ["0301"], "decides": ["0301"]}}}`), nil, nil, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &caseworker.KommuneLogin{Client: client, Groups: groups, Name: "Oslo kommunes innlogging", Only: only}, op
}

// startKommuneLogin follows the button to the provider and signs in there
// as the employee, headless: it answers the callback the provider sends
// the browser back to, not yet followed.
func (br *browser) startKommuneLogin(employee, next string) *url.URL {
	br.t.Helper()
	p := br.do("GET", "/caseworker/oidc/login?next="+url.QueryEscape(next), nil)
	if p.status != http.StatusFound {
		br.t.Fatalf("start of the kommune's login: %d", p.status)
	}
	back, err := idportentest.SignIn(br.c, p.header.Get("Location"), employee, idportentest.Substantial)
	if err != nil {
		br.t.Fatal(err)
	}
	if !strings.HasPrefix(back.String(), br.base+caseworker.CallbackPath+"?") {
		br.t.Fatalf("the provider sent the browser to %s", back)
	}
	return back
}

// kommuneLogin signs in through the kommune's login, to the page that goes
// on by itself.
func (br *browser) kommuneLogin(employee, next string) page {
	br.t.Helper()
	back := br.startKommuneLogin(employee, next)
	return br.do("GET", back.RequestURI(), nil)
}

// TestKommuneLogin: a caseworker signs in with the kommune's own login
// (the code flow with PKCE, state and nonce, against a local provider) into
// the same session a password gives; her groups give her kommune and, for
// an admin, the admin role; an employee whose groups map to no kommune, a
// callback with another state or from another browser, an id_token
// without this sign-in's nonce and a sign-in the provider refused are each
// refused with a page that says why. The log names no one.
func TestKommuneLogin(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		// A file, which the server's goroutines may write while the test reads.
		logs, err := os.Create(filepath.Join(t.TempDir(), "log"))
		if err != nil {
			t.Fatal(err)
		}
		b := setupAt(t, dsn, func(base string) caseworker.Config {
			kl, _ := kommuneLogin(t, base, false)
			return caseworker.Config{KommuneLogin: kl, Logger: slog.New(slog.NewJSONHandler(logs, nil))}
		})
		b.user(t, "lokal@oslo.kommune.no", false, "0301")
		a, _ := b.flagged(t, "0301")

		kari := b.browser(t)
		p := kari.do("GET", "/caseworker/login", nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, "Logg inn med Oslo kommunes innlogging") || !strings.Contains(p.body, `name="password"`) {
			t.Fatalf("the sign-in page: %d\n%s", p.status, p.body)
		}
		next := "/caseworker/applications/" + a.ID
		p = kari.kommuneLogin("kari", next)
		if p.status != http.StatusOK || !strings.Contains(p.body, `http-equiv="refresh" content="0; url=`+next+`"`) {
			t.Fatalf("the callback: %d\n%s", p.status, p.body)
		}
		session := false
		for _, c := range p.header.Values("Set-Cookie") {
			session = session || strings.HasPrefix(c, "__Host-skjema-session=") && strings.Contains(c, "SameSite=Strict") && strings.Contains(c, "Secure")
		}
		if !session {
			t.Fatalf("the session cookie: %q", p.header.Values("Set-Cookie"))
		}
		p = kari.do("GET", next, nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, "Kari Nordmann") || strings.Contains(p.body, "Bytt passord") {
			t.Fatalf("her application: %d", p.status)
		}
		if p := kari.do("GET", "/caseworker/users", nil); p.status != http.StatusNotFound {
			t.Fatalf("a caseworker opens the accounts: %d", p.status)
		}

		anne := b.browser(t)
		anne.kommuneLogin("anne", "/caseworker/users")
		p = anne.do("GET", "/caseworker/users", nil)
		if p.status != http.StatusOK || !strings.Contains(p.body, "kari.nordmann@oslo.kommune.no") || !strings.Contains(p.body, "Kommunens innlogging") || !strings.Contains(p.body, "lokal@oslo.kommune.no") {
			t.Fatalf("the admin's accounts: %d\n%s", p.status, p.body)
		}

		// Signing out ends the session here.
		kari.post("/caseworker/logout", nil)
		if p := kari.do("GET", "/caseworker/", nil); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/caseworker/login") {
			t.Fatalf("after signing out: %d to %q", p.status, p.header.Get("Location"))
		}

		refused := func(name string, br *browser, p page, status int, want string) {
			t.Helper()
			if p.status != status || !strings.Contains(html.UnescapeString(p.body), want) || !strings.Contains(p.body, "Logg inn med Oslo kommunes innlogging") {
				t.Errorf("%s: %d, want %d with %q\n%s", name, p.status, status, want, p.body)
			}
			if p := br.do("GET", "/caseworker/", nil); p.status != http.StatusSeeOther {
				t.Errorf("%s: signed in after all: %d", name, p.status)
			}
		}
		ulf := b.browser(t)
		refused("no group of Skjema's", ulf, ulf.kommuneLogin("ulf", "/caseworker/"), http.StatusForbidden, "Du har ikke tilgang til Skjema")

		// A callback with another state is refused, and the sign-in it
		// would have disturbed goes on.
		br := b.browser(t)
		back := br.startKommuneLogin("kari", "/caseworker/")
		forged := *back
		q := forged.Query()
		q.Set("state", "an-attackers-state")
		forged.RawQuery = q.Encode()
		refused("another state", br, br.do("GET", forged.RequestURI(), nil), http.StatusBadRequest, "Innloggingen kunne ikke fullføres")
		if p := br.do("GET", back.RequestURI(), nil); p.status != http.StatusOK {
			t.Fatalf("the sign-in after a forged callback: %d", p.status)
		}

		// A callback taken to another browser (login CSRF, or a stolen
		// code) finds no sign-in there.
		br = b.browser(t)
		back = br.startKommuneLogin("anne", "/caseworker/")
		other := b.browser(t)
		refused("another browser", other, other.do("GET", back.RequestURI(), nil), http.StatusBadRequest, "Innloggingen kunne ikke fullføres")

		// An id_token without this sign-in's nonce: the browser's sign-in
		// holds another nonce than the one the provider was given.
		br = b.browser(t)
		back = br.startKommuneLogin("kari", "/caseworker/")
		base, _ := url.Parse(br.base)
		for _, c := range br.c.Jar.Cookies(base) {
			if c.Name != "__Host-skjema-oidc" {
				continue
			}
			raw, _ := base64.RawURLEncoding.DecodeString(c.Value)
			var st map[string]any
			json.Unmarshal(raw, &st)
			st["Nonce"] = identity.NewStart().Nonce
			raw, _ = json.Marshal(st)
			br.c.Jar.SetCookies(base, []*http.Cookie{{Name: c.Name, Value: base64.RawURLEncoding.EncodeToString(raw), Path: "/", Secure: true}})
		}
		refused("another nonce", br, br.do("GET", back.RequestURI(), nil), http.StatusUnauthorized, "Innloggingen kunne ikke bekreftes")

		// She cancelled at the provider, or it refused her.
		br = b.browser(t)
		back = br.startKommuneLogin("kari", "/caseworker/")
		cancelled := url.Values{"state": {back.Query().Get("state")}, "error": {"access_denied"}}
		refused("cancelled", br, br.do("GET", caseworker.CallbackPath+"?"+cancelled.Encode(), nil), http.StatusUnauthorized, "avbrutt eller avvist")

		// The local account signs in with her password beside them.
		if p := b.browser(t).login("lokal@oslo.kommune.no", password); p.status != http.StatusSeeOther {
			t.Fatalf("a password beside the kommune's login: %d", p.status)
		}
		logged, _ := os.ReadFile(logs.Name())
		for _, who := range []string{"kari", "anne", "ulf", "Nordmann", "oslo.kommune.no"} {
			if strings.Contains(string(logged), who) {
				t.Errorf("the log names %q:\n%s", who, logged)
			}
		}
		if strings.Count(string(logged), "caseworker sign-in refused") != 5 {
			t.Errorf("the five refusals are not logged:\n%s", logged)
		}
	})
}

// TestKommuneLoginGivesTheDecisionRole: the decision role follows the
// kommune's groups as her kommuner do: a group that gives it makes her a
// fullmaktshaver at her sign-in, and a sign-in after her directory took
// her out of the group takes it away, each an event of her account. An
// admin does not give or take it by hand for an account of the kommune's
// login (her next sign-in would undo it): the accounts page offers no
// button, and a post is refused with why.
func TestKommuneLoginGivesTheDecisionRole(t *testing.T) {
	t.Parallel()
	enginetest.Each(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		var op *idportentest.Provider
		b := setupAt(t, dsn, func(base string) caseworker.Config {
			var kl *caseworker.KommuneLogin
			kl, op = kommuneLogin(t, base, false)
			return caseworker.Config{KommuneLogin: kl}
		})
		b.user(t, "admin@oslo.kommune.no", true, "0301")
		ola := b.browser(t)
		if p := ola.kommuneLogin("ola", "/caseworker/"); p.status != http.StatusOK {
			t.Fatalf("her sign-in with the decision role's group: %d\n%s", p.status, p.body)
		}
		all, err := b.store.Accounts.AllAccounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var id string
		for _, a := range all {
			if a.Email == "ola.fullmakt@oslo.kommune.no" {
				id = a.ID
			}
		}
		if u, err := b.store.Accounts.User(ctx, id); err != nil || !u.DecidesIn("0301") {
			t.Fatalf("her account after a sign-in with the decision role's group: %+v %v", u, err)
		}

		admin := b.signedIn(t, "admin@oslo.kommune.no")
		if p := admin.do("GET", "/caseworker/users", nil); !strings.Contains(p.body, "med vedtaksrett") || strings.Contains(p.body, "/caseworker/users/"+id+"/decides") {
			t.Fatalf("the accounts page offers to change her decision role:\n%s", p.body)
		}
		p := admin.post("/caseworker/users/"+id+"/decides", url.Values{"decides": {"false"}})
		if p.status != http.StatusConflict || !strings.Contains(html.UnescapeString(p.body), "har vedtaksrett når gruppene hennes der gir den") {
			t.Fatalf("the admin takes her decision role by hand: %d\n%s", p.status, p.body)
		}
		if u, err := b.store.Accounts.User(ctx, id); err != nil || !u.DecidesIn("0301") {
			t.Fatalf("her account after the admin's refused post: %+v %v", u, err)
		}

		op.SetPerson(idportentest.Employee("ola", "Ola Fullmakt", "ola.fullmakt@oslo.kommune.no", "groups", "g-saksbehandler"))
		if p := b.browser(t).kommuneLogin("ola", "/caseworker/"); p.status != http.StatusOK {
			t.Fatalf("her sign-in without the decision role's group: %d\n%s", p.status, p.body)
		}
		if u, err := b.store.Accounts.User(ctx, id); err != nil || u.DecidesIn("0301") || !u.Sees("0301") {
			t.Fatalf("her account after a sign-in without the decision role's group: %+v %v", u, err)
		}
		events, err := b.store.Accounts.AccountEvents(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range events {
			got = append(got, e.Actor+" "+e.Action+": "+e.Detail)
		}
		actor := accounts.ProviderActor(op.Issuer())
		want := []string{actor + " create: caseworker of 0301, with the decision role in 0301",
			actor + " grant: caseworker of 0301 (was caseworker of 0301, with the decision role in 0301)"}
		if !slices.Equal(got, want) {
			t.Fatalf("her account's log\n%q\nwant\n%q", got, want)
		}
	})
}

// TestKommuneLoginOnly: with passwords turned off, the sign-in page has
// the kommune's login alone, and a password is not taken.
func TestKommuneLoginOnly(t *testing.T) {
	t.Parallel()
	b := setupAt(t, enginetest.SQLite(t), func(base string) caseworker.Config {
		kl, _ := kommuneLogin(t, base, true)
		return caseworker.Config{KommuneLogin: kl}
	})
	b.user(t, "lokal@oslo.kommune.no", false, "0301")
	br := b.browser(t)
	if p := br.do("GET", "/caseworker/login", nil); p.status != http.StatusOK || !strings.Contains(p.body, "Logg inn med Oslo kommunes innlogging") || strings.Contains(p.body, `name="password"`) {
		t.Fatalf("the sign-in page: %d\n%s", p.status, p.body)
	}
	br.csrf = ""
	p := br.post("/caseworker/login", url.Values{"email": {"lokal@oslo.kommune.no"}, "password": {password}})
	if p.status != http.StatusForbidden || !strings.Contains(p.body, "ikke med passord") {
		t.Fatalf("a password: %d\n%s", p.status, p.body)
	}
	if p := br.kommuneLogin("kari", "/caseworker/"); p.status != http.StatusOK {
		t.Fatalf("the kommune's login: %d", p.status)
	}
}
