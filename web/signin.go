package web

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/skjema/skjema/engine/citizens"
	"github.com/skjema/skjema/forms"
	"github.com/skjema/skjema/identity"
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
//
// Sign-out ends the session here and sends the browser to ID-porten's
// end-session endpoint, which comes back to /auth/idporten/signed-out and
// from there to the kommune's page.

const (
	signInCookie   = "skjema_signin"
	signInPath     = "/auth/idporten/"
	signInLifetime = 10 * time.Minute
)

// signInState is what the cookie carries between 1 and 2. Only the
// citizen's own browser holds it; the return address is checked again on
// the way back.
type signInState struct {
	identity.Start
	Return string `json:"return"`
	Form   string `json:"form"`
}

// returnAllowed tells whether a page may be sent back to: one of the
// kommune sites the installation serves (Config.Origins), or this server's
// own (the example page).
func (s *Server) returnAllowed(raw string) (*url.URL, bool) {
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

// signInLogin is step 1.
func (s *Server) signInLogin(w http.ResponseWriter, r *http.Request) error {
	if s.idporten == nil {
		return errNoSignIn
	}
	f, err := s.form(r.URL.Query().Get("form"))
	if err != nil {
		return err
	}
	ret, ok := s.returnAllowed(r.URL.Query().Get("return"))
	if !ok {
		return problem(http.StatusBadRequest, "invalid-return", "Invalid return address", "return must be a page of a kommune site this installation serves")
	}
	st := signInState{Start: identity.NewStart(), Return: ret.String(), Form: f.ID}
	value, err := json.Marshal(st)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: base64.RawURLEncoding.EncodeToString(value), Path: signInPath,
		MaxAge: int(signInLifetime.Seconds()), HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
	level := f.Layout.SignIn
	if level == "" {
		level = forms.Substantial
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, s.idporten.AuthURL(st.Start, level, string(lang(r))), http.StatusFound)
	return nil
}

// signInCallback is step 2. Whatever goes wrong, the citizen is sent back
// to her page with a word the widget explains in her language; only a
// callback with no sign-in of this browser's behind it gets a page here.
func (s *Server) signInCallback(w http.ResponseWriter, r *http.Request) error {
	if s.idporten == nil {
		return errNoSignIn
	}
	w.Header().Set("Cache-Control", "no-store")
	st, ok := readSignIn(r)
	q := r.URL.Query()
	if !ok || q.Get("state") == "" || q.Get("state") != st.State {
		return s.signInLost(w) // and her own sign-in, if one is under way, goes on
	}
	http.SetCookie(w, &http.Cookie{Name: signInCookie, Value: "", Path: signInPath, MaxAge: -1, HttpOnly: true,
		Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
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
	code, err := s.store.Citizens.Begin(r.Context(), citizens.SignIn{PID: id.PID, Level: string(id.Level), Locale: id.Locale, IDToken: id.IDToken})
	if err != nil {
		s.log.ErrorContext(r.Context(), "sign-in not stored", "error", err)
		return fail("failed")
	}
	http.Redirect(w, r, back(ret, "skjema-signin="+code), http.StatusFound)
	return nil
}

func readSignIn(r *http.Request) (signInState, bool) {
	c, err := r.Cookie(signInCookie)
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
func (s *Server) signInLost(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	return lostTemplate.Execute(w, nil)
}

// signedOut is where ID-porten's sign-out comes back to; state is the
// kommune's page.
func (s *Server) signedOut(w http.ResponseWriter, r *http.Request) error {
	ret, ok := s.returnAllowed(r.URL.Query().Get("state"))
	if !ok {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, err := fmt.Fprint(w, `<!doctype html><html lang="nb"><meta charset="utf-8"><title>Logget ut</title><main><h1>Du er logget ut</h1></main></html>`)
		return err
	}
	http.Redirect(w, r, back(ret, "skjema-signed-out"), http.StatusFound)
	return nil
}

// signInInfo tells the widget whether citizens can sign in here, and what
// becomes of an application from one who does not.
func (s *Server) signInInfo(w http.ResponseWriter, r *http.Request) error {
	anonymous := string(s.store.AnonymousRoute())
	if anonymous == "" {
		anonymous = "no"
	}
	writeJSON(w, http.StatusOK, map[string]any{"idporten": s.idporten != nil, "anonymous": anonymous})
	return nil
}

type exchangeRequest struct {
	Code string `json:"code"`
}

// citizenSession is step 3: the one-time code for the session's token.
func (s *Server) citizenSession(w http.ResponseWriter, r *http.Request) error {
	body, err := readJSON(w, r)
	if err != nil {
		return err
	}
	var req exchangeRequest
	if err := json.Unmarshal(body, &req); err != nil || strings.TrimSpace(req.Code) == "" {
		return problem(http.StatusBadRequest, "invalid-request", "Invalid request", `send {"code": "…"}, the code from #skjema-signin`)
	}
	sess, err := s.store.Citizens.Exchange(r.Context(), req.Code)
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

func (s *Server) signedInCitizen(r *http.Request) (citizens.Citizen, error) {
	token, err := bearer(r)
	if err != nil {
		return citizens.Citizen{}, err
	}
	return s.store.Citizens.Citizen(r.Context(), token)
}

func (s *Server) getCitizen(w http.ResponseWriter, r *http.Request) error {
	c, err := s.signedInCitizen(r)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, citizenView{PID: c.PID, Level: c.Level, Locale: c.Locale, ExpiresAt: c.ExpiresAt})
	return nil
}

// myApplications is "Mine søknader".
func (s *Server) myApplications(w http.ResponseWriter, r *http.Request) error {
	c, err := s.signedInCitizen(r)
	if err != nil {
		return err
	}
	list, err := s.store.Citizens.Applications(r.Context(), c)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"applications": list})
	return nil
}

type signOutRequest struct {
	Return string `json:"return"`
}

// signOut ends the session, and answers where the browser goes to sign out
// of ID-porten too (and from there back to the page named).
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) error {
	token, err := bearer(r)
	if err != nil {
		return err
	}
	var req signOutRequest
	if body, err := readJSON(w, r); err == nil {
		json.Unmarshal(body, &req)
	}
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

var errNoSignIn = problem(http.StatusNotFound, "no-sign-in", "No sign-in", "this installation has no ID-porten configured")
