// Package signin is the citizen's sign-in with ID-porten over HTTP, for a
// widget that lives on the kommune's own site, and what a signed-in
// citizen does with it: her session, "Mine søknader", sign-out, and her
// draft filled from Folkeregisteret. Package web mounts its handlers in
// its route table and maps the errors they answer (Error, and the
// engine's) to problem documents.
package signin

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/citizens"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/identity"
	"github.com/skjema/skjema/identity/freg"
)

// Sign-in with ID-porten, for a widget that lives on the kommune's own
// site, where this server's cookies are third-party ones a browser may
// block. So it works by top-level navigation, not in the page:
//
//  1. The widget sends the browser to /auth/idporten/login with the form
//     and the page to come back to. The sign-in's state, nonce and PKCE
//     verifier go in a first-party cookie of this server (the browser is
//     on this server's address), and the browser on to ID-porten.
//  2. ID-porten sends it back to /auth/idporten/callback, a top-level
//     navigation again, so the cookie (SameSite=Lax) comes along. The code
//     is exchanged and the id_token checked (identity.IDPorten); the
//     session is stored under a one-time code (engine/citizens), and the
//     browser goes back to the kommune's page with #skjema-signin=<code>.
//  3. The widget trades the code for a bearer token (POST
//     /api/v1/citizen/session), which it keeps in the tab's sessionStorage.
//     It shows a secret only it holds, whose S256 it gave in 1 (binding):
//     a code sent to another browser signs no one in there.
//
// Sign-out ends the session here and sends the browser to ID-porten's
// end-session endpoint, which comes back to /auth/idporten/signed-out and
// from there to the kommune's page.

// Config for the sign-in.
type Config struct {
	Store *engine.Store
	Forms *forms.Registry
	// IDPorten signs citizens in; nil: no sign-in here.
	IDPorten *identity.IDPorten
	// Folkeregisteret fills a signed-in citizen's draft; nil: she fills in
	// by hand.
	Folkeregisteret *freg.Client
	// PublicURL is this server as browsers reach it (required with
	// IDPorten); Origins the kommune sites a sign-in may return to.
	PublicURL string
	Origins   []string
	Logger    *slog.Logger
}

// Service is the sign-in's handlers.
type Service struct {
	store         *engine.Store
	forms         *forms.Registry
	idporten      *identity.IDPorten
	freg          *freg.Client
	publicOrigin  string
	secureCookies bool
	origins       map[string]bool
	log           *slog.Logger
}

// New builds the service.
func New(cfg Config) (*Service, error) {
	s := &Service{store: cfg.Store, forms: cfg.Forms, idporten: cfg.IDPorten, freg: cfg.Folkeregisteret, log: cfg.Logger, origins: map[string]bool{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	for _, o := range cfg.Origins {
		s.origins[strings.TrimSuffix(o, "/")] = true
	}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("signin: PublicURL %q is not an http(s) address", cfg.PublicURL)
		}
		s.publicOrigin, s.secureCookies = u.Scheme+"://"+u.Host, u.Scheme == "https"
	} else if cfg.IDPorten != nil {
		return nil, errors.New("signin: PublicURL is required with IDPorten")
	}
	return s, nil
}

// Error is a refusal with its HTTP status and the problem type web
// answers it as.
type Error struct {
	Status              int
	Kind, Title, Detail string
}

func (e *Error) Error() string { return e.Title + ": " + e.Detail }

func refusal(status int, kind, title, detail string) *Error {
	return &Error{Status: status, Kind: kind, Title: title, Detail: detail}
}

const (
	signInPath     = "/auth/idporten/"
	signInLifetime = 10 * time.Minute
)

// cookie is the sign-in's cookie as set. On https it is a __Host- cookie
// (Secure, Path=/, no Domain), which a sibling subdomain cannot plant; on
// http (a developer's loopback) a plain one on the sign-in's path.
func (s *Service) cookie(value string, maxAge int) *http.Cookie {
	c := &http.Cookie{Name: "skjema_signin", Value: value, Path: signInPath, MaxAge: maxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if s.secureCookies {
		c.Name, c.Path, c.Secure = "__Host-skjema_signin", "/", true
	}
	return c
}

// signInState is what the cookie carries between 1 and 2. Only the
// citizen's own browser holds it; the return address is checked again on
// the way back.
type signInState struct {
	identity.Start
	Return string `json:"return"`
	Form   string `json:"form"`
	// Binding is the S256 of a secret the widget's tab keeps: the one-time
	// code is traded only with that secret (citizens.SignIn.Binding).
	Binding string `json:"binding"`
}

// returnAllowed tells whether a page may be sent back to: one of the
// kommune sites the installation serves (Config.Origins), or this server's
// own (the example page).
func (s *Service) returnAllowed(raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return nil, false
	}
	origin := u.Scheme + "://" + u.Host
	return u, s.origins[origin] || origin == s.publicOrigin
}

// back is the kommune's page with a fragment the widget reads.
func back(u *url.URL, fragment string) string {
	v := *u
	v.Fragment = ""
	return v.String() + "#" + fragment
}

// Login is step 1.
func (s *Service) Login(w http.ResponseWriter, r *http.Request) error {
	if s.idporten == nil {
		return errNoSignIn
	}
	f, err := s.form(r.URL.Query().Get("form"))
	if err != nil {
		return err
	}
	ret, ok := s.returnAllowed(r.URL.Query().Get("return"))
	if !ok {
		return refusal(http.StatusBadRequest, "invalid-return", "Invalid return address", "return must be a page of a kommune site this installation serves")
	}
	binding := r.URL.Query().Get("binding")
	if !bindingPattern.MatchString(binding) {
		return refusal(http.StatusBadRequest, "invalid-binding", "Invalid binding", "binding must be the S256 (base64url of SHA-256) of a secret the page keeps until the sign-in comes back")
	}
	st := signInState{Start: identity.NewStart(), Return: ret.String(), Form: f.ID, Binding: binding}
	value, err := json.Marshal(st)
	if err != nil {
		return err
	}
	http.SetCookie(w, s.cookie(base64.RawURLEncoding.EncodeToString(value), int(signInLifetime.Seconds())))
	level := f.Layout.SignIn
	if level == "" {
		level = forms.Substantial
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.idporten.AuthURL(st.Start, level, string(Lang(r))), http.StatusFound)
	return nil
}

// Callback is step 2. Whatever goes wrong, the citizen is sent back
// to her page with a word the widget explains in her language; only a
// callback with no sign-in of this browser's behind it gets a page here.
func (s *Service) Callback(w http.ResponseWriter, r *http.Request) error {
	if s.idporten == nil {
		return errNoSignIn
	}
	w.Header().Set("Cache-Control", "no-store")
	st, ok := readSignIn(r, s.cookie("", 0).Name)
	q := r.URL.Query()
	if !ok || q.Get("state") == "" || q.Get("state") != st.State {
		return s.signInLost(w) // and her own sign-in, if one is under way, goes on
	}
	http.SetCookie(w, s.cookie("", -1))
	ret, ok := s.returnAllowed(st.Return)
	if !ok {
		return s.signInLost(w)
	}
	fail := func(reason string) error {
		http.Redirect(w, r, back(ret, "skjema-signin-error="+reason), http.StatusFound)
		return nil
	}
	if q.Get("error") != "" {
		return fail("cancelled") // she stopped at ID-porten, or it refused
	}
	f, err := s.form(st.Form)
	if err != nil {
		return fail("failed")
	}
	level := f.Layout.SignIn
	if level == "" {
		level = forms.Substantial
	}
	id, err := s.idporten.Exchange(r.Context(), st.Start, q.Get("code"), level)
	switch {
	case errors.Is(err, identity.ErrLevel):
		return fail("level")
	case err != nil:
		s.log.WarnContext(r.Context(), "sign-in refused", "error", err)
		return fail("failed")
	}
	code, err := s.store.Citizens.Begin(r.Context(), citizens.SignIn{PID: id.PID, Level: string(id.Level), Locale: id.Locale, IDToken: id.IDToken,
		Binding: st.Binding})
	if err != nil {
		s.log.ErrorContext(r.Context(), "sign-in not stored", "error", err)
		return fail("failed")
	}
	http.Redirect(w, r, back(ret, "skjema-signin="+code), http.StatusFound)
	return nil
}

func readSignIn(r *http.Request, name string) (signInState, bool) {
	c, err := r.Cookie(name)
	if err != nil {
		return signInState{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return signInState{}, false
	}
	var st signInState
	if err := json.Unmarshal(raw, &st); err != nil || st.State == "" {
		return signInState{}, false
	}
	return st, true
}

var lostTemplate = template.Must(template.New("lost").Parse(`<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Innloggingen ble ikke fullført</title></head>
<body><main><h1>Innloggingen ble ikke fullført</h1>
<p>Innloggingen tok for lang tid, eller ble startet i en annen nettleser. Gå tilbake til søknadsskjemaet og logg inn på nytt.
Svarene du har lagret, er tatt vare på.</p></main></body></html>`))

// signInLost answers a callback this browser did not start (or started
// more than signInLifetime ago): there is no page to send her back to.
func (s *Service) signInLost(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	return lostTemplate.Execute(w, nil)
}

// SignedOut is where ID-porten's sign-out comes back to; state is the
// kommune's page.
func (s *Service) SignedOut(w http.ResponseWriter, r *http.Request) error {
	ret, ok := s.returnAllowed(r.URL.Query().Get("state"))
	if !ok {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, err := fmt.Fprint(w, `<!doctype html><html lang="nb"><meta charset="utf-8"><title>Logget ut</title><main><h1>Du er logget ut</h1></main></html>`)
		return err
	}
	http.Redirect(w, r, back(ret, "skjema-signed-out"), http.StatusFound)
	return nil
}

// Info tells the widget whether citizens can sign in here, and what
// becomes of an application from one who does not.
func (s *Service) Info(w http.ResponseWriter, r *http.Request) error {
	anonymous := string(s.store.AnonymousRoute())
	if anonymous == "" {
		anonymous = "no"
	}
	writeJSON(w, http.StatusOK, map[string]any{"idporten": s.idporten != nil, "anonymous": anonymous})
	return nil
}

type exchangeRequest struct {
	Code   string `json:"code"`
	Secret string `json:"secret"` // the tab's, whose S256 was the binding
}

// bindingPattern is an S256: 43 base64url characters.
var bindingPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)

// Session is step 3: the one-time code for the session's token.
func (s *Service) Session(w http.ResponseWriter, r *http.Request) error {
	var req exchangeRequest
	if err := readJSON(w, r, &req); err != nil || strings.TrimSpace(req.Code) == "" || req.Secret == "" {
		return refusal(http.StatusBadRequest, "invalid-request", "Invalid request", `send {"code": "…", "secret": "…"}: the code from #skjema-signin, and the secret whose S256 the sign-in was started with`)
	}
	sess, err := s.store.Citizens.Exchange(r.Context(), req.Code, req.Secret)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, sess)
	return nil
}

// citizenView is the signed-in citizen as the widget shows her.
type citizenView struct {
	PID       string    `json:"pid"`
	Level     string    `json:"level"`
	Locale    string    `json:"locale"`
	ExpiresAt time.Time `json:"expiresAt"`
}

func (s *Service) signedInCitizen(r *http.Request) (citizens.Citizen, error) {
	token, err := Bearer(r)
	if err != nil {
		return citizens.Citizen{}, err
	}
	return s.store.Citizens.Citizen(r.Context(), token)
}

func (s *Service) Citizen(w http.ResponseWriter, r *http.Request) error {
	c, err := s.signedInCitizen(r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, citizenView{PID: c.PID, Level: c.Level, Locale: c.Locale, ExpiresAt: c.ExpiresAt})
	return nil
}

// levelFor refuses a session below the level of sign-in the form asks
// for: what a session reads of an application is what it could have sent
// (a startlån's finances need ID-porten's high level, bostøtte's
// substantial one).
func levelFor(c citizens.Citizen, f *forms.Form) error {
	return citizens.AtLevel(c.Level, f.Layout.SignIn)
}

// AtLevel refuses a citizen's session (token) below the level of sign-in
// of form: the check for what her session reads or changes with the API's
// other calls (her draft, its files, its status, her copy). Any other token
// is checked where it is used.
func (s *Service) AtLevel(ctx context.Context, token, form string) error {
	if !engine.IsCitizenToken(token) {
		return nil
	}
	c, err := s.store.Citizens.Citizen(ctx, token)
	if err != nil {
		return err
	}
	_, err = s.formAt(c, form)
	return err
}

// formAt is the form, if the session is at the level of sign-in it asks
// for.
func (s *Service) formAt(c citizens.Citizen, form string) (*forms.Form, error) {
	f, err := s.form(form)
	if err != nil {
		return nil, err
	}
	return f, levelFor(c, f)
}

// Applications is "Mine søknader". An application of a form that asks for
// a higher level of sign-in than her session's is listed with what it is
// and where it stands, and the level it needs (signInLevel), but not the
// kommune's words or letters: she signs in at that level to read them.
func (s *Service) Applications(w http.ResponseWriter, r *http.Request) error {
	c, err := s.signedInCitizen(r)
	if err != nil {
		return err
	}
	list, err := s.store.Citizens.Applications(r.Context(), c)
	if err != nil {
		return err
	}
	lang := Lang(r)
	for i, a := range list {
		f, err := s.form(a.Form)
		if err == nil {
			list[i].FormTitle, list[i].StatusText = f.Text(lang, "form.title"), f.Text(lang, "ui.status."+a.Status)
		}
		if err == nil && levelFor(c, f) == nil {
			continue
		}
		// Below the form's level, or a form no longer served (whose level
		// is not known): where it stands, and no more.
		list[i].Message, list[i].AgencyReason, list[i].Messages, list[i].Letters = "", "", list[i].Messages[:0], list[i].Letters[:0]
		if err == nil {
			list[i].SignInLevel = f.Layout.SignIn
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"applications": list})
	return nil
}

// Letter is one letter of Mine søknader: the PDF the kommune sent her.
func (s *Service) Letter(w http.ResponseWriter, r *http.Request) error {
	c, err := s.signedInCitizen(r)
	if err != nil {
		return err
	}
	l, content, err := s.store.Citizens.Letter(r.Context(), c, r.PathValue("id"), r.PathValue("letter"))
	if err != nil {
		return err
	}
	a, err := s.store.Application(r.Context(), l.ApplicationID)
	if err != nil {
		return err
	}
	if _, err := s.formAt(c, a.Form); err != nil {
		return err
	}
	SendPDF(w, l.Name, content)
	return nil
}

// SendPDF answers a PDF (a letter or a copy, for a citizen or an agency)
// as a download that no cache keeps and no browser runs anything in.
func SendPDF(w http.ResponseWriter, name string, content []byte) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Content-Length", strconv.Itoa(len(content)))
	w.Write(content)
}

type signOutRequest struct {
	Return string `json:"return"`
}

// SignOut ends the session, and answers where the browser goes to sign out
// of ID-porten too (and from there back to the page named).
func (s *Service) SignOut(w http.ResponseWriter, r *http.Request) error {
	token, err := Bearer(r)
	if err != nil {
		return err
	}
	var req signOutRequest
	readJSON(w, r, &req) // a sign-out without a page to return to is one all the same
	idToken, err := s.store.Citizens.SignOut(r.Context(), token)
	if err != nil {
		return err
	}
	out := map[string]string{}
	if ret, ok := s.returnAllowed(req.Return); ok && s.idporten != nil && idToken != "" {
		out["endSessionUrl"] = s.idporten.EndSessionURL(idToken, s.publicOrigin+signInPath+"signed-out", ret.String())
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

var errNoSignIn = refusal(http.StatusNotFound, "no-sign-in", "No sign-in", "this installation has no ID-porten configured")
