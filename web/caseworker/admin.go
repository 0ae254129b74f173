package caseworker

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/skjema/skjema/engine"
	"github.com/skjema/skjema/engine/accounts"
	"github.com/skjema/skjema/engine/casework"
	"github.com/skjema/skjema/forms/nid"
)

// auditView is an application's whole audit trail, reads included.
type auditView struct {
	App    engine.Application
	Events []eventView
}

// auditPage lists every event of an application, for an admin of its
// kommune. Listing it is itself audited. Others get 404.
func (h *Handler) auditPage(w http.ResponseWriter, r *http.Request, u engine.User) error {
	if !u.Admin {
		return errNotFound
	}
	a, err := h.store.Casework.OpenCase(r.Context(), u, r.PathValue("id"), casework.ActionViewAudit, "")
	if err != nil {
		return err
	}
	f, doc, err := h.document(a)
	if err != nil {
		return err
	}
	events, err := h.store.Events(r.Context(), a.ID)
	if err != nil {
		return err
	}
	files, err := h.fileNames(r, a.ID)
	if err != nil {
		return err
	}
	v := auditView{App: a}
	names := map[string]string{}
	for _, e := range events {
		v.Events = append(v.Events, h.event(r, names, f, doc, files, e))
	}
	h.render(w, r, http.StatusOK, "audit", view{Title: "Revisjonslogg", User: &u, Data: v})
	return nil
}

type usersView struct {
	Accounts []engine.Account
	// Created is a new account, or Reset one given a new start password;
	// Password is that password, shown once.
	Created, Reset *engine.User
	Password       string
	Error          string
	Email, Name    string
	Kommuner       string
	// UnitChoices are the units of the admin's kommuner, where the
	// installation divides them; Units what she wrote for the new account.
	UnitChoices []string
	Units       string
}

func (h *Handler) usersPage(w http.ResponseWriter, r *http.Request, u engine.User) error {
	return h.showUsers(w, r, u, http.StatusOK, usersView{})
}

func (h *Handler) showUsers(w http.ResponseWriter, r *http.Request, u engine.User, status int, v usersView) error {
	if !u.Admin {
		return errNotFound
	}
	var err error
	if v.Accounts, err = h.store.Accounts.Accounts(r.Context(), u); err != nil {
		return err
	}
	for _, k := range u.Kommuner {
		for _, un := range h.store.Units().In(k) {
			v.UnitChoices = append(v.UnitChoices, un.ID+" ("+un.Name+")")
		}
	}
	h.render(w, r, status, "users", view{Title: nb("Brukere"), User: &u, Data: v})
	return nil
}

// startPassword makes a password for an admin to hand over, once.
func startPassword() string {
	b := make([]byte, 15)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// addUser creates an account with a generated start password, shown once to
// the admin to hand over; it is never stored or logged in clear, and the
// user must change it at her first sign-in. The engine refuses an account
// for a kommune that is not the admin's.
func (h *Handler) addUser(w http.ResponseWriter, r *http.Request, u engine.User) error {
	if !u.Admin {
		return errNotFound
	}
	password := startPassword()
	nu := engine.NewUser{Email: strings.TrimSpace(r.PostFormValue("email")), Name: r.PostFormValue("name"),
		Admin: r.PostFormValue("admin") == "on", Decides: r.PostFormValue("decides") == "on", Kommuner: strings.Fields(strings.ReplaceAll(r.PostFormValue("kommuner"), ",", " ")), Password: password}
	again := usersView{Email: nu.Email, Name: nu.Name, Kommuner: r.PostFormValue("kommuner"), Units: r.PostFormValue("units")}
	refs, err := h.store.Units().Resolve(strings.Fields(strings.ReplaceAll(r.PostFormValue("units"), ",", " ")), nu.Kommuner)
	if err != nil {
		again.Error = fmt.Sprintf(h.tr(r, "Enhetene stemmer ikke: %s."), err.Error())
		return h.showUsers(w, r, u, http.StatusUnprocessableEntity, again)
	}
	nu.Units = refs
	created, err := h.store.Accounts.CreateAccount(r.Context(), u, nu)
	if err != nil {
		if errors.Is(err, engine.ErrForbidden) {
			again.Error = fmt.Sprintf(h.tr(r, "Du kan bare opprette brukere for dine egne kommuner (%s)."), strings.Join(u.Kommuner, ", "))
			if len(u.Kommuner) == 0 {
				again.Error = nb("Du hører ikke til noen kommune, og kan ikke opprette brukere.")
			}
			return h.showUsers(w, r, u, http.StatusForbidden, again)
		}
		var ke *accounts.KommuneError
		if errors.As(err, &ke) {
			again.Error = kommuneRefusal(h.langOf(r), ke)
			return h.showUsers(w, r, u, http.StatusUnprocessableEntity, again)
		}
		if _, msg, ok := refusal(h.langOf(r), err); ok {
			again.Error = msg
			return h.showUsers(w, r, u, http.StatusUnprocessableEntity, again)
		}
		return err
	}
	return h.showUsers(w, r, u, http.StatusCreated, usersView{Created: &created, Password: password})
}

// kommuneRefusal says why a kommunenummer cannot be given to an account.
func kommuneRefusal(lang string, ke *accounts.KommuneError) string {
	switch ke.Reason {
	case nid.ReasonUnknown:
		return fmt.Sprintf(translate(lang, "Kommunenummeret %s finnes ikke i kommuneregisteret."), ke.Number)
	case nid.ReasonExpired:
		return fmt.Sprintf(translate(lang, "Kommunenummeret %s er ikke lenger i bruk (kommunen er slått sammen eller delt). Bruk kommunens nye nummer."), ke.Number)
	}
	return fmt.Sprintf(translate(lang, "«%s» er ikke et kommunenummer. Skriv fire sifre."), ke.Number)
}

func (h *Handler) disableUser(w http.ResponseWriter, r *http.Request, u engine.User) error {
	if !u.Admin {
		return errNotFound
	}
	id := r.PathValue("id")
	if id == u.ID {
		return h.showUsers(w, r, u, http.StatusConflict, usersView{Error: nb("Du kan ikke deaktivere deg selv.")})
	}
	if err := h.store.Accounts.SetDisabled(r.Context(), u, id, r.PostFormValue("disabled") == "true"); err != nil {
		return err
	}
	http.Redirect(w, r, "/caseworker/users", http.StatusSeeOther)
	return nil
}

// setDecides gives an account of the admin's the decision role
// (fullmaktshaver) in its kommuner, or takes it away. An account of the
// kommune's login has the role its groups give it, and the page says so.
func (h *Handler) setDecides(w http.ResponseWriter, r *http.Request, u engine.User) error {
	if !u.Admin {
		return errNotFound
	}
	err := h.store.Accounts.SetDecides(r.Context(), u, r.PathValue("id"), r.PostFormValue("decides") == "true")
	if errors.Is(err, accounts.ErrGroupsDecide) {
		return h.showUsers(w, r, u, http.StatusConflict, usersView{Error: nb("Brukeren logger inn med kommunens innlogging, og har vedtaksrett når gruppene hennes der gir den. Be den som gir tilganger i kommunen, om å endre gruppene.")})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/caseworker/users", http.StatusSeeOther)
	return nil
}

// resetPassword gives an account of the admin's a new start password, shown
// once; the user's sessions end and she must change it at her next sign-in.
func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request, u engine.User) error {
	if !u.Admin {
		return errNotFound
	}
	id := r.PathValue("id")
	password := startPassword()
	if err := h.store.Accounts.ResetPassword(r.Context(), u, id, password); err != nil {
		return err
	}
	accounts, err := h.store.Accounts.Accounts(r.Context(), u)
	if err != nil {
		return err
	}
	for _, a := range accounts {
		if a.ID == id {
			return h.showUsers(w, r, u, http.StatusOK, usersView{Reset: &a.User, Password: password})
		}
	}
	return errNotFound
}
