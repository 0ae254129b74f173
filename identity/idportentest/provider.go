// Package idportentest is a local OpenID provider that behaves like
// ID-porten's test environment, for development and tests: discovery, JWKS,
// the authorization code flow with PKCE (S256 required), id_tokens with
// ID-porten's claims (pid, acr, amr, locale, sid, a pairwise sub), sign-out
// at the end-session endpoint, synthetic TestID persons, and headless
// sign-in with login_hint=testid:<pid>_<acr> as Digdir documents it for
// automated tests. It is built on zitadel/oidc's op; nothing of OpenID
// Connect is written by hand.
//
// A person may carry claims of her own (Person.Claims), which her
// id_tokens then carry too: so the same provider plays a kommune's own
// login for caseworkers, with the name, e-mail address and groups or roles
// that Entra ID or ADFS would send (see Employee).
//
// Run it on its own with `go run ./examples/idporten-test`; a test starts
// one with httptest (see Start).
package idportentest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"

	"github.com/skjema/skjema/identity/fregtest"
)

// The levels of assurance ID-porten signs in at (the acr claim).
const (
	Substantial = "idporten-loa-substantial" // MinID, and the e-IDs of High
	High        = "idporten-loa-high"        // BankID, Buypass, Commfides
)

// Person is a synthetic TestID person.
type Person struct {
	PID  string `json:"pid"`
	Name string `json:"name"`
	// Claims are put in her id_token and userinfo beside ID-porten's:
	// none for a citizen.
	Claims map[string]any `json:"claims,omitempty"`
}

// Employee is a person of a kommune's own login: she signs in with
// LoginHint(id, Substantial), and her id_token carries her name, e-mail
// address and, under claim, the values (groups or roles) given.
func Employee(id, name, email, claim string, values ...string) Person {
	return Person{PID: id, Name: name, Claims: map[string]any{"name": name, "email": email, claim: values}}
}

// Client is a registered relying party.
type Client struct {
	ID     string
	Secret string
	// RedirectURIs are the exact callback URLs the client may use, and
	// PostLogoutRedirectURIs where it may send the person after sign-out.
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// PublicKey, with its KeyID, makes the client authenticate by
	// private_key_jwt instead of its Secret.
	PublicKey *rsa.PublicKey
	KeyID     string
}

// Config for a provider.
type Config struct {
	// Issuer is the provider's own URL, as the tokens name it.
	Issuer  string
	Clients []Client
	// Persons are those who can sign in. Required.
	Persons []Person
	// Now is the provider's clock; time.Now by default.
	Now    func() time.Time
	Logger *slog.Logger
}

// Provider is a running local ID-porten.
type Provider struct {
	issuer   string
	store    *storage
	handler  http.Handler
	callback func(context.Context, string) string
	persons  []Person
}

// New builds a provider; serve its Handler at the Issuer.
func New(cfg Config) (*Provider, error) {
	if cfg.Issuer == "" || len(cfg.Persons) == 0 {
		return nil, errors.New("idportentest: an issuer and at least one person are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	st := &storage{key: key, keyID: "idporten-test-1", clients: map[string]Client{}, persons: map[string]Person{},
		requests: map[string]*authRequest{}, codes: map[string]string{}, tokens: map[string]accessToken{}, now: cfg.Now}
	for _, c := range cfg.Clients {
		st.clients[c.ID] = c
	}
	for _, p := range cfg.Persons {
		st.persons[p.PID] = p
	}
	var cryptoKey [32]byte
	if _, err := rand.Read(cryptoKey[:]); err != nil {
		return nil, err
	}
	opCfg := &op.Config{
		CryptoKey:                cryptoKey,
		DefaultLogoutRedirectURI: "/logged-out",
		CodeMethodS256:           true,
		AuthMethodPost:           true,
		AuthMethodPrivateKeyJWT:  true,
		SupportedUILocales:       []language.Tag{language.Make("nb"), language.Make("nn"), language.English},
		SupportedClaims: []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "acr", "amr", "pid", "locale", "sid",
			"name", "email", "groups", "roles"},
	}
	provider, err := op.NewProvider(opCfg, st, op.StaticIssuer(cfg.Issuer),
		op.WithAllowInsecure(),
		// ID-porten's own paths.
		op.WithCustomEndpoints(op.NewEndpoint("authorize"), op.NewEndpoint("token"), op.NewEndpoint("userinfo"),
			op.NewEndpoint("revoke"), op.NewEndpoint("logout"), op.NewEndpoint("jwk")),
		op.WithLogger(cfg.Logger))
	if err != nil {
		return nil, err
	}
	p := &Provider{issuer: cfg.Issuer, store: st, callback: op.AuthCallbackURL(provider), persons: cfg.Persons}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", p.loginPage)
	mux.HandleFunc("POST /login", p.login)
	mux.HandleFunc("GET /logged-out", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "Du er logget ut av ID-porten (test).")
	})
	mux.Handle("/", provider)
	p.handler = mux
	return p, nil
}

// Handler serves the provider.
func (p *Provider) Handler() http.Handler { return p.handler }

// Issuer is the provider's URL.
func (p *Provider) Issuer() string { return p.issuer }

// Persons are the TestID persons who can sign in, as the provider was
// made with them.
func (p *Provider) Persons() []Person { return p.persons }

// SetPerson replaces the person of person.PID, or adds her: a kommune's
// directory that gives an employee other groups between two sign-ins. Her
// next sign-in carries the new claims; Persons is not changed.
func (p *Provider) SetPerson(person Person) {
	p.store.mu.Lock()
	defer p.store.mu.Unlock()
	p.store.persons[person.PID] = person
}

// LoginHint is the login_hint that signs the person in at the level
// without a page: testid:<pid>_<acr>.
func LoginHint(pid, acr string) string { return "testid:" + pid + "_" + acr }

func parseLoginHint(h string) (pid, acr string, ok bool) {
	rest, ok := strings.CutPrefix(h, "testid:")
	if !ok {
		return "", "", false
	}
	pid, acr, ok = strings.Cut(rest, "_")
	return pid, acr, ok && (acr == Substantial || acr == High)
}

// loginPage is TestID's: choose a person and a level, or, with a
// login_hint, no page at all.
func (p *Provider) loginPage(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	a, ok := p.store.request(id)
	if !ok {
		http.Error(w, "Ukjent innlogging", http.StatusBadRequest)
		return
	}
	if pid, acr, ok := parseLoginHint(a.req.LoginHint); ok {
		p.finish(w, r, id, pid, acr)
		return
	}
	level := Substantial
	if slices.Contains(strings.Fields(a.req.ACRValues.String()), High) {
		level = High
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	// No form-action: the form's answer redirects on to the client's callback.
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	if err := loginTemplate.Execute(w, map[string]any{"ID": id, "Persons": p.persons, "High": level == High}); err != nil {
		http.Error(w, "Siden kunne ikke vises", http.StatusInternalServerError)
	}
}

func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	acr := r.PostFormValue("acr")
	if acr != High {
		acr = Substantial
	}
	p.finish(w, r, r.PostFormValue("id"), r.PostFormValue("pid"), acr)
}

func (p *Provider) finish(w http.ResponseWriter, r *http.Request, id, pid, acr string) {
	if err := p.store.complete(id, pid, acr); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, p.callback(op.ContextWithIssuer(r.Context(), p.issuer), id), http.StatusFound)
}

// SignIDToken signs claims with the provider's key, as it signs its
// id_tokens: for tests of what a relying party refuses (a wrong audience,
// an expired token) that the provider itself would never issue.
func (p *Provider) SignIDToken(claims map[string]any) (string, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: p.store.key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", p.store.keyID))
	if err != nil {
		return "", err
	}
	return jwt.Signed(signer).Claims(claims).Serialize()
}

// locale is the language the person used at ID-porten: the first of the
// client's ui_locales it knows, else bokmål.
func locale(tags oidc.Locales) string {
	for _, t := range tags {
		base, _ := t.Base()
		switch base.String() {
		case "nb", "nn", "en", "se":
			return base.String()
		case "no":
			return "nb"
		}
	}
	return "nb"
}

var loginTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>TestID – ID-porten (lokal test)</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
fieldset{border:1px solid #888;margin:1rem 0;padding:.5rem 1rem}label{display:block;margin:.25rem 0}
button{font-size:1rem;padding:.5rem 1.5rem}</style></head>
<body><main><h1>TestID</h1>
<p>Lokal test av ID-porten. Velg en syntetisk testperson.</p>
<form method="post" action="/login"><input type="hidden" name="id" value="{{.ID}}">
<fieldset><legend>Testperson</legend>
{{range $i, $p := .Persons}}<label><input type="radio" name="pid" value="{{$p.PID}}"{{if eq $i 0}} checked{{end}}> {{$p.Name}} ({{$p.PID}})</label>
{{end}}</fieldset>
<fieldset><legend>Sikkerhetsnivå</legend>
<label><input type="radio" name="acr" value="idporten-loa-substantial"{{if not .High}} checked{{end}}> Betydelig (MinID)</label>
<label><input type="radio" name="acr" value="idporten-loa-high"{{if .High}} checked{{end}}> Høyt (BankID)</label>
</fieldset>
<button type="submit">Logg inn</button></form></main></body></html>`))

// TestIDPersons are the synthetic persons of the local Folkeregisteret
// (identity/fregtest): those who sign in here are found there.
func TestIDPersons() []Person {
	found, err := fregtest.Persons(nil)
	if err != nil {
		panic("fregtest's own data: " + err.Error())
	}
	out := make([]Person, len(found))
	for i, p := range found {
		out[i] = Person{PID: p.PID, Name: p.Name}
	}
	return out
}

// Serve starts a provider on a loopback port for the test, with the local
// Folkeregisteret's synthetic persons, until the test ends.
func Serve(t testing.TB, clients ...Client) *Provider {
	t.Helper()
	return ServeConfig(t, Config{Clients: clients, Persons: TestIDPersons()})
}

// ServeConfig starts a provider of cfg on a loopback port for the test,
// until the test ends; the Issuer is the port's URL.
func ServeConfig(t testing.TB, cfg Config) *Provider {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	cfg.Issuer = "http://" + srv.Listener.Addr().String()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = p.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return p
}

// SignIn follows a sign-in from the client's authorization URL, signed in
// headless as the person at the level, to the redirect back to the client,
// and answers that URL (with the code and state, or an error). The client
// must not follow redirects itself (CheckRedirect http.ErrUseLastResponse).
func SignIn(client *http.Client, authURL, pid, acr string) (*url.URL, error) {
	u, err := url.Parse(authURL)
	if err != nil {
		return nil, err
	}
	q := u.Query()
	q.Set("login_hint", LoginHint(pid, acr))
	u.RawQuery = q.Encode()
	issuer := u.Scheme + "://" + u.Host
	for range 10 {
		res, err := client.Get(u.String())
		if err != nil {
			return nil, err
		}
		res.Body.Close()
		if res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther {
			return nil, fmt.Errorf("%s answered %s", u.Path, res.Status)
		}
		next, err := u.Parse(res.Header.Get("Location"))
		if err != nil {
			return nil, err
		}
		if next.Scheme+"://"+next.Host != issuer {
			return next, nil
		}
		u = next
	}
	return nil, errors.New("too many redirects")
}
