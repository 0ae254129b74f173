package caseworker

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/web/ratelimit"
)

// loginCookie carries the sign-in form's own CSRF token (there is no session
// yet), so no other site can sign a caseworker into an account of its choice.
const loginCookie = "__Host-skjema-login"

type loginView struct {
	Email, Next, Error string
	HTTPS              bool // sign-in is impossible here: over plain HTTP
	// KommuneLogin names the kommune's own login, for its button; empty
	// without one. NoPasswords: it is the only way in.
	KommuneLogin string
	NoPasswords  bool
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) error {
	if h.plainHTTP(r) {
		return h.needsHTTPS(w, r)
	}
	next := safeNext(r.URL.Query().Get("next"))
	if lang := r.URL.Query().Get("lang"); slices.Contains(langs, lang) {
		// The language chosen before signing in, kept for the sign-in page
		// and until she chooses one of her own.
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: lang, Path: "/caseworker/", MaxAge: 365 * 24 * 3600,
			SameSite: http.SameSiteLaxMode, Secure: true, HttpOnly: true})
		http.Redirect(w, r, "/caseworker/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		return nil
	}
	return h.showLogin(w, r, http.StatusOK, loginView{Next: next})
}

// showLogin shows the sign-in page, with a new CSRF token for its form.
func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, lv loginView) error {
	token := make([]byte, 16)
	rand.Read(token)
	csrf := hex.EncodeToString(token)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: csrf, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	h.render(w, r, status, "login", view{Title: nb("Logg inn"), CSRF: csrf, Data: h.withKommuneLogin(lv)})
	return nil
}

// withKommuneLogin adds the kommune's own login to the sign-in page.
func (h *Handler) withKommuneLogin(lv loginView) loginView {
	if h.cfg.KommuneLogin != nil {
		lv.KommuneLogin, lv.NoPasswords = h.kommuneLoginName(), h.cfg.KommuneLogin.Only
	}
	return lv
}

// startSession signs a user in: a new session, and its cookie (the
// sign-in form's own is done with).
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, userID string) error {
	sess, err := h.store.Accounts.CreateSession(r.Context(), userID, h.cfg.SessionTTL)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Expires: sess.ExpiresAt})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	return nil
}

// login checks a password. Failed attempts are limited per address, per
// account from that address and per account from everywhere, and a limit
// reached refuses before the password is even looked at; every failure
// gets the same answer.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if h.cfg.KommuneLogin != nil && h.cfg.KommuneLogin.Only {
		return h.showLogin(w, r, http.StatusForbidden, loginView{Error: fmt.Sprintf(h.tr(r, "Her logger du inn med %s, ikke med passord."), h.kommuneLoginName())})
	}
	c, err := r.Cookie(loginCookie)
	if err != nil && h.plainHTTP(r) {
		return h.needsHTTPS(w, r)
	}
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		return errForbidden
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	next := safeNext(r.PostFormValue("next"))
	now := h.cfg.Clock()
	again := func(status int, msg string) error {
		h.render(w, r, status, "login", view{Title: nb("Logg inn"), CSRF: c.Value, Data: h.withKommuneLogin(loginView{Email: email, Next: next, Error: msg})})
		return nil
	}
	attempt, wait := h.attempt(r, email, now)
	if wait > 0 {
		retryAfter(w, wait)
		h.log.WarnContext(r.Context(), "caseworker sign-in rate limited")
		return again(http.StatusTooManyRequests, nb("For mange forsøk på innlogging. Vent litt før du prøver igjen."))
	}
	u, err := h.store.Accounts.Authenticate(r.Context(), email, r.PostFormValue("password"))
	attempt.done(errors.Is(err, engine.ErrUnauthorized))
	if errors.Is(err, engine.ErrUnauthorized) {
		return again(http.StatusUnauthorized, nb("E-postadressen eller passordet er feil."))
	}
	if err != nil {
		return err
	}
	if err := h.startSession(w, r, u.ID); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// plainHTTP tells a request that came over plain HTTP to a host that is not
// this machine: the browser then drops the sign-in's cookies, which are
// Secure (browsers take them over http only from localhost), and sign-in
// cannot work. Behind a proxy that terminates TLS, the installation says so
// (Config.BehindHTTPS), or the proxy's X-Forwarded-Proto or Forwarded
// header does; they only choose which page is shown, and grant nothing.
func (h *Handler) plainHTTP(r *http.Request) bool {
	if r.TLS != nil || h.cfg.BehindHTTPS {
		return false
	}
	first := func(v string) string { s, _, _ := strings.Cut(v, ","); return strings.ToLower(strings.TrimSpace(s)) }
	if first(r.Header.Get("X-Forwarded-Proto")) == "https" || strings.Contains(first(r.Header.Get("Forwarded")), "proto=https") {
		return false
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// needsHTTPS says, in the sign-in page, that sign-in needs HTTPS, and tells
// the operator in the log, once.
func (h *Handler) needsHTTPS(w http.ResponseWriter, r *http.Request) error {
	if h.plainHTTPLogged.CompareAndSwap(false, true) { // once: a scanner must not fill the log
		h.log.WarnContext(r.Context(), "caseworker sign-in over plain HTTP: browsers drop its Secure cookies; serve it over HTTPS (a TLS-terminating proxy, with -hsts)")
	}
	h.render(w, r, http.StatusBadRequest, "login", view{Title: nb("Logg inn"), Data: loginView{HTTPS: true,
		Error: nb("Innlogging krever en sikker forbindelse (HTTPS). Adressen begynner med http://, og da kan ikke nettleseren holde på innloggingen. Bruk adressen med https://, eller be den som drifter Skjema om å sette opp HTTPS.")}})
	return nil
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, _ engine.User) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := h.store.Accounts.EndSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/caseworker/login", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-sign-in redirect inside the caseworker UI: a path
// (no scheme, no host) that, decoded and cleaned of dot segments, is under
// /caseworker/, with its query; anything else goes to the queue. The next
// a page asks for is its own escaped request URI, so it is printable ASCII
// decoding to the same: a control character, a space, anything beyond
// ASCII or a backslash, raw or percent-encoded, is refused, as browsers
// read some of them as a slash or drop them where Go's URL parser does not.
func safeNext(next string) string {
	const queue = "/caseworker/"
	u, err := url.Parse(next)
	if err != nil || !strings.HasPrefix(next, "/") || u.Host != "" || strings.ContainsFunc(next+u.Path, notInNext) {
		return queue
	}
	clean := path.Clean(u.Path)
	if strings.HasSuffix(u.Path, "/") && clean != "/" {
		clean += "/"
	}
	if !strings.HasPrefix(clean, queue) {
		return queue
	}
	return (&url.URL{Path: clean, RawQuery: u.RawQuery}).String()
}

// notInNext: a rune no redirect after sign-in has, raw or decoded.
func notInNext(r rune) bool { return r <= ' ' || r >= 0x7f || r == '\\' }

type passwordView struct {
	Error string
	Done  bool
}

func (h *Handler) passwordPage(w http.ResponseWriter, r *http.Request, u engine.User) error {
	h.render(w, r, http.StatusOK, "password", view{Title: "Bytt passord", User: &u, Data: passwordView{}})
	return nil
}

// changePassword needs the current password, limited like a sign-in, so a
// session left open cannot be turned into the account.
func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request, u engine.User) error {
	again := func(status int, v passwordView) error {
		h.render(w, r, status, "password", view{Title: "Bytt passord", User: &u, Data: v})
		return nil
	}
	attempt, wait := h.attempt(r, u.Email, h.cfg.Clock())
	if wait > 0 {
		retryAfter(w, wait)
		return again(http.StatusTooManyRequests, passwordView{Error: nb("For mange forsøk. Vent litt før du prøver igjen.")})
	}
	c, _ := r.Cookie(sessionCookie)
	err := h.store.Accounts.ChangePassword(r.Context(), u.ID, r.PostFormValue("current"), r.PostFormValue("next"), c.Value)
	attempt.done(errors.Is(err, engine.ErrUnauthorized))
	switch {
	case errors.Is(err, engine.ErrUnauthorized):
		return again(http.StatusUnauthorized, passwordView{Error: nb("Det nåværende passordet er feil.")})
	case errors.Is(err, engine.ErrInvalid):
		return again(http.StatusUnprocessableEntity, passwordView{Error: nb("Det nye passordet må ha minst 12 tegn (og høyst 72 byte).")})
	case err != nil:
		return err
	}
	return again(http.StatusOK, passwordView{Done: true})
}

// signInAttempt is one password check, holding an event of each sign-in
// limit until it is known whether the password was wrong.
type signInAttempt struct {
	limits [3]*ratelimit.Keyed
	keys   [3]string
	clock  func() time.Time
}

// attempt takes an event of each limit a password check for email from
// this request counts against. If one has none left, it gives back what it
// took and answers how long to wait.
func (h *Handler) attempt(r *http.Request, email string, now time.Time) (signInAttempt, time.Duration) {
	address := ratelimit.Host(r.RemoteAddr)
	a := signInAttempt{
		limits: [3]*ratelimit.Keyed{h.byAddress, h.byAccountFrom, h.byAccount},
		keys:   [3]string{address, address + " " + email, email}, // an address has no space
		clock:  h.cfg.Clock,
	}
	for i, l := range a.limits {
		if !l.Allow(a.keys[i], now) {
			a.refund(i, now)
			return a, max(l.RetryAfter(a.keys[i], now), time.Second)
		}
	}
	return a, 0
}

// done ends the attempt: a failed one stays counted; any other outcome (a
// success, or an error of ours) is given back.
func (a signInAttempt) done(failed bool) {
	if !failed {
		a.refund(len(a.limits), a.clock())
	}
}

// refund gives back the events taken of the first n limits.
func (a signInAttempt) refund(n int, now time.Time) {
	for i := range n {
		a.limits[i].Refund(a.keys[i], now)
	}
}

// retryAfter says in whole seconds, rounded up, when to try again.
func retryAfter(w http.ResponseWriter, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
}
