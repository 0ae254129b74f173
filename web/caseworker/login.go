package caseworker

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/web/ratelimit"
)

// loginCookie carries the sign-in form's own CSRF token (there is no session
// yet), so no other site can sign a caseworker into an account of its choice.
const loginCookie = "__Host-skjema-login"

type loginView struct {
	Email, Next, Error string
}

func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) error {
	token := make([]byte, 16)
	rand.Read(token)
	csrf := hex.EncodeToString(token)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: csrf, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: 3600})
	h.render(w, r, http.StatusOK, "login", view{Title: "Logg inn", CSRF: csrf, Data: loginView{Next: safeNext(r.URL.Query().Get("next"))}})
	return nil
}

// login checks a password. Attempts are limited per address and per account
// before the password is even looked at; every failure gets the same answer.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	c, err := r.Cookie(loginCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		return errForbidden
	}
	email := strings.ToLower(strings.TrimSpace(r.PostFormValue("email")))
	next := safeNext(r.PostFormValue("next"))
	now := h.cfg.Clock()
	again := func(status int, msg string) error {
		h.render(w, r, status, "login", view{Title: "Logg inn", CSRF: c.Value, Data: loginView{Email: email, Next: next, Error: msg}})
		return nil
	}
	if !h.byAddress.Allow(ratelimit.Host(r.RemoteAddr), now) || !h.byAccount.Allow(email, now) {
		w.Header().Set("Retry-After", strconv.Itoa(int(h.cfg.LoginPerAccount.Seconds())))
		h.log.WarnContext(r.Context(), "caseworker sign-in rate limited")
		return again(http.StatusTooManyRequests, "For mange forsøk på innlogging. Vent litt før du prøver igjen.")
	}
	u, err := h.store.Authenticate(r.Context(), email, r.PostFormValue("password"))
	if errors.Is(err, engine.ErrUnauthorized) {
		return again(http.StatusUnauthorized, "E-postadressen eller passordet er feil.")
	}
	if err != nil {
		return err
	}
	sess, err := h.store.CreateSession(r.Context(), u.ID, h.cfg.SessionTTL)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Token, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Expires: sess.ExpiresAt})
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request, _ engine.User) error {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := h.store.EndSession(r.Context(), c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode, MaxAge: -1})
	http.Redirect(w, r, "/caseworker/login", http.StatusSeeOther)
	return nil
}

// safeNext keeps a post-sign-in redirect inside the caseworker UI.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/caseworker/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return "/caseworker/"
	}
	return next
}

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
	if !h.byAccount.Allow(u.Email, h.cfg.Clock()) {
		w.Header().Set("Retry-After", strconv.Itoa(int(h.cfg.LoginPerAccount.Seconds())))
		return again(http.StatusTooManyRequests, passwordView{Error: "For mange forsøk. Vent litt før du prøver igjen."})
	}
	c, _ := r.Cookie(sessionCookie)
	err := h.store.ChangePassword(r.Context(), u.ID, r.PostFormValue("current"), r.PostFormValue("next"), c.Value)
	switch {
	case errors.Is(err, engine.ErrUnauthorized):
		return again(http.StatusUnauthorized, passwordView{Error: "Det nåværende passordet er feil."})
	case errors.Is(err, engine.ErrInvalid):
		return again(http.StatusUnprocessableEntity, passwordView{Error: "Det nye passordet må ha minst 12 tegn (og høyst 72 byte)."})
	case err != nil:
		return err
	}
	return again(http.StatusOK, passwordView{Done: true})
}
